import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCreditStoreConformance } from '../testing/credit-store-suite.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { createPostgresCreditStore, refillBoundarySql } from './credit-store.js';
import { expectRefillBoundariesMatch } from '../../test-fixtures/refill-boundaries.js';

const postgres = await requireService('postgres');

describe.skipIf(!postgres.available)('PostgreSQL credit store (live PostgreSQL)', () => {
  const pool = new pg.Pool({ connectionString: postgres.url, max: 20 });
  const schema = uniqueTestName('kgcr');
  const store = createPostgresCreditStore({ pool, schema });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  runCreditStoreConformance('createPostgresCreditStore', () => ({
    store,
    backdate: async (bucket, ms) => {
      await pool.query(`UPDATE "${schema}"."keygate_credits" SET refilled_at = refilled_at - $2 WHERE bucket = $1`, [bucket, ms]);
    },
  }));

  it('serves two schemas over one connection (prepared statement names differ)', async () => {
    const one = new pg.Pool({ connectionString: postgres.url, max: 1 });
    const other = uniqueTestName('kgcr');
    try {
      const stores = [createPostgresCreditStore({ pool: one, schema }), createPostgresCreditStore({ pool: one, schema: other })];
      const bucket = uniqueTestName('bucket');
      for (const s of stores) expect(await s.spend(bucket, 1, { initial: 5 })).toEqual({ allowed: true, remaining: 4 });
      expect(await stores[0]!.spend(bucket, 1, { initial: 5 })).toEqual({ allowed: true, remaining: 3 });
    } finally {
      await one.query(`DROP SCHEMA IF EXISTS "${other}" CASCADE`);
      await one.end();
    }
  });

  it('computes the same refill boundaries in SQL as in JavaScript', async () => {
    const b = refillBoundarySql('t.ts', '$2::text', '$3::int');
    const probe = `SELECT ${b.last} AS last, ${b.next} AS next FROM (SELECT to_timestamp($1::bigint / 1000.0) AT TIME ZONE 'UTC' AS ts) t`;
    await expectRefillBoundariesMatch(async (now, refill) => {
      const { rows } = await pool.query(probe, [now, refill.interval, refill.dayOfMonth ?? 1]);
      return [Number(rows[0].last), Number(rows[0].next)];
    });
  });
});
