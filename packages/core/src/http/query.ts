/**
 * Query-string parsing for the management routes. Wrong shapes become
 * field issues (422) or INVALID_CURSOR (400); nothing here throws anything
 * else, and unknown parameters are ignored (cache busters are common).
 *
 * @module
 */
import { type FieldIssue, ValidationError } from '../errors.js';
import type { KeyStatus } from '../key-view.js';
import { decodeCursor } from '../stores/cursor.js';
import { TAG_NAME } from '../stores/tag-usage.js';

const STATUSES: readonly KeyStatus[] = ['active', 'disabled', 'revoked', 'expired'];
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const KEY_ID = /^[0-9A-Za-z]{16}$/;

/** Reads single-valued parameters, collecting issues instead of throwing. */
class QueryReader {
  readonly issues: FieldIssue[] = [];
  constructor(private readonly query: URLSearchParams) {}

  string(name: string, maxLength = 512): string | undefined {
    const all = this.query.getAll(name);
    if (all.length === 0) return undefined;
    if (all.length > 1) return this.fail(name, 'must be given once');
    const value = all[0]!;
    if (value.length > maxLength) return this.fail(name, `must be at most ${maxLength} characters`);
    return value;
  }

  limit(): number | undefined {
    const value = this.string('limit', 8);
    if (value === undefined) return undefined;
    if (!/^[1-9]\d{0,2}$/.test(value) || Number(value) > 100) return this.fail('limit', 'must be an integer from 1 to 100');
    return Number(value);
  }

  cursor(): string | undefined {
    const all = this.query.getAll('cursor');
    if (all.length === 0) return undefined;
    const value = all.length === 1 ? all[0]! : '';
    // Checked here, not only by the store, so every store answers a forged cursor the same way.
    decodeCursor(value);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name, 64);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) return this.fail(name, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  matching(name: string, pattern: RegExp, message: string): string | undefined {
    const value = this.string(name, 64);
    if (value === undefined) return undefined;
    return pattern.test(value) ? value : this.fail(name, message);
  }

  time(name: string): number | undefined {
    const value = this.matching(name, ISO_DATE_TIME, 'must be an ISO 8601 date-time such as 2025-01-31T00:00:00Z');
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : this.fail(name, 'must be an ISO 8601 date-time such as 2025-01-31T00:00:00Z');
  }

  done(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }

  private fail(name: string, message: string): undefined {
    this.issues.push({ field: `/${name}`, message });
    return undefined;
  }
}

function defined<T extends object>(value: T): T {
  for (const k of Object.keys(value) as (keyof T)[]) if (value[k] === undefined) delete value[k];
  return value;
}

/**
 * `?environment=&status=&limit=&cursor=` of the key list.
 *
 * @throws ValidationError for wrong shapes; KeygateError INVALID_CURSOR for a bad cursor.
 */
export function parseListQuery(query: URLSearchParams): { environment?: string; status?: KeyStatus; limit?: number; cursor?: string } {
  const q = new QueryReader(query);
  const result = { environment: q.string('environment', 32), status: q.oneOf('status', STATUSES), limit: q.limit() };
  q.done();
  return defined({ ...result, cursor: q.cursor() });
}

/** `?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=<tag>` of a key's usage. */
export function parseUsageQuery(query: URLSearchParams): { from?: string; to?: string; groupBy?: string } {
  const q = new QueryReader(query);
  const result = {
    from: q.matching('from', DAY, 'must be a date, YYYY-MM-DD'),
    to: q.matching('to', DAY, 'must be a date, YYYY-MM-DD'),
    groupBy: q.matching('groupBy', TAG_NAME, 'must be a tag name: a lower-case letter, then up to 31 lower-case letters, digits or _'),
  };
  q.done();
  return defined(result);
}

/** `?keyId=&from=ISO&to=ISO&limit=&cursor=` of the audit log. */
export function parseAuditQuery(query: URLSearchParams, allowKeyId: boolean): { keyId?: string; from?: number; to?: number; limit?: number; cursor?: string } {
  const q = new QueryReader(query);
  const result = {
    keyId: allowKeyId ? q.matching('keyId', KEY_ID, 'must be a key id (16 letters and digits)') : undefined,
    from: q.time('from'),
    to: q.time('to'),
    limit: q.limit(),
  };
  q.done();
  return defined({ ...result, cursor: q.cursor() });
}


/** `?days=&notUsedForDays=&expiringWithinDays=&top=` of the tenant report: whole numbers; ranges are the provider's to check. */
export function parseReportQuery(query: URLSearchParams): { days?: number; notUsedForDays?: number; expiringWithinDays?: number; top?: number } {
  const q = new QueryReader(query);
  const int = (name: string) => {
    const value = q.matching(name, /^\d{1,4}$/, 'must be a whole number');
    return value === undefined ? undefined : Number(value);
  };
  const result = { days: int('days'), notUsedForDays: int('notUsedForDays'), expiringWithinDays: int('expiringWithinDays'), top: int('top') };
  q.done();
  return defined(result);
}
