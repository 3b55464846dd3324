/**
 * {@link KeygateStorage} on Redis, through the client directly rather than
 * keyv: keyv has no sorted index, no atomic increment and no multi-key
 * atomic write, and those are what make listings cheap and counters exact
 * across processes.
 *
 * Layout (`<p>` is the prefix, `keygate:` by default; ids in key names are
 * escaped so `:` cannot forge another tenant's key name):
 *
 * | key                              | type | content                                   |
 * | -------------------------------- | ---- | ----------------------------------------- |
 * | `<p>key:<id>`                    | hash | `r` record JSON; `t`, `e`, `m` its index entries |
 * | `<p>tkeys:<tenant>`              | zset | `<createdAt, 16 digits>:<id>`, all score 0 |
 * | `<p>tenvkeys:<tenant>:<env>`     | zset | same, one environment                     |
 * | `<p>audit:<tenant>`              | hash | event id → event JSON                     |
 * | `<p>auditz:<tenant>`             | zset | `<at>:<id>`                               |
 * | `<p>auditk:<tenant>:<keyId>`     | zset | `<at>:<id>` of one key's events           |
 * | `<p>usage:<keyId>:days`          | hash | `<day>:r`, `<day>:e` counters             |
 * | `<p>usage:<keyId>:tot`           | hash | `requests`, `errors`, `last`              |
 * | `<p>usage:<keyId>:tag:<tag>`     | hash | `<day>\|r\|<value>`, `<day>\|e\|<value>` counters |
 * | `<p>usage:<keyId>:tags`          | set  | the key's tag names (for `forget`)        |
 * | `<p>tenantset:<tenant>`          | string | the tenant's settings JSON              |
 * | `<p>ident:<id>`                  | hash | `r` identity JSON; `x`, `z`, `m` its index entries |
 * | `<p>identx:<tenant>:<externalId>`| string | the identity id (unique per tenant)     |
 * | `<p>tident:<tenant>`             | zset | `<createdAt>:<id>`, as `tkeys`            |
 * | `<p>cr:<bucket>`                 | hash | credits (`storage.credits`, see `createRedisCreditStore`) |
 *
 * Sorted-set members all score 0 and sort by bytes, so `ZRANGE … BYLEX REV`
 * walks newest first (time, then id) and a cursor is an exclusive bound:
 * each page is one range read, whatever the tenant's size. Every write is one
 * Lua script (atomic on the server) touching only its own members, so
 * concurrent writers never overwrite each other's entries.
 *
 * Needs a single Redis (or a primary with replicas / Sentinel); scripts
 * touch several keys, which Redis Cluster refuses across slots.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
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
import { assertTagUsageDeltas, assertTenantSettings, mergeTagUsageDeltas, sortTagBuckets, TAG_NAME } from '../stores/tag-usage.js';
import { assertPageSize, decodeCursor, encodeCursor } from '../stores/cursor.js';
import { assertAuditEvent, assertKeyRecord, parseJson } from '../stores/record-checks.js';
import { assertUsageDeltas, mergeUsageDeltas } from '../stores/memory-storage.js';
import { assertIdentityRecord } from '../stores/identity-records.js';
import {
  assertKeyPrefix,
  assertRedisClient,
  assertTimeout,
  evalScript,
  keySegment as seg,
  luaScript,
  sendWithDeadline,
  storageUnavailable,
  type RedisCommandClient,
} from './redis-client.js';
import { createRedisCreditStore } from './credit-store.js';

/** Options of {@link createRedisStorage}. */
export interface RedisStorageOptions {
  /** A connected node-redis v5 client. keygate never closes it (unless {@link RedisStorageOptions.ownsClient}). */
  client: RedisCommandClient;
  /** Prefix of every key keygate writes. Default `keygate:`. */
  prefix?: string;
  /** Deadline of one Redis call. Default 1000 ms. */
  timeoutMs?: number;
  /** Called by `close()`; for a client keygate made itself (see `createStorage`). */
  onClose?: () => Promise<void> | void;
}

// Fixed width, so members sort by time as strings; fits Number.MAX_SAFE_INTEGER.
const pad = (ms: number) => String(ms).padStart(16, '0');
const member = (at: number, id: string) => `${pad(at)}:${id}`;

