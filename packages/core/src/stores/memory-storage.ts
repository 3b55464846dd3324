/**
 * In-process storage: every record in a `Map`, for tests, examples and
 * single-process hosts that do not need persistence.
 *
 * Records are deep-copied on the way in and out, so no caller can change
 * stored state by mutating an object it passed or received. All methods
 * answer synchronously.
 *
 * @module
 */
import { ValidationError, type FieldIssue } from '../errors.js';
import type {
  AuditEvent,
  AuditQuery,
  IdentityRecord,
  KeyListQuery,
  KeyRecord,
  KeygateStorage,
  Page,
  TagUsageBucket,
  TagUsageDelta,
  TenantSettings,
  UsageBucket,
  UsageDelta,
  UsageSummary,
} from '../types.js';
import { paginate, sortNewestFirst, type CursorPosition } from './cursor.js';
import { assertIdentityRecord, identityPosition } from './identity-records.js';
import { isCount } from './record-checks.js';
import { checkDeltaCounts } from './usage-deltas.js';
import { assertTagUsageDeltas, assertTenantSettings, mergeTagUsageDeltas, sortTagBuckets } from './tag-usage.js';

/**
 * Checks a usage batch before any of it is applied, so a bad delta never
 * leaves a batch half counted.
 *
 * @throws ValidationError naming each bad field (`/2/day`, ...).
 */
