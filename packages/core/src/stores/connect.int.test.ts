/**
 * Several OS processes, each made with `connectKeygate(url)` and no Redis,
 * spending one key's (and one identity's) last credits at once: exactly the
 * credits that were left are admitted, and the counter ends at exactly zero.
 * PostgreSQL is the deployment this is for; SQLite shows that a second
 * process on the file (a CLI, an overlapping restart) cannot double-spend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECT_WORKER, spawnWorker, type Worker } from '../../test-fixtures/spawn-worker.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { connectKeygate, type KeygateConnection } from './connect.js';

const postgres = await requireService('postgres');
const PROCESSES = 4;
const admin = { id: 'admin', tenantId: 't1', role: 'admin' } as const;

interface Outcome {
  admitted: number[];
  codes: Record<string, number>;
}

function sum(outcomes: Outcome[], code: string): number {
  return outcomes.reduce((n, o) => n + (o.codes[code] ?? 0), 0);
}

/** Starts the processes and, in this one, the instance that sets the scene and reads the counters afterwards. */
function sharedCredits(label: string, open: () => Promise<{ url: string; env: Record<string, string>; schema?: string; cleanup(): Promise<void> }>) {
  describe(label, () => {
    let conn: KeygateConnection;
    let workers: Worker[] = [];
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const target = await open();
      cleanup = target.cleanup;
      conn = await connectKeygate({ url: target.url, ...(target.schema !== undefined ? { schema: target.schema } : {}), config: { hasher: 'sha256' } });
      workers = await Promise.all(Array.from({ length: PROCESSES }, () => spawnWorker(target.env, CONNECT_WORKER)));
    }, 60_000);

    afterAll(async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await conn?.close();
      await cleanup?.();
    });

    it(`${PROCESSES} processes spending a key's last 37 credits admit exactly 37 and leave 0`, async () => {
      const { key, secret } = await conn.manager.create(admin, { name: 'quota', credits: { initial: 1000, remaining: 37 }, rateLimit: null });
      const outcomes = await Promise.all(workers.map((w) => w.call<Outcome>('verifyMany', { secrets: [secret], calls: 40, concurrency: 8 })));
      expect(sum(outcomes, 'VALID')).toBe(37);
      expect(sum(outcomes, 'USAGE_EXCEEDED')).toBe(PROCESSES * 40 - 37);
      expect((await conn.manager.get(admin, key.id)).credits?.remaining).toBe(0);
    }, 60_000);

    it(`${PROCESSES} processes spending an identity's last 23 shared credits through two keys admit exactly 23`, async () => {
      const identity = await conn.manager.createIdentity(admin, { externalId: uniqueTestName('team'), credits: { initial: 1000, remaining: 23 } });
      // A has its own credits too: spent first, and given back when the identity's are gone.
      const a = await conn.manager.create(admin, { name: 'a', identityId: identity.id, credits: { initial: 500 }, rateLimit: null });
      const b = await conn.manager.create(admin, { name: 'b', identityId: identity.id, rateLimit: null });
      const outcomes = await Promise.all(workers.map((w) => w.call<Outcome>('verifyMany', { secrets: [a.secret, b.secret], calls: 40, concurrency: 8 })));
      const admittedA = outcomes.reduce((n, o) => n + o.admitted[0]!, 0);
      expect(sum(outcomes, 'VALID')).toBe(23);
      expect(sum(outcomes, 'USAGE_EXCEEDED')).toBe(PROCESSES * 40 - 23);
      expect((await conn.manager.getIdentity(admin, identity.id)).credits?.remaining).toBe(0);
      expect((await conn.manager.get(admin, a.key.id)).credits?.remaining).toBe(500 - admittedA);
    }, 60_000);
  });
}

describe.skipIf(!postgres.available)('connectKeygate(postgres://) without Redis, across OS processes', () => {
  sharedCredits('credits in PostgreSQL', async () => {
    const schema = uniqueTestName('kgcmp');
    return {
      url: postgres.url,
      schema,
      env: { KG_URL: postgres.url, KG_SCHEMA: schema },
      async cleanup() {
        const { default: pg } = await import('pg');
        const pool = new pg.Pool({ connectionString: postgres.url });
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      },
    };
  });
});

describe('connectKeygate(sqlite://) across OS processes on one file', () => {
  sharedCredits('credits in the SQLite file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-connect-mp-'));
    const url = `sqlite://${join(dir, 'keygate.sqlite')}`;
    return { url, env: { KG_URL: url }, cleanup: () => rm(dir, { recursive: true, force: true }) };
  });
});
