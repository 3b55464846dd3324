/**
 * The checks every usage batch shares (per-key deltas and per-tag deltas),
 * so a store rejects a bad delta before applying any of its batch.
 *
 * @module
 */
import type { FieldIssue } from '../errors.js';
import { isCount } from './record-checks.js';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * Adds the issues of delta `i`'s shared fields (key, tenant, UTC day,
 * requests, errors) to `issues`. Returns false when `d` is not an object at
 * all, so the caller checks nothing more of it.
 */
export function checkDeltaCounts(d: unknown, i: number, issues: FieldIssue[]): d is Record<string, unknown> {
  if (typeof d !== 'object' || d === null) {
    issues.push({ field: `/${i}`, message: 'must be an object' });
    return false;
  }
  const delta = d as Record<string, unknown>;
  if (typeof delta.keyId !== 'string' || delta.keyId.length === 0) issues.push({ field: `/${i}/keyId`, message: 'must be a non-empty string' });
  if (typeof delta.tenantId !== 'string') issues.push({ field: `/${i}/tenantId`, message: 'must be a string' });
  if (typeof delta.day !== 'string' || !DAY.test(delta.day)) issues.push({ field: `/${i}/day`, message: 'must be a UTC day YYYY-MM-DD' });
  if (!isCount(delta.requests)) issues.push({ field: `/${i}/requests`, message: 'must be a non-negative integer' });
  if (!isCount(delta.errors)) issues.push({ field: `/${i}/errors`, message: 'must be a non-negative integer' });
  return true;
}
