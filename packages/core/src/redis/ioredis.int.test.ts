import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCreditStoreConformance } from '../testing/credit-store-suite.js';
import { runMeterConformance } from '../testing/meter-suite.js';
import { runRateLimiterConformance } from '../testing/rate-limiter-suite.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { createRedisCreditStore } from './credit-store.js';
import { createRedisRateLimiter } from './rate-limiter.js';

const redis = await requireService('redis');

describe.skipIf(!redis.available)('Redis limiter and credit store on an ioredis client (live Redis)', () => {
  const prefix = `${uniqueTestName('kgio')}:`;
  let client: Redis;

  beforeAll(async () => {
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
    await client.quit();
  });

  runRateLimiterConformance('Redis token bucket (ioredis)', () => ({ limiter: createRedisRateLimiter({ client, prefix: `${prefix}rl:` }) }));

  runMeterConformance('Redis token buckets with Redis credits (ioredis)', () => ({
    limiter: createRedisRateLimiter({ client, prefix: `${prefix}rl:` }),
    creditStore: createRedisCreditStore({ client, prefix: `${prefix}cr:` }),
  }));

  runCreditStoreConformance('createRedisCreditStore (ioredis)', () => ({
    store: createRedisCreditStore({ client, prefix: `${prefix}cs:` }),
    backdate: async (bucket, ms) => {
      await client.hincrby(`${prefix}cs:${bucket}`, 'f', -ms);
      await client.hdel(`${prefix}cs:${bucket}`, 'n');
    },
  }));

  it('meters credits with a store on the same ioredis client, and recovers after SCRIPT FLUSH', async () => {
    const limiter = createRedisRateLimiter({ client, prefix: `${prefix}rl:` });
    const credits = createRedisCreditStore({ client, prefix: `${prefix}cr:` });
    expect(limiter.sharesCreditsWith(credits)).toBe(true);
    await client.script('FLUSH');
    const outcome = await limiter.meter({ buckets: [{ bucket: 'key:io', policy: { limit: 5, windowSeconds: 60 }, cost: 2 }], credits: [{ bucket: 'key:io', cost: 3, policy: { initial: 10 } }] }, credits);
    expect(outcome).toMatchObject({ allowed: true, buckets: [{ allowed: true, remaining: 3 }], credits: [{ allowed: true, remaining: 7 }] });
    expect(limiter.healthy).toBe(true);
  });

  it('fails fast by failureMode while the ioredis client is not ready, without queueing the check', async () => {
    const offline = new Redis(redis.url, { lazyConnect: true });
    offline.on('error', () => undefined);
    const limiter = createRedisRateLimiter({ client: offline, prefix: `${prefix}rl:`, logger: { warn() {}, error() {} } });
    const state = await limiter.consume('offline', { limit: 5, windowSeconds: 60 });
    expect(state.allowed).toBe(false);
    expect(limiter.healthy).toBe(false);
    offline.disconnect();
  });
});
