/**
 * Cost of quotas and named limits on the Redis backend: warm verify with one
 * limit, against warm verify with credits and two named limits (three token
 * buckets and one credit spend in one atomic script, one round trip), 32
 * callers, then one caller for latency.
 *
 * Run: `npm run bench:credits` (builds, then `node --import tsx
 * bench/credits.bench.ts`: keygate as a host runs it, from `dist/`; env
 * KEYGATE_BENCH_REDIS_URL). Writes the `credits` section of bench/results.md.
 *
 * @module
 */
import { createRedisCreditStore, createRedisRateLimiter, createRedisStorage, KeyManager, type RedisPubSubClient } from '@keygate/core';
import { machineLine, median, requireBuiltCore, writeResultSection } from './machine.js';
import { drive, percentile, requireFromCore } from './rate-limit.bench.js';

const redisUrl = process.env.KEYGATE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const durationMs = Number(process.env.KEYGATE_BENCH_MS ?? 3000);
const CONCURRENCY = 32;
const ALONE_ROUNDS = 9;
const ALONE_MS = 400;
const BIG = { limit: 1_000_000_000, windowSeconds: 60 };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  requireBuiltCore('npm run bench:credits');
  const { createClient } = requireFromCore('redis') as { createClient: (o: object) => any };
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  const run = `kgbenchcr_${Date.now().toString(36)}`;
  const admin = { id: 'bench', tenantId: 'bench', role: 'admin' };
  const manager = new KeyManager({
    storage: createRedisStorage({ client, prefix: `${run}:` }),
    rateLimiter: createRedisRateLimiter({ client: client as RedisPubSubClient, prefix: `${run}:rl:` }),
    creditStore: createRedisCreditStore({ client, prefix: `${run}:cr:` }),
    config: { hasher: 'sha256', cache: { ttl: '30s' }, usageFlushInterval: '1s' },
  });
  const plain = await manager.create(admin, { name: 'plain', rateLimit: BIG });
  const metered = await manager.create(admin, {
    name: 'metered',
    rateLimit: BIG,
    rateLimits: { uploads: BIG, search: BIG },
    credits: { initial: 1_000_000_000_000, refill: { interval: 'monthly', amount: 1_000_000_000_000 } },
  });
  const limits = [{ name: 'uploads', cost: 2 }, { name: 'search' }];
  const scenarios: Array<[string, () => Promise<unknown>]> = [
    ['one limit', () => manager.verify(plain.secret)],
    ['credits + two named limits', () => manager.verify(metered.secret, { limits })],
  ];
  const scriptUsec = async (): Promise<number> => {
    const info = String(await client.sendCommand(['INFO', 'commandstats']));
    return Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(info)?.[1] ?? 0);
  };
  const checked = scenarios.map(([, check]) => async () => {
    const v = (await check()) as { valid: boolean; code: string };
    if (!v.valid) throw new Error(`bench verify failed: ${v.code}`);
  });
  for (const check of checked) await drive(CONCURRENCY, 300, check); // warm-up
  // Rounds interleaved across the two scenarios (order rotating), so load from other jobs falls on both alike;
  // verifications/s is the median round. Node CPU and Redis script time are summed over the rounds.
  const ROUNDS = 5;
  const runs = scenarios.map(() => ({ rates: [] as number[], count: 0, latencies: [] as number[], cpuUs: 0, scriptUs: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < scenarios.length; k++) {
      const i = (k + round) % scenarios.length;
      const usec0 = await scriptUsec();
      const cpu0 = process.cpuUsage();
      const r = await drive(CONCURRENCY, durationMs / ROUNDS, checked[i]!);
      const cpu = process.cpuUsage(cpu0);
      const acc = runs[i]!;
      acc.scriptUs += (await scriptUsec()) - usec0;
      acc.cpuUs += cpu.user + cpu.system;
      acc.rates.push(r.count / r.seconds);
      acc.count += r.count;
      for (const l of r.latencies) acc.latencies.push(l);
    }
  }
  // One caller at a time: the latency of one verification, where round trips show rather than Redis CPU. Interleaved
  // rounds as above; the latency ratio is the median over rounds of the ratio within a round, so drift cancels out.
  const aloneRounds = scenarios.map(() => [] as number[]);
  for (let round = 0; round < ALONE_ROUNDS; round++) {
    for (let k = 0; k < scenarios.length; k++) {
      const i = (k + round) % scenarios.length;
      const one = await drive(1, ALONE_MS, checked[i]!);
      aloneRounds[i]!.push(percentile(one.latencies, 50));
    }
  }
  const results: Array<{ name: string; rate: number; p50: number; p99: number; alone: number; cpu: number; script: number }> = [];
  for (let i = 0; i < scenarios.length; i++) {
    const acc = runs[i]!;
    const latencies = Float64Array.from(acc.latencies).sort();
    results.push({
      name: scenarios[i]![0],
      rate: median(acc.rates),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      alone: median(aloneRounds[i]!),
      cpu: acc.cpuUs / acc.count,
      script: acc.scriptUs / acc.count,
    });
  }
  const ratio = results[0]!.rate / results[1]!.rate;
  const aloneRatio = median(aloneRounds[0]!.map((one, round) => aloneRounds[1]![round]! / one));
  const lines = [
    `Redis storage, Redis limiter, Redis credit store, warm key cache, ${CONCURRENCY} concurrent callers, ${durationMs / 1000} s each in ${ROUNDS} rounds interleaved between the two (verifications/s: median round). ${machineLine()}`,
    '',
    '| verify | verifications/s | p50 | p99 | p50, one caller (median round) | Node CPU / verify | Redis script time / verify |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${fmt(r.rate)} | ${r.p50.toFixed(0)} µs | ${r.p99.toFixed(0)} µs | ${r.alone.toFixed(0)} µs | ${r.cpu.toFixed(1)} µs | ${r.script.toFixed(1)} µs |`),
    '',
    `Cost ratio (one limit ÷ credits + two named limits): **${ratio.toFixed(2)}×** (target ≤ 1.3×); latency ratio with one caller: **${aloneRatio.toFixed(2)}×** (median over ${ALONE_ROUNDS} interleaved rounds of ${ALONE_MS} ms; per round: ${aloneRounds[0]!.map((one, round) => (aloneRounds[1]![round]! / one).toFixed(2)).join(', ')}).`,
    'Both verifications make at most one Redis round trip (the metered one runs every bucket and the credit spend in one script, `METER_LUA`).',
    'Node CPU is the bench process\'s user + system time; Redis script time is the EVALSHA `usec` delta of `INFO commandstats`',
    '(server-wide, so other clients of the same Redis would add to it). node-redis writes on `setImmediate`, so Node and Redis take turns:',
    'a verification costs about the sum of the two. Both limiters batch: the verifications one process makes in the same tick',
    'share one script call, so under load Redis time per verify is mostly the script\'s own work, and the metered one reads',
    'and writes three buckets and a credit counter (two HMGET, two HSET and the refill sums) where one limit reads and writes one bucket.',
  ];
  console.log(lines.join('\n'));
  writeResultSection('credits', lines.join('\n'));
  await manager.close();
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${run}:*`, COUNT: 1000 })) keys.push(...batch);
  for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
  await client.close();
}

await main();
