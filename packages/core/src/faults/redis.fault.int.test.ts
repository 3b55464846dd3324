/**
 * Redis (storage, rate limiter and invalidation bus at once) is SIGKILLed
 * and restarted while keygate serves HTTP traffic: a private redis-server
 * with AOF (`appendfsync always`) this test owns, never the machine's.
 *
 * Fail closed: during the outage no request gets through the guard (429
 * from the limiter for cached keys, 503 for the rest); management calls
 * answer 503 STORAGE_UNAVAILABLE; afterwards everything works again with
 * the same objects. Fail open: each process admits at most the key's own
 * capacity from its in-memory bucket (the insurance), never unmetered.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManager } from '../manager.js';
import { createRedisEventBus } from '../redis/event-bus.js';
import type { RedisPubSubClient } from '../redis/redis-client.js';
import { createRedisRateLimiter } from '../redis/rate-limiter.js';
import { createRedisStorage } from '../redis/storage.js';
import { BASE, call, listen, nodeApp, recordingLogger, type LoopbackServer } from '../security/harness.js';
import { type PrivateServer, startPersistentRedis } from '../../test-fixtures/private-services.js';
import { hasRedisServer } from '../../test-fixtures/redis-server.js';

const available = await hasRedisServer();
if (!available && process.env.CI === 'true') throw new Error('Redis fault tests need redis-server under CI');
if (!available) console.warn('\n!!!! SKIPPING Redis fault tests: redis-server is not on the PATH !!!!\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADMIN = 'u-admin:acme:admin';
const POLICY = { limit: 5, windowSeconds: 3600 };

describe.skipIf(!available)('Redis killed and restarted during traffic', () => {
  let redis: PrivateServer;
  let client: ReturnType<typeof createClient>;
  const apps: { manager: KeyManager; server: LoopbackServer; bus: { close(): Promise<void> } }[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await startPersistentRedis();
    client = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    for (const a of apps) {
      await a.server.close();
      await a.manager.close();
      await a.bus.close().catch(() => undefined);
    }
    client?.destroy();
    await redis?.destroy();
  });

  async function app(failureMode: 'closed' | 'open', prefix: string) {
    const asClient = client as unknown as RedisPubSubClient;
    const logger = recordingLogger();
    const bus = createRedisEventBus({ client: asClient, channel: `${prefix}inv` });
    const manager = new KeyManager({
      storage: createRedisStorage({ client: asClient, prefix, timeoutMs: 300 }),
      rateLimiter: createRedisRateLimiter({ client: asClient, prefix: `${prefix}rl:`, failureMode, logger, retryIntervalMs: 100 }),
      eventBus: bus,
      logger,
      config: { hasher: 'sha256', cache: { ttl: '1h' }, rateLimitThreshold: POLICY, usageFlushInterval: '100ms' },
    });
    const server = await listen(nodeApp(manager));
    apps.push({ manager, server, bus });
    return { manager, server, logger };
  }

  it('fail closed: nothing passes during the outage, management answers 503, all recovers with the same objects, no acknowledged key lost', async () => {
    const { manager, server } = await app('closed', 'kgfc:');
    const created: string[] = [];
    const secrets: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(server.url, 'POST', BASE, { actor: ADMIN, body: { name: `k${i}`, rateLimit: { limit: 1000, windowSeconds: 60 } } });
      expect(r.status).toBe(201);
      created.push(r.json.key.id);
      secrets.push(r.json.secret);
      expect((await call(server.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${r.json.secret}` } })).status).toBe(200);
    }

    await redis.kill();
    const guarded: number[] = [];
    const management: { status: number; code?: string }[] = [];
    for (let i = 0; i < 20; i++) {
      guarded.push((await call(server.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${secrets[i % 3]}` } })).status);
      const m = await call(server.url, 'POST', BASE, { actor: ADMIN, body: { name: 'during outage' } });
      management.push({ status: m.status, code: m.json?.code });
    }
    console.info(`[fault:redis closed] during the outage: guard ${JSON.stringify(count(guarded))}, create ${JSON.stringify(count(management.map((m) => m.status)))}`);
    expect(guarded.every((s) => s === 429 || s === 503)).toBe(true);
    expect(management.every((m) => m.status === 503 && m.code === 'STORAGE_UNAVAILABLE')).toBe(true);

    await redis.start();
    await expect.poll(() => client.isReady, { timeout: 10_000, interval: 20 }).toBe(true);
    await sleep(200);
    await expect
      .poll(async () => (await call(server.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${secrets[0]}` } })).status, { timeout: 5000, interval: 100 })
      .toBe(200);
    const after = await call(server.url, 'POST', BASE, { actor: ADMIN, body: { name: 'after outage' } });
    expect(after.status).toBe(201);
    // AOF with fsync always: every key acknowledged before the crash is still there, with its audit event.
    for (const id of created) expect((await call(server.url, 'GET', `${BASE}/${id}`, { actor: ADMIN })).status).toBe(200);
    const audit = await manager.auditLog({ id: 'a', tenantId: 'acme', role: 'admin' }, { limit: 100 });
    for (const id of [...created, after.json.key.id]) expect(audit.items.some((e) => e.keyId === id && e.action === 'key.created')).toBe(true);
    expect(unhandled).toEqual([]);
  }, 60_000);

  it('fail open: during the outage a cached key gets at most its own capacity from the per-process bucket', async () => {
    const { server, logger } = await app('open', 'kgfo:');
    const r = await call(server.url, 'POST', BASE, { actor: ADMIN, body: { name: 'open' } });
    const secret = r.json.secret as string;
    expect((await call(server.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);

    await redis.kill();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await call(server.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${secret}` } })).status);
    const admitted = statuses.filter((s) => s === 200).length;
    console.info(`[fault:redis open] during the outage: ${JSON.stringify(count(statuses))} (capacity ${POLICY.limit})`);
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(POLICY.limit);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(logger.lines.some((l) => /in memory/.test(l))).toBe(true);

    await redis.start();
    await expect.poll(() => client.isReady, { timeout: 10_000, interval: 20 }).toBe(true);
    expect(unhandled).toEqual([]);
  }, 60_000);
});

function count(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}
