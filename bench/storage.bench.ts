/**
 * KeyManager.verify throughput on the distributed set-up: PostgreSQL or
 * Redis storage, the Redis rate limiter and the Redis event bus, with the
 * verified-key cache off (`cache.ttl: 0`, every verify reads the store) and
 * on (warm). Counts Redis round trips per verify: commands sent on keygate's client.
 *
 * Run: `npm run bench:storage` (builds, then `node --import tsx
 * bench/storage.bench.ts`: keygate as a host runs it, from `dist/`; env
 * KEYGATE_BENCH_REDIS_URL, KEYGATE_BENCH_DATABASE_URL). Writes its section
 * of bench/results.md.
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
import { machineLine, requireBuiltCore, writeResultSection } from './machine.js';
import { drive, percentile, requireFromCore } from './rate-limit.bench.js';

const redisUrl = process.env.KEYGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.KEYGATE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const durationMs = Number(process.env.KEYGATE_BENCH_MS ?? 3000);
const CONCURRENCY = 32;
const KEYS = 200;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(0)} µs`);

async function main(): Promise<void> {
  requireBuiltCore('npm run bench:storage');
  const { createClient } = requireFromCore('redis') as { createClient: (o: object) => any };
  const pg = requireFromCore('pg') as { Pool: new (o: object) => any };
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  // Round trips are the commands keygate sends on this client (INFO commandstats would also count those a script runs inside).
  let sent = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (args: unknown) => {
    sent++;
    return send(args);
  };
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
      const sentBefore = sent;
      const r = await drive(CONCURRENCY, durationMs, check);
      const topLevel = sent - sentBefore;
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
goes to Redis. Redis round trips per verify: the commands keygate sent on its Redis client, over verifications
(PostgreSQL reads are not in that count). Checks made in the same tick share one limiter call, so under load a
warm verify costs Redis a fraction of a round trip.

| storage | cache | concurrent callers | verifies/s | p50 | p99 | Redis round trips / verify |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`,
  );
  await Promise.all([client.close(), admin.close(), pool.end()]);
}

await main();
