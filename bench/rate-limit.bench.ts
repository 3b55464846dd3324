/**
 * keygate's Redis token bucket, on a node-redis and on an ioredis client,
 * against rate-limiter-flexible's RateLimiterRedis (ioredis client), on the
 * same Redis in the same run. keygate on ioredis against rlf on ioredis is
 * the like-for-like pair: the clients differ in how they write commands
 * (node-redis batches them on `setImmediate`, ioredis writes at once).
 *
 * For each concurrency N, N callers loop for a fixed time over 1,000 bucket
 * names with a limit high enough that checks are admitted (so both do their
 * full write path). Reported: checks per second, p50 and p99 latency, and
 * Redis round trips per check counted from `INFO commandstats` deltas
 * (top-level EVALSHA/EVAL/other calls, not the commands a script runs inside).
 *
 * keygate runs as a host runs it, from the built package (`dist/`, plain
 * JavaScript), as rlf does: the TypeScript loader would add a call to every
 * closure keygate makes (it keeps function names), charged to keygate alone.
 *
 * Run: `npm run bench:rate-limit` (builds, then
 * `node --import tsx bench/rate-limit.bench.ts`; env KEYGATE_BENCH_REDIS_URL,
 * default redis://127.0.0.1:6379). Writes its section of bench/results.md.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createRedisRateLimiter, type RedisCommandClient } from '@keygate/core';
import { machineLine, median, requireBuiltCore, writeResultSection } from './machine.js';

// Bench-only clients are dev dependencies of @keygate/core; load them from there.
export const requireFromCore = createRequire(new URL('../packages/core/package.json', import.meta.url));

/** p-th percentile (0..100) of sorted numbers. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `check` from `concurrency` callers for `durationMs`; returns count and sorted latencies (µs). */
export async function drive(concurrency: number, durationMs: number, check: (i: number) => Promise<unknown>): Promise<{ count: number; seconds: number; latencies: Float64Array }> {
  const samples: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await check(n++);
        samples.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { count: samples.length, seconds, latencies: Float64Array.from(samples).sort() };
}

interface CommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Top-level command calls by name, from INFO commandstats (script-internal calls are counted there too, so callers pick names). */
async function commandStats(client: CommandClient): Promise<Map<string, number>> {
  const info = String(await client.sendCommand(['INFO', 'commandstats']));
  const stats = new Map<string, number>();
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) stats.set(m[1]!, Number(m[2]));
  }
  return stats;
}

/** Redis server CPU time so far (user + system), µs, from INFO cpu. */
async function redisCpu(client: CommandClient): Promise<number> {
  const info = String(await client.sendCommand(['INFO', 'cpu']));
  const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
}

