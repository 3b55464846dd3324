/**
 * {@link KeygateStorage} on PostgreSQL through a `pg` pool the host owns.
 *
 * One row per key, per audit event and per (key, day) of usage, so every
 * write is one single-row (or one multi-row) statement: no shared index
 * record to read, modify and write back. Listings and audit queries are
 * keyset-paginated on `(time, id)` indexes; usage sums are
 * `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`, exact under any
 * concurrency; audit appends are `ON CONFLICT DO NOTHING` on the primary key.
 *
 * @module
 */
import { BackendError, ConfigError, KeygateError } from '../errors.js';
import { assertPageSize, decodeCursor, encodeCursor } from '../stores/cursor.js';
import { assertUsageDeltas, mergeUsageDeltas } from '../stores/memory-storage.js';
import { assertAuditEvent, assertKeyRecord, parseJson } from '../stores/record-checks.js';
import { assertIdentityRecord } from '../stores/identity-records.js';
import type {
  AuditEvent,
  AuditQuery,
  CreditStore,
  IdentityRecord,
  KeyListQuery,
  KeyRecord,
  KeygateStorage,
  Page,
  UsageBucket,
  UsageDelta,
  UsageSummary,
  TagUsageBucket,
  TagUsageDelta,
  TenantSettings,
} from '../types.js';
import { assertTagUsageDeltas, assertTenantSettings, mergeTagUsageDeltas } from '../stores/tag-usage.js';
import { createPostgresCreditStore } from './credit-store.js';
import { migrationGate, statementName, tableNames, type PgPoolLike } from './migrations.js';

export type { PgPoolLike, PgClientLike } from './migrations.js';

/** Options of {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /** A `pg.Pool` (or anything with `query` and `connect`). keygate never ends it unless `onClose` says so. */
  pool: PgPoolLike;
  /** Schema of keygate's tables, created if missing. Default `public`. */
  schema?: string;
  /** Prefix of table names. Default `keygate_`. */
  tablePrefix?: string;
  /** Create tables at start-up. Default true; turn off when a migration tool owns the schema (see `migrationStatements`). */
  migrate?: boolean;
  /** Called by `close()`; for a pool keygate made itself (see `createStorage`). */
  onClose?: () => Promise<void> | void;
}

/** A Postgres storage, with a way to wait for its tables. */
export interface PostgresStorage extends KeygateStorage {
  /** Resolves once the tables exist (every method waits for it too); rejects with STORAGE_UNAVAILABLE if setup failed (the next call retries). */
  ready(): Promise<void>;
  close(): Promise<void>;
  /** Credits in the same schema (`<prefix>credits`), atomic for every process on the database; its `ready()` is the storage's. */
  credits: CreditStore & { ready(): Promise<void> };
}

