/**
 * keygate's PostgreSQL tables, created at start-up: idempotent
 * (`IF NOT EXISTS`) and serialised by a transaction-scoped advisory lock, so
 * several processes starting at once neither fail nor race.
 *
 * @module
 */
import { BackendError, ConfigError } from '../errors.js';

/** The part of `pg.Pool` keygate uses. */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
  /** A named (prepared) statement, as `pg` accepts it. */
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: any[]; rowCount: number | null }>;
  connect(): Promise<PgClientLike>;
}

/** A checked-out connection (`pg.PoolClient`). */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
  release(error?: Error | boolean): void;
}

/** Fully quoted names of keygate's tables in one schema. */
export interface TableNames {
  schema: string;
  keys: string;
  audit: string;
  usageDays: string;
  usageTotals: string;
  /** Credit counters (see `postgres/credit-store.ts`). */
  credits: string;
  identities: string;
  /** Usage per (key, tag, value, day). */
  usageTags: string;
  /** Tenant settings, one row per tenant. */
  tenants: string;
  /** Unquoted base for index names. */
  base: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,39}$/;

/**
 * Names for a schema and table prefix.
 *
 * @throws ConfigError when either is not a plain lower-case SQL identifier (no quoting games).
 */
export function tableNames(schema: string, prefix: string): TableNames {
  if (!IDENTIFIER.test(schema)) {
    throw new ConfigError('createPostgresStorage: schema must be a lower-case SQL identifier (a-z, 0-9, _)', [{ field: 'schema', message: 'must match ^[a-z_][a-z0-9_]{0,39}$' }]);
  }
  if (!IDENTIFIER.test(prefix)) {
    throw new ConfigError('createPostgresStorage: tablePrefix must be a lower-case SQL identifier (a-z, 0-9, _)', [{ field: 'tablePrefix', message: 'must match ^[a-z_][a-z0-9_]{0,39}$' }]);
  }
  const q = (name: string) => `"${schema}"."${prefix}${name}"`;
  return { schema: `"${schema}"`, keys: q('keys'), audit: q('audit'), usageDays: q('usage_days'), usageTotals: q('usage_totals'), credits: q('credits'), identities: q('identities'), usageTags: q('usage_tags'), tenants: q('tenants'), base: prefix };
}

/**
 * Name of a prepared statement for these tables. Statement names are per
 * connection and a pool may serve several schemas, so the name holds the
 * schema and prefix, length-delimited (`a_b` + `c` never meets `a` + `b_c`).
 */
export function statementName(t: TableNames, name: string): string {
  const schema = t.schema.slice(1, -1);
  return `keygate_${schema.length}_${schema}_${t.base}_${name}`;
}

/**
 * The DDL, in order. Ids and days use the "C" collation so ordering is by
 * code point, as in every other store, whatever the database's locale.
 * Records and events are stored as JSON text: exact round trips, and
 * `\u0000` in host metadata cannot break a `jsonb` cast.
 */
