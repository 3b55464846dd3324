/**
 * {@link KeygateStorage} over any keyv 5 store (its in-memory `Map`,
 * `@keyv/sqlite`, `@keyv/postgres`, `@keyv/redis`, ...).
 *
 * Layout, as physical keys (`<ns>` is the Keyv namespace, `keygate` by default):
 *
 * | key                              | value                                   |
 * | -------------------------------- | --------------------------------------- |
 * | `<ns>:keys:<keyId>`              | the {@link KeyRecord}                   |
 * | `<ns>:tenant:<tenantId>:<keyId>` | index entry `{ id, createdAt, environment }` |
 * | `<ns>:audit:<tenantId>:<eventId>`| one {@link AuditEvent}                  |
 * | `<ns>:usage:<keyId>:<YYYY-MM-DD>`| one day's {@link UsageBucket}           |
 * | `<ns>:usage:<keyId>`             | the key's {@link UsageSummary}          |
 * | `<ns>:usagetag:<keyId>:<tag>:<YYYY-MM-DD>` | that day's `[value, requests, errors]` triples |
 * | `<ns>:tenantsettings:<tenantId>` | the tenant's {@link TenantSettings}     |
 *
 * Every write touches its own entries only, never a shared index record, so
 * several processes sharing one backend never lose each other's keys or
 * audit events. Ids are escaped (`%` → `%25`, `:` → `%3A`), so a tenant id
 * like `a:b` can never read or list inside tenant `a`.
 *
 * All of it lives in ONE Keyv instance. Several Keyv instances over one
 * adapter would share (and overwrite) the adapter's `namespace` property,
 * which keyv's iterator and `@keyv/redis` key prefixes read, so one instance
 * would list or address another's entries.
 *
 * @module
 */
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { BackendError, ConfigError, KeygateError } from '../errors.js';
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
import { paginate, sortNewestFirst } from './cursor.js';
import { assertAuditEvent, assertKeyRecord, isObject, isTime } from './record-checks.js';
import { assertIdentityRecord, identityPosition } from './identity-records.js';
import { assertUsageDeltas, eventPosition, keyPosition, mergeUsageDeltas } from './memory-storage.js';
import { assertTagUsageDeltas, assertTenantSettings, mergeTagUsageDeltas, sortTagBuckets, TAG_NAME } from './tag-usage.js';

/** Options of {@link createKeyvStorage}. Pass `store` or `keyv`, not both. */
export interface KeyvStorageOptions {
  /**
   * A keyv store adapter or a `Map`; defaults to a new in-memory `Map`.
   * It must be able to list entries: a `Map`, or an adapter keyv can iterate
   * (sqlite, postgres, mysql, redis, mongo, etcd). Give keygate an adapter of
   * its own: keyv adapters keep one mutable `namespace`, so another Keyv over
   * the same adapter object would change where keygate's entries live.
   */
  store?: KeyvStoreAdapter | Map<any, any>;
  /**
   * A ready Keyv instance, used as it is, with its own namespace (which must
   * not contain `:`). Create it with `throwOnErrors: true`: otherwise keyv
   * reports a failing backend as a missing key.
   */
  keyv?: Keyv;
  /** Namespace of the Keyv this factory creates; letters, digits, `_`, `.`, `-`. Default `keygate`. */
  namespace?: string;
}

interface IndexEntry {
  id: string;
  createdAt: number;
  environment: string;
}

/** Lists the entries whose logical key starts with a prefix: [rest of the key, value]. */
type Scan = (prefix: string) => Promise<Array<[string, unknown]>>;

const NAMESPACE = /^[A-Za-z0-9_.-]{1,64}$/;
// Adapters whose iterator(namespace) selects `namespace:%` by SQL LIKE and
// yields full physical keys, so a listing reads only the prefix it needs.
const PREFIX_ITERABLE_DIALECTS = new Set(['sqlite', 'postgres']);

