/**
 * A {@link RateLimiter} shared by every process that uses the same Redis:
 * one Lua script per check, so refill, take and store are one atomic step on
 * the server and one network round trip for the caller.
 *
 * @module
 */
import { BackendError, ConfigError, ValidationError } from '../errors.js';
import type { Logger } from '../manager-types.js';
import { createMemoryRateLimiter, type MemoryRateLimiter } from '../memory-rate-limiter.js';
import { assertCreditCount, assertCreditPolicy } from '../memory-credit-store.js';
import type { CreditStore, MeterOutcome, MeterRequest, RateLimiter, RateLimitPolicy, RateLimitState } from '../types.js';
import { CREDIT_REFILL_LUA, CREDIT_STATE_LUA, creditArgs, redisCreditBackend } from './credit-store.js';
import { assertKeyPrefix, assertTimeout, luaScript, redisCommandClient, runScript, sendWithDeadline, type RedisClientLike, type RedisCommandClient } from './redis-client.js';
import { ThrottledLog } from './throttled-log.js';

/**
 * The bucket scripts' Lua, as snippets both scripts inline: a local
 * function would be a closure the server makes on every call, which costs
 * more than the arithmetic it holds.
 *
 * A bucket is one field of its owner's hash (see {@link bucketKey}) holding
 * three little-endian doubles (`struct.pack('<d<d<d')`): its level, the
 * server time it was taken at, and `x`. Binary because the server spends
 * more on decimal text (`tonumber`'s strtod, `string.format`) than on all the
 * bucket arithmetic. A level counts tokens times the window in ms, so a
 * refill adds the whole number `elapsed ms * limit` and whole costs keep it
 * whole: no float drift, exact while below 2^53.
 *
 * `x` is a time (epoch ms) by which the bucket is full again with some
 * slack (a quarter more and a second), and until which the hash is known to
 * live: a missing bucket reads as full, so the hash may expire once every
 * bucket in it is full. The hash's expiry only ever moves later ({@link keepLua}
 * checks `PTTL` first), so a write whose bucket is full by its stored `x`
 * needs no expiry call: a busy bucket pays for one now and then, not on
 * every take. A take that takes nothing (denied, or cost 0) writes nothing:
 * the stored state already yields the same level at any later time.
 */
const BUCKET_PRELUDE_LUA = `
local floor, ceil, spack, sunpack = math.floor, math.ceil, struct.pack, struct.unpack
local t = redis.call('TIME')
local now = t[1] * 1000 + floor(t[2] / 1000)
`;

/** Lua declaring `u, at, x`: the level, time and `x` of the bucket stored in `raw` as of `now` (full when missing or unreadable), refilled and clamped to the capacity. */
function levelLua(raw: string, full: string, limit: string): string {
  return `local u, at, x = ${full}, now, 0
if ${raw} and #${raw} == 24 then
  local su, sat, sx = sunpack('<d<d<d', ${raw})
  if su >= 0 and sat > -1e15 and sat < 1e15 and sx == sx then
    u, at, x = su, sat, sx
    if now > at then
      u = u + (now - at) * ${limit}
      at = now
    end
    if u > ${full} then u = ${full} end
  end
end`;
}

/** Lua declaring `moved`: the `x` to store for level `u` taken at `at`, which is the stored `x` unless the bucket is full only later. */
function expiryLua(u: string, at: string, full: string, limit: string, x: string): string {
  return `local moved = ${x}
if ${u} < ${full} then
  local fullAt = ${at} + ceil((${full} - ${u}) / ${limit})
  if fullAt > ${x} then moved = fullAt + floor((fullAt - now) / 4) + 1000 end
end`;
}

/** Lua making hash `key` live until `x` at least. */
function keepLua(key: string, x: string): string {
  return `local ttl = redis.call('PTTL', ${key})
if ttl < 0 or now + ttl < ${x} then redis.call('PEXPIREAT', ${key}, ${x}) end`;
}

/** A Lua expression replying number `v`: an integer reply, which costs the server less than text, or text past 2^53. */
function replyLua(v: string): string {
  return `((${v} < 9007199254740992 and ${v} > -9007199254740992 and ${v} == floor(${v})) and ${v} or string.format('%.17g', ${v}))`;
}

/**
 * Lua for one take of {@link TOKEN_BUCKET_LUA}, on the locals `key`, `field`,
 * `full`, `limit` and `cost` its script declares, leaving in `u` what the
 * script replies for it.
 */
