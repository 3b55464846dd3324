/**
 * Timing side channel check: does verifying a wrong secret that differs from
 * the real one in its FIRST character take a different time than one that
 * differs in its LAST character? Interleaved samples, then a Welch t-test on
 * trimmed samples. |t| < 4.5 is "no difference within noise" (the dudect
 * threshold). Written to bench/results.md, never asserted in tests.
 *
 * Run: node --conditions=source --import tsx bench/timing.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { type Actor, checksum, createKeyManager, createSha256Hasher, parseKey } from '@keygate/core';
import { machineLine, writeResultSection } from './machine.js';

const SAMPLES = 200_000;

/**
 * Wrong keys differing from `key` only at the first or last secret character, one per replacement
 * character. Drawing from many variants per class averages out artefacts of any one string (its
 * checksum, its digest), which would otherwise show up as a "difference" unrelated to the position.
 */
function variants(key: string, position: 'first' | 'last'): string[] {
  const p = parseKey(key)!;
  const i = position === 'first' ? 0 : p.secret.length - 1;
  return [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz']
    .filter((c) => c !== p.secret[i])
    .map((c) => {
      const body = `${p.prefix}_${p.keyId}_${p.secret.slice(0, i)}${c}${p.secret.slice(i + 1)}`;
      return body + checksum(body);
    });
}

function welch(a: number[], b: number[]): { t: number; meanA: number; meanB: number } {
  const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const variance = (x: number[], m: number) => x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1);
  const ma = mean(a);
  const mb = mean(b);
  return { t: (ma - mb) / Math.sqrt(variance(a, ma) / a.length + variance(b, mb) / b.length), meanA: ma, meanB: mb };
}

// Trimming the slowest 10% removes GC pauses and scheduler noise, as dudect does.
const trim = (x: number[]) => [...x].sort((p, q) => p - q).slice(0, Math.floor(x.length * 0.9));

async function sample(label: string, check: (k: string) => unknown, key: string) {
  const first = variants(key, 'first');
  const last = variants(key, 'last');
  const a: number[] = [];
  const b: number[] = [];
  // Random class per sample (as dudect does): a fixed alternation would let cache and branch-predictor
  // state from the previous call bias one class.
  const classes = randomBytes(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const useFirst = (classes[i]! & 1) === 0;
    const pool = useFirst ? first : last;
    const presented = pool[(classes[i]! >> 1) % pool.length]!;
    const t0 = process.hrtime.bigint();
    await check(presented);
    const dt = Number(process.hrtime.bigint() - t0);
    (useFirst ? a : b).push(dt);
  }
  const r = welch(trim(a), trim(b));
  return `| ${label} | ${(r.meanA / 1000).toFixed(3)} | ${(r.meanB / 1000).toFixed(3)} | ${r.t.toFixed(2)} | ${Math.abs(r.t) < 4.5 ? 'no difference' : 'DIFFERENT'} |`;
}

const actor: Actor = { id: 'bench', tenantId: 'bench', role: 'admin' };
const manager = createKeyManager({
  config: { cache: { ttl: 0 }, pepper: 'timing-bench-pepper-123', failedVerificationLimit: { limit: 1e9, windowSeconds: 1 } },
});
const { secret } = await manager.create(actor, { name: 'timing', rateLimit: null });
const hasher = createSha256Hasher({ pepper: 'timing-bench-pepper-123' });
const encoded = hasher.hash(secret) as string;

const rows = [
  await sample('hasher.verify (HMAC-SHA-256, timingSafeEqual)', (k) => hasher.verify(k, encoded), secret),
  await sample('KeyManager.verify, cold cache (store read + hash)', (k) => manager.verify(k), secret),
];
await manager.close();

const md = [
  '## timing: wrong secret differing in the first vs the last character',
  '',
  `Measured ${machineLine()}. ${SAMPLES.toLocaleString('en-US')} samples per row, randomly interleaved,, slowest 10% trimmed, Welch's t-test; |t| < 4.5 means no detectable difference (dudect's threshold).`,
  '',
  '| path | mean µs (first char differs) | mean µs (last char differs) | t | verdict |',
  '| --- | ---: | ---: | ---: | --- |',
  ...rows,
  '',
];
console.log(md.join('\n'));
writeResultSection('timing', md.join('\n'));