/** Escapes an id for use as one key segment: no `:` survives, and distinct ids stay distinct. */
function segment(id: string): string {
  return id.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

const keyEntry = (id: string) => `keys:${segment(id)}`;
const tenantPrefix = (tenantId: string) => `tenant:${segment(tenantId)}:`;
const auditPrefix = (tenantId: string) => `audit:${segment(tenantId)}:`;
const totalsEntry = (keyId: string) => `usage:${segment(keyId)}`;
const identityEntry = (id: string) => `identity:${segment(id)}`;
const identityExternalEntry = (tenantId: string, externalId: string) => `identityx:${segment(tenantId)}:${segment(externalId)}`;
const identityTenantPrefix = (tenantId: string) => `tidentity:${segment(tenantId)}:`;
const dayPrefix = (keyId: string) => `usage:${segment(keyId)}:`;
const tagKeyPrefix = (keyId: string) => `usagetag:${segment(keyId)}:`;
// Tag names are `[a-z0-9_]` only, so they need no escaping and cannot contain `:`.
const tagPrefix = (keyId: string, tag: string) => `${tagKeyPrefix(keyId)}${tag}:`;
const tenantSettingsEntry = (tenantId: string) => `tenantsettings:${segment(tenantId)}`;

function isIndexEntry(value: unknown): value is IndexEntry {
  return isObject(value) && typeof value.id === 'string' && isTime(value.createdAt) && typeof value.environment === 'string';
}

function isAuditEvent(value: unknown): value is AuditEvent {
  return isObject(value) && typeof value.id === 'string' && typeof value.tenantId === 'string' && isTime(value.at);
}

/** Runs a backend call, reporting a failure as `STORAGE_UNAVAILABLE` (keygate's own errors pass through). */
async function backend<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KeygateError) throw error;
    throw new BackendError('STORAGE_UNAVAILABLE', 'Key-value storage failed', { cause: error });
  }
}

function configError(field: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError(`createKeyvStorage: ${field} ${message}`, [{ field, message }], cause === undefined ? undefined : { cause });
}

function missingMethods(value: object, names: readonly string[]): string[] {
  return names.filter((name) => typeof (value as Record<string, unknown>)[name] !== 'function');
}

// Duck-typed: the host's Keyv may come from another copy of the keyv package.
function looksLikeKeyv(value: unknown): boolean {
  return isObject(value) && missingMethods(value, ['get', 'set', 'delete', 'has']).length === 0 && value.store != null;
}

function openKeyv(options: KeyvStorageOptions): Keyv {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw configError('options', 'must be an object');
  if (options.keyv !== undefined) {
    if (options.store !== undefined) throw configError('store', 'cannot be combined with keyv; pass one of them');
    if (options.namespace !== undefined) throw configError('namespace', 'cannot be combined with keyv; set the namespace on the Keyv instance');
    const kv = options.keyv;
    if (!looksLikeKeyv(kv)) throw configError('keyv', 'must be a Keyv instance');
    if (kv.namespace !== undefined && (typeof kv.namespace !== 'string' || kv.namespace.includes(':'))) {
      throw configError('keyv', 'namespace must not contain ":"');
    }
    return kv;
  }
  const namespace = options.namespace ?? 'keygate';
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    throw configError('namespace', 'must be 1 to 64 letters, digits, "_", "." or "-"');
  }
  const store = options.store ?? new Map();
  if (!(store instanceof Map)) {
    if (!isObject(store)) throw configError('store', 'must be a keyv store adapter or a Map');
    const missing = missingMethods(store, ['get', 'set', 'delete', 'clear']);
    if (missing.length > 0) throw configError('store', `is not a keyv store adapter: missing ${missing.map((m) => `${m}()`).join(', ')}`);
  }
  try {
    return new Keyv({ store, namespace, throwOnErrors: true });
  } catch (error) {
    throw configError('store', 'was rejected by keyv', error);
  }
}

