/**
 * KeyManager.verify throughput on the distributed set-up: PostgreSQL or
 * Redis storage, the Redis rate limiter and the Redis event bus, with the
 * verified-key cache off (`cache.ttl: 0`, every verify reads the store) and
 * on (warm). Counts Redis round trips per verify from `INFO commandstats`.
 *
 * Run: `node --conditions=source --import tsx bench/storage.bench.ts`
 * (env KEYGATE_BENCH_REDIS_URL, KEYGATE_BENCH_DATABASE_URL). Writes its
 * section of bench/results.md.
 *
 * @module
 */
import {
  createPostgresStorage,
  createRedisEventBus,
  createRedisRateLimiter,
  createRedisStorage,
  KeyManager,
  type KeygateStorage,
  type RedisPubSubClient,
} from '@keygate/core';
import { machineLine, writeResultSection } from './machine.js';
import { commandStats, drive, percentile, requireFromCore } from './rate-limit.bench.js';

const redisUrl = process.env.KEYGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.KEYGATE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const durationMs = Number(process.env.KEYGATE_BENCH_MS ?? 3000);
const CONCURRENCY = 32;
const KEYS = 200;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(0)} µs`);

async function main(): Promise<void> {
  const { createClient } = requireFromCore('redis') as { createClient: (o: object) => any };
  const pg = requireFromCore('pg') as { Pool: new (o: object) => any };
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  const admin = createClient({ url: redisUrl });
  await admin.connect();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  const run = `kgbench_${Date.now().toString(36)}`;
  const pgVersion = (await pool.query('SHOW server_version')).rows[0].server_version as string;
  const redisVersion = /redis_version:(\S+)/.exec(String(await admin.sendCommand(['INFO', 'server'])))?.[1];

  const stores: Array<{ name: string; storage: KeygateStorage }> = [
    { name: 'PostgreSQL (createPostgresStorage)', storage: createPostgresStorage({ pool, schema: run }) },
    { name: 'Redis (createRedisStorage)', storage: createRedisStorage({ client, prefix: `${run}:` }) },
  ];
  const rows: string[] = [];
  for (const { name, storage } of stores) {
    for (const cache of ['cold (cache ttl 0)', 'warm (cache 30 s)'] as const) {
      const rateLimiter = createRedisRateLimiter({ client: client as RedisPubSubClient, prefix: `${run}:rl:` });
      const eventBus = createRedisEventBus({ client: client as RedisPubSubClient, channel: `${run}:inv` });
      const manager = new KeyManager({
        storage,
        rateLimiter,
        eventBus,
        config: { hasher: 'sha256', cache: { ttl: cache.startsWith('cold') ? 0 : '30s' }, rateLimitThreshold: { limit: 1_000_000_000, windowSeconds: 60 } },
      });
      const actor = { id: 'bench', tenantId: `${run}_t`, role: 'admin' };
      const secrets: string[] = [];
      for (let i = 0; i < KEYS; i++) secrets.push((await manager.create(actor, { name: `k${i}` })).secret);
      const check = async (i: number) => {
        const r = await manager.verify(secrets[i % KEYS]!);
        if (!r.valid) throw new Error(`verify failed: ${r.code}`);
      };
      await drive(CONCURRENCY, 500, check); // warm-up (and fills the cache when on)
      const before = await commandStats(admin);
      const r = await drive(CONCURRENCY, durationMs, check);
      const after = await commandStats(admin);
      let topLevel = 0;
      for (const [cmd, calls] of after) {
        // Commands run inside scripts (TIME, GET, SET, …) are counted too; only these are sent by keygate itself on a verify.
        if (!['evalsha', 'eval', 'hget', 'publish'].includes(cmd)) continue;
        topLevel += calls - (before.get(cmd) ?? 0);
      }
      const line = `| ${name} | ${cache} | ${CONCURRENCY} | ${fmt(r.count / r.seconds)} | ${us(percentile(r.latencies, 50))} | ${us(percentile(r.latencies, 99))} | ${(topLevel / r.count).toFixed(2)} |`;
      console.log(line);
      rows.push(line);
      await manager.close();
      await eventBus.close();
    }
  }

  // Clean up.
  await pool.query(`DROP SCHEMA IF EXISTS "${run}" CASCADE`);
  let cursor = '0';
  do {
    const [next, keys] = (await admin.sendCommand(['SCAN', cursor, 'MATCH', `${run}:*`, 'COUNT', '1000'])) as [string, string[]];
    cursor = next;
    if (keys.length > 0) await admin.sendCommand(['DEL', ...keys]);
  } while (cursor !== '0');

  writeResultSection(
    'storage',
    `## KeyManager.verify on shared storage

${machineLine()} · PostgreSQL ${pgVersion} and Redis ${redisVersion} on localhost · ${durationMs / 1000} s per row ·
${KEYS} keys, sha256 hasher, Redis rate limiter (every verify is rate-limited) and Redis event bus.

Cold: every verify reads the record from storage, checks the hash and takes from the key's bucket
(1 store read + 1 limiter call; the failed-attempt budget is only consulted for argon2id hashes). Warm: the record comes from the verified-key cache; only the key's bucket
goes to Redis. Redis round trips per verify counted from \`INFO commandstats\` (top-level commands only;
PostgreSQL reads are not in that count).

| storage | cache | concurrent callers | verifies/s | p50 | p99 | Redis round trips / verify |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`,
  );
  await Promise.all([client.close(), admin.close(), pool.end()]);
}

await main();
