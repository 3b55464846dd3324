/**
 * Load: several app processes (Express + requireApiKey) sharing one Redis
 * rate limiter and event bus and one PostgreSQL store, driven on loopback by
 * autocannon with many keys for a bounded time. Checks the promise of the
 * shared limiter: the whole fleet admits no more than, per key, its burst
 * capacity plus refill × elapsed time. Reports throughput, latency
 * percentiles and errors into bench/results.md (section `load`).
 *
 * Needs PostgreSQL and Redis (KEYGATE_TEST_DATABASE_URL / KEYGATE_TEST_REDIS_URL,
 * defaults as in the integration tests). Run from the repo root:
 *   node --conditions=source --import tsx bench/load.bench.ts [--seconds 15]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { machineLine, writeResultSection } from './machine.js';

const APPS = 3;
const KEYS = 60;
const CONNECTIONS_PER_APP = 20;
const SECONDS = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 15;
/** Per key: 50 requests per 10 s (5/s), bursts of 20. Tight, so the limiter is what decides. */
const POLICY = { limit: 50, windowSeconds: 10, burst: 20 };
const REDIS_URL = process.env.KEYGATE_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.KEYGATE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const requireFrom = (pkg: string) => createRequire(new URL(`../packages/${pkg}/package.json`, import.meta.url));

/** One app process: Express, requireApiKey on GET /host, PostgreSQL storage, Redis limiter and bus. */
async function serve(schema: string, prefix: string): Promise<void> {
  const core = await import('@keygate/core');
  const { requireApiKey } = await import('../packages/express/src/index.js');
  const pg = requireFrom('core')('pg');
  const { createClient } = requireFrom('core')('redis');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const express = requireFrom('express')('express') as any;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 5 });
  const client = createClient({ url: REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  const quiet = { warn: () => undefined, error: () => undefined };
  const manager = new core.KeyManager({
    storage: core.createPostgresStorage({ pool, schema }),
    rateLimiter: core.createRedisRateLimiter({ client, prefix: `${prefix}rl:`, failureMode: 'closed', logger: quiet }),
    eventBus: core.createRedisEventBus({ client, channel: `${prefix}inv` }),
    logger: quiet,
    config: { hasher: 'sha256', rateLimitThreshold: POLICY },
  });
  const app = express();
  app.get('/host', requireApiKey(manager), (_req: unknown, res: { json(v: unknown): void }) => res.json({ ok: true }));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ port: (server.address() as AddressInfo).port });
  process.on('disconnect', () => {
    void (async () => {
      server.close();
      await manager.close();
      await client.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      process.exit(0);
    })();
  });
}

async function main(): Promise<void> {
  const core = await import('@keygate/core');
  const pg = requireFrom('core')('pg');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const autocannon = createRequire(import.meta.url)('autocannon') as any;
  const schema = `kgload_${randomBytes(4).toString('hex')}`;
  const prefix = `kgload_${randomBytes(4).toString('hex')}:`;

  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 5 });
  const storage = core.createPostgresStorage({ pool, schema });
  await storage.ready();
  const admin = new core.KeyManager({ storage, logger: { warn() {}, error() {} }, config: { hasher: 'sha256', rateLimitThreshold: POLICY } });
  const secrets: string[] = [];
  for (let i = 0; i < KEYS; i++) secrets.push((await admin.create({ id: 'bench', tenantId: 'load', role: 'admin' }, { name: `load ${i}` })).secret);

  const children: ChildProcess[] = [];
  const ports = await Promise.all(
    Array.from({ length: APPS }, () => {
      const child = fork(fileURLToPath(import.meta.url), ['--serve', schema, prefix], { execArgv: process.execArgv, stdio: 'inherit' });
      children.push(child);
      return new Promise<number>((resolve, reject) => {
        child.once('message', (m) => resolve((m as { port: number }).port));
        child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
      });
    }),
  );

  // Each connection walks the keys in its own order, so every key is hit from every process.
  let next = 0;
  const run = (port: number) =>
    new Promise<any>((resolve, reject) => {
      autocannon(
        {
          url: `http://127.0.0.1:${port}/host`,
          connections: CONNECTIONS_PER_APP,
          duration: SECONDS,
          requests: [{ setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${secrets[next++ % KEYS]}` } }) }],
        },
        (error: unknown, result: unknown) => (error ? reject(error) : resolve(result)),
      );
    });
  const startedAt = Date.now();
  const results = await Promise.all(ports.map(run));
  const elapsedS = (Date.now() - startedAt) / 1000;

  for (const child of children) child.disconnect();
  await admin.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();

  const sum = (f: (r: any) => number) => results.reduce((n, r) => n + f(r), 0);
  const status = (code: string) => sum((r) => r.statusCodeStats?.[code]?.count ?? 0);
  const admitted = status('200');
  const limited = status('429');
  const total = sum((r) => r.requests.total);
  const other = total - admitted - limited;
  const bound = KEYS * (POLICY.burst + (POLICY.limit / POLICY.windowSeconds) * elapsedS);
  const pct = (p: string) => Math.max(...results.map((r) => r.latency[p] as number));
  const ok = admitted <= bound;

  const md = `## Load: ${APPS} app processes, one Redis limiter, PostgreSQL storage

${machineLine()}

\`bench/load.bench.ts\`: ${APPS} Express processes with \`requireApiKey\` (PostgreSQL storage, Redis rate limiter \`failureMode: 'closed'\`, Redis event bus), ${KEYS} keys each limited to ${POLICY.limit} per ${POLICY.windowSeconds} s with bursts of ${POLICY.burst}; autocannon on loopback, ${CONNECTIONS_PER_APP} connections per process, ${SECONDS} s, every connection cycling through all keys.

| figure | value |
| --- | --- |
| requests sent | ${total} (${Math.round(total / elapsedS)}/s) |
| admitted (200) | ${admitted} |
| rate limited (429) | ${limited} |
| other statuses | ${other} |
| connection errors / timeouts | ${sum((r) => r.errors)} / ${sum((r) => r.timeouts)} |
| limiter bound: Σ keys (burst + refill × ${elapsedS.toFixed(1)} s) | ${Math.floor(bound)} |
| admitted ≤ bound | ${ok ? 'yes' : '**NO**'} (${((admitted / bound) * 100).toFixed(1)} % of the bound) |
| latency p50 / p90 / p99 / p99.9 (worst process) | ${pct('p50')} / ${pct('p90')} / ${pct('p99')} / ${pct('p99_9')} ms |
| latency max | ${Math.max(...results.map((r) => r.latency.max))} ms |
`;
  writeResultSection('load', md);
  console.log(md);
  if (!ok || other > 0) process.exitCode = 1;
}

if (process.argv.includes('--serve')) {
  const at = process.argv.indexOf('--serve');
  await serve(process.argv[at + 1]!, process.argv[at + 2]!);
} else {
  await main();
}
