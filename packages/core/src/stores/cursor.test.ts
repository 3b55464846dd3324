import { describe, expect, it } from 'vitest';
import { KeygateError } from '../errors.js';
import { comparePositions, decodeCursor, encodeCursor, paginate, sortNewestFirst, type CursorPosition } from './cursor.js';

const ids = (list: CursorPosition[]) => list.map((i) => i.id);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function expectInvalid(cursor: unknown): void {
  let caught: unknown;
  try {
    decodeCursor(cursor);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KeygateError);
  expect((caught as KeygateError).code).toBe('INVALID_CURSOR');
  expect((caught as KeygateError).message).toBe('Invalid pagination cursor');
}

describe('encodeCursor / decodeCursor', () => {
  it('round-trips positions, including ids with any characters', () => {
    for (const position of [{ at: 0, id: 'a' }, { at: 1_700_000_000_000, id: 'key_:%/"\\ü🔑' }]) {
      const cursor = encodeCursor(position);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toEqual(position);
    }
  });

  it('rejects non-strings, empty, oversized and non-base64url input', () => {
    for (const cursor of [undefined, null, 42, {}, [], '', 'A'.repeat(513), 'abc def', 'abc=', 'a+b/', '\u0000']) expectInvalid(cursor);
  });

  it('rejects base64url that is not the expected JSON', () => {
    for (const text of ['garbage', 'null', '[]', '"x"', '1', '{}', '{"v":1}', '{"v":2,"at":1,"id":"x"}', '{"at":1,"id":"x"}', '{"v":1,"at":1,"id":"x","extra":1}']) {
      expectInvalid(b64(text));
    }
  });

  it('rejects wrong types and out-of-range values', () => {
    for (const body of [
      { v: 1, at: -1, id: 'x' },
      { v: 1, at: 1.5, id: 'x' },
      { v: 1, at: '1', id: 'x' },
      { v: 1, at: 2 ** 60, id: 'x' },
      { v: 1, at: 1, id: '' },
      { v: 1, at: 1, id: 7 },
      { v: 1, at: 1, id: 'x'.repeat(257) },
      { v: '1', at: 1, id: 'x' },
    ]) {
      expectInvalid(b64(JSON.stringify(body)));
    }
  });

  it('rejects prototype-pollution payloads and leaves Object.prototype alone', () => {
    for (const text of [
      '{"__proto__":{"v":1,"at":1,"id":"x"}}',
      '{"v":1,"__proto__":{"at":1,"id":"x"}}',
      '{"v":1,"at":1,"id":"x","__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}},"v":1,"at":1}',
    ]) {
      expectInvalid(b64(text));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects non-canonical encodings of a valid cursor', () => {
    const cursor = encodeCursor({ at: 5, id: 'abc' });
    expectInvalid(b64('{"id":"abc","at":5,"v":1}'));
    expectInvalid(b64(' {"v":1,"at":5,"id":"abc"}'));
    expectInvalid(`${cursor}A`);
  });
});

describe('paginate', () => {
  const pos = (p: CursorPosition) => p;
  const items = sortNewestFirst(
    Array.from({ length: 7 }, (_, i) => ({ at: 100 + Math.floor(i / 2), id: `id${i}` })),
    pos,
  );

  it('orders by at descending, then id descending by code unit', () => {
    expect(comparePositions({ at: 2, id: 'a' }, { at: 1, id: 'z' })).toBeLessThan(0);
    expect(comparePositions({ at: 1, id: 'b' }, { at: 1, id: 'a' })).toBeLessThan(0);
    expect(comparePositions({ at: 1, id: 'a' }, { at: 1, id: 'B' })).toBeLessThan(0);
    expect(comparePositions({ at: 1, id: 'a' }, { at: 1, id: 'a' })).toBe(0);
  });

  it('walks every item once and omits nextCursor on the last page', () => {
    const seen: CursorPosition[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = paginate(items, pos, 3, cursor);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(items);
  });

  it('has no nextCursor when the page is exactly the rest', () => {
    expect(paginate(items, pos, 7).nextCursor).toBeUndefined();
    expect(paginate([], pos, 7)).toEqual({ items: [] });
  });

  it('resumes after the cursor position even when that item is gone or others were added', () => {
    const first = paginate(items, pos, 3);
    const changed = sortNewestFirst(
      [...items.filter((i) => i.id !== first.items[2]!.id), { at: 999, id: 'newer' }, { at: first.items[2]!.at, id: 'id0-tied-lower' }, { at: 1, id: 'older' }],
      pos,
    );
    const rest = paginate(changed, pos, 100, first.nextCursor).items.map((i) => i.id);
    // Cursor is (102, id4): the tied lower id and the older item follow it, the newer one does not.
    expect(ids(first.items)).toEqual(['id6', 'id5', 'id4']);
    expect(rest).toEqual(['id0-tied-lower', 'id3', 'id2', 'id1', 'id0', 'older']);
  });

  it('rejects a bad cursor or page size', () => {
    expect(() => paginate(items, pos, 3, 'nope')).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
    expect(() => paginate(items, pos, 0)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => paginate(items, pos, 101)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
