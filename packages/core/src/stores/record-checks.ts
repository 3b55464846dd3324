/**
 * What every storage checks before it writes a key record or an audit event,
 * and how the network stores read JSON back, in one place so the stores
 * agree on what they accept.
 *
 * @module
 */
import { ValidationError, type FieldIssue } from '../errors.js';
import type { AuditEvent, KeyRecord } from '../types.js';

/** A non-negative safe integer: counts, and times in epoch milliseconds. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A time in epoch milliseconds. */
export const isTime = isCount;

/** A plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the fields a store indexes a key record by.
 *
 * @throws ValidationError naming each bad field.
 */
export function assertKeyRecord(record: KeyRecord): void {
  if (!isObject(record)) throw new ValidationError([{ field: '', message: 'must be a key record' }]);
  const issues: FieldIssue[] = [];
  if (typeof record.id !== 'string' || record.id.length === 0) issues.push({ field: '/id', message: 'must be a non-empty string' });
  if (typeof record.tenantId !== 'string') issues.push({ field: '/tenantId', message: 'must be a string' });
  if (typeof record.environment !== 'string') issues.push({ field: '/environment', message: 'must be a string' });
  if (!isTime(record.createdAt)) issues.push({ field: '/createdAt', message: 'must be epoch milliseconds' });
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * Checks the fields a store indexes an audit event by.
 *
 * @throws ValidationError naming each bad field.
 */
export function assertAuditEvent(event: AuditEvent): void {
  if (!isObject(event)) throw new ValidationError([{ field: '', message: 'must be an audit event' }]);
  const issues: FieldIssue[] = [];
  if (typeof event.id !== 'string' || event.id.length === 0) issues.push({ field: '/id', message: 'must be a non-empty string' });
  if (typeof event.tenantId !== 'string') issues.push({ field: '/tenantId', message: 'must be a string' });
  if (!isTime(event.at)) issues.push({ field: '/at', message: 'must be epoch milliseconds' });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Stored JSON read back; `undefined` (missing) for anything that is not a parseable string. */
export function parseJson<T>(raw: unknown): T | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
