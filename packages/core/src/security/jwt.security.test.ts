/**
 * JWT-mode keys attacked end to end, through the API-key guard on a real
 * loopback server: every forgery and every dead token is a 401, and only
 * the issued, live token passes. (The codec's own unit tests are in
 * jwt.test.ts; these go through verify, the cache and the HTTP layer.)
 */
import { createHmac } from 'node:crypto';
import { SignJWT, decodeJwt, exportPKCS8, exportSPKI, generateKeyPair, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManager } from '../manager.js';
import { BASE, call, dumpableStorage, listen, nodeApp, type LoopbackServer } from './harness.js';

const quiet = { warn: () => undefined, error: () => undefined };
const ADMIN = { id: 'u-admin', tenantId: 'acme', role: 'admin' };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT keys through requireApiKey', () => {
  let manager: KeyManager;
  let server: LoopbackServer;
  let privatePem: string;
  let publicPem: string;
  let privateKey: CryptoKey;
  let token: string;
  let claims: JWTPayload;
  const clock = { t: Date.now(), now() {
    return this.t;
  } };

  const get = (presented: string, header = 'authorization') =>
    call(server.url, 'GET', '/host/ok', { headers: { [header]: header === 'authorization' ? `Bearer ${presented}` : presented } });

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    privatePem = await exportPKCS8(pair.privateKey);
    publicPem = await exportSPKI(pair.publicKey);
    manager = new KeyManager({
      storage: dumpableStorage(),
      clock,
      logger: quiet,
      config: { tokenType: 'jwt', jwt: { algorithm: 'ES256', privateKey: privatePem, publicKey: publicPem, kid: 'k1', issuer: 'https://keygate.test' }, rateLimitThreshold: null, cache: { ttl: 0 } },
    });
    server = await listen(nodeApp(manager));
    ({ secret: token } = await manager.create(ADMIN, { name: 'jwt key', scopes: ['orders:read'] }));
    claims = decodeJwt(token);
  });
  afterAll(async () => {
    await server.close();
    await manager.close();
  });

  const forge = (payload: JWTPayload, header: Record<string, unknown>, key: CryptoKey | Uint8Array) =>
    new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);

  it('accepts the issued token', async () => {
    const reply = await get(token);
    expect(reply.status).toBe(200);
    expect(reply.json.keyId).toBe(claims.jti);
  });

  it('alg "none" (unsigned), in any spelling → 401', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const unsigned = `${b64({ alg, typ: 'JWT', kid: 'k1' })}.${b64(claims)}.`;
      expect((await get(unsigned)).status, alg).toBe(401);
      expect((await get(`${unsigned}${token.split('.')[2]}`)).status, `${alg} with the old signature`).toBe(401);
    }
  });

  it('HS256 signed with the public key as the HMAC secret (algorithm confusion) → 401', async () => {
    for (const secret of [publicPem, publicPem.trim(), Buffer.from(publicPem).toString('base64')]) {
      const header = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
      const body = b64(claims);
      const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
      expect((await get(`${header}.${body}.${sig}`)).status).toBe(401);
    }
  });

  it('wrong or missing kid, another key pair with the right kid, a foreign issuer → 401', async () => {
    expect((await get(await forge(claims, { alg: 'ES256', typ: 'JWT', kid: 'k2' }, privateKey))).status).toBe(401);
    expect((await get(await forge(claims, { alg: 'ES256', typ: 'JWT' }, privateKey))).status).toBe(401);
    const other = await generateKeyPair('ES256');
    expect((await get(await forge(claims, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, other.privateKey))).status).toBe(401);
    expect((await get(await forge({ ...claims, iss: 'https://evil.test' }, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, privateKey))).status).toBe(401);
  });

  it('tampered payload (scope, tenant, jti) with the original signature → 401', async () => {
    const [header, , signature] = token.split('.');
    for (const change of [{ scope: 'orders:read orders:write *' }, { tid: 'globex' }, { jti: 'AAAAAAAAAAAAAAAA' }, { exp: Math.floor(clock.t / 1000) + 10 ** 9 }]) {
      expect((await get(`${header}.${b64({ ...claims, ...change })}.${signature}`)).status, JSON.stringify(change)).toBe(401);
    }
    // One flipped character of the signature.
    const flipped = signature!.slice(0, 10) + (signature![10] === 'A' ? 'B' : 'A') + signature!.slice(11);
    expect((await get(`${header}.${token.split('.')[1]}.${flipped}`)).status).toBe(401);
  });

  it('a validly signed token whose jti was never issued → 401 (signature alone is not enough)', async () => {
    const minted = await forge({ ...claims, jti: 'NeverIssued00000' }, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, privateKey);
    expect((await get(minted)).status).toBe(401);
  });

  it('not yet valid (nbf or iat in the future) → 401', async () => {
    const future = Math.floor(clock.t / 1000) + 3600;
    expect((await get(await forge({ ...claims, nbf: future }, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, privateKey))).status).toBe(401);
  });

  it('expired → 401 API_KEY_EXPIRED, also once the clock passes exp of an issued token', async () => {
    const past = Math.floor(clock.t / 1000) - 3600;
    const stale = await forge({ ...claims, exp: past, iat: past - 60 }, { alg: 'ES256', typ: 'JWT', kid: 'k1' }, privateKey);
    expect((await get(stale)).status).toBe(401);
    const { secret: shortLived } = await manager.create(ADMIN, { name: 'short', expiresIn: '1h' });
    expect((await get(shortLived)).status).toBe(200);
    const saved = clock.t;
    clock.t += 2 * 3600 * 1000;
    try {
      const reply = await get(shortLived);
      expect(reply.status).toBe(401);
      expect(reply.json.code).toBe('API_KEY_EXPIRED');
    } finally {
      clock.t = saved;
    }
  });

  it('a revoked or deleted token (its jti) → 401, through both headers, also after it was cached', async () => {
    const cached = new KeyManager({
      storage: manager.storage,
      logger: quiet,
      config: { tokenType: 'jwt', jwt: { algorithm: 'ES256', privateKey: privatePem, publicKey: publicPem, kid: 'k1', issuer: 'https://keygate.test' }, rateLimitThreshold: null },
    });
    const cachedServer = await listen(nodeApp(cached));
    try {
      const revokedIssue = await cached.create(ADMIN, { name: 'to revoke' });
      const deletedIssue = await cached.create(ADMIN, { name: 'to delete' });
      for (const t of [revokedIssue.secret, deletedIssue.secret]) {
        expect((await call(cachedServer.url, 'GET', '/host/ok', { headers: { authorization: `Bearer ${t}` } })).status).toBe(200);
      }
      const admin = 'u-admin:acme:admin';
      expect((await call(cachedServer.url, 'POST', `${BASE}/${revokedIssue.key.id}/revoke`, { actor: admin })).status).toBe(200);
      expect((await call(cachedServer.url, 'DELETE', `${BASE}/${deletedIssue.key.id}`, { actor: admin })).status).toBe(204);
      for (const t of [revokedIssue.secret, deletedIssue.secret]) {
        for (const headers of [{ authorization: `Bearer ${t}` }, { 'x-api-key': t }] as Record<string, string>[]) {
          const reply = await call(cachedServer.url, 'GET', '/host/ok', { headers });
          expect(reply.status).toBe(401);
          expect(['API_KEY_REVOKED', 'INVALID_API_KEY']).toContain(reply.json.code);
        }
      }
      // The other instance (no cache) sees the same.
      expect((await get(revokedIssue.secret)).status).toBe(401);
      expect((await get(deletedIssue.secret)).status).toBe(401);
    } finally {
      await cachedServer.close();
      await cached.close();
    }
  });

  it('a rotated token: the old one is refused at once without a grace period', async () => {
    const issued = await manager.create(ADMIN, { name: 'rotate me' });
    const rotated = await manager.rotate(ADMIN, issued.key.id, { gracePeriod: 0 });
    expect((await get(issued.secret)).status).toBe(401);
    expect((await get(rotated.secret)).status).toBe(200);
  });

  it('oversized, truncated and garbage tokens → 401', async () => {
    const [h, p, s] = token.split('.');
    for (const bad of [`${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}..${s}`, `.${p}.${s}`, `${token}${'A'.repeat(9000)}`, `${h}.${'A'.repeat(9000)}.${s}`, 'a.b.c', `${h}.${p}.${s}=`]) {
      expect((await get(bad)).status).toBe(401);
    }
  });
});
