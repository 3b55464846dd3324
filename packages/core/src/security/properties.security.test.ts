/**
 * Property-based attacks on the parsers and matchers that see untrusted
 * input: random and adversarial values never crash them, and no string that
 * was not issued ever verifies, even when the attacker recomputes the public
 * checksum so the forgery reaches the hash comparison.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config.js';
import { ConfigError, KeygateError } from '../errors.js';
import { createIpMatcher, normalizeIp, validateCidrs } from '../ip-allowlist.js';
import { checksum, generateKey, parseKey } from '../key-format.js';
import { normalizeKeyName } from '../key-name.js';
import { KeyManager } from '../manager.js';
import { hasScopes, isValidScope, scopeGrants, validateScopes } from '../scopes.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62Char = fc.constantFrom(...BASE62.split(''));
const quiet = { warn: () => undefined, error: () => undefined };

/** A key with its checksum recomputed over the (changed) body: passes the parser, so only the hash can stop it. */
function reseal(key: string): string {
  const body = key.slice(0, -6);
  return body + checksum(body);
}

const ADVERSARIAL = [
  '', ' ', '\u0000', '\t', '\r\n', '*', '**', ':', ':*', '*:*', 'a:', ':a', '..', '__proto__', 'constructor', 'prototype',
  "'; DROP TABLE keygate_keys; --", '{"$gt":""}', '[', '?', '%', '\u202e', '\u200b', '🔑', 'é', 'A'.repeat(10_000),
];
const adversarialString = fc.oneof(
  fc.constantFrom(...ADVERSARIAL),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

describe('key parser and checksum', () => {
  it('round-trips every generated key, for every valid prefix and secret length', () => {
    const prefix = fc
      .array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 3 })
      .map((parts) => `k${parts.join('_')}`)
      .filter((p) => p.length <= 32);
    fc.assert(
      fc.property(prefix, fc.integer({ min: 32, max: 128 }), (p, n) => {
        const g = generateKey({ prefix: p, secretLength: n });
        const parsed = parseKey(g.key);
        expect(parsed).toBeDefined();
        expect(parsed!.prefix).toBe(p);
        expect(parsed!.keyId).toBe(g.keyId);
        expect(`${parsed!.prefix}_${parsed!.keyId}_${parsed!.secret}${parsed!.checksum}`).toBe(g.key);
        expect(parsed!.checksum).toBe(checksum(g.key.slice(0, -6)));
      }),
      { numRuns: 300 },
    );
  });

  it('catches every single-character substitution and every adjacent swap (CRC32 detects bursts up to 32 bits)', () => {
    const key = generateKey({ prefix: 'sk_live' }).key;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: key.length - 1 }), base62Char, (at, c) => {
        fc.pre(key[at] !== c && key[at] !== '_');
        expect(parseKey(key.slice(0, at) + c + key.slice(at + 1))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: key.length - 2 }), (at) => {
        fc.pre(key[at] !== key[at + 1] && key[at] !== '_' && key[at + 1] !== '_');
        expect(parseKey(key.slice(0, at) + key[at + 1] + key[at] + key.slice(at + 2))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('never throws and never accepts strings longer than 256 characters or containing non-key characters', () => {
    fc.assert(
      fc.property(fc.oneof(adversarialString, fc.anything()), (input) => {
        const parsed = parseKey(input);
        if (parsed !== undefined) {
          expect(typeof input).toBe('string');
          expect((input as string).length).toBeLessThanOrEqual(256);
          expect(input).toMatch(/^[a-z0-9_]+_[0-9A-Za-z]{16}_[0-9A-Za-z]+$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('KeyManager with N issued keys: nothing else verifies', () => {
  const N = 25;
  let manager: KeyManager;
  let issued: { id: string; secret: string }[];
  const actor = { id: 'u', tenantId: 't', role: 'admin' };

  beforeAll(async () => {
    manager = new KeyManager({ config: { hasher: 'sha256', rateLimitThreshold: null, environments: { live: 'sk_live', test: 'sk_test' } }, logger: quiet });
    issued = [];
    for (let i = 0; i < N; i++) {
      const { key, secret } = await manager.create(actor, { name: `k${i}`, environment: i % 2 ? 'test' : 'live' });
      issued.push({ id: key.id, secret });
    }
  });
  afterAll(() => manager.close());

  const issuedKey = () => fc.integer({ min: 0, max: N - 1 }).map((i) => issued[i]!.secret);

  /** Edits an attacker can make to a key they hold or saw part of. */
  const mutation = fc.oneof(
    // One character changed, checksum recomputed: reaches the hash check.
    fc.tuple(issuedKey(), fc.nat(), base62Char).map(([k, at, c]) => {
      const i = 8 + (at % (k.length - 14));
      return reseal(k.slice(0, i) + c + k.slice(i + 1));
    }),
    // Secret truncated or extended, checksum recomputed.
    fc.tuple(issuedKey(), fc.integer({ min: -6, max: 6 }), fc.string({ unit: base62Char, minLength: 6, maxLength: 6 })).map(([k, d, pad]) => {
      const body = k.slice(0, -6);
      return reseal((d < 0 ? body.slice(0, d) : body + pad.slice(0, d)) + 'XXXXXX');
    }),
    // One key's id with another key's secret (the "swap" attack), checksum recomputed.
    fc.tuple(fc.integer({ min: 0, max: N - 1 }), fc.integer({ min: 0, max: N - 1 })).map(([a, b]) => {
      const secret = issued[b]!.secret.split('_').pop()!.slice(0, -6);
      const prefix = issued[a]!.secret.startsWith('sk_live') ? 'sk_live' : 'sk_test';
      return reseal(`${prefix}_${issued[a]!.id}_${secret}XXXXXX`);
    }),
    // Other environment's prefix on the same id and secret.
    issuedKey().map((k) => reseal(k.startsWith('sk_live') ? k.replace('sk_live', 'sk_test') : k.replace('sk_test', 'sk_live'))),
    // Case changed, whitespace or NUL added, percent-encoded, doubled.
    fc.tuple(issuedKey(), fc.constantFrom('upper', 'lower', ' pad', 'nul', 'tab', 'pct', 'twice', 'newline')).map(([k, how]) => {
      switch (how) {
        case 'upper':
          return k.toUpperCase();
        case 'lower':
          return k.toLowerCase();
        case ' pad':
          return ` ${k} `;
        case 'nul':
          return `${k}\u0000`;
        case 'tab':
          return `\t${k}`;
        case 'pct':
          return encodeURIComponent(k).replace(/_/g, '%5F');
        case 'twice':
          return k + k;
        default:
          return `${k}\n`;
      }
    }),
    // Fresh well-formed keys with an issued key's id: the attacker knows the id (it is in URLs).
    fc.tuple(fc.integer({ min: 0, max: N - 1 }), fc.string({ unit: base62Char, minLength: 32, maxLength: 32 })).map(([i, secret]) =>
      reseal(`${issued[i]!.secret.slice(0, issued[i]!.secret.indexOf('_', 3))}_${issued[i]!.id}_${secret}XXXXXX`),
    ),
    adversarialString,
  );

  it('verifies every issued key', async () => {
    for (const { secret } of issued) expect((await manager.verify(secret)).code).toBe('VALID');
  });

  it('verifies no mutation of an issued key and no random string', async () => {
    const secrets = new Set(issued.map((k) => k.secret));
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (candidate) => {
        fc.pre(!secrets.has(candidate));
        tried++;
        const result = await manager.verify(candidate);
        expect(result.valid).toBe(false);
        expect(['INVALID_FORMAT', 'NOT_FOUND']).toContain(result.code);
        expect(result.key).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
    expect(tried).toBeGreaterThan(2000);
  });

  it('verifies no mutation with an IP, scopes or cost attached either, and never throws for any input type', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutation, fc.anything() as fc.Arbitrary<string>), adversarialString, fc.array(adversarialString, { maxLength: 3 }), async (candidate, ip, scopes) => {
        fc.pre(!issued.some((k) => k.secret === candidate));
        const result = await manager.verify(candidate, { ip, scopes });
        expect(result.valid).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('scope matcher', () => {
  it('never throws and grants only what the rules say, for any strings', () => {
    fc.assert(
      fc.property(adversarialString, adversarialString, (granted, required) => {
        const ok = scopeGrants(granted, required);
        expect(typeof ok).toBe('boolean');
        if (ok) {
          expect(isValidScope(required)).toBe(true);
          const wildcard = granted.endsWith(':*') && required.startsWith(granted.slice(0, -1));
          expect(granted === '*' || granted === required || wildcard).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a grant that is not a wildcard grants nothing but itself; invalid required scopes are never granted', () => {
    fc.assert(
      fc.property(fc.array(adversarialString, { maxLength: 5 }), fc.array(adversarialString, { minLength: 1, maxLength: 5 }), fc.constantFrom('all', 'any'), (granted, required, mode) => {
        const plain = granted.filter((g) => !g.includes('*'));
        if (hasScopes(plain, required, mode as 'all' | 'any')) {
          const met = required.filter((r) => plain.includes(r) && isValidScope(r));
          expect(mode === 'all' ? met.length === required.length : met.length > 0).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('validateScopes returns issues (never throws) for any input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(Array.isArray(validateScopes(input as string[], undefined, '/scopes'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('CIDR matcher', () => {
  it('validateCidrs and normalizeIp never throw; a matcher never throws for any client string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.array(adversarialString, { maxLength: 4 })), adversarialString, (list, ip) => {
        const issues = validateCidrs(list);
        expect(Array.isArray(issues)).toBe(true);
        expect(normalizeIp(ip) === undefined || typeof normalizeIp(ip) === 'string').toBe(true);
        if (issues.length === 0 && Array.isArray(list) && list.length > 0) {
          const match = createIpMatcher(list as string[]);
          expect(typeof match(ip)).toBe('boolean');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('an allowlist of one IPv4 /24 admits no address outside it, in any spelling (mapped IPv6, hex, octal, padded)', () => {
    const match = createIpMatcher(['203.0.113.0/24']);
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const inside = ip.startsWith('203.0.113.');
        const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
        const spellings = [
          ip,
          `::ffff:${ip}`,
          `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`,
          `0:0:0:0:0:ffff:${ip}`,
          ip.split('.').map((n) => `0${n}`).join('.'),
          String(((a << 24) | (b << 16) | (c << 8) | d) >>> 0),
          `0x${(((a << 24) | (b << 16) | (c << 8) | d) >>> 0).toString(16)}`,
          ` ${ip}`,
        ];
        for (const s of spellings.slice(0, 4)) expect(match(s), s).toBe(inside);
        // Octal-looking, bare-integer, hex and padded spellings are not addresses: never admitted.
        for (const s of spellings.slice(4)) expect(match(s), s).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('key names and config validation', () => {
  it('normalizeKeyName never throws and every accepted name is 1..32 code points, NFC, trimmed, without invisible or bidi characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.string({ unit: 'binary', maxLength: 50 })), (value) => {
        const result = normalizeKeyName(value);
        if ('name' in result) {
          const n = result.name;
          expect([...n].length).toBeGreaterThanOrEqual(1);
          expect([...n].length).toBeLessThanOrEqual(32);
          expect(n).toBe(n.normalize('NFC').trim());
          expect(n).not.toMatch(/[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('resolveConfig either accepts or throws ConfigError naming a field, for any value', () => {
    const field = fc.constantFrom(
      'enabled', 'keyExpirationTime', 'tokenType', 'rotationInterval', 'rotationGracePeriod', 'secretLength', 'storeSecretsServerSide', 'masterKeys',
      'allowedIpRange', 'auditLevel', 'rateLimitThreshold', 'hasher', 'pepper', 'argon2', 'environments', 'defaultEnvironment', 'scopes', 'roles',
      'jwt', 'cache', 'failedVerificationLimit', 'usageFlushInterval', '__proto__', 'constructor',
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.dictionary(field, fc.anything(), { maxKeys: 4 })), (config) => {
        try {
          resolveConfig(config as never);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1500 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('KeyManager.create rejects random bodies with a ValidationError, never another error', async () => {
    const manager = new KeyManager({ config: { hasher: 'sha256' }, logger: quiet });
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('name', 'scopes', 'ipAllowlist', 'expiresAt', 'expiresIn', 'metadata', 'rateLimit', 'environment', '__proto__'), fc.anything())), async (body) => {
          try {
            await manager.create({ id: 'u', tenantId: 't', role: 'admin' }, body as never);
          } catch (error) {
            expect(error).toBeInstanceOf(KeygateError);
            expect(['VALIDATION_FAILED', 'CONFIG_INVALID']).toContain((error as KeygateError).code);
          }
        }),
        { numRuns: 500 },
      );
    } finally {
      await manager.close();
    }
  });
});
