import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { lastRefillBoundary, nextRefillBoundary } from '../credit-refill.js';
import { runCreditStoreConformance } from '../testing/credit-store-suite.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import type { CreditRefill } from '../types.js';
import { createPostgresCreditStore, refillBoundarySql } from './credit-store.js';

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
    const refills: CreditRefill[] = [
      { interval: 'daily', amount: 1 },
      { interval: 'monthly', amount: 1 },
      { interval: 'monthly', amount: 1, dayOfMonth: 15 },
      { interval: 'monthly', amount: 1, dayOfMonth: 29 },
      { interval: 'monthly', amount: 1, dayOfMonth: 31 },
    ];
    const times = ['1970-01-01T00:00:00Z', '2000-02-29T12:00:00Z', '2023-12-31T23:59:59.999Z', '2024-01-01T00:00:00Z', '2024-02-29T00:00:00Z', '2024-03-15T00:00:00Z'].map(Date.parse);
    for (let i = 0; i < 100; i++) times.push(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 20 * 365 * 86_400_000));
    for (const refill of refills) {
      for (const now of times) {
        const { rows } = await pool.query(probe, [now, refill.interval, refill.dayOfMonth ?? 1]);
        expect([now, Number(rows[0].last), Number(rows[0].next)]).toEqual([now, lastRefillBoundary(refill, now), nextRefillBoundary(refill, now)]);
      }
    }
  });
});
