import { beforeAll, describe, it, expect } from 'vitest';
import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import type { JWTPayload } from 'jose';
import { isKeygateError } from './errors.js';
import type { JwtConfig } from './config-types.js';
import { MAX_JWT_LENGTH, createJwtCodec, looksLikeJwt } from './jwt.js';
import type { JwtCodec, JwtSignClaims } from './jwt.js';

const KEY_ID = 'AbCdEfGh01234567';
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const YEAR_MS = 365.25 * 24 * 3600 * 1000;

const claims = (over: Partial<JwtSignClaims> = {}): JwtSignClaims => ({
  keyId: KEY_ID,
  subject: 'user_1',
  tenantId: 'tenant_1',
  environment: 'live',
  scopes: ['orders:read', 'orders:write'],
  expiresAt: null,
  ...over,
});

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function fixedClock(start = NOW): { now: () => number; set: (t: number) => void } {
  let t = start;
  return { now: () => t, set: (next) => (t = next) };
}

async function pemPair(alg: 'ES256' | 'RS256' | 'EdDSA'): Promise<{ privateKey: string; publicKey: string }> {
  const pair = await generateKeyPair(alg, { extractable: true });
  return { privateKey: await exportPKCS8(pair.privateKey), publicKey: await exportSPKI(pair.publicKey) };
}

async function expectConfigError(promise: Promise<unknown>, notContaining?: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isKeygateError(caught, 'CONFIG_INVALID')).toBe(true);
  if (notContaining !== undefined) expect(JSON.stringify({ m: (caught as Error).message, i: (caught as { issues: unknown }).issues })).not.toContain(notContaining);
}

/** Signs an arbitrary payload with the given key, bypassing the codec (an attacker or a foreign issuer). */
async function forge(
  payload: JWTPayload,
  header: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

let es: { privateKey: string; publicKey: string };
let rs: { privateKey: string; publicKey: string };
let esConfig: JwtConfig;

beforeAll(async () => {
  [es, rs] = await Promise.all([pemPair('ES256'), pemPair('RS256')]);
  esConfig = { algorithm: 'ES256', privateKey: es.privateKey, publicKey: es.publicKey, kid: 'k1' };
});

describe('createJwtCodec: round trip', () => {
  it('signs the documented header and claims and verifies them', async () => {
    const codec = await createJwtCodec({ ...esConfig, issuer: 'https://keygate.test', audience: 'api' }, { clock: fixedClock() });
    const expiresAt = NOW + 30 * 24 * 3600 * 1000;
    const token = await codec.sign(claims({ expiresAt }));
    expect(looksLikeJwt(token)).toBe(true);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'k1' });
    expect(decodeJwt(token)).toEqual({
      jti: KEY_ID,
      sub: 'user_1',
      scope: 'orders:read orders:write',
      tid: 'tenant_1',
      env: 'live',
      iat: NOW / 1000,
      exp: expiresAt / 1000,
      iss: 'https://keygate.test',
      aud: 'api',
      nonce: expect.stringMatching(/^[0-9A-Za-z]{16}$/),
    });
    expect(await codec.verify(token)).toEqual({ ok: true, keyId: KEY_ID, tenantId: 'tenant_1', exp: expiresAt });
  });

  it('never issues the same token twice for the same claims and time', async () => {
    const codec = await createJwtCodec({ algorithm: 'HS256', privateKey: 'x'.repeat(32) }, { clock: fixedClock() });
    expect(await codec.sign(claims())).not.toBe(await codec.sign(claims()));
  });

  it('gives a key that never expires an exp ~100 years ahead', async () => {
    const codec = await createJwtCodec(esConfig, { clock: fixedClock() });
    const outcome = await codec.verify(await codec.sign(claims({ expiresAt: null })));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.exp).toBeGreaterThan(NOW + 99.9 * YEAR_MS);
      expect(outcome.exp).toBeLessThan(NOW + 100.1 * YEAR_MS);
    }
  });

  it('omits sub, kid, iss and aud when not given', async () => {
    const codec = await createJwtCodec({ algorithm: 'ES256', privateKey: es.privateKey });
    const token = await codec.sign(claims({ subject: undefined }));
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT' });
    const payload = decodeJwt(token);
    expect(payload.sub).toBeUndefined();
    expect(payload.iss).toBeUndefined();
    expect(payload.aud).toBeUndefined();
    expect((await codec.verify(token)).ok).toBe(true);
  });

  it('works with RS256, EdDSA, HS256 and JWK key material', async () => {
    const ed = await pemPair('EdDSA');
    const pair = await generateKeyPair('ES256', { extractable: true });
    const configs: JwtConfig[] = [
      { algorithm: 'RS256', privateKey: rs.privateKey, publicKey: rs.publicKey },
      { algorithm: 'PS256', privateKey: rs.privateKey },
      { algorithm: 'EdDSA', privateKey: ed.privateKey, publicKey: ed.publicKey },
      { algorithm: 'HS256', privateKey: 'a-shared-secret-of-at-least-32-bytes!' },
      { algorithm: 'HS512', privateKey: { kty: 'oct', k: Buffer.alloc(64, 7).toString('base64url') } },
      {
        algorithm: 'ES256',
        privateKey: { ...(await exportJWK(pair.privateKey)) },
        publicKey: { ...(await exportJWK(pair.publicKey)) },
      },
      { algorithm: 'ES256', privateKey: { ...(await exportJWK(pair.privateKey)) } },
    ];
    for (const config of configs) {
      const codec = await createJwtCodec(config);
      const outcome = await codec.verify(await codec.sign(claims()));
      expect(outcome, config.algorithm).toMatchObject({ ok: true, keyId: KEY_ID, tenantId: 'tenant_1' });
    }
  });
});

