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
import { CREDIT_REFILL_LUA, redisCreditBackend } from './credit-store.js';
import {
  assertKeyPrefix,
  assertRedisClient,
  assertTimeout,
  luaScript,
  sendWithDeadline,
  type RedisCommandClient,
} from './redis-client.js';
import { ThrottledLog } from './throttled-log.js';

/**
 * Lua shared by the bucket scripts, so both read and refill a bucket the
 * same way: `snap` (float drift to whole tokens) and `bucket_now`, a bucket's
 * tokens and time at `now` from its stored `tokens:updatedAt` (full when
 * missing or unreadable), clamped to the capacity.
 */
const BUCKET_STATE_LUA = `
local function snap(x)
  local whole = math.floor(x + 0.5)
  if math.abs(x - whole) < 1e-6 then return whole end
  return x
end
local function bucket_now(raw, capacity, limit, windowMs, now)
  local tokens, at = capacity, now
  if raw then
    local st, su = string.match(raw, '^([^:]+):([^:]+)$')
    st = tonumber(st)
    su = tonumber(su)
    if st and su and st >= 0 and su == su and su > -math.huge and su < math.huge then
      tokens = st
      at = su
      if now > at then
        tokens = tokens + ((now - at) * limit) / windowMs
        at = now
      end
    end
  end
  if tokens >= capacity then return capacity, at end
  return snap(tokens), at
end
`;

/**
 * `takeTokens` (token-bucket.ts) in Lua, line for line. The time is the Redis
 * server's (`TIME`), so app hosts with skewed clocks still share one bucket
 * correctly. State is one string `tokens:updatedAt`; a bucket that is full
 * is deleted (a missing bucket starts full, so that is the same state), and
 * any other expires (PX) when it would be full again.
 *
 * Returns `{ allowed, remaining, resetAt, retryAfterMs }` as integers.
 */
export const TOKEN_BUCKET_LUA = `${BUCKET_STATE_LUA}
local capacity = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('GET', KEYS[1])
local tokens, at = bucket_now(raw, capacity, limit, windowMs, now)
local allowed = 0
if cost <= tokens then
  allowed = 1
  tokens = snap(tokens - cost)
end
local retry = 0
if allowed == 0 then
  local missing = cost - tokens
  if cost > capacity then missing = capacity end
  retry = math.max(1, math.ceil((missing * windowMs) / limit))
end
local toFull = 0
if tokens < capacity then toFull = math.ceil(((capacity - tokens) * windowMs) / limit) end
if toFull <= 0 then
  if raw then redis.call('DEL', KEYS[1]) end
else
  redis.call('SET', KEYS[1], string.format('%.17g', tokens) .. ':' .. string.format('%d', at), 'PX', toFull)
end
return { allowed, math.floor(tokens), at + toFull, retry }
`;

const SCRIPT = luaScript(TOKEN_BUCKET_LUA);

/**
 * {@link RateLimiter.meter} in one script: every token bucket (the same
 * arithmetic and layout as {@link TOKEN_BUCKET_LUA}) and every credit bucket
 * (as `CREDIT_SPEND_LUA`) checked at one server time, then all taken or none.
 *
 * KEYS: the n token-bucket keys, then the m credit keys. ARGV: n, m, then
 * capacity, limit, windowMs, cost per bucket, then cost, initial, interval
 * (`''` for none), amount, dayOfMonth per credit. A key listed twice pays
 * twice. Returns `{ allowed, [ok, remaining, resetAt, retryAfterMs] * n,
 * [ok, remaining, refillAt or -1] * m }`; remaining counts are after the
 * take when allowed, untouched otherwise.
 */
