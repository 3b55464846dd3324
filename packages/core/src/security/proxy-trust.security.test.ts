/**
 * Proxy trust: a client that forges `X-Forwarded-For` or `Forwarded` cannot
 * get past an IP allowlist (a key's own or the global `allowedIpRange`), nor
 * earn extra requests from a key's rate limit, under Express (`trust proxy`
 * off, and on with one specific trusted hop) and Koa (`app.proxy` off, and
 * on with `maxIpsCount: 1`). IPv4-mapped IPv6 spellings do not help either.
 *
 * The requests come from 127.0.0.1; the tests play both the client and the
 * trusted proxy in front of the app (which appends the address it saw).
 */
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManager } from '../manager.js';
import { call, listen, nodeApp, type LoopbackServer } from './harness.js';

const fixture = new URL('../../test-fixtures/adapters.ts', import.meta.url).href;
const { expressApp, koaApp } = (await import(/* @vite-ignore */ fixture)) as {
  expressApp: (manager: KeyManager, options?: { trustProxy?: unknown }) => RequestListener;
  koaApp: (manager: KeyManager, options?: { proxy?: boolean; maxIpsCount?: number }) => RequestListener;
};

const quiet = { warn: () => undefined, error: () => undefined };
const ADMIN = { id: 'u', tenantId: 't', role: 'admin' };
const ALLOWED = '203.0.113.0/24';
const SPOOFS: Record<string, string>[] = [
  { 'x-forwarded-for': '203.0.113.5' },
  { 'x-forwarded-for': '203.0.113.5, 203.0.113.6' },
  { 'x-forwarded-for': '::ffff:203.0.113.5' },
  { 'x-forwarded-for': '::ffff:cb00:7105' },
  { 'x-real-ip': '203.0.113.5' },
  { 'x-client-ip': '203.0.113.5' },
  { 'cf-connecting-ip': '203.0.113.5' },
  { 'true-client-ip': '203.0.113.5' },
  { forwarded: 'for=203.0.113.5' },
  { forwarded: 'for="[::ffff:203.0.113.5]"' },
];

interface Setup {
  name: string;
  app: (m: KeyManager) => RequestListener;
  /** Whether a proxy on 127.0.0.1 is trusted to append the client address to X-Forwarded-For. */
  trustsLoopbackProxy: boolean;
}

const SETUPS: Setup[] = [
  { name: 'node:http (socket address)', app: (m) => nodeApp(m), trustsLoopbackProxy: false },
  { name: "Express, trust proxy off", app: (m) => expressApp(m, { trustProxy: false }), trustsLoopbackProxy: false },
  { name: "Express, trust proxy '127.0.0.1' (one specific hop)", app: (m) => expressApp(m, { trustProxy: '127.0.0.1' }), trustsLoopbackProxy: true },
  { name: 'Express, trust proxy 1 (one hop)', app: (m) => expressApp(m, { trustProxy: 1 }), trustsLoopbackProxy: true },
  { name: 'Koa, app.proxy false', app: (m) => koaApp(m, { proxy: false }), trustsLoopbackProxy: false },
  { name: 'Koa, app.proxy true, maxIpsCount 1', app: (m) => koaApp(m, { proxy: true, maxIpsCount: 1 }), trustsLoopbackProxy: true },
];