function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d > 0) out.set(name, d);
  }
  return out;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(0)} µs`);

async function main(): Promise<void> {
  requireBuiltCore('npm run bench:rate-limit');
  const url = process.env.KEYGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const durationMs = Number(process.env.KEYGATE_BENCH_MS ?? 4500);
  const { createClient } = requireFromCore('redis') as { createClient: (o: object) => any };
  const IORedis = requireFromCore('ioredis') as new (url: string, o?: object) => any;
  const { RateLimiterRedis } = requireFromCore('rate-limiter-flexible') as { RateLimiterRedis: new (o: object) => { consume(key: string, points?: number): Promise<unknown> } };

  const nodeRedis = createClient({ url });
  nodeRedis.on('error', () => undefined);
  await nodeRedis.connect();
  const nodeRedisForRlf = createClient({ url });
  nodeRedisForRlf.on('error', () => undefined);
  await nodeRedisForRlf.connect();
  const ioredis = new IORedis(url, { enableOfflineQueue: true, lazyConnect: false });
  const keygateIoredis = new IORedis(url, { enableOfflineQueue: true, lazyConnect: false });
  await Promise.all([ioredis, keygateIoredis].map((c) => (c.status === 'ready' ? undefined : new Promise((resolve) => c.once('ready', resolve)))));
  const admin = createClient({ url });
  await admin.connect();
  const version = /redis_version:(\S+)/.exec(String(await admin.sendCommand(['INFO', 'server'])))?.[1];

  const run = Date.now().toString(36);
  const keygate = createRedisRateLimiter({ client: nodeRedis as RedisCommandClient, prefix: `kgbench:${run}:` });
  const keygateIo = createRedisRateLimiter({ client: keygateIoredis, prefix: `kgbench:${run}:io:` });
  const policy = { limit: 1_000_000_000, windowSeconds: 60 };
  const rlf = new RateLimiterRedis({ storeClient: ioredis, points: 1_000_000_000, duration: 60, keyPrefix: `rlfbench:${run}` });
  // rlf on node-redis sends EVAL with the script's text on every call (it has no EVALSHA path for that client).
  const rlfNodeRedis = new RateLimiterRedis({ storeClient: nodeRedisForRlf, useRedisPackage: true, points: 1_000_000_000, duration: 60, keyPrefix: `rlfbench:${run}:nr` });

  const contenders: Array<{ name: string; check: (i: number) => Promise<unknown> }> = [
    { name: 'keygate createRedisRateLimiter (node-redis 5, token bucket)', check: (i) => keygate.consume(`b${i % 1000}`, policy) },
    { name: 'keygate createRedisRateLimiter (ioredis 5, token bucket)', check: (i) => keygateIo.consume(`b${i % 1000}`, policy) },
    { name: 'rate-limiter-flexible RateLimiterRedis (ioredis 5, fixed window)', check: (i) => rlf.consume(`b${i % 1000}`, 1).catch((r: unknown) => r) },
    { name: 'rate-limiter-flexible RateLimiterRedis (node-redis 5, fixed window)', check: (i) => rlfNodeRedis.consume(`b${i % 1000}`, 1).catch((r: unknown) => r) },
  ];

  // Warm-up: load scripts, open sockets.
  for (const c of contenders) await drive(8, 300, c.check);

  // Each row's time is split into ROUNDS short runs, interleaved across the contenders (order rotating), so
  // load from other jobs on the machine falls on all of them alike; checks/s is the median round.
  const ROUNDS = 9;
  const rows: string[] = [];
  const ratios: string[] = [];
  for (const concurrency of [1, 16, 64]) {
    const runs = contenders.map(() => ({ rates: [] as number[], count: 0, latencies: [] as number[], commands: new Map<string, number>(), nodeCpu: 0, redisCpu: 0 }));
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + round) % contenders.length;
        const before = await commandStats(admin);
        const redisBefore = await redisCpu(admin);
        const nodeBefore = process.cpuUsage();
        const r = await drive(concurrency, durationMs / ROUNDS, contenders[i]!.check);
        const node = process.cpuUsage(nodeBefore);
        const acc = runs[i]!;
        acc.redisCpu += (await redisCpu(admin)) - redisBefore;
        acc.nodeCpu += node.user + node.system;
        const d = delta(before, await commandStats(admin));
        acc.rates.push(r.count / r.seconds);
        acc.count += r.count;
        for (const l of r.latencies) acc.latencies.push(l);
        for (const [name, calls] of d) acc.commands.set(name, (acc.commands.get(name) ?? 0) + calls - (name === 'info' ? 1 : 0));
      }
    }
    const rates: number[] = [];
    for (let i = 0; i < contenders.length; i++) {
      const { rates: perRound, count, commands, nodeCpu, redisCpu: serverCpu } = runs[i]!;
      const latencies = Float64Array.from(runs[i]!.latencies).sort();
      const rate = median(perRound);
      rates.push(rate);
      // Top-level calls a caller sends: script calls plus anything not run from inside a script.
      const topLevel = (commands.get('evalsha') ?? 0) + (commands.get('eval') ?? 0) + (commands.get('multi') ?? 0) + (commands.get('exec') ?? 0);
      const detail = [...commands].filter(([n, v]) => v > 0 && n !== 'info').map(([n, v]) => `${n} ${(v / count).toFixed(2)}`).join(', ');
      rows.push(`| ${contenders[i]!.name} | ${concurrency} | ${fmt(rate)} | ${us(percentile(latencies, 50))} | ${us(percentile(latencies, 99))} | ${(topLevel / count).toFixed(2)} | ${(nodeCpu / count).toFixed(1)} µs | ${(serverCpu / count).toFixed(1)} µs | ${detail} |`);
      console.log(rows[rows.length - 1], perRound.map(fmt).join(' · '));
    }
    ratios.push(`| ${concurrency} | ${(rates[1]! / rates[2]!).toFixed(2)}× | ${(rates[0]! / rates[3]!).toFixed(2)}× | ${(rates[0]! / rates[2]!).toFixed(2)}× |`);
  }

  // Clean up the bench's keys.
  for (const pattern of [`kgbench:${run}:*`, `rlfbench:${run}*`]) {
    let cursor = '0';
    do {
      const [next, keys] = (await admin.sendCommand(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [string, string[]];
      cursor = next;
      if (keys.length > 0) await admin.sendCommand(['DEL', ...keys]);
    } while (cursor !== '0');
  }

  writeResultSection(
    'rate-limit',
    `## Redis rate limiter: keygate vs rate-limiter-flexible

${machineLine()} · Redis ${version} on localhost · ${durationMs / 1000} s per row in ${ROUNDS} rounds interleaved with the other contenders (checks/s: median round), 1,000 bucket names, every check admitted.
The machine was shared with other jobs (2 vCPUs for Node, Redis and PostgreSQL together); repeated runs vary by about ±20 %.

Round trips per check = top-level EVALSHA/EVAL/MULTI/EXEC calls per check from \`INFO commandstats\` deltas (no MONITOR).
The last column lists every command Redis counted per check, including those a Lua script runs inside (TIME, GET, SET, …),
which cost no extra round trip.

| limiter | concurrent callers | checks/s | p50 | p99 | round trips / check | Node CPU / check | Redis CPU / check | commands counted per check |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

keygate's checks/s ÷ rate-limiter-flexible's (issue 4 target: ≥ 1 on the same client). The last column compares across clients:
node-redis writes on \`setImmediate\`, so Node and Redis take turns, while ioredis writes at once.

keygate batches: the checks one process makes in the same tick go to Redis as one script call, each taken on its own
(round trips per check fall below 1 as callers are added; a lone check is one call of its own and waits for nothing).
rlf sends one command per check. With one caller both wait on one loopback round trip per check (about 50 µs here,
of which either script is about 3 µs), so that row compares latency more than work.

| concurrent callers | keygate ÷ rlf, both on ioredis | keygate ÷ rlf, both on node-redis | keygate on node-redis ÷ rlf on ioredis |
| ---: | ---: | ---: | ---: |
${ratios.join('\n')}
`,
  );
  await Promise.all([nodeRedis.close(), nodeRedisForRlf.close(), admin.close(), ioredis.quit(), keygateIoredis.quit()]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
