import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastRefillBoundary, nextRefillBoundary } from '../credit-refill.js';
import { ConfigError } from '../errors.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { runRateLimiterConformance } from '../testing/rate-limiter-suite.js';
import { runMeterConformance } from '../testing/meter-suite.js';
import { createRedisCreditStore } from './credit-store.js';
import { bucketKey, createRedisRateLimiter } from './rate-limiter.js';
import type { RedisCommandClient } from './redis-client.js';
import { dropPrefix } from '../../test-fixtures/redis-prefix.js';

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
    await dropPrefix(client, prefix);
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

  it('keeps a drained bucket until it is full again, and expires it soon after (a quarter more, plus a second)', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const state = await limiter.consume('ttl', { limit: 10, windowSeconds: 10 }, 3);
    const pttl = await client.pTTL(`${prefix}ttl`);
    expect(pttl).toBeGreaterThan(3000);
    expect(pttl).toBeLessThanOrEqual(4750);
    expect(state.remaining).toBe(7);
  });

  it('keeps the buckets of one owner in one hash, which lives as long as its slowest bucket needs', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    await limiter.consume('key:own:slow', { limit: 10, windowSeconds: 100 }, 10);
    await limiter.consume('key:own', { limit: 10, windowSeconds: 1 }, 1);
    const outcome = await limiter.meter({ buckets: [{ bucket: 'key:own', policy: { limit: 10, windowSeconds: 1 }, cost: 1 }, { bucket: 'key:own:fast', policy: { limit: 5, windowSeconds: 1 }, cost: 1 }] });
    expect(outcome.allowed).toBe(true);
    expect((await client.hKeys(`${prefix}key:own`)).sort()).toEqual(['', ':fast', ':slow']);
    expect(await client.pTTL(`${prefix}key:own`)).toBeGreaterThan(99_000);
    expect((await limiter.consume('key:own:slow', { limit: 10, windowSeconds: 100 }, 0)).remaining).toBe(0);
    await limiter.reset('key:own:slow');
    expect((await limiter.consume('key:own:slow', { limit: 10, windowSeconds: 100 }, 0)).remaining).toBe(10);
    expect((await limiter.consume('key:own:fast', { limit: 5, windowSeconds: 1 }, 0)).remaining).toBe(4);
  });

  it('writes nothing for a take that takes nothing (denied, or cost 0), and reads an unreadable value as full', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const policy = { limit: 2, windowSeconds: 3600 };
    await limiter.consume('key:w', policy, 2);
    const stored = await client.hGet(`${prefix}key:w`, '');
    expect(await limiter.consume('key:w', policy, 1)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await limiter.consume('key:w', policy, 0)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await client.hGet(`${prefix}key:w`, '')).toBe(stored);
    await client.hSet(`${prefix}key:w`, '', '5:1700000000000');
    expect(await limiter.consume('key:w', policy, 1)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('reports levels past 2^53 and fractional levels exactly (the script replies with text then)', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const huge = { limit: 1_000_000_000, windowSeconds: 31_536_000 };
    expect(await limiter.consume('key:huge', huge, 3)).toMatchObject({ allowed: true, remaining: 999_999_997 });
    const fine = { limit: 4, windowSeconds: 0.0015 };
    expect(await limiter.consume('key:fine', fine, 1)).toMatchObject({ allowed: true, remaining: 3 });
    const metered = await limiter.meter({ buckets: [{ bucket: 'key:huge', policy: huge, cost: 1 }, { bucket: 'key:huge:x', policy: fine, cost: 5 }] });
    expect(metered.allowed).toBe(false);
    expect(metered.buckets.map((b) => [b.allowed, b.remaining])).toEqual([[true, 999_999_997], [false, 4]]);
  });

  it('keeps no key for a bucket that stays full (a peek at cost 0)', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    await limiter.consume('peek', { limit: 5, windowSeconds: 60 }, 0);
    expect(await client.exists(`${prefix}peek`)).toBe(0);
  });

  it('recovers after SCRIPT FLUSH by falling back to EVAL, for a lone check and for a batch', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    const policy = { limit: 5, windowSeconds: 60 };
    await limiter.consume('flush', policy);
    await client.scriptFlush();
    expect(await limiter.consume('flush', policy)).toMatchObject({ allowed: true, remaining: 3 });
    await client.scriptFlush();
    const batch = await Promise.all([limiter.consume('flush', policy), limiter.consume('flush', policy)]);
    expect(batch.map((s) => s.remaining)).toEqual([2, 1]);
    expect(limiter.healthy).toBe(true);
  });

  it('sends the checks made in one tick as one command, and each check alone on a cluster client', async () => {
    const sent: string[][] = [];
    const spy = (extra: object) => ({
      sendCommand: (args: string[]) => {
        sent.push(args);
        return client.sendCommand(args);
      },
      ...extra,
    });
    const policy = { limit: 100, windowSeconds: 60 };
    const limiter = createRedisRateLimiter({ client: spy({}) as unknown as RedisCommandClient, prefix });
    // Both scripts cached on the server first (an earlier test flushed them), so each call below is one EVALSHA.
    await Promise.all([limiter.consume('t:warm', policy), limiter.consume('t:warm', policy)]);
    await limiter.consume('t:warm', policy);
    sent.length = 0;
    const states = await Promise.all(['t:a', 't:b', 't:a:x'].map((b) => limiter.consume(b, policy)));
    expect(states.map((s) => s.remaining)).toEqual([99, 99, 99]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.slice(2, 6)).toEqual(['3', `${prefix}t:a`, `${prefix}t:b`, `${prefix}t:a`]);
    await limiter.consume('t:a', policy);
    await limiter.consume('t:a', policy);
    expect(sent).toHaveLength(3);
    expect(sent[2]![2]).toBe('1');

    sent.length = 0;
    // ioredis's Cluster: the buckets of one batch could live on different nodes.
    const clustered = createRedisRateLimiter({ client: spy({ isCluster: true }) as unknown as RedisCommandClient, prefix });
    expect((await Promise.all(['t:c', 't:d'].map((b) => clustered.consume(b, policy)))).map((s) => s.remaining)).toEqual([99, 99]);
    expect(sent.map((args) => args[2])).toEqual(['1', '1']);

    sent.length = 0;
    const meter = (bucket: string) => limiter.meter({ buckets: [{ bucket, policy, cost: 1 }, { bucket: `${bucket}:x`, policy, cost: 2 }] });
    await Promise.all([meter('t:warm'), meter('t:warm')]);
    await meter('t:warm');
    sent.length = 0;
    const meters = await Promise.all([meter('t:m'), meter('t:n'), meter('t:m')]);
    expect(meters.map((o) => o.buckets.map((s) => s.remaining))).toEqual([[99, 98], [99, 98], [98, 96]]);
    expect(sent).toHaveLength(1);
    await meter('t:m');
    expect(sent).toHaveLength(2);
  });

  it('rejects a bad cost or policy with a ValidationError, not as an outage', async () => {
    const limiter = createRedisRateLimiter({ client: client as unknown as RedisCommandClient, prefix });
    await expect(limiter.consume('bad', { limit: 5, windowSeconds: 60 }, -1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(limiter.consume('bad', { limit: 0, windowSeconds: 60 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(limiter.healthy).toBe(true);
  });
});

describe('bucketKey', () => {
  it('groups a key\'s buckets under one owner, and keeps every name apart', () => {
    expect(bucketKey('key:abc')).toEqual(['key:abc', '']);
    expect(bucketKey('key:abc:uploads')).toEqual(['key:abc', ':uploads']);
    expect(bucketKey('identity:i:default')).toEqual(['identity:i', ':default']);
    expect(bucketKey('plain')).toEqual(['plain', '']);
    const names = ['a', 'a:', 'a::', 'a:b', 'a:b:', 'a:b::', 'a:b:c', 'a:b:c:d', ':', '::', ':a', '::a', 'a::b'];
    const places = names.map((n) => bucketKey(n).join('\u0000'));
    expect(new Set(places).size).toBe(names.length);
    for (const n of names) expect(bucketKey(n).join('')).toBe(n);
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