function parseMember(m: string): { at: number; id: string } | undefined {
  if (m.length < 18 || m[16] !== ':') return undefined;
  const at = Number(m.slice(0, 16));
  return Number.isSafeInteger(at) ? { at, id: m.slice(17) } : undefined;
}

/** Writes a record and moves its index entries, all or nothing. */
const PUT_KEY = luaScript(`
local old = redis.call('HMGET', KEYS[1], 't', 'e', 'm')
if old[3] then
  if old[1] ~= ARGV[2] or old[3] ~= ARGV[4] then redis.call('ZREM', old[1], old[3]) end
  if old[2] ~= ARGV[3] or old[3] ~= ARGV[4] then redis.call('ZREM', old[2], old[3]) end
end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 't', ARGV[2], 'e', ARGV[3], 'm', ARGV[4])
redis.call('ZADD', ARGV[2], 0, ARGV[4])
redis.call('ZADD', ARGV[3], 0, ARGV[4])
return 1
`);

/** Deletes a record and its index entries; 1 if it existed. */
const DELETE_KEY = luaScript(`
local old = redis.call('HMGET', KEYS[1], 't', 'e', 'm')
if not old[3] then return redis.call('DEL', KEYS[1]) end
redis.call('ZREM', old[1], old[3])
redis.call('ZREM', old[2], old[3])
return redis.call('DEL', KEYS[1])
`);

/** Appends an event unless its id exists (first write wins), indexing it by tenant and key. */
const APPEND_EVENT = luaScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[3])
if KEYS[3] then redis.call('ZADD', KEYS[3], 0, ARGV[3]) end
return 1
`);

/** Adds a batch of usage deltas: 2 keys and 4 args per delta. HINCRBY is exact; `last` keeps the max. */
const INCREMENT_USAGE = luaScript(`
for i = 1, #KEYS, 2 do
  local a = (i - 1) * 2
  local day, req, err, last = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  redis.call('HINCRBY', KEYS[i], day .. ':r', req)
  if err > 0 then redis.call('HINCRBY', KEYS[i], day .. ':e', err) end
  redis.call('HINCRBY', KEYS[i + 1], 'requests', req)
  redis.call('HINCRBY', KEYS[i + 1], 'errors', err)
  local seen = tonumber(redis.call('HGET', KEYS[i + 1], 'last'))
  if not seen or last > seen then redis.call('HSET', KEYS[i + 1], 'last', ARGV[a + 4]) end
end
return 1
`);

/** Adds a batch of tag usage deltas: 2 keys (tag hash, tag set) and 5 args per delta. */
const INCREMENT_TAGS = luaScript(`
for i = 1, #KEYS, 2 do
  local a = (i - 1) / 2 * 5
  local tag, day, value, req, err = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5])
  redis.call('HINCRBY', KEYS[i], day .. '|r|' .. value, req)
  if err > 0 then redis.call('HINCRBY', KEYS[i], day .. '|e|' .. value, err) end
  redis.call('SADD', KEYS[i + 1], tag)
end
return 1
`);

/** Deletes a key's usage, tag counters included. KEYS: days, tot, tags; ARGV: the tag hash prefix. */
const FORGET_USAGE = luaScript(`
for _, tag in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('DEL', ARGV[1] .. tag) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
`);

/**
 * Creates an identity unless its external id is taken (SET NX on the unique
 * entry); returns the stored record JSON either way. KEYS: ident, identx, tident.
 */
const INSERT_IDENTITY = luaScript(`
if redis.call('SET', KEYS[2], ARGV[2], 'NX') then
  redis.call('HSET', KEYS[1], 'r', ARGV[1], 'x', KEYS[2], 'z', KEYS[3], 'm', ARGV[3])
  redis.call('ZADD', KEYS[3], 0, ARGV[3])
  return ARGV[1]