const TAKE_LUA = `local raw = redis.call('HGET', key, field)
${levelLua('raw', 'full', 'limit')}
if cost > u then
  u = -1 - u
elseif cost > 0 then
  u = u - cost
  ${expiryLua('u', 'at', 'full', 'limit', 'x')}
  redis.call('HSET', key, field, spack('<d<d<d', u, at, moved))
  if moved > x then
    ${keepLua('key', 'moved')}
  end
end`;

/**
 * `takeTokens` (token-bucket.ts) in Lua, in levels (tokens times windowMs).
 * The time is the Redis server's (`TIME`), so app hosts with skewed clocks
 * still share one bucket correctly.
 *
 * KEYS[1] is the owner's hash; ARGV[1..4] are the bucket's field there (see
 * {@link BUCKET_PRELUDE_LUA} for what it holds), capacity as a level, limit,
 * cost as a level.
 *
 * Returns the level after the call when the take was allowed, and `-1 -
 * level` when it was denied. The caller derives remaining, resetAt and
 * retryAfterMs from it.
 */
export const TOKEN_BUCKET_LUA = `${BUCKET_PRELUDE_LUA}
local key, field, full, limit, cost = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
${TAKE_LUA}
return ${replyLua('u')}
`;

/**
 * {@link TOKEN_BUCKET_LUA} for the checks that arrived together, one after
 * the other at one server time, each on its own (unlike {@link METER_LUA}'s
 * all or none; a bucket taken twice sees the first take). Take i is on the
 * field ARGV[1 + i] of KEYS[i]; ARGV[1] packs per take its capacity, limit
 * and cost as three little-endian doubles (a strtod per number would cost the
 * server more). Returns the replies as a list. A separate script because a
 * list reply costs the server more than a number, which a lone check would
 * pay for nothing.
 */
export const TOKEN_BUCKET_BATCH_LUA = `${BUCKET_PRELUDE_LUA}
local blob, p, out = ARGV[1], 1, {}
for i = 1, #KEYS do
  local key, field, full, limit, cost = KEYS[i], ARGV[i + 1]
  full, limit, cost, p = sunpack('<d<d<d', blob, p)
  ${TAKE_LUA}
  out[i] = ${replyLua('u')}
end
return out
`;

const BATCH = luaScript(TOKEN_BUCKET_BATCH_LUA);
const SCRIPT = luaScript(TOKEN_BUCKET_LUA);

/**
 * A bucket's state as reported, from its level `u` at `now` (the host's
 * clock: the server's time stays in the script, and the reset time is for
 * headers the host computes against its own clock): `remaining` whole
 * tokens and `resetAt`, when it is full again. `full` is a level (capacity
 * times `windowMs`).
 */
function bucketState(allowed: boolean, retryAfterMs: number, u: number, now: number, full: number, limit: number, windowMs: number, capacity: number): RateLimitState {
  return { allowed, limit: capacity, remaining: Math.floor(u / windowMs), resetAt: u < full ? now + Math.ceil((full - u) / limit) : now, retryAfterMs };
}

/** The wait of a denied take of `cost` from level `u`, as levels: until `cost` is there, or the bucket is full when `cost` is above it; at least 1 ms. */
function waitFor(cost: number, u: number, full: number, limit: number): number {
  return Math.max(1, Math.ceil((cost > full ? full : cost - u) / limit));
}

/** A level as a script replies it: an integer, or text past 2^53. */
function levelOf(reply: unknown): number {
  return typeof reply === 'number' ? reply : Number(reply);
}

/** The outcome of {@link TOKEN_BUCKET_LUA}'s reply for a take of `levels` under `policy`. */
function consumed(reply: unknown, policy: RateLimitPolicy, levels: number): RateLimitState {
  const r = levelOf(reply);
  const denied = r < 0;
  const u = denied ? -1 - r : r;
  const capacity = policy.burst ?? policy.limit;
  const windowMs = policy.windowSeconds * 1000;
  const full = capacity * windowMs;
  return bucketState(!denied, denied ? waitFor(levels, u, full, policy.limit) : 0, u, Date.now(), full, policy.limit, windowMs, capacity);
}

/**
 * {@link METER_LUA}'s work for one request, on the locals its script
 * declares: `blob` (ARGV[1]) with the request's numbers from `p`, its first
 * field at ARGV[a], and `ko` keys before its own. Leaves the reply in `out`
 * and its key counts in `no` and `nc`, and moves `p` and `a` past the request.
 */