export const METER_LUA = `${CREDIT_REFILL_LUA}${BUCKET_STATE_LUA}
local n = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + fl(tonumber(t[2]) / 1000)
-- Last and next refill boundaries from one calendar conversion (lastBoundary and nextBoundary would do it twice).
local function bounds(interval, day)
  if interval == 'daily' then
    local d = now - (now % DAY)
    return d, d + DAY
  end
  local y, m = civil(fl(now / DAY))
  local here = boundary(y, m, day)
  if here <= now then
    if m == 12 then return here, boundary(y + 1, 1, day) end
    return here, boundary(y, m + 1, day)
  end
  if m == 1 then return boundary(y - 1, 12, day), here end
  return boundary(y, m - 1, day), here
end
local allowed = 1
local out = { 0 }
-- One slot per distinct key (a key listed twice pays twice from one state), in flat arrays: few allocations per call.
local slot, skey, tok, tok0, at0, had, cap, lim, win = {}, {}, {}, {}, {}, {}, {}, {}, {}
local ns = 0
for i = 1, n do
  local a = 2 + (i - 1) * 4
  local capacity = tonumber(ARGV[a + 1])
  local limit = tonumber(ARGV[a + 2])
  local windowMs = tonumber(ARGV[a + 3])
  local cost = tonumber(ARGV[a + 4])
  local key = KEYS[i]
  local s = slot[key]
  local tokens
  if s == nil then
    ns = ns + 1
    s = ns
    slot[key] = s
    skey[s] = key
    local raw = redis.call('GET', key)
    had[s] = raw
    tokens, at0[s] = bucket_now(raw, capacity, limit, windowMs, now)
  else
    tokens = tok[s]
  end
  if tok0[s] == nil then tok0[s] = tokens end
  cap[s] = capacity
  lim[s] = limit
  win[s] = windowMs
  local ok, retry = 0, 0
  if cost <= tokens then
    ok = 1
    tokens = snap(tokens - cost)
  else
    allowed = 0
    local missing = cost - tokens
    if cost > capacity then missing = capacity end
    retry = math.max(1, math.ceil((missing * windowMs) / limit))
  end
  tok[s] = tokens
  out[#out + 1] = ok
  out[#out + 1] = s
  out[#out + 1] = 0
  out[#out + 1] = retry
end
local cslot, ckey, crem, crem0, cref = {}, {}, {}, {}, {}
local nc = 0
local cbase = #out
for j = 1, m do
  local a = 2 + n * 4 + (j - 1) * 5
  local key = KEYS[n + j]
  local cost = tonumber(ARGV[a + 1])
  local interval = ARGV[a + 3]
  local s = cslot[key]
  local remaining
  local lastB, refillAt = nil, -1
  if interval ~= '' then lastB, refillAt = bounds(interval, tonumber(ARGV[a + 5])) end
  if s == nil then
    nc = nc + 1
    s = nc
    cslot[key] = s
    ckey[s] = key
    local raw = redis.call('HMGET', key, 'r', 'f')
    remaining = tonumber(raw[1])
    local refilled = tonumber(raw[2])
    if remaining == nil or refilled == nil then
      remaining = tonumber(ARGV[a + 2])
      refilled = now
    end
    if lastB ~= nil and refilled < lastB then
      remaining = tonumber(ARGV[a + 4])
      refilled = lastB
    end
    crem0[s] = remaining
    cref[s] = refilled
  else
    remaining = crem[s]
  end
  local ok = 0
  if remaining >= cost then
    ok = 1
    remaining = remaining - cost
  else
    allowed = 0
  end
  crem[s] = remaining
  out[#out + 1] = ok
  out[#out + 1] = s
  out[#out + 1] = refillAt
end
out[1] = allowed
for i = 1, n do
  local p = 2 + (i - 1) * 4
  local s = out[p + 1]
  local tokens = tok0[s]
  if allowed == 1 then tokens = tok[s] end
  local toFull = 0
  if tokens < cap[s] then toFull = math.ceil(((cap[s] - tokens) * win[s]) / lim[s]) end
  out[p + 1] = math.floor(tokens)
  out[p + 2] = at0[s] + toFull
end
for j = 1, m do
  local p = cbase + 1 + (j - 1) * 3
  local s = out[p + 1]
  if allowed == 1 then out[p + 1] = crem[s] else out[p + 1] = crem0[s] end
end
if allowed == 1 then
  for s = 1, ns do
    local tokens = tok[s]
    local toFull = 0
    if tokens < cap[s] then toFull = math.ceil(((cap[s] - tokens) * win[s]) / lim[s]) end
    if toFull <= 0 then
      if had[s] then redis.call('DEL', skey[s]) end
    else
      redis.call('SET', skey[s], string.format('%.17g', tokens) .. ':' .. string.format('%d', at0[s]), 'PX', toFull)
    end
  end
end
for s = 1, nc do
  local r = crem0[s]
  if allowed == 1 then r = crem[s] end
  redis.call('HSET', ckey[s], 'r', string.format('%d', r), 'f', string.format('%d', cref[s]))
end
return out
`;

const METER = luaScript(METER_LUA);