/**
 * How to list entries by prefix on this Keyv's store, or `undefined` when it
 * cannot list at all.
 *
 * keyv's own iterator is not used for `Map` and SQL stores: it filters by
 * substring (`key.includes(namespace)`), strips only the first `:` segment
 * from the keys it yields, and reads the adapter's shared `namespace`. Keys
 * yielded here are therefore matched exactly against the physical prefix.
 */
function createScan(kv: Keyv): Scan | undefined {
  const store: unknown = kv.store;
  const decode = async (raw: unknown): Promise<unknown> => {
    const data: unknown = typeof raw === 'string' || kv.opts.compression ? await kv.deserializeData(raw as string) : raw;
    if (!isObject(data)) return undefined;
    if (typeof data.expires === 'number' && Date.now() > data.expires) return undefined;
    return data.value;
  };
  const collect = async (hits: Map<string, unknown>): Promise<Array<[string, unknown]>> => {
    const out: Array<[string, unknown]> = [];
    for (const [rest, raw] of hits) {
      const value = await decode(raw);
      if (value !== undefined) out.push([rest, value]);
    }
    return out;
  };

  if (store instanceof Map) {
    return async (prefix) => {
      const physical = kv._getKeyPrefix(prefix);
      const hits = new Map<string, unknown>();
      // Collected synchronously: a consistent snapshot of the Map.
      for (const [key, raw] of store) {
        if (typeof key === 'string' && key.startsWith(physical)) hits.set(key.slice(physical.length), raw);
      }
      return collect(hits);
    };
  }

  const adapter = store as KeyvStoreAdapter;
  if (typeof adapter.iterator === 'function' && PREFIX_ITERABLE_DIALECTS.has(adapter.opts?.dialect)) {
    return async (prefix) => {
      const physical = kv._getKeyPrefix(prefix);
      // The adapter pages with LIKE (case-insensitive in SQLite, `%`/`_` as
      // wildcards) and may yield a key twice if rows move between pages, so
      // match exactly and keep one entry per key.
      const hits = new Map<string, unknown>();
      for await (const [key, raw] of adapter.iterator!(physical.slice(0, -1))) {
        if (typeof key === 'string' && key.startsWith(physical)) hits.set(key.slice(physical.length), raw);
      }
      return collect(hits);
    };
  }

  const iterate = kv.iterator;
  if (typeof iterate === 'function' && kv.useKeyPrefix && typeof kv.namespace === 'string' && kv.namespace.length > 0) {
    // Any other iterable adapter (redis, mongo, ...): walk the whole namespace.
    return async (prefix) => {
      const hits = new Map<string, unknown>();
      for await (const [key, value] of iterate(undefined)) {
        if (typeof key === 'string' && key.startsWith(prefix) && value !== undefined) hits.set(key.slice(prefix.length), value);
      }
      return [...hits];
    };
  }
  return undefined;
}

/**
 * A {@link KeygateStorage} over keyv.
 *
 * Key records and audit events are safe to share between processes: each
 * lives in its own entry and listings are built by iterating entries, not by
 * updating a shared index.
 *
 * Usage counters are exact only within one process: keyv has no atomic
 * increment, so increments are serialised per key in this process, but two
 * processes incrementing the same key at once can lose counts. Hosts running
 * several processes should use the Redis or Postgres usage store for exact
 * counts.
 *
 * `close()` releases nothing: this factory opens no connection of its own
 * (the default `Map` needs none), and the `store` or `keyv` a host passes in
 * stays the host's to disconnect.
 *
 * @throws ConfigError when the options are invalid, naming the option at fault.
 */