const METER_BODY_LUA = `local no, nc, m, n
no, nc, m, n, p = sunpack('<d<d<d<d', blob, p)
-- One table per slot, made with its size (a table grown key by key costs the server a resize each time):
-- { level, level before the takes, updatedAt, x, capacity, limit (of its last take), took tokens, owner, field, stored value }.
local S, ns = {}, 0
for j = 1, no do
  local nf
  nf, p = sunpack('<d', blob, p)
  local r = redis.call('HMGET', KEYS[ko + j], unpack(ARGV, a, a + nf - 1))
  for i = 1, nf do
    S[ns + i] = { false, false, false, false, false, false, false, j, ARGV[a + i - 1], r[i] }
  end
  ns = ns + nf
  a = a + nf
end
local allowed = true
for i = 1, n do
  local s, full, limit, cost
  s, full, limit, cost, p = sunpack('<d<d<d<d', blob, p)
  local e = S[s]
  if not e[1] then
    local raw = e[10]
    ${levelLua('raw', 'full', 'limit')}
    e[1], e[2], e[3], e[4] = u, u, at, x
  end
  local u = e[1]
  e[5], e[6] = full, limit
  if cost <= u then
    e[1] = u - cost
    if cost > 0 then e[7] = true end
  else
    e[1] = u
    allowed = false
  end
end
-- One table per credit key: { remaining, remaining before the takes, refilledAt, next refill, moved, tag }.
local C = {}
for c = 1, nc do
  local r, f, nx, moved = credit_now(redis.call('HMGET', KEYS[ko + no + c], 'r', 'f', 'n', 'p'), ARGV[a], ARGV[a + 1], ARGV[a + 2])
  C[c] = { r, r, f, nx, moved, ARGV[a + 1] }
  a = a + 3
end
for j = 1, m do
  local c, cost
  c, cost, p = sunpack('<d<d', blob, p)
  local e = C[c]
  if e[1] >= cost then e[1] = e[1] - cost else allowed = false end
end
local out = { 0 }
if allowed then
  out[1] = 1
  -- One HSET per owner of the slots that took tokens (an owner's slots are consecutive), and one expiry move at most.
  local args, k, latest = {}, 0, 0
  for s = 1, ns do
    local e = S[s]
    local u = e[1]
    out[s + 1] = ${replyLua('u')}
    if e[7] then
      local x, at, full, limit = e[4], e[3], e[5], e[6]
      ${expiryLua('u', 'at', 'full', 'limit', 'x')}
      if moved > x and moved > latest then latest = moved end
      args[k + 1], args[k + 2] = e[9], spack('<d<d<d', u, at, moved)
      k = k + 2
    end
    if k > 0 and (s == ns or S[s + 1][8] ~= e[8]) then
      local key = KEYS[ko + e[8]]
      redis.call('HSET', key, unpack(args, 1, k))
      if latest > 0 then
        ${keepLua('key', 'latest')}
      end
      k, latest = 0, 0
    end
  end
else
  for s = 1, ns do
    local u = S[s][2]
    out[s + 1] = ${replyLua('u')}
  end
end
for c = 1, nc do
  local e = C[c]
  local r = e[2]
  if allowed then r = e[1] end
  out[ns + 2 * c], out[ns + 2 * c + 1] = r, e[4]
  credit_write(KEYS[ko + no + c], r, e[3], e[4], e[5], e[6], allowed)
end
`;

/**
 * {@link RateLimiter.meter} in one script: every token bucket (the same
 * arithmetic and layout as {@link TOKEN_BUCKET_LUA}) and every credit bucket
 * (as `CREDIT_SPEND_LUA`) checked at one server time, then all taken or none.
 *
 * KEYS: the owner hashes of the buckets, then the distinct credit keys.
 * ARGV[1] packs the numbers as little-endian doubles (text would cost the
 * server a strtod each): the number of owners, of distinct credit keys, of
 * credit takes m, of bucket takes n; per owner its number of distinct bucket fields; per take its slot
 * (the running number of its field across owners), capacity as a level,
 * limit, cost as a level; per credit take its credit key's number and cost.
 * ARGV[2..]: per owner its fields (one HMGET per owner), then per credit key
 * its initial, tag, amount (`creditArgs`). A bucket or credit listed twice
 * pays twice.
 *
 * Returns `{ allowed, level per slot, [remaining, refillAt or -1] per credit key }`.
 * A slot's level is the one after the takes when allowed (as stored),
 * before them otherwise, and a credit's remaining likewise: the caller
 * derives each take's outcome from them (replaying the takes when denied),
 * which spares the server building a reply per take.
 */
export const METER_LUA = `${CREDIT_REFILL_LUA}${BUCKET_PRELUDE_LUA}${CREDIT_STATE_LUA}
local blob, p, a, ko = ARGV[1], 1, 2, 0
${METER_BODY_LUA}
return out
`;