/** What the limiter does while Redis does not answer. */
export type RateLimiterFailureMode = 'closed' | 'open';

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** A connected node-redis v5 client; keygate never connects or closes it. */
  client: RedisCommandClient;
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

function checkRequest(policy: RateLimitPolicy, cost: number): void {
  if (!(cost >= 0) || cost === Infinity) {
    throw new ValidationError([{ field: 'cost', message: 'Must be a finite number of tokens, 0 or more' }]);
  }
  const capacity = policy?.burst ?? policy?.limit;
  const ok = (n: unknown) => typeof n === 'number' && n > 0 && n !== Infinity;
  if (typeof policy !== 'object' || policy === null || !ok(policy.limit) || !ok(policy.windowSeconds) || !ok(capacity)) {
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
  const { client } = options;
  assertRedisClient(client, factory);
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
      const capacity = policy.burst ?? policy.limit;
      const args = ['EVALSHA', SCRIPT.sha, '1', prefix + bucket, String(capacity), String(policy.limit), String(policy.windowSeconds * 1000), String(cost)];
      return sendWithDeadline<[number, number, number, number]>(client, args, timeoutMs)
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
          // Redis restarted or SCRIPT FLUSH: EVAL runs and caches the script again.
          args[0] = 'EVAL';
          args[1] = SCRIPT.source;
          return sendWithDeadline<[number, number, number, number]>(client, args, timeoutMs);
        })
        .then(
          (r): RateLimitState => {
            if (downUntil !== 0) {
              downUntil = 0;
              log.recovered('keygate: Redis rate limiter reachable again; shared limits apply');
            }
            return { allowed: r[0] === 1, limit: capacity, remaining: Number(r[1]), resetAt: Number(r[2]), retryAfterMs: Number(r[3]) };
          },
          (error: unknown) => {
            onFailure(error);
            return fallback(bucket, policy, cost);
          },
        );
    },
    sharesCreditsWith(store) {
      return redisCreditBackend(store)?.client === client;
    },
    meter(request, creditStore) {
      const buckets = request.buckets;
      const credits = request.credits ?? [];
      const keys: string[] = [];
      const args: string[] = [String(buckets.length), String(credits.length)];
      try {
        for (const b of buckets) {
          checkRequest(b.policy, b.cost);
          keys.push(prefix + b.bucket);
          args.push(String(b.policy.burst ?? b.policy.limit), String(b.policy.limit), String(b.policy.windowSeconds * 1000), String(b.cost));
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
            const r = c.policy.refill;
            keys.push(backend.prefix + c.bucket);
            args.push(String(c.cost), String(c.policy.initial), r?.interval ?? '', String(r?.amount ?? 0), String(r?.dayOfMonth ?? 1));
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
      const command = ['EVALSHA', METER.sha, String(keys.length), ...keys, ...args];
      return sendWithDeadline<number[]>(client, command, timeoutMs)
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
          command[0] = 'EVAL';
          command[1] = METER.source;
          return sendWithDeadline<number[]>(client, command, timeoutMs);
        })
        .then(
          (r): MeterOutcome => {
            if (downUntil !== 0) {
              downUntil = 0;
              log.recovered('keygate: Redis rate limiter reachable again; shared limits apply');
            }
            const states: RateLimitState[] = [];
            for (let i = 0; i < buckets.length; i++) {
              const p = 1 + i * 4;
              const policy = buckets[i]!.policy;
              states.push({ allowed: r[p] === 1, limit: policy.burst ?? policy.limit, remaining: Number(r[p + 1]), resetAt: Number(r[p + 2]), retryAfterMs: Number(r[p + 3]) });
            }
            const spends = [];
            for (let j = 0; j < credits.length; j++) {
              const p = 1 + buckets.length * 4 + j * 3;
              const refillAt = Number(r[p + 2]);
              spends.push(refillAt >= 0 ? { allowed: r[p] === 1, remaining: Number(r[p + 1]), refillAt } : { allowed: r[p] === 1, remaining: Number(r[p + 1]) });
            }
            return { allowed: r[0] === 1, buckets: states, credits: spends };
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
        await sendWithDeadline(client, ['DEL', prefix + bucket], timeoutMs);
      } catch (error) {
        onFailure(error);
        throw new BackendError('RATE_LIMITER_UNAVAILABLE', 'Redis rate limiter unavailable; bucket not reset', { cause: error });
      }
    },
  };
}
