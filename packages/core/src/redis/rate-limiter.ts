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
import type { RateLimiter, RateLimitPolicy, RateLimitState } from '../types.js';
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
 * `takeTokens` (token-bucket.ts) in Lua, line for line. The time is the Redis
 * server's (`TIME`), so app hosts with skewed clocks still share one bucket
 * correctly. State is one string `tokens:updatedAt`; a bucket that is full
 * is deleted (a missing bucket starts full, so that is the same state), and
 * any other expires (PX) when it would be full again.
 *
 * Returns `{ allowed, remaining, resetAt, retryAfterMs }` as integers.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local windowMs = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function snap(x)
  local whole = math.floor(x + 0.5)
  if math.abs(x - whole) < 1e-6 then return whole end
  return x
end
local tokens = capacity
local at = now
local raw = redis.call('GET', KEYS[1])
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
    if tokens >= capacity then tokens = capacity else tokens = snap(tokens) end
  end
end
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