end
local id = redis.call('GET', KEYS[2])
return redis.call('HGET', ARGV[4] .. id, 'r')
`);

/** Removes an identity and its index entries; 1 if it existed. */
const DELETE_IDENTITY = luaScript(`
local old = redis.call('HMGET', KEYS[1], 'x', 'z', 'm')
if not old[1] then return 0 end
redis.call('DEL', old[1])
redis.call('ZREM', old[2], old[3])
return redis.call('DEL', KEYS[1])
`);

const USAGE_CHUNK = 500;

/** The exclusive upper bound for a newest-first range: the tighter of a cursor and a `to`. */
function upperBound(cursor: string | undefined, to: number | undefined): string {
  let bound: string | undefined;
  if (cursor !== undefined) {
    const at = decodeCursor(cursor);
    bound = member(at.at, at.id);
  }
  if (to !== undefined) {
    const limit = pad(Math.max(0, Math.ceil(to)));
    if (bound === undefined || limit < bound) bound = limit;
  }
  return bound === undefined ? '+' : `(${bound}`;
}

/**
 * Creates the Redis storage. Keys, audit and usage are all safe to share
 * between processes: listings never lose a concurrently created key, audit
 * appends never overwrite, usage sums are exact (HINCRBY).
 *
 * @throws ConfigError at construction when the client or an option is unusable.
 */
export function createRedisStorage(options: RedisStorageOptions): KeygateStorage {
  const factory = 'createRedisStorage';
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${factory}: options must be an object`, [{ field: 'options', message: 'must be an object' }]);
  const { client } = options;
  assertRedisClient(client, factory);
  const p = assertKeyPrefix(options.prefix, 'keygate:', factory);
  const timeoutMs = options.timeoutMs === undefined ? 1000 : assertTimeout(options.timeoutMs, factory);

  const keyKey = (id: string) => `${p}key:${seg(id)}`;
  const tenantZ = (tenantId: string) => `${p}tkeys:${seg(tenantId)}`;
  const envZ = (tenantId: string, env: string) => `${p}tenvkeys:${seg(tenantId)}:${seg(env)}`;
  const auditH = (tenantId: string) => `${p}audit:${seg(tenantId)}`;
  const auditZ = (tenantId: string) => `${p}auditz:${seg(tenantId)}`;
  const auditKeyZ = (tenantId: string, keyId: string) => `${p}auditk:${seg(tenantId)}:${seg(keyId)}`;
  const daysH = (keyId: string) => `${p}usage:${seg(keyId)}:days`;
  const totH = (keyId: string) => `${p}usage:${seg(keyId)}:tot`;
  const identH = (id: string) => `${p}ident:${seg(id)}`;
  const tagsS = (keyId: string) => `${p}usage:${seg(keyId)}:tags`;
  // Tag names are `[a-z0-9_]` only: no escaping needed.
  const tagH = (keyId: string, tag: string) => `${p}usage:${seg(keyId)}:tag:${tag}`;
  const tenantSet = (tenantId: string) => `${p}tenantset:${seg(tenantId)}`;
  const identX = (tenantId: string, externalId: string) => `${p}identx:${seg(tenantId)}:${seg(externalId)}`;
  const identZ = (tenantId: string) => `${p}tident:${seg(tenantId)}`;

  async function call<T>(args: string[]): Promise<T> {
    try {
      return await sendWithDeadline<T>(client, args, timeoutMs);
    } catch (error) {
      throw storageUnavailable(error);
    }
  }
  async function script<T>(s: ReturnType<typeof luaScript>, keys: string[], args: string[]): Promise<T> {
    try {
      return await evalScript<T>(client, s, keys, args, timeoutMs);
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  return {
    shared: true,
    // On the storage's client: a limiter on the same client then meters buckets and these credits in one script.
    credits: createRedisCreditStore({ client, prefix: `${p}cr:`, timeoutMs }),
    keys: {
      async get(id) {
        if (typeof id !== 'string') return undefined;
        return parseJson<KeyRecord>(await call(['HGET', keyKey(id), 'r']));
      },
      async put(record) {
        assertKeyRecord(record);
        await script(
          PUT_KEY,
          [keyKey(record.id)],
          [JSON.stringify(record), tenantZ(record.tenantId), envZ(record.tenantId, record.environment), member(record.createdAt, record.id)],
        );
      },
      async delete(id) {
        if (typeof id !== 'string') return false;
        return (await script<number>(DELETE_KEY, [keyKey(id)], [])) === 1;
      },
      async list(query: KeyListQuery): Promise<Page<KeyRecord>> {
        assertPageSize(query.limit);
        const zset = query.environment === undefined ? tenantZ(query.tenantId) : envZ(query.tenantId, query.environment);
        const members = await call<string[]>(['ZRANGE', zset, upperBound(query.cursor, undefined), '-', 'BYLEX', 'REV', 'LIMIT', '0', String(query.limit + 1)]);
        const page = members.slice(0, query.limit);
        const raws = await Promise.all(page.map((m) => call<string | null>(['HGET', keyKey(parseMember(m)?.id ?? ''), 'r'])));
        const items: KeyRecord[] = [];
        for (const raw of raws) {
          const record = parseJson<KeyRecord>(raw);
          // Deleted or moved since the range read: left out.
          if (record === undefined || record.tenantId !== query.tenantId) continue;
          if (query.environment !== undefined && record.environment !== query.environment) continue;
          items.push(record);
        }
        const last = members.length > query.limit ? parseMember(page[page.length - 1]!) : undefined;
        return last === undefined ? { items } : { items, nextCursor: encodeCursor(last) };
      },
    },
    audit: {
      async append(event) {
        assertAuditEvent(event);
        const keys = [auditH(event.tenantId), auditZ(event.tenantId)];
        if (typeof event.keyId === 'string') keys.push(auditKeyZ(event.tenantId, event.keyId));
        await script(APPEND_EVENT, keys, [event.id, JSON.stringify(event), member(event.at, event.id)]);
      },
      async query(query: AuditQuery): Promise<Page<AuditEvent>> {
        assertPageSize(query.limit);
        const zset = query.keyId === undefined ? auditZ(query.tenantId) : auditKeyZ(query.tenantId, query.keyId);
        const lower = query.from === undefined ? '-' : `[${pad(Math.max(0, Math.ceil(query.from)))}`;
        const upper = upperBound(query.cursor, query.to);
        if (query.to !== undefined && query.to <= 0) return { items: [] };
        const members = await call<string[]>(['ZRANGE', zset, upper, lower, 'BYLEX', 'REV', 'LIMIT', '0', String(query.limit + 1)]);
        const page = members.slice(0, query.limit);
        if (page.length === 0) return { items: [] };
        const ids = page.map((m) => parseMember(m)?.id ?? '');
        const raws = await call<Array<string | null>>(['HMGET', auditH(query.tenantId), ...ids]);
        const items = raws.map((raw) => parseJson<AuditEvent>(raw)).filter((e): e is AuditEvent => e !== undefined);
        const last = members.length > query.limit ? parseMember(page[page.length - 1]!) : undefined;
        return last === undefined ? { items } : { items, nextCursor: encodeCursor(last) };
      },
    },
    usage: {
      async increment(deltas: UsageDelta[]) {
        assertUsageDeltas(deltas);
        const merged = mergeUsageDeltas(deltas);
        for (let i = 0; i < merged.length; i += USAGE_CHUNK) {
          const keys: string[] = [];
          const args: string[] = [];
          for (const d of merged.slice(i, i + USAGE_CHUNK)) {
            keys.push(daysH(d.keyId), totH(d.keyId));
            args.push(d.day, String(d.requests), String(d.errors), String(d.lastUsedAt));
          }
          await script(INCREMENT_USAGE, keys, args);
        }
      },
      async range(keyId, fromDay, toDay): Promise<UsageBucket[]> {
        const flat = await call<string[] | Record<string, string>>(['HGETALL', daysH(keyId)]);
        const entries: Array<[string, string]> = Array.isArray(flat)
          ? Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!] as [string, string])
          : Object.entries(flat);
        const byDay = new Map<string, UsageBucket>();
        for (const [field, value] of entries) {
          const day = field.slice(0, -2);
          if (day < fromDay || day > toDay) continue;
          let bucket = byDay.get(day);
          if (bucket === undefined) byDay.set(day, (bucket = { day, requests: 0, errors: 0 }));
          if (field.endsWith(':r')) bucket.requests = Number(value);
          else if (field.endsWith(':e')) bucket.errors = Number(value);
        }
        return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
      },
      async summary(keyId): Promise<UsageSummary> {
        const [requests, errors, last] = await call<Array<string | null>>(['HMGET', totH(keyId), 'requests', 'errors', 'last']);
        const summary: UsageSummary = { requests: Number(requests ?? 0), errors: Number(errors ?? 0) };
        if (last != null) summary.lastUsedAt = Number(last);
        return summary;
      },
      async incrementTags(deltas: TagUsageDelta[]) {
        assertTagUsageDeltas(deltas);
        const merged = mergeTagUsageDeltas(deltas);
        for (let i = 0; i < merged.length; i += USAGE_CHUNK) {
          const keys: string[] = [];
          const args: string[] = [];
          for (const d of merged.slice(i, i + USAGE_CHUNK)) {
            keys.push(tagH(d.keyId, d.tag), tagsS(d.keyId));
            args.push(d.tag, d.day, d.value, String(d.requests), String(d.errors));
          }
          await script(INCREMENT_TAGS, keys, args);
        }
      },
      async rangeByTag(keyId, tag, fromDay, toDay): Promise<TagUsageBucket[]> {
        if (!TAG_NAME.test(tag)) return [];
        const flat = await call<string[] | Record<string, string>>(['HGETALL', tagH(keyId, tag)]);
        const entries: Array<[string, string]> = Array.isArray(flat)
          ? Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!] as [string, string])
          : Object.entries(flat);
        const buckets = new Map<string, TagUsageBucket>();
        for (const [field, count] of entries) {
          // `<day>|<r or e>|<value>`: the day has a fixed length, so a `|` in the value is harmless.
          const day = field.slice(0, 10);
          const kind = field.slice(11, 12);
          const value = field.slice(13);
          if (day < fromDay || day > toDay) continue;
          const slot = `${day}|${value}`;
          let bucket = buckets.get(slot);
          if (bucket === undefined) buckets.set(slot, (bucket = { day, value, requests: 0, errors: 0 }));
          if (kind === 'r') bucket.requests = Number(count);
          else if (kind === 'e') bucket.errors = Number(count);
        }
        return sortTagBuckets([...buckets.values()]);
      },
      async forget(keyId) {
        await script(FORGET_USAGE, [daysH(keyId), totH(keyId), tagsS(keyId)], [`${p}usage:${seg(keyId)}:tag:`]);
      },
    },
    tenants: {
      async get(tenantId) {
        if (typeof tenantId !== 'string') return undefined;
        const settings = parseJson<TenantSettings>(await call(['GET', tenantSet(tenantId)]));
        return settings?.tenantId === tenantId ? settings : undefined;
      },
      async put(settings) {
        assertTenantSettings(settings);
        await call(['SET', tenantSet(settings.tenantId), JSON.stringify(settings)]);
      },
    },
    identities: {
      async get(id) {
        if (typeof id !== 'string') return undefined;
        return parseJson<IdentityRecord>(await call(['HGET', identH(id), 'r']));
      },
      async findByExternalId(tenantId, externalId) {
        const id = await call<string | null>(['GET', identX(tenantId, externalId)]);
        if (id === null) return undefined;
        return parseJson<IdentityRecord>(await call(['HGET', identH(id), 'r']));
      },
      async insert(record) {
        assertIdentityRecord(record);
        const raw = await script<string | null>(
          INSERT_IDENTITY,
          [identH(record.id), identX(record.tenantId, record.externalId), identZ(record.tenantId)],
          // The script addresses the existing record by id, so it needs the hash key's prefix and the escaping used here.
          [JSON.stringify(record), seg(record.id), member(record.createdAt, record.id), `${p}ident:`],
        );
        return parseJson<IdentityRecord>(raw) ?? record;
      },
      async put(record) {
        assertIdentityRecord(record);
        await call(['HSET', identH(record.id), 'r', JSON.stringify(record)]);
      },
      async delete(id) {
        if (typeof id !== 'string') return false;
        return (await script<number>(DELETE_IDENTITY, [identH(id)], [])) === 1;
      },
      async list(query) {
        assertPageSize(query.limit);
        const members = await call<string[]>(['ZRANGE', identZ(query.tenantId), upperBound(query.cursor, undefined), '-', 'BYLEX', 'REV', 'LIMIT', '0', String(query.limit + 1)]);
        const page = members.slice(0, query.limit);
        const raws = await Promise.all(page.map((m) => call<string | null>(['HGET', identH(parseMember(m)?.id ?? ''), 'r'])));
        const items = raws.map((raw) => parseJson<IdentityRecord>(raw)).filter((r): r is IdentityRecord => r !== undefined && r.tenantId === query.tenantId);
        const last = members.length > query.limit ? parseMember(page[page.length - 1]!) : undefined;
        return last === undefined ? { items } : { items, nextCursor: encodeCursor(last) };
      },
    },
    async close() {
      await options.onClose?.();
    },
  };
}