/**
 * {@link METER_LUA} for the requests that arrived together, one after the
 * other at one server time, each all or none on its own (a bucket in two of
 * them sees the first one's takes). KEYS, ARGV[1]'s numbers and ARGV[2..]
 * are each request's, one request after the other. Returns the replies as a list.
 */
export const METER_BATCH_LUA = `${CREDIT_REFILL_LUA}${BUCKET_PRELUDE_LUA}${CREDIT_STATE_LUA}
local blob, p, a, ko, replies = ARGV[1], 1, 2, 0, {}
while p <= #blob do
  ${METER_BODY_LUA}
  replies[#replies + 1] = out
  ko = ko + no + nc
end
return replies
`;

const METER = luaScript(METER_LUA);
const METER_BATCH = luaScript(METER_BATCH_LUA);

/**
 * Where a bucket lives: the hash of its owner, the bucket name up to its
 * second `:` (`key:<id>` for `key:<id>` and `key:<id>:uploads`), and a field
 * named by the rest (`''`, `:uploads`). So the buckets one verification
 * takes are mostly fields of one hash: one read and one write on the server
 * rather than one key each. Any name maps to one place, and distinct names
 * to distinct places (owner and field concatenate back to the name).
 */
export function bucketKey(bucket: string): [owner: string, field: string] {
  const at = fieldStart(bucket);
  return [bucket.slice(0, at), bucket.slice(at)];
}

/** Where a bucket name's field starts ({@link bucketKey}): its second `:`, else its end. */
function fieldStart(bucket: string): number {
  const second = bucket.indexOf(':', bucket.indexOf(':') + 1);
  return second < 0 ? bucket.length : second;
}

/** A metered call's EVALSHA, its parts for a batch, and where each take's state is in the reply. */
interface MeterCommand {
  readonly command: ReadonlyArray<string | Buffer>;
  /** The command's keys, numbers (ARGV[1]) and other arguments. */
  readonly keys: readonly string[];
  readonly numbers: Buffer;
  readonly args: readonly string[];
  readonly creditStore: CreditStore | undefined;
  /** Distinct bucket fields. */
  readonly slots: number;
  /** Per take its slot; per slot its last take, whose policy reports the slot's state; per credit take its credit key's index. */
  readonly slotOf: readonly number[];
  readonly lastTake: readonly number[];
  readonly creditOf: readonly number[];
}

/** Checks a meter request and builds its command ({@link METER_LUA}'s layout). */
function buildMeterCommand(request: MeterRequest, creditStore: CreditStore | undefined, client: RedisCommandClient, prefix: string): MeterCommand {
  const buckets = request.buckets;
  const credits = request.credits ?? [];
  // Owners in first-seen order, each with its distinct fields; a take names its field by slot, the field's running number over all owners.
  const owners: string[] = [];
  const fields: string[][] = [];
  const placed: number[] = [];
  // Distinct credit keys in first-seen order, each with the policy of its first take; per credit take its key's index.
  const creditKeys: string[] = [];
  const creditPolicies: string[] = [];
  const creditOf: number[] = [];
  for (const b of buckets) {
    checkRequest(b.policy, b.cost);
    const [owner, field] = bucketKey(b.bucket);
    let j = owners.indexOf(owner);
    if (j < 0) j = owners.push(owner) - 1;
    const own = (fields[j] ??= []);
    let f = own.indexOf(field);
    if (f < 0) f = own.push(field) - 1;
    placed.push(j, f);
  }
  if (credits.length > 0) {
    const backend = redisCreditBackend(creditStore);
    if (backend === undefined || backend.client !== client) {
      throw new ConfigError('meter: credits need a Redis credit store on this limiter\'s client (sharesCreditsWith)', [
        { field: 'creditStore', message: 'is not a Redis credit store on the same client' },
      ]);
    }
    for (const c of credits) {
      assertCreditCount(c.cost, 'cost');
      assertCreditPolicy(c.policy);
      const key = backend.prefix + c.bucket;
      let k = creditKeys.indexOf(key);
      if (k < 0) {
        k = creditKeys.push(key) - 1;
        creditPolicies.push(...creditArgs(c.policy));
      }
      creditOf.push(k);
    }
  }
  // The numbers go as one buffer of doubles (see METER_LUA), the names as text.
  const numbers = Buffer.allocUnsafe(8 * (4 + owners.length + 4 * buckets.length + 2 * credits.length));
  let at = numbers.writeDoubleLE(owners.length, 0);
  at = numbers.writeDoubleLE(creditKeys.length, at);
  at = numbers.writeDoubleLE(credits.length, at);
  at = numbers.writeDoubleLE(buckets.length, at);
  const keys = owners.map((owner) => prefix + owner);
  keys.push(...creditKeys);
  const args: string[] = [];
  const firstSlot: number[] = [];
  let slots = 0;
  for (const own of fields) {
    firstSlot.push(slots);
    slots += own.length;
    at = numbers.writeDoubleLE(own.length, at);
    args.push(...own);
  }
  args.push(...creditPolicies);
  // Per take: its slot (1-based there), and as levels its capacity and cost.
  const slotOf: number[] = [];
  const lastTake: number[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const { policy, cost } = buckets[i]!;
    const windowMs = policy.windowSeconds * 1000;
    const slot = firstSlot[placed[2 * i]!]! + placed[2 * i + 1]!;
    slotOf.push(slot);
    lastTake[slot] = i;
    at = numbers.writeDoubleLE(slot + 1, at);
    at = numbers.writeDoubleLE((policy.burst ?? policy.limit) * windowMs, at);
    at = numbers.writeDoubleLE(policy.limit, at);
    at = numbers.writeDoubleLE(cost * windowMs, at);
  }
  for (let j = 0; j < credits.length; j++) {
    at = numbers.writeDoubleLE(creditOf[j]! + 1, at);
    at = numbers.writeDoubleLE(credits[j]!.cost, at);
  }
  const command = ['EVALSHA', METER.sha, String(keys.length), ...keys, numbers, ...args];
  return { command, keys, numbers, args, creditStore, slots, slotOf, lastTake, creditOf };
}

