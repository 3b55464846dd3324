/**
 * A {@link CreditStore} shared by every process that uses the same Redis:
 * one Lua script per spend, so the refill, the check and the write are one
 * atomic step on the server, timed by the server's clock (`TIME`).
 *
 * Layout: `<p><bucket>` is a hash with `r` (remaining) and `f` (refilledAt,
 * epoch ms), and for a refilling policy `n`, the first refill boundary after
 * some earlier `f`, computed for the policy tagged `p` (see
 * {@link CREDIT_STATE_LUA}). Buckets do not expire: a quota must survive
 * idle months.
 *
 * @module
 */
import { ConfigError } from '../errors.js';
import { assertCreditCount, assertCreditPolicy } from '../memory-credit-store.js';
import type { CreditPolicy, CreditSpend, CreditState, CreditStore } from '../types.js';
import { assertKeyPrefix, assertTimeout, evalScript, luaScript, redisCommandClient, sendWithDeadline, storageUnavailable, type RedisClientLike, type RedisCommandClient } from './redis-client.js';

/**
 * Refill boundaries in Lua, the same sums as `credit-refill.ts`
 * (civil-date conversions after Howard Hinnant's algorithms):
 * `calendar()` returns `lastBoundary, nextBoundary`. Its functions are built
 * on first use, since a spend whose refill is not yet due never needs them
 * and making them costs the server on every call. Exported so tests can
 * compare them with the JavaScript ones.
 */
export const CREDIT_REFILL_LUA = `
local function calendar()
  local DAY = 86400000
  local function fl(x) return math.floor(x) end
  local function civil(z)
    z = z + 719468
    local era = fl(z / 146097)
    local doe = z - era * 146097
    local yoe = fl((doe - fl(doe / 1460) + fl(doe / 36524) - fl(doe / 146096)) / 365)
    local y = yoe + era * 400
    local doy = doe - (365 * yoe + fl(yoe / 4) - fl(yoe / 100))
    local mp = fl((5 * doy + 2) / 153)
    local m = mp + 3
    if mp >= 10 then m = mp - 9 end
    if m <= 2 then y = y + 1 end
    return y, m
  end
  local function days(y, m, d)
    if m <= 2 then y = y - 1 end
    local era = fl(y / 400)
    local yoe = y - era * 400
    local mp = m - 3
    if m <= 2 then mp = m + 9 end
    local doe = yoe * 365 + fl(yoe / 4) - fl(yoe / 100) + fl((153 * mp + 2) / 5) + d - 1
    return era * 146097 + doe - 719468
  end
  local function boundary(y, m, day)
    local ny, nm = y, m + 1
    if nm == 13 then ny, nm = y + 1, 1 end
    local len = days(ny, nm, 1) - days(y, m, 1)
    return days(y, m, math.min(day, len)) * DAY
  end
  local function lastBoundary(now, interval, day)
    if interval == 'daily' then return now - (now % DAY) end
    local y, m = civil(fl(now / DAY))
    local here = boundary(y, m, day)
    if here <= now then return here end
    if m == 1 then return boundary(y - 1, 12, day) end
    return boundary(y, m - 1, day)
  end
  local function nextBoundary(now, interval, day)
    if interval == 'daily' then return now - (now % DAY) + DAY end
    local y, m = civil(fl(now / DAY))
    local here = boundary(y, m, day)
    if here > now then return here end
    if m == 12 then return boundary(y + 1, 1, day) end
    return boundary(y, m + 1, day)
  end
  return lastBoundary, nextBoundary
end
`;

/**
 * `credit_now(reply, initial, tag, amount)`: a credit bucket's remaining and
 * refilledAt at `now` (which the script defines) from its `HMGET r f n p`
 * reply, its refill applied when due. Also returns the next refill boundary
 * (-1 without refills) and whether `f`, `n` or `p` must be written.
 * `credit_write(key, remaining, refilled, refillAt, moved, tag, spent)` stores
 * what `credit_now` and the spend left: `r` when `spent`, and with it `f`, and
 * `n` and `p` for a refilling policy, when `moved`.
 *
 * `tag` names the refill policy (see {@link creditArgs}). The calendar sums
 * run only when `now` reaches the cached boundary `n`: `n` is the first
 * boundary after some `g` no later than the stored `f` (`f` only grows), so
 * while `now < n` no boundary lies in `(f, now]` and `n` is also the next one.
 */
export const CREDIT_STATE_LUA = `
local function credit_now(r, initial, tag, amount)
  local remaining, refilled = tonumber(r[1]), tonumber(r[2])
  local fresh = remaining == nil or refilled == nil
  if fresh then
    remaining = tonumber(initial)
    refilled = now
  end
  if tag == '' then return remaining, refilled, -1, fresh end
  local cached = tonumber(r[3])
  if not fresh and cached and now < cached and r[4] == tag then return remaining, refilled, cached, false end
  local interval, day = 'daily', 1
  if tag ~= 'd' then
    interval = 'monthly'
    day = tonumber(string.sub(tag, 2))
  end
  local lastBoundary, nextBoundary = calendar()
  local last = lastBoundary(now, interval, day)
  if refilled < last then
    remaining = tonumber(amount)
    refilled = last
  end
  return remaining, refilled, nextBoundary(now, interval, day), true
end
local function credit_write(key, remaining, refilled, refillAt, moved, tag, spent)
  if moved and refillAt >= 0 then
    redis.call('HSET', key, 'r', string.format('%d', remaining), 'f', string.format('%d', refilled), 'n', refillAt, 'p', tag)
  elseif moved then
    redis.call('HSET', key, 'r', string.format('%d', remaining), 'f', string.format('%d', refilled))
  elseif spent then
    redis.call('HSET', key, 'r', string.format('%d', remaining))
  end
end
`;

