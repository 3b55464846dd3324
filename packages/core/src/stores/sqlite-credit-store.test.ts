import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, ConfigError } from '../errors.js';
import { runCreditStoreConformance } from '../testing/credit-store-suite.js';
import { createSqliteCreditStore } from './sqlite-credit-store.js';

const dir = await mkdtemp(join(tmpdir(), 'keygate-sqlite-credits-'));
const file = join(dir, 'credits.sqlite');
const opened: KeyvSqlite[] = [];
function connection(): KeyvSqlite {
  const store = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 5000 });
  opened.push(store);
  return store;
}
afterAll(async () => {
  for (const store of opened) await store.disconnect();
  await rm(dir, { recursive: true, force: true });
});

const shared = connection();
runCreditStoreConformance('createSqliteCreditStore (temp file)', () => ({
  store: createSqliteCreditStore({ query: shared.query }),
  backdate: async (bucket, ms) => {
    await shared.query('UPDATE keygate_credits SET refilled_at = refilled_at - $ms WHERE bucket = $bucket', { $bucket: bucket, $ms: ms });
  },
}));

describe('createSqliteCreditStore', () => {
  it('spends exactly the credits left when two connections to the file race', async () => {
    const [a, b] = [createSqliteCreditStore({ query: connection().query }), createSqliteCreditStore({ query: connection().query })];
    await a.set('race', 30);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).spend('race', 1, { initial: 1000 })));
    expect(results.filter((r) => r.allowed)).toHaveLength(30);
    expect(await b.get('race')).toMatchObject({ remaining: 0 });
  });

  it('refunds onto a bucket that exists and leaves an unknown one alone', async () => {
    const store = createSqliteCreditStore({ query: shared.query });
    await store.spend('refund', 4, { initial: 5 });
    await store.refund!('refund', 4);
    expect((await store.get('refund'))?.remaining).toBe(5);
    await store.refund!('refund-unknown', 3);
    expect(await store.get('refund-unknown')).toBeUndefined();
  });

  it('refuses a missing query function and an unsafe table name at construction', () => {
    expect(() => createSqliteCreditStore({} as never)).toThrow(ConfigError);
    expect(() => createSqliteCreditStore({ query: shared.query, table: 'x"; DROP TABLE keyv; --' })).toThrow(ConfigError);
  });

  it('reports a failing database as STORAGE_UNAVAILABLE', async () => {
    const store = createSqliteCreditStore({ query: () => Promise.reject(new Error('disk I/O error')) });
    await expect(store.spend('b', 1, { initial: 1 })).rejects.toSatisfy((e) => e instanceof BackendError && e.code === 'STORAGE_UNAVAILABLE');
  });
});
