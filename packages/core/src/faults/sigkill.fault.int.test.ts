/**
 * A keygate process is SIGKILLed in the middle of traffic (creates and
 * verifications, usage batched every 50 ms). Afterwards, in PostgreSQL:
 * every key whose create had returned is there, with its audit event;
 * usage counts are never more than what happened, and what is missing is
 * at most the last flush interval's worth (plus the batch in flight).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { spawnWorker, type Worker } from '../../test-fixtures/spawn-worker.js';

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);

/** The worker's usage flush interval (keygate-worker.ts). */
const FLUSH_MS = 50;

describe.skipIf(!redis.available || !postgres.available)('a process killed during a batch of usage writes', () => {
  const schema = uniqueTestName('kgkill');
  const dir = mkdtempSync(join(tmpdir(), 'kg-kill-'));
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: postgres.url, max: 3 });
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no key and no audit event, and at most one flush interval of usage counts', async () => {
    const progress = join(dir, 'progress.log');
    const prefix = `${uniqueTestName('kgkill')}:`;
    const worker = await spawnWorker({ KG_DATABASE_URL: postgres.url, KG_SCHEMA: schema, KG_REDIS_URL: redis.url, KG_PREFIX: prefix, KG_CHANNEL: `${prefix}inv`, KG_PROGRESS_FILE: progress });
    const running = worker.call('churn', { tenantId: 'kill' }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 1500));
    const killedAt = Date.now();
    process.kill(worker.pid, 'SIGKILL');
    await running;

    const lines = readFileSync(progress, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const created = lines.filter((l) => l[0] === 'created').map((l) => l[1]!);
    const verified = new Map<string, { n: number; at: number }>();
    for (const l of lines) if (l[0] === 'verified') verified.set(l[1]!, { n: Number(l[2]), at: Number(l[3]) });

    const { rows: keys } = await pool.query(`SELECT id FROM "${schema}".keygate_keys WHERE tenant_id = 'kill'`);
    const { rows: audit } = await pool.query(`SELECT key_id FROM "${schema}".keygate_audit WHERE tenant_id = 'kill' AND event::jsonb->>'action' = 'key.created'`);
    const { rows: usage } = await pool.query(`SELECT key_id, requests::int AS n FROM "${schema}".keygate_usage_totals`);
    const storedKeys = new Set(keys.map((r) => r.key_id ?? r.id));
    const audited = new Set(audit.map((r) => r.key_id));
    const counted = new Map(usage.map((r) => [r.key_id as string, r.n as number]));

    for (const id of created) {
      expect(storedKeys.has(id), `acknowledged key ${id} lost`).toBe(true);
      expect(audited.has(id), `audit event of ${id} lost`).toBe(true);
    }
    let acknowledged = 0;
    let stored = 0;
    let lostOld = 0;
    for (const [id, v] of verified) {
      const n = counted.get(id) ?? 0;
      acknowledged += v.n;
      stored += n;
      expect(n, `more usage than happened for ${id}`).toBeLessThanOrEqual(v.n);
      // Counts acknowledged well before the kill (older than a few flush intervals) were written.
      if (killedAt - v.at > 10 * FLUSH_MS + 200) lostOld += v.n - n;
    }
    const lost = acknowledged - stored;
    const lastWindow = [...verified.values()].filter((v) => killedAt - v.at <= 10 * FLUSH_MS + 200).reduce((n, v) => n + v.n, 0);
    console.info(
      `[fault:sigkill] ${created.length} keys created (all stored and audited); ${acknowledged} verifications acknowledged, ${stored} counted, ${lost} lost (all from the last ${10 * FLUSH_MS + 200} ms before SIGKILL)`,
    );
    expect(created.length).toBeGreaterThan(5);
    expect(lostOld).toBe(0);
    expect(lost).toBeLessThanOrEqual(lastWindow);
  }, 60_000);
});
