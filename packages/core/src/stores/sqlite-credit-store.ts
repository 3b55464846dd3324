/**
 * A {@link CreditStore} in a SQLite file, beside the `sqlite://` storage, so
 * credits survive a restart like the keys do. Every spend is ONE statement
 * (an upsert with `RETURNING`) that starts a new bucket, applies a due
 * refill and takes the cost if enough remains; SQLite runs a statement
 * under the database's write lock, so two connections to the file (a
 * second process, a CLI) cannot both take the last credit. `CHECK
 * (remaining >= 0)` makes "below zero" impossible even for a buggy caller.
 *
 * Time is this host's clock (every process on a SQLite file is on one
 * host): refill boundaries are worked out here and passed to the statement.
 *
 * @module
 */
import { lastRefillBoundary, nextRefillBoundary } from '../credit-refill.js';
import { BackendError, ConfigError, KeygateError } from '../errors.js';
import { assertCreditCount, assertCreditPolicy } from '../memory-credit-store.js';
import type { Clock, CreditPolicy, CreditSpend, CreditState, CreditStore } from '../types.js';

/** Runs one statement with named (`$name`) parameters and resolves to its rows: `@keyv/sqlite`'s `store.query`. */
export type SqliteQuery = (sql: string, params?: Record<string, unknown>) => Promise<any[]>;

/** Options of {@link createSqliteCreditStore}. */
export interface SqliteCreditStoreOptions {
  query: SqliteQuery;
  /** Table name, created if missing. Default `keygate_credits`. */
  table?: string;
  /** Default the system clock. */
  clock?: Clock;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Creates the SQLite credit store over a connection the host owns
 * (closing it is the host's business).
 *
 * @throws ConfigError at construction when `query` or the table name is unusable.
 */
export function createSqliteCreditStore(options: SqliteCreditStoreOptions): CreditStore & { ready(): Promise<void> } {
  const factory = 'createSqliteCreditStore';
  if (typeof options?.query !== 'function') throw new ConfigError(`${factory}: query must be a function`, [{ field: 'query', message: 'must be a function' }]);
  const table = options.table ?? 'keygate_credits';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) {
    throw new ConfigError(`${factory}: table must be a lower-case SQL identifier (a-z, 0-9, _)`, [{ field: 'table', message: 'must match ^[a-z_][a-z0-9_]{0,62}$' }]);
  }
  const { query } = options;
  const clock = options.clock ?? systemClock;
  let setup: Promise<void> | undefined;
  function ready(): Promise<void> {
    setup ??= query(
      `CREATE TABLE IF NOT EXISTS "${table}" (
        bucket TEXT PRIMARY KEY,
        remaining INTEGER NOT NULL CHECK (remaining >= 0),
        refilled_at INTEGER NOT NULL,
        last_ok INTEGER NOT NULL DEFAULT 1)`,
    ).then(
      () => undefined,
      (error: unknown) => {
        setup = undefined;
        throw new BackendError('STORAGE_UNAVAILABLE', 'SQLite credit store setup failed', { cause: error });
      },
    );
    return setup;
  }
  async function sql(text: string, params: Record<string, unknown>): Promise<any[]> {
    await ready();
    try {
      return await query(text, params);
    } catch (error) {
      if (error instanceof KeygateError) throw error;
      throw new BackendError('STORAGE_UNAVAILABLE', 'SQLite credit store failed', { cause: error });
    }
  }

  // SET expressions all read the row as it was, so `effective` is the pre-spend balance in each of them.
  const due = '($last IS NOT NULL AND refilled_at < $last)';
  const effective = `(CASE WHEN ${due} THEN $amount ELSE remaining END)`;
  const SPEND = `
    INSERT INTO "${table}" (bucket, remaining, refilled_at, last_ok)
    VALUES ($bucket, CASE WHEN $initial >= $cost THEN $initial - $cost ELSE $initial END, $now, $initial >= $cost)
    ON CONFLICT (bucket) DO UPDATE SET
      remaining = ${effective} - CASE WHEN ${effective} >= $cost THEN $cost ELSE 0 END,
      refilled_at = CASE WHEN ${due} THEN $last ELSE refilled_at END,
      last_ok = ${effective} >= $cost
    RETURNING remaining, last_ok`;

  return {
    ready,
    async spend(bucket: string, cost: number, policy: CreditPolicy): Promise<CreditSpend> {
      assertCreditCount(cost, 'cost');
      assertCreditPolicy(policy);
      const now = clock.now();
      const r = policy.refill;
      const rows = await sql(SPEND, {
        $bucket: bucket,
        $cost: cost,
        $initial: policy.initial,
        $now: now,
        $last: r === undefined ? null : lastRefillBoundary(r, now),
        $amount: r?.amount ?? 0,
      });
      const result: CreditSpend = { allowed: rows[0].last_ok === 1, remaining: rows[0].remaining };
      if (r !== undefined) result.refillAt = nextRefillBoundary(r, now);
      return result;
    },
    async set(bucket: string, remaining: number): Promise<void> {
      assertCreditCount(remaining, 'remaining');
      await sql(
        `INSERT INTO "${table}" (bucket, remaining, refilled_at) VALUES ($bucket, $remaining, $now)
         ON CONFLICT (bucket) DO UPDATE SET remaining = excluded.remaining, refilled_at = excluded.refilled_at`,
        { $bucket: bucket, $remaining: remaining, $now: clock.now() },
      );
    },
    async get(bucket: string): Promise<CreditState | undefined> {
      const rows = await sql(`SELECT remaining, refilled_at FROM "${table}" WHERE bucket = $bucket`, { $bucket: bucket });
      return rows[0] === undefined ? undefined : { remaining: rows[0].remaining, refilledAt: rows[0].refilled_at };
    },
    async reset(bucket: string): Promise<void> {
      await sql(`DELETE FROM "${table}" WHERE bucket = $bucket`, { $bucket: bucket });
    },
    async refund(bucket: string, amount: number): Promise<void> {
      assertCreditCount(amount, 'amount');
      await sql(`UPDATE "${table}" SET remaining = remaining + $amount WHERE bucket = $bucket`, { $bucket: bucket, $amount: amount });
    },
  };
}