/** A time bound as a whole number of ms within bigint range: `at` is an integer, so ceil keeps `>=` and `<` exact. */
function bound(value: number): number {
  const n = Math.ceil(Number(value));
  if (Number.isNaN(n)) return 0;
  return Math.min(Math.max(n, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}

/**
 * Creates the storage. Tables are created on first use (or `ready()`),
 * idempotently and under an advisory lock, so any number of processes can
 * start at once.
 *
 * @throws ConfigError at construction when the pool or an option is unusable.
 */
export function createPostgresStorage(options: PostgresStorageOptions): PostgresStorage {
  const factory = 'createPostgresStorage';
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${factory}: options must be an object`, [{ field: 'options', message: 'must be an object' }]);
  const { pool } = options;
  const missing = ['query', 'connect'].filter((m) => typeof (pool as unknown as Record<string, unknown> | undefined)?.[m] !== 'function');
  if (typeof pool !== 'object' || pool === null || missing.length > 0) {
    throw new ConfigError(`${factory}: pool must be a pg Pool (missing ${missing.map((m) => `${m}()`).join(', ')})`, [{ field: 'pool', message: 'must be a pg Pool' }]);
  }
  const t = tableNames(options.schema ?? 'public', options.tablePrefix ?? 'keygate_');
  const ready = options.migrate === false ? () => Promise.resolve() : migrationGate(pool, t, 'PostgreSQL storage');

  // Named statements for the hot reads: each connection parses and plans them once.
  async function sql(text: string, values: unknown[], name?: string): Promise<{ rows: any[]; rowCount: number | null }> {
    await ready();
    try {
      return await (name === undefined ? pool.query(text, values) : pool.query({ name: statementName(t, name), text, values }));
    } catch (error) {
      if (error instanceof KeygateError) throw error;
      throw new BackendError('STORAGE_UNAVAILABLE', 'PostgreSQL storage failed', { cause: error });
    }
  }

  /**
   * A keyset page of `table`: the rows matching `where` (placeholders over `values`), newest first by
   * (`timeColumn`, id) after `query.cursor`, as the JSON documents in `column` that parse, with a cursor when more follow.
   */
  async function newestFirst<T extends { id: string }>(
    table: string,
    column: 'record' | 'event',
    timeColumn: 'created_at' | 'at',
    where: string,
    values: unknown[],
    query: { cursor?: string; limit: number },
    timeOf: (item: T) => number,
  ): Promise<Page<T>> {
    let after = '';
    if (query.cursor !== undefined) {
      const at = decodeCursor(query.cursor);
      values.push(at.at, at.id);
      after = ` AND (${timeColumn}, id) < ($${values.length - 1}, $${values.length} COLLATE "C")`;
    }
    values.push(query.limit + 1);
    const { rows } = await sql(`SELECT ${column} FROM ${table} WHERE ${where}${after} ORDER BY ${timeColumn} DESC, id DESC LIMIT $${values.length}`, values);
    const items = rows
      .slice(0, query.limit)
      .map((r) => parseJson<T>(r[column]))
      .filter((item): item is T => item !== undefined);
    const last = items[items.length - 1];
    return rows.length > query.limit && last !== undefined ? { items, nextCursor: encodeCursor({ at: timeOf(last), id: last.id }) } : { items };
  }

  return {
    shared: true,
    ready,
    // Its setup is the same migration, shared in this process (one run for both), so it works before or without ready().
    credits: createPostgresCreditStore({ pool, schema: options.schema ?? 'public', tablePrefix: options.tablePrefix ?? 'keygate_', migrate: options.migrate !== false }),
    keys: {
      async get(id) {
        if (typeof id !== 'string') return undefined;
        const { rows } = await sql(`SELECT record FROM ${t.keys} WHERE id = $1`, [id], 'get_key');
        return parseJson<KeyRecord>(rows[0]?.record);
      },
      async put(record) {
        assertKeyRecord(record);
        await sql(
          `INSERT INTO ${t.keys} (id, tenant_id, environment, created_at, record) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, environment = excluded.environment,
             created_at = excluded.created_at, record = excluded.record`,
          [record.id, record.tenantId, record.environment, record.createdAt, JSON.stringify(record)],
        );
      },
      async delete(id) {
        if (typeof id !== 'string') return false;
        const { rowCount } = await sql(`DELETE FROM ${t.keys} WHERE id = $1`, [id]);
        return (rowCount ?? 0) > 0;
      },
      async list(query: KeyListQuery): Promise<Page<KeyRecord>> {
        assertPageSize(query.limit);
        const values: unknown[] = [query.tenantId];
        let where = 'tenant_id = $1';
        if (query.environment !== undefined) {
          values.push(query.environment);
          where += ' AND environment = $2';
        }
        return newestFirst<KeyRecord>(t.keys, 'record', 'created_at', where, values, query, (r) => r.createdAt);
      },
    },
    audit: {
      async append(event: AuditEvent) {
        assertAuditEvent(event);
        await sql(
          `INSERT INTO ${t.audit} (tenant_id, id, key_id, at, event) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, id) DO NOTHING`,
          [event.tenantId, event.id, event.keyId ?? null, event.at, JSON.stringify(event)],
        );
      },
      async query(query: AuditQuery): Promise<Page<AuditEvent>> {
        assertPageSize(query.limit);
        const values: unknown[] = [query.tenantId];
        let where = 'tenant_id = $1';
        if (query.keyId !== undefined) {
          values.push(query.keyId);
          where += ` AND key_id = $${values.length}`;
        }
        if (query.from !== undefined) {
          values.push(bound(query.from));
          where += ` AND at >= $${values.length}`;
        }
        if (query.to !== undefined) {
          values.push(bound(query.to));
          where += ` AND at < $${values.length}`;
        }
        return newestFirst<AuditEvent>(t.audit, 'event', 'at', where, values, query, (e) => e.at);
      },
    },
    usage: {
      async increment(deltas: UsageDelta[]) {
        assertUsageDeltas(deltas);
        if (deltas.length === 0) return;
        // Sorted, so concurrent batches lock rows in one global order and cannot deadlock.
        const days = mergeUsageDeltas(deltas).sort((a, b) => (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
        const totals = new Map<string, { requests: number; errors: number; last: number }>();
        for (const d of days) {
          const sum = totals.get(d.keyId);
          if (sum === undefined) totals.set(d.keyId, { requests: d.requests, errors: d.errors, last: d.lastUsedAt });
          else {
            sum.requests += d.requests;
            sum.errors += d.errors;
            sum.last = Math.max(sum.last, d.lastUsedAt);
          }
        }
        // One statement: both tables change together or not at all.
        await sql(
          `WITH days AS (
             INSERT INTO ${t.usageDays} AS u (key_id, day, requests, errors)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
             ON CONFLICT (key_id, day) DO UPDATE SET requests = u.requests + excluded.requests, errors = u.errors + excluded.errors
             RETURNING 1)
           INSERT INTO ${t.usageTotals} AS s (key_id, requests, errors, last_used_at)
           SELECT * FROM unnest($5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
           ON CONFLICT (key_id) DO UPDATE SET requests = s.requests + excluded.requests, errors = s.errors + excluded.errors,
             last_used_at = GREATEST(s.last_used_at, excluded.last_used_at)`,
          [
            days.map((d) => d.keyId),
            days.map((d) => d.day),
            days.map((d) => d.requests),
            days.map((d) => d.errors),
            [...totals.keys()],
            [...totals.values()].map((s) => s.requests),
            [...totals.values()].map((s) => s.errors),
            [...totals.values()].map((s) => s.last),
          ],
        );
      },
      async range(keyId, fromDay, toDay): Promise<UsageBucket[]> {
        const { rows } = await sql(
          `SELECT day, requests, errors FROM ${t.usageDays} WHERE key_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`,
          [keyId, fromDay, toDay],
        );
        return rows.map((r) => ({ day: String(r.day), requests: Number(r.requests), errors: Number(r.errors) }));
      },
      async summary(keyId): Promise<UsageSummary> {
        const { rows } = await sql(`SELECT requests, errors, last_used_at FROM ${t.usageTotals} WHERE key_id = $1`, [keyId]);
        const row = rows[0];
        if (row === undefined) return { requests: 0, errors: 0 };
        return { requests: Number(row.requests), errors: Number(row.errors), lastUsedAt: Number(row.last_used_at) };
      },
      async incrementTags(deltas: TagUsageDelta[]) {
        assertTagUsageDeltas(deltas);
        if (deltas.length === 0) return;
        // Sorted, so concurrent batches lock rows in one global order and cannot deadlock.
        const rows = mergeTagUsageDeltas(deltas).sort((a, b) => {
          const x = [a.keyId, a.tag, a.day, a.value];
          const y = [b.keyId, b.tag, b.day, b.value];
          for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
          return 0;
        });
        await sql(
          `INSERT INTO ${t.usageTags} AS u (key_id, tag, day, value, requests, errors)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
           ON CONFLICT (key_id, tag, day, value) DO UPDATE SET requests = u.requests + excluded.requests, errors = u.errors + excluded.errors`,
          [rows.map((d) => d.keyId), rows.map((d) => d.tag), rows.map((d) => d.day), rows.map((d) => d.value), rows.map((d) => d.requests), rows.map((d) => d.errors)],
        );
      },
      async rangeByTag(keyId, tag, fromDay, toDay): Promise<TagUsageBucket[]> {
        const { rows } = await sql(
          `SELECT day, value, requests, errors FROM ${t.usageTags} WHERE key_id = $1 AND tag = $2 AND day >= $3 AND day <= $4 ORDER BY day, value`,
          [keyId, tag, fromDay, toDay],
        );
        return rows.map((r) => ({ day: String(r.day), value: String(r.value), requests: Number(r.requests), errors: Number(r.errors) }));
      },
      async forget(keyId) {
        await sql(
          `WITH d AS (DELETE FROM ${t.usageDays} WHERE key_id = $1), g AS (DELETE FROM ${t.usageTags} WHERE key_id = $1) DELETE FROM ${t.usageTotals} WHERE key_id = $1`,
          [keyId],
        );
      },
    },
    tenants: {
      async get(tenantId) {
        if (typeof tenantId !== 'string') return undefined;
        const { rows } = await sql(`SELECT settings FROM ${t.tenants} WHERE tenant_id = $1`, [tenantId]);
        const settings = parseJson<TenantSettings>(rows[0]?.settings);
        return settings?.tenantId === tenantId ? settings : undefined;
      },
      async put(settings) {
        assertTenantSettings(settings);
        await sql(
          `INSERT INTO ${t.tenants} (tenant_id, settings) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings`,
          [settings.tenantId, JSON.stringify(settings)],
        );
      },
    },
    identities: {
      async get(id) {
        if (typeof id !== 'string') return undefined;
        const { rows } = await sql(`SELECT record FROM ${t.identities} WHERE id = $1`, [id], 'get_identity');
        return parseJson<IdentityRecord>(rows[0]?.record);
      },
      async findByExternalId(tenantId, externalId) {
        const { rows } = await sql(`SELECT record FROM ${t.identities} WHERE tenant_id = $1 AND external_id = $2`, [tenantId, externalId]);
        return parseJson<IdentityRecord>(rows[0]?.record);
      },
      async insert(record) {
        assertIdentityRecord(record);
        // The unique (tenant_id, external_id) decides; a loser reads the winner. Retried once in case the winner was deleted in between.
        for (let attempt = 0; attempt < 2; attempt++) {
          const { rows } = await sql(
            `INSERT INTO ${t.identities} (id, tenant_id, external_id, created_at, record) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, external_id) DO NOTHING RETURNING record`,
            [record.id, record.tenantId, record.externalId, record.createdAt, JSON.stringify(record)],
          );
          if (rows.length > 0) return record;
          const found = await sql(`SELECT record FROM ${t.identities} WHERE tenant_id = $1 AND external_id = $2`, [record.tenantId, record.externalId]);
          const existing = parseJson<IdentityRecord>(found.rows[0]?.record);
          if (existing !== undefined) return existing;
        }
        throw new BackendError('STORAGE_UNAVAILABLE', 'PostgreSQL identity insert kept conflicting');
      },
      async put(record) {
        assertIdentityRecord(record);
        await sql(`UPDATE ${t.identities} SET record = $2 WHERE id = $1`, [record.id, JSON.stringify(record)]);
      },
      async delete(id) {
        if (typeof id !== 'string') return false;
        const { rowCount } = await sql(`DELETE FROM ${t.identities} WHERE id = $1`, [id]);
        return (rowCount ?? 0) > 0;
      },
      async list(query) {
        assertPageSize(query.limit);
        return newestFirst<IdentityRecord>(t.identities, 'record', 'created_at', 'tenant_id = $1', [query.tenantId], query, (r) => r.createdAt);
      },
    },
    async close() {
      await options.onClose?.();
    },
  };
}
