import KeyvPostgres from '@keyv/postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { KeyManager } from '../manager.js';
import { createKeyvStorage } from '../stores/keyv-storage.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { runStorageConformance } from '../testing/store-suite.js';
import type { PgPoolLike } from './migrations.js';
import { createPostgresStorage } from './storage.js';

const postgres = await requireService('postgres');

/** A pool on a fresh schema, and a cleanup that drops the schema and ends the pool. */
function isolatedPool(): { pool: pg.Pool; schema: string; drop: () => Promise<void> } {
  const schema = uniqueTestName('kgtest');
  const pool = new pg.Pool({ connectionString: postgres.url, max: 10 });
  return {
    pool,
    schema,
    drop: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

describe.skipIf(!postgres.available)('PostgreSQL storage (live PostgreSQL)', () => {
  runStorageConformance('createPostgresStorage', async () => {
    const { pool, schema, drop } = isolatedPool();
    const storage = createPostgresStorage({ pool, schema });
    await storage.ready();
    return { storage, cleanup: drop };
  });

  runStorageConformance('createKeyvStorage over @keyv/postgres', async () => {
    const { pool, schema, drop } = isolatedPool();
    await pool.query(`CREATE SCHEMA "${schema}"`);
    const adapter = new KeyvPostgres({ uri: postgres.url, schema, table: 'keyv' });
    return {
      storage: createKeyvStorage({ store: adapter, namespace: 'kg' }),
      cleanup: async () => {
        await adapter.disconnect();
        await drop();
      },
    };
  });

  it('sets up tables once when many storages start at the same moment', async () => {
    const { pool, schema, drop } = isolatedPool();
    // The migration is the only thing that checks out a connection of its own: count those.
    let checkouts = 0;
    const counted: PgPoolLike = {
      query: pool.query.bind(pool) as PgPoolLike['query'],
      connect: () => {
        checkouts++;
        return pool.connect();
      },
    };
    try {
      const storages = Array.from({ length: 8 }, () => createPostgresStorage({ pool: counted, schema }));
      await Promise.all([...storages.map((s) => s.ready()), ...storages.map((s) => s.credits.ready())]);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [schema]);
      expect(rows[0].n).toBe(8);
      await storages[0]!.ready(); // idempotent
      expect(checkouts).toBe(1);
      // Another table set on the same pool is migrated on its own.
      const other = uniqueTestName('kgtest');
      try {
        await createPostgresStorage({ pool: counted, schema: other }).ready();
        expect(checkouts).toBe(2);
      } finally {
        await pool.query(`DROP SCHEMA IF EXISTS "${other}" CASCADE`);
      }
    } finally {
      await drop();
    }
  });

  it('spends credits in the database for managers built on it without a creditStore (two pools, as two processes)', async () => {
    const { pool, schema, drop } = isolatedPool();
    const other = new pg.Pool({ connectionString: postgres.url, max: 4 });
    const admin = { id: 'admin', tenantId: 'acme', role: 'admin' as const };
    const managers = [new KeyManager({ storage: createPostgresStorage({ pool, schema }) }), new KeyManager({ storage: createPostgresStorage({ pool: other, schema }) })];
    try {
      const { secret } = await managers[0]!.create(admin, { name: 'metered', credits: { initial: 5 }, rateLimit: null });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => managers[i % 2]!.verify(secret)));
      expect(results.filter((r) => r.valid)).toHaveLength(5);
      expect(results.filter((r) => r.code === 'USAGE_EXCEEDED')).toHaveLength(7);
      const { rows } = await pool.query(`SELECT remaining::int AS remaining FROM "${schema}"."keygate_credits"`);
      expect(rows).toEqual([{ remaining: 0 }]);
    } finally {
      await Promise.all(managers.map((m) => m.close()));
      await other.end();
      await drop();
    }
  });

  it('reports an unreachable database as STORAGE_UNAVAILABLE, and retries setup later', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 200 });
    const storage = createPostgresStorage({ pool, schema: uniqueTestName('kgtest') });
    await expect(storage.keys.get('x')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await expect(storage.ready()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await pool.end();
  });
});

describe('createPostgresStorage construction', () => {
  it('refuses a pool without query/connect and unsafe identifiers', () => {
    expect(() => createPostgresStorage({ pool: {} as never })).toThrow(ConfigError);
    const pool = { query: async () => ({ rows: [], rowCount: 0 }), connect: async () => ({}) } as never;
    expect(() => createPostgresStorage({ pool, schema: 'x"; DROP TABLE y; --' })).toThrow(ConfigError);
    expect(() => createPostgresStorage({ pool, tablePrefix: 'Bad-Prefix' })).toThrow(ConfigError);
  });
});