/** A meter request's outcome from its reply ({@link METER_LUA}'s layout). */
function meterOutcome(request: MeterRequest, plan: MeterCommand, r: unknown[]): MeterOutcome {
  const { slots, slotOf, lastTake, creditOf } = plan;
  const { buckets } = request;
  const credits = request.credits ?? [];
  const allowed = Number(r[0]) === 1;
  const now = Date.now();
  // Each slot's level as the script left it; when denied, `level` replays the takes from it to find which ones failed.
  const reported: number[] = [];
  for (let s = 0; s < slots; s++) reported.push(levelOf(r[s + 1]));
  const level = allowed ? reported : [...reported];
  const states: RateLimitState[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const { policy, cost } = buckets[i]!;
    const s = slotOf[i]!;
    let retryAfterMs = 0;
    let ok = allowed;
    if (!allowed) {
      const windowMs = policy.windowSeconds * 1000;
      const full = (policy.burst ?? policy.limit) * windowMs;
      const levels = cost * windowMs;
      ok = levels <= level[s]!;
      if (ok) level[s]! -= levels;
      else retryAfterMs = waitFor(levels, level[s]!, full, policy.limit);
    }
    const last = buckets[lastTake[s]!]!.policy;
    const windowMs = last.windowSeconds * 1000;
    states.push(bucketState(ok, retryAfterMs, reported[s]!, now, (last.burst ?? last.limit) * windowMs, last.limit, windowMs, policy.burst ?? policy.limit));
  }
  const spends = [];
  const left: number[] = [];
  for (let j = 0; j < credits.length; j++) {
    const k = creditOf[j]!;
    const remaining = Number(r[slots + 1 + 2 * k]);
    const refillAt = Number(r[slots + 2 + 2 * k]);
    let ok = allowed;
    if (!allowed) {
      const have = left[k] ?? remaining;
      ok = have >= credits[j]!.cost;
      left[k] = ok ? have - credits[j]!.cost : have;
    }
    spends.push(refillAt >= 0 ? { allowed: ok, remaining, refillAt } : { allowed: ok, remaining });
  }
  return { allowed, buckets: states, credits: spends };
}

/** Whether a request can never change: it, its lists, their entries and policies are all frozen. */
function frozenRequest(request: MeterRequest): boolean {
  const frozen = Object.isFrozen;
  return (
    frozen(request) &&
    frozen(request.buckets) &&
    request.buckets.every((b) => frozen(b) && frozen(b.policy)) &&
    (request.credits === undefined || (frozen(request.credits) && request.credits.every((c) => frozen(c) && frozen(c.policy) && (c.policy.refill === undefined || frozen(c.policy.refill)))))
  );
}

/** A check waiting for the end of its tick to be sent with the others ({@link TOKEN_BUCKET_BATCH_LUA}). */
interface Take {
  readonly bucket: string;
  readonly policy: RateLimitPolicy;
  readonly cost: number;
  readonly resolve: (state: RateLimitState) => void;
}

