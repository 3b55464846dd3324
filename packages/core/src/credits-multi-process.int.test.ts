/**
 * Several OS processes spending one bucket's last credits at once, on Redis
 * and on PostgreSQL: exactly the credits that were left are admitted, and
 * the counter ends at exactly zero.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresCreditStore } from './postgres/credit-store.js';
import { createRedisCreditStore } from './redis/credit-store.js';
import type { RedisCommandClient } from './redis/redis-client.js';
import { requireService, uniqueTestName } from './testing/service-env.js';
import type { CreditStore } from './types.js';
import { dropPrefix } from '../test-fixtures/redis-prefix.js';

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);
const WORKER = fileURLToPath(new URL('../test-fixtures/credit-worker.ts', import.meta.url));
const PROCESSES = 4;

interface Outcome {
  admitted: number;
  denied: number;
}

/** Forks the workers, waits until all are connected, then starts them together. */
async function race(env: Record<string, string>, job: { bucket: string; calls: number; concurrency: number; initial: number }): Promise<Outcome[]> {
  const children = Array.from({ length: PROCESSES }, () =>
    fork(WORKER, [], { execArgv: ['--conditions=source', '--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  await Promise.all(children.map((c) => new Promise<void>((resolve, reject) => {
    c.once('message', () => resolve());
    c.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  })));
  const results = children.map((c) => new Promise<Outcome>((resolve) => c.once('message', (m) => resolve(m as Outcome))));
  for (const c of children) c.send(job);
  return Promise.all(results);
}

async function spendLastCredits(store: CreditStore, env: Record<string, string>): Promise<void> {
  const bucket = uniqueTestName('bucket');
  // 1000 credits, 963 already spent: 37 left for 4 processes × 40 calls.
  await store.set(bucket, 37);
  const outcomes = await race(env, { bucket, calls: 40, concurrency: 8, initial: 1000 });
  const admitted = outcomes.reduce((n, o) => n + o.admitted, 0);
  const denied = outcomes.reduce((n, o) => n + o.denied, 0);
  expect(admitted).toBe(37);
  expect(denied).toBe(PROCESSES * 40 - 37);
  expect((await store.get(bucket))?.remaining).toBe(0);
}

describe.skipIf(!redis.available)('credits across processes on Redis', () => {
  const prefix = `${uniqueTestName('kgcrmp')}:`;
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  const connected = client.connect();
  afterAll(async () => {
    await connected;
    await dropPrefix(client, prefix);
    await client.close();
  });

  it(`${PROCESSES} processes spending the last 37 credits admit exactly 37 and leave 0`, async () => {
    await connected;
    const store = createRedisCreditStore({ client: client as unknown as RedisCommandClient, prefix });
    await spendLastCredits(store, { KG_BACKEND: 'redis', KG_URL: redis.url, KG_NAMESPACE: prefix });
  }, 60_000);
});

describe.skipIf(!postgres.available)('credits across processes on PostgreSQL', () => {
  const schema = uniqueTestName('kgcrmp');
  const pool = new pg.Pool({ connectionString: postgres.url });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it(`${PROCESSES} processes spending the last 37 credits admit exactly 37 and leave 0`, async () => {
    const store = createPostgresCreditStore({ pool, schema });
    await store.ready();
    await spendLastCredits(store, { KG_BACKEND: 'postgres', KG_URL: postgres.url, KG_NAMESPACE: schema });
  }, 60_000);
});
