/**
 * Several OS processes, each a keygate instance, sharing one PostgreSQL
 * (keys, audit, usage) and one Redis (rate limits, invalidation).
 */
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage, type PostgresStorage } from '../postgres/storage.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import type { KeyRecord } from '../types.js';
import { spawnWorker, type Worker } from '../../test-fixtures/spawn-worker.js';
import { dropPrefix } from '../../test-fixtures/redis-prefix.js';

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);
const WORKERS = 3;

type Issued = { id: string; secret: string };

describe.skipIf(!redis.available || !postgres.available)(`${WORKERS} keygate processes sharing PostgreSQL and Redis`, () => {
  const schema = uniqueTestName('kgmp');
  const prefix = `${uniqueTestName('kgmp')}:`;
  let workers: Worker[] = [];
  let pool: pg.Pool;
  let storage: PostgresStorage;

  beforeAll(async () => {
    // Started together: their table set-ups race, which the advisory lock must absorb.
    workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        spawnWorker({ KG_DATABASE_URL: postgres.url, KG_SCHEMA: schema, KG_REDIS_URL: redis.url, KG_PREFIX: prefix, KG_CHANNEL: `${prefix}inv` }),
      ),
    );
    pool = new pg.Pool({ connectionString: postgres.url });
    storage = createPostgresStorage({ pool, schema });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
    const client = createClient({ url: redis.url });
    await client.connect();
    await dropPrefix(client, prefix);
    await client.close();
  });

  it('lists exactly every key created concurrently by all processes', async () => {
    const tenantId = uniqueTestName('tenant');
    const created = (await Promise.all(workers.map((w) => w.call<Issued[]>('create', { tenantId, count: 40 })))).flat().map((k) => k.id);
    expect(new Set(created).size).toBe(WORKERS * 40);
    const listed: KeyRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.keys.list({ tenantId, limit: 25, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(listed).toHaveLength(created.length);
    expect(new Set(listed.map((k) => k.id))).toEqual(new Set(created));
    // Every create was audited, none lost to a concurrent writer.
    const events = await storage.audit.query({ tenantId, limit: 100 });
    const more = await storage.audit.query({ tenantId, limit: 100, cursor: events.nextCursor! });
    expect(events.items.length + more.items.length).toBe(created.length);
  });

  it('never admits more than capacity plus refill from one bucket hammered by all processes', async () => {
    const policy = { limit: 20, windowSeconds: 1, burst: 30 }; // 20 tokens/s
    const bucket = uniqueTestName('shared');
    const runs = await Promise.all(workers.map((w) => w.call<{ admitted: number; denied: number; startedAt: number; endedAt: number; lastAdmittedAt: number }>('hammer', { bucket, policy, durationMs: 1500, concurrency: 8 })));
    const admitted = runs.reduce((n, r) => n + r.admitted, 0);
    const checks = admitted + runs.reduce((n, r) => n + r.denied, 0);
    const elapsedMs = Math.max(...runs.map((r) => r.lastAdmittedAt)) - Math.min(...runs.map((r) => r.startedAt));
    // Upper bound: the bucket starts full, then refills 20/s over the elapsed time (+1 for ms rounding).
    const ceiling = 30 + Math.ceil((elapsedMs / 1000) * 20) + 1;
    console.info(`[multi-process] ${checks} checks from ${WORKERS} processes, ${admitted} admitted in ${elapsedMs} ms; ceiling ${ceiling}`);
    expect(admitted).toBeLessThanOrEqual(ceiling);
    expect(admitted).toBeGreaterThanOrEqual(30);
  });

  it('rejects a key on process B within one second of process A revoking it', async () => {
    const tenantId = uniqueTestName('tenant');
    const [a, b, c] = workers as [Worker, Worker, Worker];
    const [key] = await a.call<Issued[]>('create', { tenantId, count: 1 });
    // B and C verify first, so the key sits in their caches (TTL 1 h): only the bus can evict it.
    expect(await b.call('verify', { secret: key!.secret })).toBe('VALID');
    expect(await c.call('verify', { secret: key!.secret })).toBe('VALID');
    const watchB = b.call<{ code: string; at: number }>('waitRejected', { secret: key!.secret, timeoutMs: 5000 });
    const watchC = c.call<{ code: string; at: number }>('waitRejected', { secret: key!.secret, timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    const revoked = await a.call<{ startedAt: number; doneAt: number }>('revoke', { tenantId, keyId: key!.id });
    const [seenB, seenC] = await Promise.all([watchB, watchC]);
    const latencyB = seenB.at - revoked.startedAt;
    const latencyC = seenC.at - revoked.startedAt;
    console.info(`[multi-process] revoke on A (took ${revoked.doneAt - revoked.startedAt} ms) rejected on B after ${latencyB} ms, on C after ${latencyC} ms`);
    expect(seenB.code).toBe('REVOKED');
    expect(seenC.code).toBe('REVOKED');
    expect(latencyB).toBeLessThan(1000);
    expect(latencyC).toBeLessThan(1000);
  });

  it('sums usage exactly after concurrent traffic from every process', async () => {
    const tenantId = uniqueTestName('tenant');
    const [key] = await workers[0]!.call<Issued[]>('create', { tenantId, count: 1 });
    const valid = await Promise.all(workers.map((w) => w.call<number>('traffic', { secret: key!.secret, count: 400 })));
    expect(valid).toEqual(workers.map(() => 400));
    expect(await storage.usage.summary(key!.id)).toMatchObject({ requests: WORKERS * 400, errors: 0 });
    const today = new Date().toISOString().slice(0, 10);
    const days = await storage.usage.range(key!.id, '2000-01-01', '2999-12-31');
    expect(days.reduce((n, d) => n + d.requests, 0)).toBe(WORKERS * 400);
    expect(days.map((d) => d.day)).toContain(today);
  });
});
