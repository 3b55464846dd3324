import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRefillBoundary, nextRefillBoundary } from '../credit-refill.js';
import { ConfigError } from '../errors.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { runRateLimiterConformance } from '../testing/rate-limiter-suite.js';
import { runMeterConformance } from '../testing/meter-suite.js';
import { createRedisCreditStore } from './credit-store.js';
import { createRedisRateLimiter } from './rate-limiter.js';
import type { RedisCommandClient } from './redis-client.js';

const redis = await requireService('redis');

describe.skipIf(!redis.available)('createRedisRateLimiter (live Redis)', () => {
  const prefix = `${uniqueTestName('kgtest')}:rl:`;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });

  runRateLimiterConformance('Redis token bucket', () => ({ limiter: createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix }) }));

  runMeterConformance('Redis token buckets with Redis credits (one script)', () => ({
    limiter: createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix }),
    creditStore: createRedisCreditStore({ client: client as unknown as RedisCommandClient, prefix: `${prefix}cr:` }),
  }));

  it('meters credit refills as the credit store does: due refills applied, next boundary reported', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const credits = createRedisCreditStore({ client: client as unknown as RedisCommandClient, prefix: `${prefix}cr:` });
    for (const refill of [{ interval: 'daily', amount: 7 }, { interval: 'monthly', amount: 7, dayOfMonth: 31 }, { interval: 'monthly', amount: 7, dayOfMonth: 1 }] as const) {
      const bucket = `refill:${refill.interval}:${'dayOfMonth' in refill ? refill.dayOfMonth : 0}`;
      await credits.set(bucket, 0);
      await client.hIncrBy(`${prefix}cr:${bucket}`, 'f', -40 * 86_400_000);
      const outcome = await limiter.meter({ buckets: [], credits: [{ bucket, cost: 2, policy: { initial: 0, refill } }] }, credits);
      expect(outcome.allowed).toBe(true);
      expect(outcome.credits[0]!.remaining).toBe(5);
      expect(outcome.credits[0]!.refillAt).toBe(nextRefillBoundary(refill, Date.now()));
      expect((await credits.get(bucket))!.refilledAt).toBe(lastRefillBoundary(refill, Date.now()));
    }
  });

  it('meters with a credit store on another client only without credits', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const other = createRedisCreditStore({ client: { sendCommand: client.sendCommand.bind(client) } as unknown as RedisCommandClient, prefix: `${prefix}cr:` });
    expect(limiter.sharesCreditsWith(other)).toBe(false);
    await expect(limiter.meter({ buckets: [], credits: [{ bucket: 'x', cost: 1, policy: { initial: 1 } }] }, other)).rejects.toBeInstanceOf(ConfigError);
  });

  it('stores a drained bucket with an expiry no later than when it is full again', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const state = await limiter.consume('ttl', { limit: 10, windowSeconds: 10 }, 3);
    const pttl = await client.pTTL(`${prefix}ttl`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(3000);
    expect(state.remaining).toBe(7);
  });

  it('keeps no key for a bucket that stays full (a peek at cost 0)', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    await limiter.consume('peek', { limit: 5, windowSeconds: 60 }, 0);
    expect(await client.exists(`${prefix}peek`)).toBe(0);
  });

  it('recovers after SCRIPT FLUSH by falling back to EVAL', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    await limiter.consume('flush', { limit: 5, windowSeconds: 60 });
    await client.scriptFlush();
    expect(await limiter.consume('flush', { limit: 5, windowSeconds: 60 })).toMatchObject({ allowed: true, remaining: 3 });
    expect(limiter.healthy).toBe(true);
  });

  it('rejects a bad cost or policy with a ValidationError, not as an outage', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    await expect(limiter.consume('bad', { limit: 5, windowSeconds: 60 }, -1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(limiter.consume('bad', { limit: 0, windowSeconds: 60 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(limiter.healthy).toBe(true);
  });
});

describe('createRedisRateLimiter construction', () => {
  it('refuses a client without sendCommand, and bad options, with ConfigError', () => {
    expect(() => createRedisRateLimiter({ client: {} as RedisCommandClient })).toThrow(ConfigError);
    const client = { sendCommand: async () => undefined } as RedisCommandClient;
    expect(() => createRedisRateLimiter({ client, failureMode: 'maybe' as 'open' })).toThrow(ConfigError);
    expect(() => createRedisRateLimiter({ client, timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => createRedisRateLimiter({ client, prefix: 'has space' })).toThrow(ConfigError);
  });
});
