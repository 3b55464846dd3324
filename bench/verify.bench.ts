/**
 * Verify throughput of KeyManager on one core (one event loop), memory
 * stores: warm cache, cold cache (every call reads the store and checks the
 * hash), sha256 and argon2id, with and without a rate limit. The baseline is
 * one SHA-256 of the presented key, the floor of any verification that does
 * not compare plaintext.
 *
 * Run: node --conditions=source --import tsx bench/verify.bench.ts
 */
import { createHash } from 'node:crypto';
import { type Actor, createKeyManager, type KeygateConfig } from '@keygate/core';
import { machineLine, writeResultSection } from './machine.js';

const actor: Actor = { id: 'bench', tenantId: 'bench', role: 'admin' };

async function opsPerSecond(run: () => unknown, ms: number): Promise<{ ops: number; perOpUs: number }> {
  const end = performance.now() + ms;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 256; i++) await run();
    n += 256;
  }
  const elapsed = performance.now() - start;
  return { ops: (n / elapsed) * 1000, perOpUs: (elapsed * 1000) / n };
}

async function measure(label: string, config: KeygateConfig, keysCount: number, ms: number, withLimit: boolean) {
  const manager = createKeyManager({ config: { auditLevel: 'basic', ...config } });
  const keys: string[] = [];
  for (let i = 0; i < keysCount; i++) {
    keys.push((await manager.create(actor, { name: `k${i}`, rateLimit: withLimit ? { limit: 1e9, windowSeconds: 1 } : null })).secret);
  }
  let i = 0;
  let failures = 0;
  const result = await opsPerSecond(async () => {
    const r = await manager.verify(keys[i++ % keys.length]!, { scopes: [] });
    if (!r.valid) failures++;
  }, ms);
  await manager.close();
  if (failures) throw new Error(`${label}: ${failures} verifications failed`);
  return { label, ...result };
}

const baseline = await opsPerSecond(() => createHash('sha256').update('sk_live_0123456789abcdef_0123456789abcdef0123456789abcdefABCDEF').digest('base64url'), 1000);
const rows = [
  await measure('warm cache, sha256, no rate limit', {}, 1000, 3000, false),
  await measure('warm cache, sha256, token bucket', {}, 1000, 3000, true),
  await measure('cold cache, sha256 (HMAC), token bucket', { cache: { ttl: 0 }, pepper: 'bench-pepper-0123456789' }, 1000, 3000, true),
  await measure('warm cache, argon2id, token bucket', { hasher: 'argon2id' }, 50, 3000, true),
  await measure('cold cache, argon2id (m=19 MiB, t=2, p=1)', { hasher: 'argon2id', cache: { ttl: 0 } }, 20, 3000, true),
];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const lines = [
  '## verify throughput (one event loop, memory stores)',
  '',
  `Measured ${machineLine()}. Sequential awaits; 1,000 keys (argon2id: 20–50) presented round-robin.`,
  '',
  '| case | verifications/s | µs each | ratio to SHA-256 baseline |',
  '| --- | ---: | ---: | ---: |',
  `| baseline: one SHA-256 of a key | ${fmt(baseline.ops)} | ${baseline.perOpUs.toFixed(2)} | 1.00 |`,
  ...rows.map((r) => `| ${r.label} | ${fmt(r.ops)} | ${r.perOpUs.toFixed(2)} | ${(r.ops / baseline.ops).toFixed(3)} |`),
  '',
  `Target (issue 2): warm verify ≥ 200,000/s on one core → ${rows[1]!.ops >= 200_000 ? 'met' : 'NOT met'} (${fmt(rows[1]!.ops)}/s with the token bucket).`,
  '',
];
console.log(lines.join('\n'));
writeResultSection('verify', lines.join('\n'));