describe.each(SETUPS)('proxy trust: $name', (setup) => {
  let manager: KeyManager;
  let globalManager: KeyManager;
  let server: LoopbackServer;
  let globalServer: LoopbackServer;
  let allowlisted: string;
  let anyIp: string;

  beforeAll(async () => {
    manager = new KeyManager({ config: { hasher: 'sha256', rateLimitThreshold: { limit: 5, windowSeconds: 3600 } }, logger: quiet });
    globalManager = new KeyManager({ config: { hasher: 'sha256', allowedIpRange: [ALLOWED], rateLimitThreshold: null }, logger: quiet });
    server = await listen(setup.app(manager));
    globalServer = await listen(setup.app(globalManager));
    allowlisted = (await manager.create(ADMIN, { name: 'allowlisted', ipAllowlist: [ALLOWED] })).secret;
    anyIp = (await globalManager.create(ADMIN, { name: 'global range' })).secret;
  });
  afterAll(async () => {
    await server.close();
    await globalServer.close();
    await manager.close();
    await globalManager.close();
  });

  it('forged client-address headers do not pass a key allowlist or the global allowedIpRange', async () => {
    for (const spoof of SPOOFS) {
      // Without a trusted proxy the socket (127.0.0.1) is the client; with one, the proxy appends 127.0.0.1's view of the client.
      const headers = setup.trustsLoopbackProxy && spoof['x-forwarded-for'] ? { ...spoof, 'x-forwarded-for': `${spoof['x-forwarded-for']}, 198.51.100.7` } : spoof;
      const keyReply = await call(server.url, 'GET', '/host/ok', { headers: { ...headers, authorization: `Bearer ${allowlisted}` } });
      expect(keyReply.status, JSON.stringify(headers)).toBe(403);
      expect(keyReply.json.code).toBe('IP_NOT_ALLOWED');
      const globalReply = await call(globalServer.url, 'GET', '/host/ok', { headers: { ...headers, authorization: `Bearer ${anyIp}` } });
      expect(globalReply.status, JSON.stringify(headers)).toBe(403);
    }
  });

  // Only setups that trust the loopback proxy have an appended address to honour.
  if (setup.trustsLoopbackProxy) {
    it('honours the address the trusted proxy appended, in every spelling of it', async () => {
      for (const real of ['203.0.113.5', '::ffff:203.0.113.5']) {
        const reply = await call(server.url, 'GET', '/host/ok', { headers: { 'x-forwarded-for': `10.6.6.6, ${real}`, authorization: `Bearer ${allowlisted}` } });
        expect(reply.status, real).toBe(200);
      }
      for (const real of ['198.51.100.7', '::ffff:198.51.100.7', '::ffff:c633:6407', '203.0.114.5']) {
        const reply = await call(server.url, 'GET', '/host/ok', { headers: { 'x-forwarded-for': `203.0.113.5, ${real}`, authorization: `Bearer ${allowlisted}` } });
        expect(reply.status, real).toBe(403);
      }
    });
  }

  it('rotating forged addresses earns no extra requests: the limit is per key, not per address', async () => {
    const limited = (await manager.create(ADMIN, { name: 'limited' })).secret;
    let admitted = 0;
    for (let i = 0; i < 20; i++) {
      const reply = await call(server.url, 'GET', '/host/ok', { headers: { 'x-forwarded-for': `192.0.2.${i}`, forwarded: `for=192.0.2.${i}`, authorization: `Bearer ${limited}` } });
      if (reply.status === 200) admitted++;
      else expect(reply.status).toBe(429);
    }
    expect(admitted).toBe(5);
  });
});

describe('proxy trust: the misconfiguration to avoid', () => {
  it("Express 'trust proxy' true trusts the client's own left-most X-Forwarded-For entry: documented as unsafe", async () => {
    const manager = new KeyManager({ config: { hasher: 'sha256', rateLimitThreshold: null }, logger: quiet });
    const server = await listen(expressApp(manager, { trustProxy: true }));
    try {
      const { secret } = await manager.create(ADMIN, { name: 'k', ipAllowlist: [ALLOWED] });
      const reply = await call(server.url, 'GET', '/host/ok', { headers: { 'x-forwarded-for': '203.0.113.5, 198.51.100.7', authorization: `Bearer ${secret}` } });
      // Not keygate's decision: the host told Express every hop is trusted. docs/security.md says to name the proxy instead.
      expect(reply.status).toBe(200);
      expect(reply.json.ip).toBe('203.0.113.5');
    } finally {
      await server.close();
      await manager.close();
    }
  });
});