/** A meter call waiting for the end of its tick ({@link METER_BATCH_LUA}). */
interface Metering {
  readonly request: MeterRequest;
  readonly plan: MeterCommand;
  readonly resolve: (outcome: MeterOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** Most takes in one script call: a burst of checks is cut into calls that each keep the server busy for well under a millisecond. */
const MAX_BATCH = 256;

/** Most meter requests in one script call. */
const MAX_METER_BATCH = 32;

/** Collects the calls made in one tick and hands them to `send` at its end, at most `max` at a time. */
function tickBatcher<T>(max: number, send: (items: T[]) => void): (item: T) => void {
  let queue: T[] = [];
  const flush = (): void => {
    const items = queue;
    queue = [];
    for (let i = 0; i < items.length; i += max) send(items.length <= max ? items : items.slice(i, i + max));
  };
  return (item) => {
    if (queue.push(item) === 1) process.nextTick(flush);
  };
}

/** ioredis's Cluster client: each check goes alone there, since the buckets of a batch may live on different nodes. */
function isClusterClient(client: unknown): boolean {
  return (client as { isCluster?: unknown }).isCluster === true;
}

/** What the limiter does while Redis does not answer. */
export type RateLimiterFailureMode = 'closed' | 'open';

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** A connected node-redis v5 or ioredis v5 client; keygate never connects or closes it. */
  client: RedisClientLike;
  /**
   * `closed` (default): deny every check while Redis is down; nothing gets
   * through unmetered. `open`: admit through a per-process in-memory bucket
   * with the same policy, so each process enforces the limit on its own
   * (a cluster of N processes admits up to N times the limit).
   */
  failureMode?: RateLimiterFailureMode;
  /** Prefix of bucket keys. Default `keygate:rl:`. */
  prefix?: string;
  /** Deadline of one Redis call. Default 200 ms. */
  timeoutMs?: number;
  /** After a failure, how long checks skip Redis before one probe retries it. Default 1000 ms. */
  retryIntervalMs?: number;
  /** Where outage and recovery lines go. Default `console`. */
  logger?: Logger;
  /** At most one outage line per this interval. Default 10,000 ms. */
  logIntervalMs?: number;
}

/** A Redis-backed {@link RateLimiter}; its methods always return promises. */
export interface RedisRateLimiter extends RateLimiter {
  consume(bucket: string, policy: RateLimitPolicy, cost?: number): Promise<RateLimitState>;
  reset(bucket: string): Promise<void>;
  /**
   * Every bucket and credit in one EVALSHA ({@link METER_LUA}): one round
   * trip, all taken or none. Credits need a Redis credit store on the same
   * client ({@link RedisRateLimiter.sharesCreditsWith}). While Redis is down
   * the buckets answer by `failureMode`; if they would admit and credits were
   * asked for, it rejects with `STORAGE_UNAVAILABLE` (a quota has no fail-open mode).
   * Not for Redis Cluster: the keys of one call may live on different nodes.
   */
  meter(request: MeterRequest, creditStore?: CreditStore): Promise<MeterOutcome>;
  /** True for a store made by `createRedisCreditStore` with this limiter's client. */
  sharesCreditsWith(store: CreditStore): boolean;
  /** `false` while the limiter is answering from its failure mode. */
  readonly healthy: boolean;
}

function positiveFinite(n: unknown): boolean {
  return typeof n === 'number' && n > 0 && n !== Infinity;
}

// Runs on every check: no closure made per call.
function checkRequest(policy: RateLimitPolicy, cost: number): void {
  if (!(cost >= 0) || cost === Infinity) {
    throw new ValidationError([{ field: 'cost', message: 'Must be a finite number of tokens, 0 or more' }]);
  }
  if (typeof policy !== 'object' || policy === null || !positiveFinite(policy.limit) || !positiveFinite(policy.windowSeconds) || !positiveFinite(policy.burst ?? policy.limit)) {
    throw new ValidationError([{ field: 'policy', message: 'Invalid rate-limit policy; limit, windowSeconds and burst must be positive and finite' }]);
  }
}

function positiveInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`createRedisRateLimiter: ${field} must be a whole number of at least 1`, [{ field, message: 'must be a whole number of at least 1' }]);
  }
  return value;
}

