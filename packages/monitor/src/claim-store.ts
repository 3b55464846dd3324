import type { Awaitable, Clock, RedisCommandClient } from '@keygate/core';
import { randomUUID } from 'node:crypto';

/**
 * Leases that make scheduled work happen once although several processes run
 * it: whoever claims a name first does the work; the others skip it until the
 * lease ends.
 */
export interface ClaimStore {
  /**
   * Takes the lease `name` for `ttlMs` milliseconds. `true` only for the one
   * caller that got it; `false` while someone else (any process sharing the
   * store) holds it.
   */
  claim(name: string, ttlMs: number): Awaitable<boolean>;
  /** Gives up a lease this store took, so the work can be tried again (e.g. after a failed delivery). */
  release(name: string): Awaitable<void>;
}

const systemClock: Clock = { now: () => Date.now() };

/** Leases in this process only: right for one instance and for tests. */
export function createMemoryClaimStore(options: { clock?: Clock } = {}): ClaimStore {
  const clock = options.clock ?? systemClock;
  const leases = new Map<string, number>();
  return {
    claim(name, ttlMs) {
      const now = clock.now();
      const until = leases.get(name);
      if (until !== undefined && until > now) return false;
      if (leases.size > 10_000) for (const [n, u] of leases) if (u <= now) leases.delete(n);
      leases.set(name, now + ttlMs);
      return true;
    },
    release(name) {
      leases.delete(name);
    },
  };
}

/** Options of {@link createRedisClaimStore}. */
export interface RedisClaimStoreOptions {
  /** A connected node-redis v5 client (or anything with `sendCommand`). Not closed by keygate. */
  client: RedisCommandClient;
  /** Key prefix; default `keygate:claim:`. */
  prefix?: string;
}

/**
 * Leases shared by every process using the same Redis: `SET <key> <token> NX
 * PX <ttl>` is atomic, so exactly one caller gets each lease. Release deletes
 * the key only if it still holds this store's token (a Lua compare-and-delete),
 * so a late release never frees a lease another process has taken since.
 */
export function createRedisClaimStore(options: RedisClaimStoreOptions): ClaimStore {
  const { client } = options;
  if (client === null || typeof client !== 'object' || typeof client.sendCommand !== 'function') {
    throw new TypeError('createRedisClaimStore: client must be a connected node-redis v5 client');
  }
  const prefix = options.prefix ?? 'keygate:claim:';
  const token = randomUUID();
  return {
    async claim(name, ttlMs) {
      const ttl = String(Math.max(1, Math.ceil(ttlMs)));
      const reply = await client.sendCommand(['SET', prefix + name, token, 'NX', 'PX', ttl]);
      return reply === 'OK';
    },
    async release(name) {
      await client.sendCommand([
        'EVAL',
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
        '1',
        prefix + name,
        token,
      ]);
    },
  };
}
