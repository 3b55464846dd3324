/**
 * One keygate "instance" for multi-process integration tests: a child
 * process (forked with `node --conditions=source --import tsx`) with its own
 * KeyManager over the shared PostgreSQL and Redis, driven over IPC.
 *
 * Environment: KG_DATABASE_URL, KG_SCHEMA, KG_REDIS_URL, KG_PREFIX (Redis
 * key prefix), KG_CHANNEL (invalidation channel), KG_FAILURE_MODE.
 *
 * Each request `{ id, op, args }` gets one reply `{ id, ok, result | error }`.
 *
 * @module
 */
import { appendFileSync } from 'node:fs';
import pg from 'pg';
import { createClient } from 'redis';
import { KeyManager } from '../src/manager.js';
import { createPostgresStorage } from '../src/postgres/storage.js';
import { createRedisEventBus } from '../src/redis/event-bus.js';
import { createRedisRateLimiter, type RateLimiterFailureMode } from '../src/redis/rate-limiter.js';
import type { RedisPubSubClient } from '../src/redis/redis-client.js';
import type { RateLimitPolicy } from '../src/types.js';
import { serveOps, type WorkerOps } from './spawn-worker.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`keygate-worker: ${name} is not set`);
  return value;
};

const pool = new pg.Pool({ connectionString: env('KG_DATABASE_URL'), max: 5 });
pool.on('error', () => undefined);
const client = createClient({ url: env('KG_REDIS_URL') });
client.on('error', () => undefined);
await client.connect();
const redis = client as unknown as RedisPubSubClient;

const storage = createPostgresStorage({ pool, schema: env('KG_SCHEMA') });
const quiet = { warn: () => undefined, error: () => undefined };
const rateLimiter = createRedisRateLimiter({
  client: redis,
  prefix: `${env('KG_PREFIX')}rl:`,
  failureMode: (process.env.KG_FAILURE_MODE ?? 'closed') as RateLimiterFailureMode,
  logger: quiet,
});
const eventBus = createRedisEventBus({ client: redis, channel: env('KG_CHANNEL') });
const manager = new KeyManager({
  storage,
  rateLimiter,
  eventBus,
  // A long cache TTL: only the bus can make a revoke visible within the test's time.
  config: { hasher: 'sha256', cache: { ttl: '1h' }, usageFlushInterval: '50ms' },
  logger: quiet,
});
await storage.ready();
// The manager subscribes in its constructor; wait until this process's subscription is live.
await eventBus.subscribe(() => undefined);

const admin = (tenantId: string) => ({ id: `worker-${process.pid}`, tenantId, role: 'admin' }) as never;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const ops: WorkerOps = {
  async create({ tenantId, count }: { tenantId: string; count: number }) {
    const issued = await Promise.all(Array.from({ length: count }, (_, i) => manager.create(admin(tenantId), { name: `k${i}`, rateLimit: null } as never)));
    return issued.map((k) => ({ id: k.key.id, secret: k.secret }));
  },
  async verify({ secret }: { secret: string }) {
    return (await manager.verify(secret)).code;
  },
  async revoke({ tenantId, keyId }: { tenantId: string; keyId: string }) {
    const startedAt = Date.now();
    await manager.revoke(admin(tenantId), keyId);
    return { startedAt, doneAt: Date.now() };
  },
  /** Verifies every 2 ms until the key is refused; reports when that happened. */
  async waitRejected({ secret, timeoutMs }: { secret: string; timeoutMs: number }) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const code = (await manager.verify(secret)).code;
      if (code !== 'VALID') return { code, at: Date.now() };
      await sleep(2);
    }
    return { code: 'VALID', at: Date.now() };
  },
  async traffic({ secret, count }: { secret: string; count: number }) {
    let valid = 0;
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => manager.verify(secret)));
      valid += batch.filter((r) => r.valid).length;
    }
    await manager.flush();
    return valid;
  },
  /**
   * Creates keys and verifies each 20 times, forever (until the process is killed). Each acknowledged
   * step is appended synchronously to KG_PROGRESS_FILE first: `created <id> <ms>`, `verified <id> <n> <ms>`.
   */
  async churn({ tenantId }: { tenantId: string }) {
    const file = env('KG_PROGRESS_FILE');
    for (;;) {
      const { key, secret } = await manager.create(admin(tenantId), { name: 'churn', rateLimit: null } as never);
      appendFileSync(file, `created ${key.id} ${Date.now()}\n`);
      for (let i = 1; i <= 20; i++) {
        if (!(await manager.verify(secret)).valid) throw new Error('churn: a fresh key did not verify');
        appendFileSync(file, `verified ${key.id} ${i} ${Date.now()}\n`);
      }
    }
  },
  /** Takes one token at a time from one shared bucket with `concurrency` callers for `durationMs`. */
  async hammer({ bucket, policy, durationMs, concurrency }: { bucket: string; policy: RateLimitPolicy; durationMs: number; concurrency: number }) {
    const startedAt = Date.now();
    const endAt = startedAt + durationMs;
    let admitted = 0;
    let denied = 0;
    let lastAdmittedAt = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < endAt) {
          const state = await rateLimiter.consume(bucket, policy);
          if (state.allowed) {
            admitted++;
            lastAdmittedAt = Date.now();
          } else denied++;
        }
      }),
    );
    return { admitted, denied, startedAt, endedAt: Date.now(), lastAdmittedAt };
  },
};

serveOps(ops, async () => {
  await manager.close();
  await eventBus.close();
  await client.close().catch(() => undefined);
  await pool.end().catch(() => undefined);
});