describe('createJwtCodec: attacks', () => {
  let codec: JwtCodec;
  let clock: ReturnType<typeof fixedClock>;
  let esPrivate: CryptoKey;

  beforeAll(async () => {
    clock = fixedClock();
    codec = await createJwtCodec(esConfig, { clock });
    const { importPKCS8 } = await import('jose');
    esPrivate = await importPKCS8(es.privateKey, 'ES256');
  });

  const validPayload = (): JWTPayload => ({
    jti: KEY_ID,
    tid: 'tenant_1',
    env: 'live',
    scope: 'orders:read',
    iat: NOW / 1000,
    exp: NOW / 1000 + 3600,
  });

  it('accepts a correctly forged control token (so the rejections below are meaningful)', async () => {
    const token = await forge(validPayload(), { alg: 'ES256', typ: 'JWT', kid: 'k1' }, esPrivate);
    expect((await codec.verify(token)).ok).toBe(true);
  });

  it('rejects alg: none, with or without a signature segment', async () => {
    const body = `${b64url({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${b64url(validPayload())}`;
    for (const token of [`${body}.`, `${body}.AAAA`, body]) {
      expect(await codec.verify(token)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
    }
    const noneCase = `${b64url({ alg: 'None', typ: 'JWT', kid: 'k1' })}.${b64url(validPayload())}.`;
    expect(await codec.verify(noneCase)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
  });

  it('rejects HS256 tokens signed with the public key PEM (algorithm confusion), for ES256 and RS256', async () => {
    const rsCodec = await createJwtCodec({ algorithm: 'RS256', privateKey: rs.privateKey, publicKey: rs.publicKey });
    const cases: Array<[JwtCodec, string, Record<string, unknown>]> = [
      [codec, es.publicKey, { alg: 'HS256', typ: 'JWT', kid: 'k1' }],
      [rsCodec, rs.publicKey, { alg: 'HS256', typ: 'JWT' }],
    ];
    for (const [target, publicPem, header] of cases) {
      for (const secret of [publicPem, publicPem.trim(), `${publicPem.trim()}\n`]) {
        const token = await forge(validPayload(), header, new TextEncoder().encode(secret));
        expect(await target.verify(token)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
      }
    }
  });

  it('rejects a wrong or missing kid', async () => {
    for (const header of [
      { alg: 'ES256', typ: 'JWT', kid: 'k2' },
      { alg: 'ES256', typ: 'JWT' },
    ]) {
      const token = await forge(validPayload(), header, esPrivate);
      expect(await codec.verify(token)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
    }
  });

  it('rejects another typ (tokens of other kinds signed with the same key)', async () => {
    const token = await forge(validPayload(), { alg: 'ES256', typ: 'at+jwt', kid: 'k1' }, esPrivate);
    expect((await codec.verify(token)).ok).toBe(false);
  });

  it('says EXPIRED for an expired token', async () => {
    const token = await codec.sign(claims({ expiresAt: NOW + 60_000 }));
    expect((await codec.verify(token)).ok).toBe(true);
    clock.set(NOW + 61_000);
    try {
      expect(await codec.verify(token)).toEqual({ ok: false, reason: 'EXPIRED' });
    } finally {
      clock.set(NOW);
    }
  });

  it('does not say EXPIRED for an expired forgery', async () => {
    const other = await generateKeyPair('ES256');
    const token = await forge({ ...validPayload(), exp: NOW / 1000 - 10 }, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, other.privateKey);
    expect(await codec.verify(token)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
  });

  it('rejects a token not yet valid (nbf in the future)', async () => {
    const token = await forge({ ...validPayload(), nbf: NOW / 1000 + 600 }, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, esPrivate);
    expect(await codec.verify(token)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
  });

  it('rejects a tampered payload (scope widened), keeping the original signature', async () => {
    const token = await codec.sign(claims({ scopes: ['orders:read'] }));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const widened = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), scope: '*' };
    expect(await codec.verify(`${header}.${b64url(widened)}.${signature}`)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
    const otherTenant = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), tid: 'tenant_2' };
    expect(await codec.verify(`${header}.${b64url(otherTenant)}.${signature}`)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
  });

  it('rejects a token signed by another private key', async () => {
    const other = await createJwtCodec({ ...esConfig, ...(await pemPair('ES256')) });
    expect(await codec.verify(await other.sign(claims()))).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
  });

  it('rejects a wrong issuer or audience', async () => {
    const strict = await createJwtCodec({ ...esConfig, issuer: 'iss-a', audience: 'aud-a' });
    for (const config of [
      { ...esConfig, issuer: 'iss-b', audience: 'aud-a' },
      { ...esConfig, issuer: 'iss-a', audience: 'aud-b' },
      esConfig,
    ]) {
      const token = await (await createJwtCodec(config)).sign(claims());
      expect(await strict.verify(token)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
    }
  });

  it('rejects validly signed tokens missing jti or tid, or with a malformed jti', async () => {
    const header = { alg: 'ES256', typ: 'JWT', kid: 'k1' };
    const { jti: _jti, ...noJti } = validPayload();
    const { tid: _tid, ...noTid } = validPayload();
    const { exp: _exp, ...noExp } = validPayload();
    for (const payload of [noJti, noTid, noExp, { ...validPayload(), jti: 'short' }, { ...validPayload(), tid: 42 }, { ...validPayload(), tid: '' }]) {
      const token = await forge(payload as JWTPayload, header, esPrivate);
      expect(await codec.verify(token), JSON.stringify(payload)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
    }
  });

  it('returns INVALID_FORMAT for garbage and huge inputs without throwing', async () => {
    const valid = await codec.sign(claims());
    const garbage: unknown[] = [
      undefined,
      null,
      42,
      {},
      '',
      '.',
      '..',
      'a.b.c',
      'eyJ.eyJ.eyJ',
      'eyJhbGciOiJFUzI1NiJ9.e30.',
      `${valid}.`,
      `${valid}\n`,
      ` ${valid}`,
      valid.replace('.', '..'),
      valid.slice(0, -1) + '+',
      valid.slice(0, -3),
      'é'.repeat(100),
      'a'.repeat(MAX_JWT_LENGTH + 1),
      `eyJ${'A'.repeat(5_000)}.${'B'.repeat(5_000)}.${'C'.repeat(100)}`,
      `${b64url('not an object')}.${b64url({})}.AAAA`,
      `${b64url({ alg: 'ES256', typ: 'JWT', kid: 'k1', crit: ['exp'] })}.${b64url({})}.AAAA`,
    ];
    for (const token of garbage) {
      expect(await codec.verify(token as string)).toEqual({ ok: false, reason: 'INVALID_FORMAT' });
    }
  });
});

describe('createJwtCodec: configuration', () => {
  it('refuses an HS secret shorter than 32 bytes, without echoing it', async () => {
    await expectConfigError(createJwtCodec({ algorithm: 'HS256', privateKey: 'short-secret-31-bytes-long-xxxx' }), 'short-secret');
    await expectConfigError(createJwtCodec({ algorithm: 'HS256', privateKey: { kty: 'oct', k: Buffer.alloc(16).toString('base64url') } }));
    await expect(createJwtCodec({ algorithm: 'HS256', privateKey: 'x'.repeat(32) })).resolves.toBeDefined();
  });

  it('refuses unreadable, mismatched or wrong-type key material, without echoing it', async () => {
    const other = await pemPair('ES256');
    await expectConfigError(createJwtCodec({ algorithm: 'ES256', privateKey: 'not a pem' }));
    await expectConfigError(createJwtCodec({ algorithm: 'ES256', privateKey: es.privateKey, publicKey: 'nope' }));
    await expectConfigError(createJwtCodec({ algorithm: 'ES256', privateKey: es.privateKey, publicKey: other.publicKey }), es.privateKey.slice(40, 80));
    await expectConfigError(createJwtCodec({ algorithm: 'ES256', privateKey: rs.privateKey }));
    await expectConfigError(createJwtCodec({ algorithm: 'RS256', privateKey: es.privateKey }));
    // A public key where the private key belongs.
    await expectConfigError(createJwtCodec({ algorithm: 'ES256', privateKey: es.publicKey }));
    await expectConfigError(createJwtCodec({ algorithm: 'none' as never, privateKey: 'x'.repeat(40) }));
    await expectConfigError(createJwtCodec({ algorithm: 'ES256', privateKey: es.privateKey, kid: '' }));
  });
});

describe('looksLikeJwt', () => {
  it('recognises JWT-shaped strings only', () => {
    expect(looksLikeJwt('eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.sig')).toBe(true);
    expect(looksLikeJwt('eyJ..')).toBe(true);
    for (const s of ['', 'eyJ', 'eyJa.b', 'eyJa.b.c.d', 'sk_live_0123456789abcdef_xxx', 'xeyJ.a.b', undefined, 42]) {
      expect(looksLikeJwt(s as string)).toBe(false);
    }
  });
});
