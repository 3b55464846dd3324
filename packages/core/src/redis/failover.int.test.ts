/**
 * Redis dies and comes back while keygate keeps serving: on a private
 * redis-server this test kills and restarts (the shared one is left alone).
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisCreditStore } from './credit-store.js';
import { createRedisEventBus } from './event-bus.js';
import { createRedisRateLimiter } from './rate-limiter.js';
import type { RedisPubSubClient } from './redis-client.js';

/** A private redis-server (see test-fixtures/redis-server.ts, loaded at run time: it lives outside this package's tsc rootDir). */
interface PrivateRedis {
  readonly url: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  pause(): void;
  resume(): void;
}
const fixture = new URL('../../test-fixtures/redis-server.ts', import.meta.url).href;
const { hasRedisServer, startPrivateRedis } = (await import(/* @vite-ignore */ fixture)) as {
  hasRedisServer: () => Promise<boolean>;
  startPrivateRedis: () => Promise<PrivateRedis>;
};

const available = await hasRedisServer();
if (!available) console.warn('\n!!!! SKIPPING Redis failover tests: redis-server is not on the PATH !!!!\n');
if (!available && process.env.CI === 'true') throw new Error('Redis failover tests need redis-server under CI');

function recordingLogger() {
  const lines: Array<{ level: 'warn' | 'error'; message: string; details?: Record<string, unknown> }> = [];
  return {
    lines,
    warn: (message: string, details?: Record<string, unknown>) => void lines.push({ level: 'warn', message, ...(details ? { details } : {}) }),
    error: (message: string, details?: Record<string, unknown>) => void lines.push({ level: 'error', message, ...(details ? { details } : {}) }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('Redis outage and recovery', () => {
  let server: PrivateRedis;
  let client: ReturnType<typeof createClient>;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startPrivateRedis();
    // Reconnect quickly so the test does not wait on back-off.
    client = createClient({ url: server.url, socket: { reconnectStrategy: () => 50 } });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    client?.destroy();
    await server?.kill();
  });

  it('fails closed, then open, without crashing or hanging, and recovers after a restart', async () => {
    const asClient = client as unknown as RedisPubSubClient;
    const closedLog = recordingLogger();
    const openLog = recordingLogger();
    const closed = createRedisRateLimiter({ client: asClient, failureMode: 'closed', logger: closedLog, retryIntervalMs: 100 });
    const open = createRedisRateLimiter({ client: asClient, failureMode: 'open', logger: openLog, retryIntervalMs: 100 });
    const bus = createRedisEventBus({ client: asClient });
    const policy = { limit: 3, windowSeconds: 3600 };

    expect(await closed.consume('a', policy)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await open.consume('b', policy)).toMatchObject({ allowed: true, remaining: 2 });

    await server.kill();

    // Fail closed: every check denied, with a retry hint; each call settles (none hangs).
    const started = Date.now();
    const denied = await Promise.all(Array.from({ length: 20 }, () => closed.consume('a', policy)));
    console.info(`[failover] 20 checks against a dead Redis settled in ${Date.now() - started} ms`);
    for (const d of denied) expect(d).toMatchObject({ allowed: false, remaining: 0 });
    expect(denied[0]!.retryAfterMs).toBeGreaterThan(0);
    expect(closed.healthy).toBe(false);

    // Fail open: admitted through the local bucket, which still enforces the policy per process.
    const local = [];
    for (let i = 0; i < 5; i++) local.push((await open.consume('c', policy)).allowed);
    expect(local).toEqual([true, true, true, false, false]);

    // Publishing an invalidation fails with a typed error instead of hanging.
    await expect(bus.publish({ keyId: 'k', reason: 'revoked', version: 2, origin: 'test' })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

    // Many failures, few lines: the outage is logged, not once per request.
    const closedErrors = closedLog.lines.filter((l) => l.level === 'error');
    expect(closedErrors.length).toBe(1);
    expect(closedErrors[0]!.message).toMatch(/denying requests/);
    expect(openLog.lines.filter((l) => l.level === 'error')[0]!.message).toMatch(/in memory/);

    await server.start();
    await expect.poll(() => client.isReady, { timeout: 5000, interval: 20 }).toBe(true);
    await sleep(150); // past retryIntervalMs, so the next check probes Redis

    // Same limiter objects, no re-creation: shared state is back. The restarted server is empty
    // (and has no cached script: EVALSHA → NOSCRIPT → EVAL), so bucket "a" starts full.
    expect(await closed.consume('a', policy)).toMatchObject({ allowed: true, remaining: 2 });
    expect(closed.healthy).toBe(true);
    expect(await open.consume('c', policy)).toMatchObject({ allowed: true, remaining: 2 });
    expect(closedLog.lines.some((l) => l.level === 'warn' && /reachable again/.test(l.message))).toBe(true);
    await bus.publish({ keyId: 'k', reason: 'revoked', version: 2, origin: 'test' });
    await bus.close();
    expect(unhandled).toEqual([]);
  });

  it('gives up after timeoutMs when Redis is connected but does not answer', async () => {
    const asClient = client as unknown as RedisPubSubClient;
    const log = recordingLogger();
    const limiter = createRedisRateLimiter({ client: asClient, failureMode: 'closed', logger: log, timeoutMs: 200, retryIntervalMs: 100 });
    const policy = { limit: 3, windowSeconds: 3600 };
    expect((await limiter.consume('hung', policy)).allowed).toBe(true);
    server.pause();
    try {
      const started = Date.now();
      const state = await limiter.consume('hung', policy);
      console.info(`[failover] check against a frozen Redis answered by failure mode after ${Date.now() - started} ms`);
      expect(state.allowed).toBe(false);
      expect(log.lines[0]?.details?.error).toMatch(/did not answer within 200 ms/);
    } finally {
      server.resume();
    }
    await sleep(150);
    // The timed-out script was already on the wire and ran once Redis woke: that check was denied
    // to the caller yet charged a token. A deadline can only err towards fewer admissions, never more.
    expect(await limiter.consume('hung', policy)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('answers a batch of meter calls by the failure mode when Redis does not answer, and refuses credits it cannot count', async () => {
    const asClient = client as unknown as RedisPubSubClient;
    const open = createRedisRateLimiter({ client: asClient, failureMode: 'open', logger: recordingLogger(), timeoutMs: 100, retryIntervalMs: 100 });
    const credits = createRedisCreditStore({ client: asClient, prefix: 'failover:cr:' });
    const policy = { limit: 3, windowSeconds: 3600 };
    const plain = { buckets: [{ bucket: 'm:a', policy, cost: 1 }, { bucket: 'm:a:x', policy, cost: 1 }] };
    const paid = { buckets: [{ bucket: 'm:b', policy, cost: 1 }], credits: [{ bucket: 'm:b', cost: 1, policy: { initial: 5 } }] };
    expect((await open.meter(plain, credits)).allowed).toBe(true);
    server.pause();
    try {
      // Made in one tick, so they go as one script call, which times out: each is answered on its own.
      const [a, b] = await Promise.allSettled([open.meter(plain, credits), open.meter(paid, credits)]);
      expect(a).toMatchObject({ status: 'fulfilled', value: { allowed: true } });
      expect(b).toMatchObject({ status: 'rejected', reason: { code: 'STORAGE_UNAVAILABLE' } });
      expect(open.healthy).toBe(false);
    } finally {
      server.resume();
    }
    expect(unhandled).toEqual([]);
  });
});
