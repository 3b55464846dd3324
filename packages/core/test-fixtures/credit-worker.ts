/**
 * A process that spends credits from a shared store, for the multi-process
 * credit tests. Environment: KG_BACKEND (`redis` | `postgres`), KG_URL,
 * KG_NAMESPACE (Redis prefix or PostgreSQL schema). Messages: `{ bucket,
 * calls, concurrency, initial }` → `{ admitted, denied }`, then it exits.
 *
 * @module
 */
import pg from 'pg';
import { createClient } from 'redis';
import { createPostgresCreditStore } from '../src/postgres/credit-store.js';
import { createRedisCreditStore } from '../src/redis/credit-store.js';
import type { RedisCommandClient } from '../src/redis/redis-client.js';
import type { CreditStore } from '../src/types.js';

const backend = process.env.KG_BACKEND;
let store: CreditStore;
let close: () => Promise<unknown>;
if (backend === 'redis') {
  const client = createClient({ url: process.env.KG_URL! });
  client.on('error', () => undefined);
  await client.connect();
  store = createRedisCreditStore({ client: client as unknown as RedisCommandClient, prefix: process.env.KG_NAMESPACE! });
  close = () => client.close();
} else {
  const pool = new pg.Pool({ connectionString: process.env.KG_URL!, max: 8 });
  const pgStore = createPostgresCreditStore({ pool, schema: process.env.KG_NAMESPACE! });
  await pgStore.ready();
  store = pgStore;
  close = () => pool.end();
}

process.on('message', (raw) => {
  const { bucket, calls, concurrency, initial } = raw as { bucket: string; calls: number; concurrency: number; initial: number };
  let admitted = 0;
  let denied = 0;
  let left = calls;
  const lane = async () => {
    while (left > 0) {
      left--;
      if ((await store.spend(bucket, 1, { initial })).allowed) admitted++;
      else denied++;
    }
  };
  void Promise.all(Array.from({ length: concurrency }, lane)).then(async () => {
    process.send!({ admitted, denied });
    await close();
    process.exit(0);
  });
});
process.send!({ ready: true });