/**
 * Creates the shared token-bucket limiter. Same semantics as
 * `createMemoryRateLimiter` (both pass `runRateLimiterConformance`), one
 * Redis round trip (EVALSHA) per `consume`.
 *
 * Never throws or hangs because Redis is down: each call gives up after
 * `timeoutMs`, answers by `failureMode`, logs the outage (throttled), and
 * skips Redis for `retryIntervalMs` before probing it again. It recovers
 * by itself when Redis returns.
 *
 * @throws ConfigError at construction when the client or an option is unusable.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RedisRateLimiter {
  const factory = 'createRedisRateLimiter';
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${factory}: options must be an object`, [{ field: 'options', message: 'must be an object' }]);
  const client = redisCommandClient(options.client, factory);
  const failureMode = options.failureMode ?? 'closed';
  if (failureMode !== 'closed' && failureMode !== 'open') {
    throw new ConfigError(`${factory}: failureMode must be "closed" or "open"`, [{ field: 'failureMode', message: 'must be "closed" or "open"' }]);
  }
  const prefix = assertKeyPrefix(options.prefix, 'keygate:rl:', factory);
  const timeoutMs = assertTimeout(options.timeoutMs, factory);
  const retryIntervalMs = positiveInt(options.retryIntervalMs, 'retryIntervalMs', 1000);
  const log = new ThrottledLog(options.logger ?? console, positiveInt(options.logIntervalMs, 'logIntervalMs', 10_000));
  const local: MemoryRateLimiter | undefined = failureMode === 'open' ? createMemoryRateLimiter() : undefined;

  // 0 while Redis answers; otherwise the time before which checks do not try it.
  let downUntil = 0;

  // A request that can never change (KeyManager makes one per key and route) is checked and built once: freezing is for good.
  const prepared = new WeakMap<MeterRequest, MeterCommand>();
  function meterCommand(request: MeterRequest, creditStore: CreditStore | undefined): MeterCommand {
    const known = prepared.get(request);
    if (known !== undefined && known.creditStore === creditStore) return known;
    const built = buildMeterCommand(request, creditStore, client, prefix);
    if (frozenRequest(request)) prepared.set(request, built);
    return built;
  }

  const clustered = isClusterClient(options.client);

  // Checks made in one tick wait for its end and go as one script ({@link TOKEN_BUCKET_BATCH_LUA}): under load the
  // server's fixed cost per command (the call, TIME, the reply) is paid once per batch instead of once per check.
  const take = tickBatcher<Take>(clustered ? 1 : MAX_BATCH, (takes) => {
    const script = takes.length === 1 ? SCRIPT : BATCH;
    const args: Array<string | Buffer> = ['EVALSHA', script.sha, String(takes.length)];
    // A lone check's numbers go as text: with a binary argument the clients write the command in pieces, which
    // costs the caller more than the server saves. In a batch the server's saving (no strtod per number) wins.
    const numbers = script === BATCH ? Buffer.allocUnsafe(24 * takes.length) : undefined;
    const tail: string[] = [];
    let at = 0;
    for (const { bucket, policy, cost } of takes) {
      const windowMs = policy.windowSeconds * 1000;
      const full = (policy.burst ?? policy.limit) * windowMs;
      const split = fieldStart(bucket);
      args.push(prefix + bucket.slice(0, split));
      tail.push(bucket.slice(split));
      if (numbers === undefined) tail.push(String(full), String(policy.limit), String(cost * windowMs));
      else {
        at = numbers.writeDoubleLE(full, at);
        at = numbers.writeDoubleLE(policy.limit, at);
        at = numbers.writeDoubleLE(cost * windowMs, at);
      }
    }
    if (numbers !== undefined) args.push(numbers);
    for (const arg of tail) args.push(arg);
    runScript(client, script, args, timeoutMs, (error, reply) => (error === undefined ? settleTakes(takes, reply) : failTakes(takes, error)));
  });

  // Meter requests batch the same way ({@link METER_BATCH_LUA}), fewer at a time: each costs the server several times a check.
  const meterLater = tickBatcher<Metering>(clustered ? 1 : MAX_METER_BATCH, (meters) => {
    if (meters.length === 1) return runScript(client, METER, meters[0]!.plan.command, timeoutMs, (error, reply) => settleMeters(meters, error, reply));
    const keys: string[] = [];
    const numbers: Buffer[] = [];
    const args: string[] = [];
    for (const { plan } of meters) {
      for (const key of plan.keys) keys.push(key);
      numbers.push(plan.numbers);
      for (const arg of plan.args) args.push(arg);
    }
    runScript(client, METER_BATCH, ['EVALSHA', METER_BATCH.sha, String(keys.length), ...keys, Buffer.concat(numbers), ...args], timeoutMs, (error, reply) => settleMeters(meters, error, reply));
  });

  function settleMeters(meters: Metering[], error: unknown, reply: unknown): void {
    const lone = meters.length === 1;
    const replies = lone ? [reply] : reply;
    // Never throw here: nothing would settle the calls, and the rejection would be unhandled.
    if (error === undefined && !(Array.isArray(replies) && replies.length === meters.length && replies.every(Array.isArray))) {
      error = new Error('Redis rate limiter: unexpected reply to a meter call');
    }
    if (error !== undefined) {
      onFailure(error);
      for (const { request, resolve, reject } of meters) {
        try {
          resolve(fallbackMeter(request, request.credits?.length ?? 0, error));
        } catch (failure) {
          reject(failure);
        }
      }
      return;
    }
    if (downUntil !== 0) recovered();
    for (let i = 0; i < meters.length; i++) {
      const { request, plan, resolve } = meters[i]!;
      resolve(meterOutcome(request, plan, (replies as unknown[][])[i]!));
    }
  }

  function settleTakes(takes: Take[], reply: unknown): void {
    const lone = takes.length === 1;
    // Never throw here: nothing would settle the takes, and the rejection would be unhandled.
    if (!lone && !(Array.isArray(reply) && reply.length === takes.length)) return failTakes(takes, new Error('Redis rate limiter: unexpected reply to a batch of checks'));
    if (downUntil !== 0) recovered();
    for (let i = 0; i < takes.length; i++) {
      const { policy, cost, resolve } = takes[i]!;
      resolve(consumed(lone ? reply : (reply as unknown[])[i], policy, cost * policy.windowSeconds * 1000));
    }
  }

  function failTakes(takes: Take[], error: unknown): void {
    onFailure(error);
    for (const { bucket, policy, cost, resolve } of takes) resolve(fallback(bucket, policy, cost));
  }

  function onFailure(error: unknown): void {
    downUntil = Date.now() + retryIntervalMs;
    log.failure(
      failureMode === 'closed'
        ? 'keygate: Redis rate limiter unavailable; denying requests (failureMode "closed")'
        : 'keygate: Redis rate limiter unavailable; limiting per process in memory (failureMode "open")',
      error,
    );
  }

  function recovered(): void {
    downUntil = 0;
    log.recovered('keygate: Redis rate limiter reachable again; shared limits apply');
  }

  function fallback(bucket: string, policy: RateLimitPolicy, cost: number): RateLimitState {
    if (local !== undefined) return local.consume(bucket, policy, cost);
    const now = Date.now();
    const retryAfterMs = Math.max(1, downUntil - now);
    return { allowed: false, limit: policy.burst ?? policy.limit, remaining: 0, resetAt: now + retryAfterMs, retryAfterMs };
  }

  function fallbackMeter(request: MeterRequest, credits: number, error?: unknown): MeterOutcome {
    const outcome: MeterOutcome =
      local !== undefined
        ? local.meter({ buckets: request.buckets })
        : { allowed: false, buckets: request.buckets.map((b) => fallback(b.bucket, b.policy, b.cost)), credits: [] };
    if (outcome.allowed && credits > 0) {
      throw new BackendError('STORAGE_UNAVAILABLE', 'Redis unavailable; credits cannot be spent', error === undefined ? {} : { cause: error });
    }
    return outcome;
  }

  return {
    get healthy() {
      return downUntil === 0;
    },
    // Not async: this is the hot path of every check.
    consume(bucket, policy, cost = 1) {
      try {
        checkRequest(policy, cost);
      } catch (error) {
        return Promise.reject(error);
      }
      if (downUntil !== 0) {
        if (Date.now() < downUntil) return Promise.resolve(fallback(bucket, policy, cost));
        // Half-open: this call probes; the others keep using the fallback meanwhile.
        downUntil = Date.now() + retryIntervalMs;
      }
      return new Promise<RateLimitState>((resolve) => {
        take({ bucket, policy, cost, resolve });
      });
    },
    sharesCreditsWith(store) {
      return redisCreditBackend(store)?.client === client;
    },
    meter(request, creditStore) {
      let plan: MeterCommand;
      try {
        plan = meterCommand(request, creditStore);
      } catch (error) {
        return Promise.reject(error);
      }
      if (downUntil !== 0) {
        if (Date.now() < downUntil) {
          try {
            return Promise.resolve(fallbackMeter(request, request.credits?.length ?? 0));
          } catch (error) {
            return Promise.reject(error);
          }
        }
        downUntil = Date.now() + retryIntervalMs;
      }
      return new Promise<MeterOutcome>((resolve, reject) => meterLater({ request, plan, resolve, reject }));
    },
    async reset(bucket) {
      local?.reset(bucket);
      try {
        const [owner, field] = bucketKey(bucket);
        await sendWithDeadline(client, ['HDEL', prefix + owner, field], timeoutMs);
      } catch (error) {
        onFailure(error);
        throw new BackendError('RATE_LIMITER_UNAVAILABLE', 'Redis rate limiter unavailable; bucket not reset', { cause: error });
      }
    },
  };
}
