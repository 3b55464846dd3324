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
import { assertKeyPrefix, assertTimeout, luaScript, redisCommandClient, sendWithDeadline, type RedisClientLike } from './redis-client.js';
import { ThrottledLog } from './throttled-log.js';

/**
 * Lua shared by the bucket scripts: the server time `now` (`TIME`);
 * `level(raw, full, limit)`, a bucket's level and time at `now` from its
 * stored `level:updatedAt` (full when missing or unreadable), refilled and
 * clamped to the capacity; `encode(level, at)`, the stored form; and
 * `store(key, x, fullAt, field, value, ...)`, which writes fields of an owner
 * hash whose stored `x` was `x` and whose buckets are full by `fullAt`.
 *
 * A level counts tokens times the window in ms, so a refill adds the whole
 * number `elapsed ms * limit` and whole costs keep it whole: no float drift
 * to snap, and it is written and read as an integer, which costs the server
 * far less than a float's 17 digits.
 *
 * Field `x` of an owner hash is a time (epoch ms) by which every bucket of
 * the hash is full again, and the hash expires then (a missing bucket starts
 * full, so that is the same state). `x` only moves forward, with a quarter
 * more than needed and a second of slack: moving it costs an extra write, so
 * a busy hash does it now and then rather than on every call. A hash whose
 * `x` has passed holds only full buckets and is deleted.
 */
const BUCKET_STATE_LUA = `
local floor, ceil = math.floor, math.ceil
local t = redis.call('TIME')
local now = t[1] * 1000 + floor(t[2] / 1000)
local function level(raw, full, limit)
  if raw then
    local c = string.find(raw, ':', 1, true)
    if c then
      local u, at = tonumber(string.sub(raw, 1, c - 1)), tonumber(string.sub(raw, c + 1))
      if u and at and u >= 0 and at > -math.huge and at < math.huge then
        if now > at then
          u = u + (now - at) * limit
          at = now
        end
        if u >= full then return full, at end
        return u, at
      end
    end
  end
  return full, now
end
local function encode(u, at)
  if u < 9007199254740992 and u == floor(u) then return string.format('%d:%d', u, at) end
  return string.format('%.17g:%d', u, at)
end
local function store(key, xraw, fullAt, ...)
  local x = tonumber(xraw) or 0
  if fullAt > x and fullAt > now then
    x = fullAt + floor((fullAt - now) / 4) + 1000
    redis.call('HSET', key, 'x', x, ...)
    redis.call('PEXPIREAT', key, x)
  elseif x > now then
    redis.call('HSET', key, ...)
  elseif xraw then
    redis.call('DEL', key)
  end
end
`;

/**
 * `takeTokens` (token-bucket.ts) in Lua, in levels (tokens times windowMs).
 * The time is the Redis server's (`TIME`), so app hosts with skewed clocks
 * still share one bucket correctly.
 *
 * Layout (see {@link bucketKey}): KEYS[1] is the owner's hash, ARGV[1] the
 * bucket's field in it, holding `level:updatedAt`, and field `x` the hash's
 * expiry (see `store`). ARGV[2..4]: capacity as a level, limit, cost as a level.
 *
 * Returns the bucket's stored state `level:updatedAt` after the call,
 * prefixed by `!` when it was denied: the caller derives remaining, resetAt
 * and retryAfterMs from it, which spares the server a reply array.
 */
export const TOKEN_BUCKET_LUA = `${BUCKET_STATE_LUA}
local key, field = KEYS[1], ARGV[1]
local full, limit, cost = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local r = redis.call('HMGET', key, field, 'x')
local u, at = level(r[1], full, limit)
local ok = cost <= u
if ok then u = u - cost end
local fullAt = at
if u < full then fullAt = at + ceil((full - u) / limit) end
local s = encode(u, at)
store(key, r[2], fullAt, field, s)
if ok then return s end
return '!' .. s
`;

const SCRIPT = luaScript(TOKEN_BUCKET_LUA);

/**
 * A bucket's state as reported, from its level `u` and time `at` as the
 * scripts leave them: `remaining` whole tokens and `resetAt`, when it is full
 * again. `full` is a level (capacity times `windowMs`).
 */
function bucketState(allowed: boolean, retryAfterMs: number, u: number, at: number, full: number, limit: number, windowMs: number, capacity: number): RateLimitState {
  return { allowed, limit: capacity, remaining: Math.floor(u / windowMs), resetAt: u < full ? at + Math.ceil((full - u) / limit) : at, retryAfterMs };
}

/** The wait of a denied take of `cost` from level `u`, as levels: until `cost` is there, or the bucket is full when `cost` is above it; at least 1 ms. */
function waitFor(cost: number, u: number, full: number, limit: number): number {
  return Math.max(1, Math.ceil((cost > full ? full : cost - u) / limit));
}