export function assertUsageDeltas(deltas: readonly UsageDelta[]): void {
  if (!Array.isArray(deltas)) throw new ValidationError([{ field: '', message: 'must be an array of usage deltas' }]);
  const issues: FieldIssue[] = [];
  deltas.forEach((d, i) => {
    if (checkDeltaCounts(d, i, issues) && !isCount(d.lastUsedAt)) issues.push({ field: `/${i}/lastUsedAt`, message: 'must be epoch milliseconds' });
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** A batch folded to one delta per (key, day), in first-seen order. */
export function mergeUsageDeltas(deltas: readonly UsageDelta[]): UsageDelta[] {
  const merged = new Map<string, UsageDelta>();
  for (const d of deltas) {
    // keyId may contain anything; JSON keeps the pair unambiguous.
    const slot = JSON.stringify([d.keyId, d.day]);
    const seen = merged.get(slot);
    if (seen === undefined) {
      merged.set(slot, { keyId: d.keyId, tenantId: d.tenantId, day: d.day, requests: d.requests, errors: d.errors, lastUsedAt: d.lastUsedAt });
    } else {
      seen.requests += d.requests;
      seen.errors += d.errors;
      seen.lastUsedAt = Math.max(seen.lastUsedAt, d.lastUsedAt);
    }
  }
  return [...merged.values()];
}

/** Position of a key record in a newest-first listing. */
export const keyPosition = (record: { createdAt: number; id: string }): CursorPosition => ({ at: record.createdAt, id: record.id });

/** Position of an audit event in a newest-first listing. */
export const eventPosition = (event: { at: number; id: string }): CursorPosition => ({ at: event.at, id: event.id });

interface KeyUsage {
  totals: UsageSummary;
  days: Map<string, UsageBucket>;
}

/**
 * A {@link KeygateStorage} held in process memory. Nothing survives a
 * restart and nothing is shared with other processes; use it for tests and
 * single-process hosts.
 */
export function createMemoryStorage(): KeygateStorage {
  const keys = new Map<string, KeyRecord>();
  const tenantKeys = new Map<string, Set<string>>();
  const auditByTenant = new Map<string, Map<string, AuditEvent>>();
  const usage = new Map<string, KeyUsage>();
  const identities = new Map<string, IdentityRecord>();
  // keyId → tag → JSON of [day, value] → bucket.
  const tagUsage = new Map<string, Map<string, Map<string, TagUsageBucket>>>();
  const tenants = new Map<string, TenantSettings>();
  // JSON of [tenantId, externalId] → identity id: unambiguous whatever the ids contain.
  const identityByExternal = new Map<string, string>();
  const externalSlot = (tenantId: string, externalId: string) => JSON.stringify([tenantId, externalId]);

  function unindex(record: KeyRecord): void {
    const ids = tenantKeys.get(record.tenantId);
    if (ids === undefined) return;
    ids.delete(record.id);
    if (ids.size === 0) tenantKeys.delete(record.tenantId);
  }

  return {
    keys: {
      get(id: string): KeyRecord | undefined {
        const record = keys.get(id);
        return record === undefined ? undefined : structuredClone(record);
      },
      put(record: KeyRecord): void {
        const copy = structuredClone(record);
        const previous = keys.get(copy.id);
        if (previous !== undefined && previous.tenantId !== copy.tenantId) unindex(previous);
        keys.set(copy.id, copy);
        let ids = tenantKeys.get(copy.tenantId);
        if (ids === undefined) tenantKeys.set(copy.tenantId, (ids = new Set()));
        ids.add(copy.id);
      },
      delete(id: string): boolean {
        const record = keys.get(id);
        if (record === undefined) return false;
        keys.delete(id);
        unindex(record);
        return true;
      },
      list(query: KeyListQuery): Page<KeyRecord> {
        const matches: KeyRecord[] = [];
        for (const id of tenantKeys.get(query.tenantId) ?? []) {
          const record = keys.get(id)!;
          if (query.environment === undefined || record.environment === query.environment) matches.push(record);
        }
        const page = paginate(sortNewestFirst(matches, keyPosition), keyPosition, query.limit, query.cursor);
        return { ...page, items: page.items.map((r) => structuredClone(r)) };
      },
    },
    audit: {
      append(event: AuditEvent): void {
        let events = auditByTenant.get(event.tenantId);
        if (events === undefined) auditByTenant.set(event.tenantId, (events = new Map()));
        // Append-only: a repeated id keeps the first event.
        if (!events.has(event.id)) events.set(event.id, structuredClone(event));
      },
      query(query: AuditQuery): Page<AuditEvent> {
        const matches: AuditEvent[] = [];
        for (const event of auditByTenant.get(query.tenantId)?.values() ?? []) {
          if (query.keyId !== undefined && event.keyId !== query.keyId) continue;
          if (query.from !== undefined && event.at < query.from) continue;
          if (query.to !== undefined && event.at >= query.to) continue;
          matches.push(event);
        }
        const page = paginate(sortNewestFirst(matches, eventPosition), eventPosition, query.limit, query.cursor);
        return { ...page, items: page.items.map((e) => structuredClone(e)) };
      },
    },
    usage: {
      increment(deltas: UsageDelta[]): void {
        assertUsageDeltas(deltas);
        for (const d of mergeUsageDeltas(deltas)) {
          let entry = usage.get(d.keyId);
          if (entry === undefined) usage.set(d.keyId, (entry = { totals: { requests: 0, errors: 0 }, days: new Map() }));
          entry.totals.requests += d.requests;
          entry.totals.errors += d.errors;
          entry.totals.lastUsedAt = Math.max(entry.totals.lastUsedAt ?? d.lastUsedAt, d.lastUsedAt);
          const bucket = entry.days.get(d.day);
          if (bucket === undefined) entry.days.set(d.day, { day: d.day, requests: d.requests, errors: d.errors });
          else {
            bucket.requests += d.requests;
            bucket.errors += d.errors;
          }
        }
      },
      range(keyId: string, fromDay: string, toDay: string): UsageBucket[] {
        const out: UsageBucket[] = [];
        for (const bucket of usage.get(keyId)?.days.values() ?? []) {
          // YYYY-MM-DD compares correctly as a string.
          if (bucket.day >= fromDay && bucket.day <= toDay) out.push({ ...bucket });
        }
        return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
      },
      summary(keyId: string): UsageSummary {
        const totals = usage.get(keyId)?.totals;
        return totals === undefined ? { requests: 0, errors: 0 } : { ...totals };
      },
      incrementTags(deltas: TagUsageDelta[]): void {
        assertTagUsageDeltas(deltas);
        for (const d of mergeTagUsageDeltas(deltas)) {
          let byTag = tagUsage.get(d.keyId);
          if (byTag === undefined) tagUsage.set(d.keyId, (byTag = new Map()));
          let buckets = byTag.get(d.tag);
          if (buckets === undefined) byTag.set(d.tag, (buckets = new Map()));
          const slot = JSON.stringify([d.day, d.value]);
          const bucket = buckets.get(slot);
          if (bucket === undefined) buckets.set(slot, { day: d.day, value: d.value, requests: d.requests, errors: d.errors });
          else {
            bucket.requests += d.requests;
            bucket.errors += d.errors;
          }
        }
      },
      rangeByTag(keyId: string, tag: string, fromDay: string, toDay: string): TagUsageBucket[] {
        const out: TagUsageBucket[] = [];
        for (const bucket of tagUsage.get(keyId)?.get(tag)?.values() ?? []) {
          if (bucket.day >= fromDay && bucket.day <= toDay) out.push({ ...bucket });
        }
        return sortTagBuckets(out);
      },
      forget(keyId: string): void {
        usage.delete(keyId);
        tagUsage.delete(keyId);
      },
    },
    tenants: {
      get(tenantId: string): TenantSettings | undefined {
        const settings = tenants.get(tenantId);
        return settings === undefined ? undefined : structuredClone(settings);
      },
      put(settings: TenantSettings): void {
        assertTenantSettings(settings);
        tenants.set(settings.tenantId, structuredClone(settings));
      },
    },
    identities: {
      get(id: string): IdentityRecord | undefined {
        const record = identities.get(id);
        return record === undefined ? undefined : structuredClone(record);
      },
      findByExternalId(tenantId: string, externalId: string): IdentityRecord | undefined {
        const id = identityByExternal.get(externalSlot(tenantId, externalId));
        return id === undefined ? undefined : structuredClone(identities.get(id));
      },
      insert(record: IdentityRecord): IdentityRecord {
        assertIdentityRecord(record);
        const slot = externalSlot(record.tenantId, record.externalId);
        const existing = identityByExternal.get(slot);
        if (existing !== undefined) return structuredClone(identities.get(existing)!);
        identities.set(record.id, structuredClone(record));
        identityByExternal.set(slot, record.id);
        return structuredClone(record);
      },
      put(record: IdentityRecord): void {
        assertIdentityRecord(record);
        identities.set(record.id, structuredClone(record));
        identityByExternal.set(externalSlot(record.tenantId, record.externalId), record.id);
      },
      delete(id: string): boolean {
        const record = identities.get(id);
        if (record === undefined) return false;
        identities.delete(id);
        identityByExternal.delete(externalSlot(record.tenantId, record.externalId));
        return true;
      },
      list(query: { tenantId: string; limit: number; cursor?: string }): Page<IdentityRecord> {
        const matches = [...identities.values()].filter((r) => r.tenantId === query.tenantId);
        const page = paginate(sortNewestFirst(matches, identityPosition), identityPosition, query.limit, query.cursor);
        return { ...page, items: page.items.map((r) => structuredClone(r)) };
      },
    },
    close(): void {
      // Nothing to release; kept so hosts can close any storage the same way.
    },
  };
}
