/**
 * Checks shared by every {@link IdentityStore} implementation.
 *
 * @module
 */
import { ValidationError, type FieldIssue } from '../errors.js';
import type { IdentityRecord } from '../types.js';

/** Throws a {@link ValidationError} for a record no store can index. */
export function assertIdentityRecord(record: IdentityRecord): void {
  if (typeof record !== 'object' || record === null) throw new ValidationError([{ field: '', message: 'must be an identity record' }]);
  const issues: FieldIssue[] = [];
  if (typeof record.id !== 'string' || record.id.length === 0) issues.push({ field: '/id', message: 'must be a non-empty string' });
  if (typeof record.tenantId !== 'string') issues.push({ field: '/tenantId', message: 'must be a string' });
  if (typeof record.externalId !== 'string' || record.externalId.length === 0) issues.push({ field: '/externalId', message: 'must be a non-empty string' });
  if (typeof record.createdAt !== 'number' || !Number.isSafeInteger(record.createdAt) || record.createdAt < 0) {
    issues.push({ field: '/createdAt', message: 'must be epoch milliseconds' });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Position of an identity in a newest-first listing. */
export const identityPosition = (record: { createdAt: number; id: string }) => ({ at: record.createdAt, id: record.id });