/**
 * KEYS[1] the bucket; ARGV cost, then initial, tag, amount ({@link creditArgs}).
 * Returns `{ allowed, remaining, refillAt or -1 }`.
 */
export const CREDIT_SPEND_LUA = `${CREDIT_REFILL_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
${CREDIT_STATE_LUA}
local cost = tonumber(ARGV[1])
local remaining, refilled, refillAt, moved = credit_now(redis.call('HMGET', KEYS[1], 'r', 'f', 'n', 'p'), ARGV[2], ARGV[3], ARGV[4])
local allowed = 0
if remaining >= cost then
  allowed = 1
  remaining = remaining - cost
end
credit_write(KEYS[1], remaining, refilled, refillAt, moved, ARGV[3], true)
return { allowed, remaining, refillAt }
`;

/**
 * A credit policy as script arguments: initial, tag, amount. The tag is `''`
 * without refills, `d` for daily, `m<dayOfMonth>` for monthly.
 */
export function creditArgs(policy: CreditPolicy): [initial: string, tag: string, amount: string] {
  const r = policy.refill;
  const tag = r === undefined ? '' : r.interval === 'daily' ? 'd' : `m${r.dayOfMonth ?? 1}`;
  return [String(policy.initial), tag, String(r?.amount ?? 0)];
}

const SPEND = luaScript(CREDIT_SPEND_LUA);
const SET = luaScript(`
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'f', string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))
return 1
`);

const REFUND = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'r', ARGV[1]) end
return 1
`);

/** Where a Redis credit store keeps its counters, for a Redis limiter that meters credits with its buckets. */
export interface RedisCreditBackend {
  client: RedisCommandClient;
  prefix: string;
}

// Keyed by the store object, so only stores made here are recognised and nothing is exposed on them.
const backends = new WeakMap<object, RedisCreditBackend>();

/** The client and key prefix behind `store` when it was made by {@link createRedisCreditStore}; otherwise `undefined`. */
export function redisCreditBackend(store: unknown): RedisCreditBackend | undefined {
  return typeof store === 'object' && store !== null ? backends.get(store) : undefined;
}

/** Options of {@link createRedisCreditStore}. */
export interface RedisCreditStoreOptions {
  /** A connected node-redis v5 or ioredis v5 client; keygate never connects or closes it. */
  client: RedisClientLike;
  /** Prefix of bucket keys, up to 80 characters. Default `keygate:cr:`. */
  prefix?: string;
  /** Deadline of one Redis call. Default 1000 ms. */
  timeoutMs?: number;
}

/**
 * Creates the Redis credit store: one round trip (EVALSHA) per spend. A
 * failing Redis rejects with `STORAGE_UNAVAILABLE`: a quota is billing, so
 * there is no fail-open mode that would hand out uses nobody counted.
 *
 * @throws ConfigError at construction when the client or an option is unusable.
 */
export function createRedisCreditStore(options: RedisCreditStoreOptions): CreditStore {
  const factory = 'createRedisCreditStore';
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${factory}: options must be an object`, [{ field: 'options', message: 'must be an object' }]);
  const client = redisCommandClient(options.client, factory);
  // Room for a storage's own prefix (up to 64) plus `cr:`: createRedisStorage keeps its credits there.
  const prefix = assertKeyPrefix(options.prefix, 'keygate:cr:', factory, 80);
  const timeoutMs = options.timeoutMs === undefined ? 1000 : assertTimeout(options.timeoutMs, factory);

  async function run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  const store: CreditStore = {
    async spend(bucket: string, cost: number, policy: CreditPolicy): Promise<CreditSpend> {
      assertCreditCount(cost, 'cost');
      assertCreditPolicy(policy);
      const args = [String(cost), ...creditArgs(policy)];
      const [allowed, remaining, refillAt] = await run(() => evalScript<[number, number, number]>(client, SPEND, [prefix + bucket], args, timeoutMs));
      const result: CreditSpend = { allowed: allowed === 1, remaining: Number(remaining) };
      if (Number(refillAt) >= 0) result.refillAt = Number(refillAt);
      return result;
    },
    async set(bucket: string, remaining: number): Promise<void> {
      assertCreditCount(remaining, 'remaining');
      await run(() => evalScript(client, SET, [prefix + bucket], [String(remaining)], timeoutMs));
    },
    async get(bucket: string): Promise<CreditState | undefined> {
      const [r, f] = await run(() => sendWithDeadline<Array<string | null>>(client, ['HMGET', prefix + bucket, 'r', 'f'], timeoutMs));
      if (r == null || f == null) return undefined;
      return { remaining: Number(r), refilledAt: Number(f) };
    },
    async reset(bucket: string): Promise<void> {
      await run(() => sendWithDeadline(client, ['DEL', prefix + bucket], timeoutMs));
    },
    async refund(bucket: string, amount: number): Promise<void> {
      assertCreditCount(amount, 'amount');
      await run(() => evalScript(client, REFUND, [prefix + bucket], [String(amount)], timeoutMs));
    },
  };
  backends.set(store, { client, prefix });
  return store;
}
