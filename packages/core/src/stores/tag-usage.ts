/**
 * Checks and folding shared by every store's tag usage counters and tenant
 * settings, so all backends refuse the same bad input the same way.
 *
 * @module
 */
import { ValidationError, type FieldIssue } from '../errors.js';
import type { TagUsageBucket, TagUsageDelta, TenantSettings } from '../types.js';
import { isCount } from './record-checks.js';
import { checkDeltaCounts } from './usage-deltas.js';

/** A tag name: lower-case letter, then up to 31 lower-case letters, digits or `_`. */
export const TAG_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Longest tag value, in characters. */
export const MAX_TAG_VALUE = 64;


// Control characters (NUL above all) would break SQL text columns and log lines.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Whether `value` is a tag value stores accept: 1 to 64 characters, none of them a control character. */
export function isTagValue(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TAG_VALUE && !CONTROL.test(value);
}

/**
 * Checks a tag usage batch before any of it is applied.
 *
 * @throws ValidationError naming each bad field (`/2/tag`, ...).
 */
export function assertTagUsageDeltas(deltas: readonly TagUsageDelta[]): void {
  if (!Array.isArray(deltas)) throw new ValidationError([{ field: '', message: 'must be an array of tag usage deltas' }]);
  const issues: FieldIssue[] = [];
  deltas.forEach((d, i) => {
    if (!checkDeltaCounts(d, i, issues)) return;
    if (typeof d.tag !== 'string' || !TAG_NAME.test(d.tag)) issues.push({ field: `/${i}/tag`, message: 'must match ^[a-z][a-z0-9_]{0,31}$' });
    if (!isTagValue(d.value)) issues.push({ field: `/${i}/value`, message: `must be 1 to ${MAX_TAG_VALUE} characters, no control characters` });
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** A batch folded to one delta per (key, tag, value, day), in first-seen order. */
export function mergeTagUsageDeltas(deltas: readonly TagUsageDelta[]): TagUsageDelta[] {
  const merged = new Map<string, TagUsageDelta>();
  for (const d of deltas) {
    const slot = JSON.stringify([d.keyId, d.tag, d.value, d.day]);
    const seen = merged.get(slot);
    if (seen === undefined) merged.set(slot, { ...d });
    else {
      seen.requests += d.requests;
      seen.errors += d.errors;
    }
  }
  return [...merged.values()];
}

/** Orders tag buckets by day, then value (code point order, as every store). */
export function sortTagBuckets(buckets: TagUsageBucket[]): TagUsageBucket[] {
  return buckets.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * Checks a tenant settings record before it is stored.
 *
 * @throws ValidationError naming each bad field.
 */
export function assertTenantSettings(settings: TenantSettings): void {
  const issues: FieldIssue[] = [];
  if (typeof settings !== 'object' || settings === null) throw new ValidationError([{ field: '', message: 'must be a tenant settings record' }]);
  if (typeof settings.tenantId !== 'string' || settings.tenantId.length === 0) issues.push({ field: '/tenantId', message: 'must be a non-empty string' });
  for (const field of ['minLifetimeMs', 'maxLifetimeMs'] as const) {
    const v = settings[field];
    if (v !== undefined && (!isCount(v) || v === 0)) issues.push({ field: `/${field}`, message: 'must be a positive whole number of milliseconds' });
  }
  if (settings.requireExpiry !== undefined && typeof settings.requireExpiry !== 'boolean') issues.push({ field: '/requireExpiry', message: 'must be a boolean' });
  if (!isCount(settings.updatedAt)) issues.push({ field: '/updatedAt', message: 'must be epoch milliseconds' });
  if (!isCount(settings.version)) issues.push({ field: '/version', message: 'must be a non-negative integer' });
  if (issues.length > 0) throw new ValidationError(issues);
}