/** The outcome of {@link TOKEN_BUCKET_LUA}'s reply for a take of `levels` under `policy`. */
function consumed(reply: unknown, policy: RateLimitPolicy, levels: number): RateLimitState {
  const s = typeof reply === 'string' ? reply : String(reply);
  const denied = s.charCodeAt(0) === 33; // '!'
  const [u, at] = parseLevel(s, denied ? 1 : 0);
  const capacity = policy.burst ?? policy.limit;
  const windowMs = policy.windowSeconds * 1000;
  const full = capacity * windowMs;
  return bucketState(!denied, denied ? waitFor(levels, u, full, policy.limit) : 0, u, at, full, policy.limit, windowMs, capacity);
}

/** Splits a stored `level:updatedAt` (as a script returns it, after `skip` leading characters). */
function parseLevel(s: string, skip: number): [u: number, at: number] {
  const colon = s.indexOf(':', skip);
  return [Number(s.slice(skip, colon)), Number(s.slice(colon + 1))];
}

/**
 * {@link RateLimiter.meter} in one script: every token bucket (the same
 * arithmetic and layout as {@link TOKEN_BUCKET_LUA}) and every credit bucket
 * (as `CREDIT_SPEND_LUA`) checked at one server time, then all taken or none.
 *
 * KEYS: the owner hashes of the buckets, then the distinct credit keys.
 * ARGV: the number of owners, of credit takes m, of bucket takes n; per
 * owner its number of distinct bucket fields and those fields (one HMGET per
 * owner); per take its slot (the running number of its field across
 * owners), capacity as a level, limit, cost as a level; per credit key its initial,
 * tag, amount (`creditArgs`); per credit take its credit key's number and
 * cost. A bucket or credit listed twice pays twice.
 *
 * Returns `{ allowed, state per slot, [remaining, refillAt or -1] per credit key }`.
 * A slot's state is its `level:updatedAt` after the takes when allowed (as
 * stored), before them otherwise, and a credit's remaining likewise: the
 * caller derives each take's outcome from them (replaying the takes when
 * denied), which spares the server building a reply per take.
 */
export const METER_LUA = `${CREDIT_REFILL_LUA}${BUCKET_STATE_LUA}${CREDIT_STATE_LUA}
local no, m, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- Per owner: its x, where its fields start in ARGV, its first slot; per slot the stored state.
local xo, fpos, first, raw = {}, {}, {}, {}
local p, ns = 4, 0
for j = 1, no do
  local nf = tonumber(ARGV[p])
  local r = redis.call('HMGET', KEYS[j], 'x', unpack(ARGV, p + 1, p + nf))
  xo[j] = r[1]
  fpos[j] = p + 1 - ns
  first[j] = ns + 1
  for i = 1, nf do raw[ns + i] = r[i + 1] end
  ns = ns + nf
  p = p + 1 + nf
end
first[no + 1] = ns + 1
local allowed = true
-- Per slot: level now and before the takes, updatedAt, capacity and limit of its last take.
local lv, lv0, at, cap, lim = {}, {}, {}, {}, {}
for i = 1, n do
  local s = tonumber(ARGV[p])
  local full, limit, cost = tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2]), tonumber(ARGV[p + 3])
  p = p + 4
  local u = lv[s]
  if u == nil then
    u, at[s] = level(raw[s], full, limit)
    lv0[s] = u
  end
  cap[s], lim[s] = full, limit
  if cost <= u then lv[s] = u - cost else lv[s] = u; allowed = false end
end
local nc = #KEYS - no
local crem, crem0, cref, cnext, cmoved, ctag = {}, {}, {}, {}, {}, {}
for c = 1, nc do
  ctag[c] = ARGV[p + 1]
  crem0[c], cref[c], cnext[c], cmoved[c] = credit_now(redis.call('HMGET', KEYS[no + c], 'r', 'f', 'n', 'p'), ARGV[p], ARGV[p + 1], ARGV[p + 2])
  crem[c] = crem0[c]
  p = p + 3
end
for j = 1, m do
  local c, cost = tonumber(ARGV[p]), tonumber(ARGV[p + 1])
  p = p + 2
  if crem[c] >= cost then crem[c] = crem[c] - cost else allowed = false end
end
local out = { 0 }
if allowed then
  out[1] = 1
  for j = 1, no do
    local latest = 0
    local args, k = {}, 0
    for s = first[j], first[j + 1] - 1 do
      local u = lv[s]
      local f = at[s]
      if u < cap[s] then f = f + ceil((cap[s] - u) / lim[s]) end
      if f > latest then latest = f end
      local e = encode(u, at[s])
      out[s + 1] = e
      args[k + 1] = ARGV[fpos[j] + s - 1]
      args[k + 2] = e
      k = k + 2
    end
    store(KEYS[j], xo[j], latest, unpack(args))
  end
else
  for s = 1, ns do out[s + 1] = encode(lv0[s], at[s]) end
end
for c = 1, nc do
  local r = crem0[c]
  if allowed then r = crem[c] end
  out[ns + 2 * c] = r
  out[ns + 2 * c + 1] = cnext[c]
  credit_write(KEYS[no + c], r, cref[c], cnext[c], cmoved[c], ctag[c], allowed)
end
return out
`;

const METER = luaScript(METER_LUA);

