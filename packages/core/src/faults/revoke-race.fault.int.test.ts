/**
 * A revoke racing with verifications: two keygate instances (two managers,
 * each with its own Redis connections, as two processes would have)
 * sharing PostgreSQL storage and the Redis invalidation bus. Instance B has
 * the key in its cache (TTL one hour, so only the bus can evict it). A
 * revokes; every verification on B that starts after A's `revoke()` has
 * resolved must fail. Measured over many iterations, and across OS
 * processes too.
 */
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManager } from '../manager.js';
import { createPostgresStorage } from '../postgres/storage.js';
import { createRedisEventBus } from '../redis/event-bus.js';
import type { RedisPubSubClient } from '../redis/redis-client.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { spawnWorker, type Worker } from '../../test-fixtures/spawn-worker.js';

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);
const ITERATIONS = 200;
const quiet = { warn: () => undefined, error: () => undefined };
const ADMIN = { id: 'race', tenantId: 'race', role: 'admin' };


describe.skipIf(!redis.available || !postgres.available)('revoke racing with verifications', () => {
  const schema = uniqueTestName('kgrace');
  const channel = `${uniqueTestName('kgrace')}:inv`;
  let pool: pg.Pool;
  const clients: ReturnType<typeof createClient>[] = [];
  const managers: KeyManager[] = [];
  const buses: { close(): Promise<void> }[] = [];

  async function instance(): Promise<KeyManager> {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    const bus = createRedisEventBus({ client: client as unknown as RedisPubSubClient, channel });
    buses.push(bus);
    const manager = new KeyManager({
      storage: createPostgresStorage({ pool, schema }),
      eventBus: bus,
      logger: quiet,
      config: { hasher: 'sha256', cache: { ttl: '1h' }, rateLimitThreshold: null },
    });
    await bus.subscribe(() => undefined); // resolves once this instance's subscription is live
    managers.push(manager);
    return manager;
  }

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: postgres.url, max: 6 });
  });
  afterAll(async () => {
    for (const m of managers) await m.close();
    for (const b of buses) await b.close().catch(() => undefined);
    for (const c of clients) await c.close().catch(() => undefined);
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it(`no verification on another instance succeeds once revoke() has resolved (${ITERATIONS} iterations, same process)`, async () => {
    const a = await instance();
    const b = await instance();
    let violations = 0;
    const latencies: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const { key, secret } = await a.create(ADMIN, { name: `race ${i}` });
      expect((await b.verify(secret)).code).toBe('VALID'); // now cached on B for an hour
      // Verifications on B run continuously while A revokes.
      let racing = true;
      const before: Promise<unknown>[] = [];
      const loop = (async () => {
        while (racing) {
          before.push(b.verify(secret).then((r) => r.code));
          await new Promise((r) => setImmediate(r));
        }
      })();
      const started = performance.now();
      await a.revoke(ADMIN, key.id);
      latencies.push(performance.now() - started);
      racing = false;
      await loop;
      // Started after revoke() resolved: all must fail.
      const after = await Promise.all([b.verify(secret), b.verify(secret), a.verify(secret)]);
      violations += after.filter((r) => r.valid).length;
      await Promise.all(before);
    }
    latencies.sort((x, y) => x - y);
    console.info(
      `[fault:revoke-race] ${ITERATIONS} revokes; verifications on B started after revoke() resolved and still VALID: ${violations}; ` +
        `revoke() p50 ${latencies[Math.floor(ITERATIONS / 2)]!.toFixed(2)} ms, p99 ${latencies[Math.floor(ITERATIONS * 0.99)]!.toFixed(2)} ms`,
    );
    expect(violations).toBe(0);
  }, 120_000);

  it('across OS processes: after revoke() on process A returns, process B rejects the key at once (50 iterations)', async () => {
    const prefix = `${uniqueTestName('kgrace')}:`;
    const env = { KG_DATABASE_URL: postgres.url, KG_SCHEMA: schema, KG_REDIS_URL: redis.url, KG_PREFIX: prefix, KG_CHANNEL: channel };
    const [pa, pb] = await Promise.all([spawnWorker(env), spawnWorker(env)]);
    try {
      let violations = 0;
      for (let i = 0; i < 50; i++) {
        const [k] = await pa.call<{ id: string; secret: string }[]>('create', { tenantId: 'race', count: 1 });
        expect(await pb.call('verify', { secret: k!.secret })).toBe('VALID');
        await pa.call('revoke', { tenantId: 'race', keyId: k!.id });
        if ((await pb.call('verify', { secret: k!.secret })) === 'VALID') violations++;
      }
      console.info(`[fault:revoke-race] 50 cross-process revokes; B still accepted the key after A's revoke returned: ${violations}`);
      expect(violations).toBe(0);
    } finally {
      await Promise.all([pa.stop(), pb.stop()]);
    }
  }, 120_000);
});