export function createKeyvStorage(options: KeyvStorageOptions = {}): KeygateStorage {
  const kv = openKeyv(options);
  const scanEntries = createScan(kv);
  if (scanEntries === undefined) {
    throw configError('store', 'cannot list entries; use a Map or a keyv adapter keyv can iterate (sqlite, postgres, mysql, redis, mongo, etcd)');
  }
  const scan: Scan = (prefix) => backend(() => scanEntries(prefix));
  const read = <T>(key: string) => backend(() => kv.get(key) as Promise<T | undefined>);
  const remove = (key: string) => backend(() => kv.delete(key));
  const write = (key: string, value: unknown) =>
    backend(async () => {
      // A host's Keyv without throwOnErrors reports failure only as `false`.
      if (!(await kv.set(key, value))) throw new BackendError('STORAGE_UNAVAILABLE', 'Key-value storage write failed');
    });

  // Per-key promise chains: keyv cannot add atomically, so this process never
  // runs two read-add-write cycles of one key's counters at once.
  const usageChains = new Map<string, Promise<void>>();
  function serialise(keyId: string, task: () => Promise<void>): Promise<void> {
    const previous = usageChains.get(keyId) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.catch(() => undefined);
    usageChains.set(keyId, tail);
    void tail.then(() => {
      if (usageChains.get(keyId) === tail) usageChains.delete(keyId);
    });
    return result;
  }

  async function addUsage(keyDeltas: UsageDelta[]): Promise<void> {
    for (const d of keyDeltas) {
      const dayKey = `${dayPrefix(d.keyId)}${d.day}`;
      const bucket = await read<UsageBucket>(dayKey);
      await write(dayKey, {
        day: d.day,
        requests: (bucket?.requests ?? 0) + d.requests,
        errors: (bucket?.errors ?? 0) + d.errors,
      } satisfies UsageBucket);
      const totals = await read<UsageSummary>(totalsEntry(d.keyId));
      await write(totalsEntry(d.keyId), {
        requests: (totals?.requests ?? 0) + d.requests,
        errors: (totals?.errors ?? 0) + d.errors,
        lastUsedAt: Math.max(totals?.lastUsedAt ?? d.lastUsedAt, d.lastUsedAt),
      } satisfies UsageSummary);
    }
  }

  return {
    // A Map lives in this process; any other store is a file or a server other processes may open too.
    shared: !(kv.store instanceof Map),
    keys: {
      async get(id: string): Promise<KeyRecord | undefined> {
        if (typeof id !== 'string') return undefined;
        return read<KeyRecord>(keyEntry(id));
      },
      async put(record: KeyRecord): Promise<void> {
        assertKeyRecord(record);
        const previous = await read<KeyRecord>(keyEntry(record.id));
        const entry: IndexEntry = { id: record.id, createdAt: record.createdAt, environment: record.environment };
        // Index first: a crash in between leaves an index entry without a
        // record, which listings skip, never a record no listing shows.
        await write(`${tenantPrefix(record.tenantId)}${segment(record.id)}`, entry);
        await write(keyEntry(record.id), record);
        if (previous !== undefined && previous.tenantId !== record.tenantId) {
          await remove(`${tenantPrefix(previous.tenantId)}${segment(record.id)}`);
        }
      },
      async delete(id: string): Promise<boolean> {
        if (typeof id !== 'string') return false;
        const previous = await read<KeyRecord>(keyEntry(id));
        const existed = await remove(keyEntry(id));
        if (previous !== undefined) await remove(`${tenantPrefix(previous.tenantId)}${segment(id)}`);
        return existed;
      },
      async list(query: KeyListQuery): Promise<Page<KeyRecord>> {
        const entries: IndexEntry[] = [];
        for (const [rest, value] of await scan(tenantPrefix(query.tenantId))) {
          if (!isIndexEntry(value) || segment(value.id) !== rest) continue;
          if (query.environment === undefined || value.environment === query.environment) entries.push(value);
        }
        const page = paginate(sortNewestFirst(entries, keyPosition), keyPosition, query.limit, query.cursor);
        const records = await Promise.all(page.items.map((e) => read<KeyRecord>(keyEntry(e.id))));
        // A record deleted (or moved to another tenant) since the scan is left out.
        const items = records.filter((r): r is KeyRecord => r !== undefined && r.tenantId === query.tenantId);
        return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
      },
    },
    audit: {
      async append(event: AuditEvent): Promise<void> {
        assertAuditEvent(event);
        const key = `${auditPrefix(event.tenantId)}${segment(event.id)}`;
        // Append-only: a repeated id keeps the first event.
        if (await backend(() => kv.has(key))) return;
        await write(key, event);
      },
      async query(query: AuditQuery): Promise<Page<AuditEvent>> {
        const events: AuditEvent[] = [];
        for (const [, value] of await scan(auditPrefix(query.tenantId))) {
          if (!isAuditEvent(value) || value.tenantId !== query.tenantId) continue;
          if (query.keyId !== undefined && value.keyId !== query.keyId) continue;
          if (query.from !== undefined && value.at < query.from) continue;
          if (query.to !== undefined && value.at >= query.to) continue;
          events.push(value);
        }
        return paginate(sortNewestFirst(events, eventPosition), eventPosition, query.limit, query.cursor);
      },
    },
    usage: {
      async increment(deltas: UsageDelta[]): Promise<void> {
        assertUsageDeltas(deltas);
        const byKey = new Map<string, UsageDelta[]>();
        for (const d of mergeUsageDeltas(deltas)) {
          const list = byKey.get(d.keyId);
          if (list === undefined) byKey.set(d.keyId, [d]);
          else list.push(d);
        }
        const runs = [...byKey].map(([keyId, keyDeltas]) => serialise(keyId, () => addUsage(keyDeltas)));
        const outcomes = await Promise.allSettled(runs);
        const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      },
      async range(keyId: string, fromDay: string, toDay: string): Promise<UsageBucket[]> {
        const out: UsageBucket[] = [];
        for (const [day, value] of await scan(dayPrefix(keyId))) {
          if (!isObject(value) || day < fromDay || day > toDay) continue;
          out.push({ day, requests: Number(value.requests) || 0, errors: Number(value.errors) || 0 });
        }
        return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
      },
      async summary(keyId: string): Promise<UsageSummary> {
        const totals = await read<UsageSummary>(totalsEntry(keyId));
        if (totals === undefined) return { requests: 0, errors: 0 };
        const summary: UsageSummary = { requests: totals.requests, errors: totals.errors };
        if (typeof totals.lastUsedAt === 'number') summary.lastUsedAt = totals.lastUsedAt;
        return summary;
      },
      async incrementTags(deltas: TagUsageDelta[]): Promise<void> {
        assertTagUsageDeltas(deltas);
        const byKey = new Map<string, TagUsageDelta[]>();
        for (const d of mergeTagUsageDeltas(deltas)) {
          const list = byKey.get(d.keyId);
          if (list === undefined) byKey.set(d.keyId, [d]);
          else list.push(d);
        }
        const runs = [...byKey].map(([keyId, keyDeltas]) =>
          serialise(keyId, async () => {
            for (const d of keyDeltas) {
              const entry = `${tagPrefix(d.keyId, d.tag)}${d.day}`;
              const stored = await read<unknown>(entry);
              const triples: Array<[string, number, number]> = Array.isArray(stored) ? (stored as Array<[string, number, number]>) : [];
              const hit = triples.find((t) => Array.isArray(t) && t[0] === d.value);
              if (hit === undefined) triples.push([d.value, d.requests, d.errors]);
              else {
                hit[1] = (Number(hit[1]) || 0) + d.requests;
                hit[2] = (Number(hit[2]) || 0) + d.errors;
              }
              await write(entry, triples);
            }
          }),
        );
        const outcomes = await Promise.allSettled(runs);
        const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failed !== undefined) throw failed.reason;
      },
      async rangeByTag(keyId: string, tag: string, fromDay: string, toDay: string): Promise<TagUsageBucket[]> {
        if (!TAG_NAME.test(tag)) return [];
        const out: TagUsageBucket[] = [];
        for (const [day, value] of await scan(tagPrefix(keyId, tag))) {
          if (!Array.isArray(value) || day < fromDay || day > toDay) continue;
          for (const t of value) {
            if (!Array.isArray(t) || typeof t[0] !== 'string') continue;
            out.push({ day, value: t[0], requests: Number(t[1]) || 0, errors: Number(t[2]) || 0 });
          }
        }
        return sortTagBuckets(out);
      },
      forget(keyId: string): Promise<void> {
        return serialise(keyId, async () => {
          for (const [day] of await scan(dayPrefix(keyId))) await remove(`${dayPrefix(keyId)}${day}`);
          for (const [rest] of await scan(tagKeyPrefix(keyId))) await remove(`${tagKeyPrefix(keyId)}${rest}`);
          await remove(totalsEntry(keyId));
        });
      },
    },
    tenants: {
      async get(tenantId: string): Promise<TenantSettings | undefined> {
        if (typeof tenantId !== 'string') return undefined;
        const settings = await read<TenantSettings>(tenantSettingsEntry(tenantId));
        return isObject(settings) && settings.tenantId === tenantId ? settings : undefined;
      },
      async put(settings: TenantSettings): Promise<void> {
        assertTenantSettings(settings);
        await write(tenantSettingsEntry(settings.tenantId), settings);
      },
    },
    identities: {
      async get(id: string): Promise<IdentityRecord | undefined> {
        if (typeof id !== 'string') return undefined;
        return read<IdentityRecord>(identityEntry(id));
      },
      async findByExternalId(tenantId: string, externalId: string): Promise<IdentityRecord | undefined> {
        const id = await read<string>(identityExternalEntry(tenantId, externalId));
        if (typeof id !== 'string') return undefined;
        const record = await read<IdentityRecord>(identityEntry(id));
        return record?.tenantId === tenantId && record.externalId === externalId ? record : undefined;
      },
      insert(record: IdentityRecord): Promise<IdentityRecord> {
        assertIdentityRecord(record);
        const slot = identityExternalEntry(record.tenantId, record.externalId);
        // keyv has no conditional write: serialised per external id in this process only (see IdentityStore).
        let stored: IdentityRecord = record;
        return serialise(slot, async () => {
          const id = await read<string>(slot);
          const existing = typeof id === 'string' ? await read<IdentityRecord>(identityEntry(id)) : undefined;
          if (existing !== undefined) {
            stored = existing;
            return;
          }
          await write(`${identityTenantPrefix(record.tenantId)}${segment(record.id)}`, { id: record.id, createdAt: record.createdAt });
          await write(identityEntry(record.id), record);
          await write(slot, record.id);
        }).then(() => stored);
      },
      async put(record: IdentityRecord): Promise<void> {
        assertIdentityRecord(record);
        await write(`${identityTenantPrefix(record.tenantId)}${segment(record.id)}`, { id: record.id, createdAt: record.createdAt });
        await write(identityEntry(record.id), record);
        await write(identityExternalEntry(record.tenantId, record.externalId), record.id);
      },
      async delete(id: string): Promise<boolean> {
        if (typeof id !== 'string') return false;
        const previous = await read<IdentityRecord>(identityEntry(id));
        if (previous === undefined) return false;
        await remove(identityExternalEntry(previous.tenantId, previous.externalId));
        await remove(`${identityTenantPrefix(previous.tenantId)}${segment(id)}`);
        return remove(identityEntry(id));
      },
      async list(query: { tenantId: string; limit: number; cursor?: string }): Promise<Page<IdentityRecord>> {
        const entries: Array<{ id: string; createdAt: number }> = [];
        for (const [rest, value] of await scan(identityTenantPrefix(query.tenantId))) {
          if (!isObject(value) || typeof value.id !== 'string' || !isTime(value.createdAt) || segment(value.id) !== rest) continue;
          entries.push({ id: value.id, createdAt: value.createdAt });
        }
        const page = paginate(sortNewestFirst(entries, identityPosition), identityPosition, query.limit, query.cursor);
        const records = await Promise.all(page.items.map((e) => read<IdentityRecord>(identityEntry(e.id))));
        const items = records.filter((r): r is IdentityRecord => r !== undefined && r.tenantId === query.tenantId);
        return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
      },
    },
    close(): void {
      // Nothing of ours to release; see the TSDoc above.
    },
  };
}
