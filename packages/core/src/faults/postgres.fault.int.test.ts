/**
 * PostgreSQL dies (`pg_ctl stop -m immediate`, a crash) and comes back while
 * keygate serves HTTP traffic: on a private PostgreSQL this test owns,
 * never the machine's cluster.
 *
 * What must hold: the process does not crash; management calls during the
 * outage answer 503 STORAGE_UNAVAILABLE and succeed again afterwards
 * without restarting the app; keys already in the cache keep verifying;
 * other verifications answer 503, never 401 and never 200; every key whose
 * create answered 201 and its audit event are in the database afterwards;
 * usage counted during the outage is written once it is back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../key-format.js';
import { KeyManager } from '../manager.js';
import { createPostgresStorage, type PostgresStorage } from '../postgres/storage.js';
import { isCi } from '../testing/service-env.js';
import { BASE, call, listen, nodeApp, recordingLogger, type LoopbackServer } from '../security/harness.js';
import { postgresBinDir, type PrivateServer, startPrivatePostgres } from '../../test-fixtures/private-services.js';

const available = postgresBinDir() !== undefined;
if (!available) {
  if (isCi()) throw new Error('PostgreSQL fault tests need initdb/pg_ctl under CI');
  console.warn('\n!!!! SKIPPING PostgreSQL fault tests: initdb/pg_ctl are not installed !!!!\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADMIN = 'u-admin:acme:admin';

describe.skipIf(!available)('PostgreSQL crash and restart during traffic', () => {
  let server: PrivateServer;
  let pool: pg.Pool;
  let storage: PostgresStorage;
  let manager: KeyManager;
  let app: LoopbackServer;
  const logger = recordingLogger();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => void unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startPrivatePostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 6, connectionTimeoutMillis: 500, idleTimeoutMillis: 1000 });
    pool.on('error', () => undefined); // idle clients die with the server; the pool replaces them
    storage = createPostgresStorage({ pool, schema: 'kgfault' });
    await storage.ready();
    manager = new KeyManager({ storage, logger, config: { hasher: 'sha256', cache: { ttl: '1h' }, usageFlushInterval: '100ms', rateLimitThreshold: null } });
    app = await listen(nodeApp(manager));
  }, 60_000);

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app?.close();
    await manager?.close();
    await pool?.end().catch(() => undefined);
    await server?.destroy();
  });

  it('fails with 503 during the outage, recovers by itself, loses no key, audit event or usage count', async () => {
    const seeded = await Promise.all(Array.from({ length: 5 }, (_, i) => call(app.url, 'POST', BASE, { actor: ADMIN, body: { name: `cached ${i}` } })));
    const cached: string[] = seeded.map((r) => r.json.secret);
    for (const s of cached) expect((await call(app.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${s}` } })).status).toBe(200);

    type Sample = { at: number; status: number; code?: string };
    const creates: (Sample & { id?: string })[] = [];
    const cachedChecks: Sample[] = [];
    const uncachedChecks: Sample[] = [];
    const started = Date.now();
    let downAt = 0;
    let upAt = 0;
    let stop = false;

    const loop = async (body: () => Promise<void>) => {
      while (!stop) {
        await body();
        await sleep(15);
      }
    };
    const traffic = Promise.all([
      loop(async () => {
        const r = await call(app.url, 'POST', BASE, { actor: ADMIN, body: { name: 'during traffic' } });
        creates.push({ at: Date.now(), status: r.status, code: r.json?.code, id: r.json?.key?.id });
      }),
      loop(async () => {
        const r = await call(app.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${cached[cachedChecks.length % cached.length]}` } });
        cachedChecks.push({ at: Date.now(), status: r.status, code: r.json?.code });
      }),
      loop(async () => {
        // A well-formed key nobody issued: always a store read.
        const r = await call(app.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${generateKey({ prefix: 'sk_live' }).key}` } });
        uncachedChecks.push({ at: Date.now(), status: r.status, code: r.json?.code });
      }),
    ]);

    await sleep(1000);
    downAt = Date.now();
    await server.kill();
    await sleep(2000);
    await server.start();
    upAt = Date.now();
    // Recovery without restarting anything: wait for the first create that succeeds.
    await expect.poll(() => creates.some((c) => c.at > upAt && c.status === 201), { timeout: 15_000, interval: 100 }).toBe(true);
    await sleep(1000);
    stop = true;
    await traffic;
    await manager.flush();

    const during = (s: Sample) => s.at > downAt + 200 && s.at < upAt;
    const recoveredAt = Math.min(...creates.filter((c) => c.at > upAt && c.status === 201).map((c) => c.at));
    console.info(
      `[fault:postgres] ${creates.length} creates, ${cachedChecks.length} cached and ${uncachedChecks.length} uncached verifications over ${Date.now() - started} ms; ` +
        `outage ${upAt - downAt} ms; first create after restart succeeded ${recoveredAt - upAt} ms after it; ` +
        `during the outage: creates ${JSON.stringify(tally(creates.filter(during)))}, cached ${JSON.stringify(tally(cachedChecks.filter(during)))}, uncached ${JSON.stringify(tally(uncachedChecks.filter(during)))}`,
    );

    // Only the answers the contract allows, never a 500 or a wrong verdict.
    for (const c of creates) expect([201, 503], JSON.stringify(c)).toContain(c.status);
    for (const c of creates.filter((x) => x.status === 503)) expect(c.code).toBe('STORAGE_UNAVAILABLE');
    expect(creates.filter(during).some((c) => c.status === 503)).toBe(true);
    for (const c of cachedChecks) expect(c.status, JSON.stringify(c)).toBe(200);
    for (const c of uncachedChecks) expect([401, 503], JSON.stringify(c)).toContain(c.status);
    expect(uncachedChecks.filter(during).every((c) => c.status === 503)).toBe(true);

    // Nothing acknowledged is lost.
    const acknowledged = creates.filter((c) => c.status === 201).map((c) => c.id!);
    const { rows: keyRows } = await pool.query('SELECT id FROM kgfault.keygate_keys');
    const stored = new Set(keyRows.map((r) => r.id as string));
    for (const id of acknowledged) expect(stored.has(id), `key ${id} acknowledged but not stored`).toBe(true);
    const { rows: auditRows } = await pool.query(`SELECT key_id FROM kgfault.keygate_audit WHERE event::jsonb->>'action' = 'key.created'`);
    const audited = new Set(auditRows.map((r) => r.key_id as string));
    for (const id of acknowledged) expect(audited.has(id), `key ${id} created without its audit event`).toBe(true);
    const orphans = [...stored].filter((id) => !audited.has(id));
    console.info(`[fault:postgres] ${acknowledged.length} acknowledged keys all stored and audited; ${orphans.length} stored keys without an audit event (a 503 answered after the key row was written)`);

    // Usage counted while the database was down is written after it came back, not dropped.
    const verified200 = cachedChecks.length + cached.length;
    const { rows: usage } = await pool.query('SELECT coalesce(sum(requests), 0)::int AS n FROM kgfault.keygate_usage_totals');
    expect(usage[0].n).toBeGreaterThanOrEqual(verified200);

    expect(unhandled).toEqual([]);
    expect(logger.lines.some((l) => /usage write failed/.test(l))).toBe(true);
  }, 60_000);
});

function tally(samples: { status: number }[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of samples) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}