/**
 * Where a bucket lives: the hash of its owner, the bucket name up to its
 * second `:` (`key:<id>` for `key:<id>` and `key:<id>:uploads`), and a field
 * named by the rest (`''`, `:uploads`). So the buckets one verification
 * takes are mostly fields of one hash: one read and one write on the server
 * rather than one key each. Any name maps to one place, and distinct names
 * to distinct places (owner and field concatenate back to the name).
 */
export function bucketKey(bucket: string): [owner: string, field: string] {
  const second = bucket.indexOf(':', bucket.indexOf(':') + 1);
  return second < 0 ? [bucket, ''] : [bucket.slice(0, second), bucket.slice(second)];
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

  function failed(error: unknown, bucket: string, policy: RateLimitPolicy, cost: number): RateLimitState {
    onFailure(error);
    return fallback(bucket, policy, cost);
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
    // Not async, and one args array reused for the EVAL fallback: this is the hot path of every check.
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
      const windowMs = policy.windowSeconds * 1000;
      const full = (policy.burst ?? policy.limit) * windowMs;
      const levels = cost * windowMs;
      // bucketKey inline: no pair array per check.
      const second = bucket.indexOf(':', bucket.indexOf(':') + 1);
      const owner = second < 0 ? bucket : bucket.slice(0, second);
      const field = second < 0 ? '' : bucket.slice(second);
      const args = ['EVALSHA', SCRIPT.sha, '1', prefix + owner, field, String(full), String(policy.limit), String(levels)];
      // Anonymous callbacks over module-level helpers: the fewest closures per check.
      return sendWithDeadline(client, args, timeoutMs).then(
        (reply) => {
          if (downUntil !== 0) recovered();
          return consumed(reply, policy, levels);
        },
        (error: unknown) => {
          if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) return failed(error, bucket, policy, cost);
          // Redis restarted or SCRIPT FLUSH: EVAL runs and caches the script again.
          args[0] = 'EVAL';
          args[1] = SCRIPT.source;
          return sendWithDeadline(client, args, timeoutMs).then(
            (reply) => {
              if (downUntil !== 0) recovered();
              return consumed(reply, policy, levels);
            },
            (retryError: unknown) => failed(retryError, bucket, policy, cost),
          );
        },
      );
    },
    sharesCreditsWith(store) {
      return redisCreditBackend(store)?.client === client;
    },
    meter(request, creditStore) {
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
      try {
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
      } catch (error) {
        return Promise.reject(error);
      }
      if (downUntil !== 0) {
        if (Date.now() < downUntil) {
          try {
            return Promise.resolve(fallbackMeter(request, credits.length));
          } catch (error) {
            return Promise.reject(error);
          }
        }
        downUntil = Date.now() + retryIntervalMs;
      }
      const command = ['EVALSHA', METER.sha, String(owners.length + creditKeys.length)];
      for (const owner of owners) command.push(prefix + owner);
      command.push(...creditKeys, String(owners.length), String(credits.length), String(buckets.length));
      const firstSlot: number[] = [];
      let slots = 0;
      for (const own of fields) {
        firstSlot.push(slots);
        slots += own.length;
        command.push(String(own.length), ...own);
      }
      // Per take: its slot (0-based here), and as levels its capacity and cost; per slot its last take, whose policy reports the slot's state.
      const slotOf: number[] = [];
      const lastTake: number[] = [];
      for (let i = 0; i < buckets.length; i++) {
        const { policy, cost } = buckets[i]!;
        const windowMs = policy.windowSeconds * 1000;
        const slot = firstSlot[placed[2 * i]!]! + placed[2 * i + 1]!;
        slotOf.push(slot);
        lastTake[slot] = i;
        command.push(String(slot + 1), String((policy.burst ?? policy.limit) * windowMs), String(policy.limit), String(cost * windowMs));
      }
      command.push(...creditPolicies);
      for (let j = 0; j < credits.length; j++) command.push(String(creditOf[j]! + 1), String(credits[j]!.cost));
      return sendWithDeadline<Array<string | number>>(client, command, timeoutMs)
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
          command[0] = 'EVAL';
          command[1] = METER.source;
          return sendWithDeadline<Array<string | number>>(client, command, timeoutMs);
        })
        .then(
          (r): MeterOutcome => {
            if (downUntil !== 0) recovered();
            const allowed = Number(r[0]) === 1;
            // Each slot as the script left it; when denied, `level` replays the takes from it to find which ones failed.
            const reported: Array<[number, number]> = [];
            const level: number[] = [];
            for (let s = 0; s < slots; s++) {
              reported.push(parseLevel(String(r[s + 1]), 0));
              level.push(reported[s]![0]);
            }
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
              const [u, at] = reported[s]!;
              states.push(bucketState(ok, retryAfterMs, u, at, (last.burst ?? last.limit) * windowMs, last.limit, windowMs, policy.burst ?? policy.limit));
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
          },
          (error: unknown) => {
            onFailure(error);
            return fallbackMeter(request, credits.length, error);
          },
        );
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