export function migrationStatements(t: TableNames): string[] {
  const b = t.base;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${t.schema}`,
    `CREATE TABLE IF NOT EXISTS ${t.keys} (
      id text COLLATE "C" PRIMARY KEY,
      tenant_id text NOT NULL,
      environment text NOT NULL,
      created_at bigint NOT NULL,
      record text NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${b}keys_by_tenant" ON ${t.keys} (tenant_id, created_at DESC, id DESC)`,
    `CREATE INDEX IF NOT EXISTS "${b}keys_by_tenant_env" ON ${t.keys} (tenant_id, environment, created_at DESC, id DESC)`,
    `CREATE TABLE IF NOT EXISTS ${t.audit} (
      tenant_id text NOT NULL,
      id text COLLATE "C" NOT NULL,
      key_id text,
      at bigint NOT NULL,
      event text NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    `CREATE INDEX IF NOT EXISTS "${b}audit_by_time" ON ${t.audit} (tenant_id, at DESC, id DESC)`,
    `CREATE INDEX IF NOT EXISTS "${b}audit_by_key" ON ${t.audit} (tenant_id, key_id, at DESC, id DESC)`,
    `CREATE TABLE IF NOT EXISTS ${t.usageDays} (
      key_id text NOT NULL,
      day text COLLATE "C" NOT NULL,
      requests bigint NOT NULL,
      errors bigint NOT NULL,
      PRIMARY KEY (key_id, day))`,
    `CREATE TABLE IF NOT EXISTS ${t.usageTotals} (
      key_id text PRIMARY KEY,
      requests bigint NOT NULL,
      errors bigint NOT NULL,
      last_used_at bigint NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.credits} (
      bucket text COLLATE "C" PRIMARY KEY,
      remaining bigint NOT NULL CHECK (remaining >= 0),
      refilled_at bigint NOT NULL,
      last_ok boolean NOT NULL DEFAULT true)`,
    `CREATE TABLE IF NOT EXISTS ${t.identities} (
      id text COLLATE "C" PRIMARY KEY,
      tenant_id text NOT NULL,
      external_id text NOT NULL,
      created_at bigint NOT NULL,
      record text NOT NULL,
      UNIQUE (tenant_id, external_id))`,
    `CREATE INDEX IF NOT EXISTS "${b}identities_by_tenant" ON ${t.identities} (tenant_id, created_at DESC, id DESC)`,
    `CREATE TABLE IF NOT EXISTS ${t.usageTags} (
      key_id text NOT NULL,
      tag text COLLATE "C" NOT NULL,
      day text COLLATE "C" NOT NULL,
      value text COLLATE "C" NOT NULL,
      requests bigint NOT NULL,
      errors bigint NOT NULL,
      PRIMARY KEY (key_id, tag, day, value))`,
    `CREATE TABLE IF NOT EXISTS ${t.tenants} (
      tenant_id text PRIMARY KEY,
      settings text NOT NULL)`,
  ];
}

/**
 * Creates the tables if they are missing. Holds `pg_advisory_xact_lock`
 * for the duration, keyed by schema and prefix: a second process waits for
 * the first, then finds everything there (concurrent `CREATE … IF NOT
 * EXISTS` alone can still fail on the catalog's unique index).
 */
export async function migrate(pool: PgPoolLike, t: TableNames): Promise<void> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`keygate:migrate:${t.schema}.${t.base}`]);
    for (const statement of migrationStatements(t)) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(failed);
  }
}

/** Migrations in flight or done in this process, per pool and table set: a storage and its credit store share one. */
const migrations = new WeakMap<PgPoolLike, Map<string, Promise<void>>>();

function migrateOnce(pool: PgPoolLike, t: TableNames): Promise<void> {
  let byTables = migrations.get(pool);
  if (byTables === undefined) {
    byTables = new Map();
    migrations.set(pool, byTables);
  }
  const id = `${t.schema}.${t.base}`;
  let done = byTables.get(id);
  if (done === undefined) {
    done = migrate(pool, t).catch((error: unknown) => {
      // Forgotten when it fails, so the next call tries again (the database may be back).
      byTables.delete(id);
      throw error;
    });
    byTables.set(id, done);
  }
  return done;
}

/**
 * The `ready()` of a store on `pool`: resolves once its tables exist. The
 * migration runs at most once per pool and table set in a process, however
 * many stores share them, and again on a later call after a failure, which
 * rejects with `STORAGE_UNAVAILABLE` (`what` names the store).
 */
export function migrationGate(pool: PgPoolLike, t: TableNames, what: string): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () =>
    (ready ??= migrateOnce(pool, t).catch((error: unknown) => {
      ready = undefined;
      throw new BackendError('STORAGE_UNAVAILABLE', `${what} setup failed`, { cause: error });
    }));
}
