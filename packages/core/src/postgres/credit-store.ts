/**
 * A {@link CreditStore} on PostgreSQL: one row per bucket, and every spend is
 * ONE statement (an upsert) that starts a new bucket, applies a due refill
 * and takes the cost if enough remains. Row locking of `ON CONFLICT DO
 * UPDATE` serialises concurrent spends on a bucket, and the `CHECK
 * (remaining >= 0)` makes "below zero" impossible even for a buggy caller.
 * Time is the database's `now()`, one clock for every app host.
 *
 * The table is created by the storage migrations (`migrationStatements`).
 *
 * @module
 */
import { BackendError, ConfigError, KeygateError } from '../errors.js';
import { assertCreditCount, assertCreditPolicy } from '../memory-credit-store.js';
import type { CreditPolicy, CreditSpend, CreditState, CreditStore } from '../types.js';
import { migrationGate, statementName, tableNames, type PgPoolLike } from './migrations.js';

/** Options of {@link createPostgresCreditStore}. */
export interface PostgresCreditStoreOptions {
  pool: PgPoolLike;
  /** Same as the storage's. Default `public`. */
  schema?: string;
  /** Same as the storage's. Default `keygate_`. */
  tablePrefix?: string;
  /** Create tables at start-up. Default true. */
  migrate?: boolean;
}

const msOf = (ts: string) => `(extract(epoch FROM ${ts}) * 1000)::bigint`;

/**
 * SQL for the last and next refill boundaries (epoch ms) at UTC wall time
 * `ts` (a `timestamp without time zone`), for refill interval `$interval`
 * and day `$day` (parameter references). Same sums as `credit-refill.ts`.
 */
export function refillBoundarySql(ts: string, interval: string, day: string): { last: string; next: string } {
  // 00:00 of the refill day in the month starting at `m`, clamped to the month's length.
  const at = (m: string) => `(${m} + (least(${day}, extract(day FROM ${m} + interval '1 month' - interval '1 day')::int) - 1) * interval '1 day')`;
  const m0 = `date_trunc('month', ${ts})`;
  const here = at(m0);
  const prev = at(`(${m0} - interval '1 month')`);
  const after = at(`(${m0} + interval '1 month')`);
  const day0 = `date_trunc('day', ${ts})`;
  return {
    last: `CASE ${interval} WHEN 'daily' THEN ${msOf(day0)} WHEN 'monthly' THEN ${msOf(`CASE WHEN ${here} <= ${ts} THEN ${here} ELSE ${prev} END`)} END`,
    next: `CASE ${interval} WHEN 'daily' THEN ${msOf(`${day0} + interval '1 day'`)} WHEN 'monthly' THEN ${msOf(`CASE WHEN ${here} > ${ts} THEN ${here} ELSE ${after} END`)} END`,
  };
}

/**
 * Creates the PostgreSQL credit store over the host's pool.
 *
 * @throws ConfigError at construction when the pool or an option is unusable.
 */
export function createPostgresCreditStore(options: PostgresCreditStoreOptions): CreditStore & { ready(): Promise<void> } {
  const factory = 'createPostgresCreditStore';
  const pool = options?.pool;
  if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
    throw new ConfigError(`${factory}: pool must be a pg Pool`, [{ field: 'pool', message: 'must be a pg Pool' }]);
  }
  const t = tableNames(options.schema ?? 'public', options.tablePrefix ?? 'keygate_');
  const ready = options.migrate === false ? () => Promise.resolve() : migrationGate(pool, t, 'PostgreSQL credit store');
  async function sql(text: string, values: unknown[], name?: string): Promise<{ rows: any[] }> {
    await ready();
    try {
      return await (name === undefined ? pool.query(text, values) : pool.query({ name: statementName(t, name), text, values }));
    } catch (error) {
      if (error instanceof KeygateError) throw error;
      throw new BackendError('STORAGE_UNAVAILABLE', 'PostgreSQL credit store failed', { cause: error });
    }
  }

  // $1 bucket, $2 cost, $3 initial, $4 interval ('' for none), $5 amount, $6 dayOfMonth.
  const b = refillBoundarySql('t.ts', '$4::text', '$6::int');
  const due = `(b.last_b IS NOT NULL AND c.refilled_at < b.last_b)`;
  const effective = `(CASE WHEN ${due} THEN $5::bigint ELSE c.remaining END)`;
  const SPEND = `
    WITH t AS (SELECT now() AT TIME ZONE 'UTC' AS ts, ${msOf('now()')} AS ms),
         b AS (SELECT t.ms, ${b.last} AS last_b, ${b.next} AS next_b FROM t)
    INSERT INTO ${t.credits} AS c (bucket, remaining, refilled_at, last_ok)
    SELECT $1, CASE WHEN $3::bigint >= $2::bigint THEN $3::bigint - $2::bigint ELSE $3::bigint END, b.ms, $3::bigint >= $2::bigint FROM b
    ON CONFLICT (bucket) DO UPDATE SET
      remaining = (SELECT ${effective} - CASE WHEN ${effective} >= $2::bigint THEN $2::bigint ELSE 0 END FROM b),
      refilled_at = (SELECT CASE WHEN ${due} THEN b.last_b ELSE c.refilled_at END FROM b),
      last_ok = (SELECT ${effective} >= $2::bigint FROM b)
    RETURNING c.remaining, c.last_ok, (SELECT next_b FROM b) AS next_b`;

  return {
    ready,
    async spend(bucket: string, cost: number, policy: CreditPolicy): Promise<CreditSpend> {
      assertCreditCount(cost, 'cost');
      assertCreditPolicy(policy);
      const r = policy.refill;
      const { rows } = await sql(SPEND, [bucket, cost, policy.initial, r?.interval ?? '', r?.amount ?? 0, r?.dayOfMonth ?? 1], 'credit_spend');
      const row = rows[0];
      const result: CreditSpend = { allowed: row.last_ok === true, remaining: Number(row.remaining) };
      if (r !== undefined && row.next_b !== null) result.refillAt = Number(row.next_b);
      return result;
    },
    async set(bucket: string, remaining: number): Promise<void> {
      assertCreditCount(remaining, 'remaining');
      await sql(
        `INSERT INTO ${t.credits} (bucket, remaining, refilled_at) VALUES ($1, $2, ${msOf('now()')})
         ON CONFLICT (bucket) DO UPDATE SET remaining = excluded.remaining, refilled_at = excluded.refilled_at`,
        [bucket, remaining],
      );
    },
    async get(bucket: string): Promise<CreditState | undefined> {
      const { rows } = await sql(`SELECT remaining, refilled_at FROM ${t.credits} WHERE bucket = $1`, [bucket]);
      return rows[0] === undefined ? undefined : { remaining: Number(rows[0].remaining), refilledAt: Number(rows[0].refilled_at) };
    },
    async reset(bucket: string): Promise<void> {
      await sql(`DELETE FROM ${t.credits} WHERE bucket = $1`, [bucket]);
    },
    async refund(bucket: string, amount: number): Promise<void> {
      assertCreditCount(amount, 'amount');
      await sql(`UPDATE ${t.credits} SET remaining = remaining + $2 WHERE bucket = $1`, [bucket, amount]);
    },
  };
}
