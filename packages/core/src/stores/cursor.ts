/**
 * Opaque pagination cursors and the one paging routine every store shares,
 * so memory, keyv, Redis and Postgres stores order and resume identically.
 *
 * A cursor names the last item of the previous page by its position
 * (`at`, `id`), not by an offset: items inserted while someone pages never
 * shift the pages, so no pre-existing item is repeated or skipped.
 *
 * @module
 */
import { KeygateError, ValidationError } from '../errors.js';
import type { Page } from '../types.js';

/** Where an item sits in a newest-first listing: its time, then its id as tie-breaker. */
export interface CursorPosition {
  /** Epoch milliseconds (a key's `createdAt`, an event's `at`); a non-negative integer. */
  at: number;
  id: string;
}

/** Largest page a listing returns; larger requests are rejected rather than silently cut. */
export const MAX_PAGE_SIZE = 100;

// Cursors come back from clients: cap the work spent on one before parsing.
const MAX_CURSOR_LENGTH = 512;
const MAX_ID_LENGTH = 256;
const CURSOR_VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function invalidCursor(): KeygateError {
  return new KeygateError('INVALID_CURSOR', 'Invalid pagination cursor');
}

/** Encodes a position as an opaque, URL-safe cursor (base64url of versioned JSON). */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, at: position.at, id: position.id }), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor}.
 *
 * Accepts only the exact canonical encoding of `{ v, at, id }` with own
 * properties, so tampered, truncated, oversized or prototype-polluting input is
 * refused rather than half-understood.
 *
 * @throws KeygateError with code `INVALID_CURSOR` for anything else.
 */
export function decodeCursor(cursor: unknown): CursorPosition {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw invalidCursor();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidCursor();
  const record = parsed as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== 3 || !Object.hasOwn(record, 'v') || !Object.hasOwn(record, 'at') || !Object.hasOwn(record, 'id')) {
    throw invalidCursor();
  }
  const { v, at, id } = record;
  if (v !== CURSOR_VERSION) throw invalidCursor();
  if (typeof at !== 'number' || !Number.isSafeInteger(at) || at < 0) throw invalidCursor();
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) throw invalidCursor();
  const position = { at, id };
  // Base64 decoding is lenient (padding, trailing bits); only the canonical form is ours.
  if (encodeCursor(position) !== cursor) throw invalidCursor();
  return position;
}

/**
 * Orders two positions newest first: negative when `a` comes before `b`
 * (`at` descending, then `id` descending by UTF-16 code units, never by locale).
 */
export function comparePositions(a: CursorPosition, b: CursorPosition): number {
  if (a.at !== b.at) return b.at - a.at;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

/** Sorts `items` in place newest first by `position`; returns the same array. */
export function sortNewestFirst<T>(items: T[], position: (item: T) => CursorPosition): T[] {
  return items.sort((a, b) => comparePositions(position(a), position(b)));
}

/**
 * Checks a page size: an integer from 1 to {@link MAX_PAGE_SIZE}.
 *
 * @throws ValidationError (`VALIDATION_FAILED`) otherwise.
 */
export function assertPageSize(limit: unknown): asserts limit is number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError([{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
}

/**
 * One page of `items`, which must already be sorted newest first (see
 * {@link sortNewestFirst}). The page starts after the position `cursor` names,
 * whether or not that item still exists, and `nextCursor` marks its last item
 * when more follow.
 *
 * @throws KeygateError `INVALID_CURSOR` for a malformed cursor; ValidationError for a bad `limit`.
 */
export function paginate<T>(items: T[], position: (item: T) => CursorPosition, limit: number, cursor?: string): Page<T> {
  assertPageSize(limit);
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    // First index strictly after the cursor position (binary search over the sorted list).
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(position(items[mid]!), after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const end = Math.min(start + limit, items.length);
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length && end > start) page.nextCursor = encodeCursor(position(items[end - 1]!));
  return page;
}
