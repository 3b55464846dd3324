/**
 * The example hosts over HTTP, without a browser, for the Express and the
 * Koa app alike (in-process, memory storage): sign-in and sessions, roles,
 * workspaces, the CSRF check, the host's API behind scopes, and the attacks
 * the host stops. Plus: keys survive a restart on the SQLite default, and
 * the same app runs on PostgreSQL and Redis.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireService, uniqueTestName } from '@keygate/core/testing';
import { DemoHost, readSettings, UserDirectory, type Env } from '@keygate/example-shared';
import { APPS, type ExampleApp } from './test-support.js';

const KEYS = '/api/v1/platform/api-keys';
const PASSWORD = 'test-password';

interface Served {
  host: DemoHost;
  base: string;
  close(): Promise<void>;
}

// Seeded once: hashing the demo passwords is the slow part of starting a host.
const users = UserDirectory.seeded(PASSWORD);

async function serve(app: ExampleApp, env: Env): Promise<Served> {
  const host = await DemoHost.start(readSettings(app.name, `${app.name}-test`, { DEMO_PASSWORD: PASSWORD, ...env }), await users);
  const server: Server = createServer(app.listener(host));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    base,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await host.close();
    },
  };
}

/** A signed-in browser, as far as the API cares: its cookie and the page's CSRF token. */
interface Browser {
  cookie: string;
  csrf: string;
}

async function signIn(base: string, email: string, password = PASSWORD): Promise<Browser> {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }),
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${base}/settings/api-keys`, { headers: { cookie } })).text();
  const csrf = /x-csrf-token&quot;:&quot;([^&]+)&quot;/.exec(page)![1]!;
  return { cookie, csrf };
}

function api(base: string, who: Browser | undefined, method: string, url: string, body?: unknown, csrf = true): Promise<Response> {
  const headers: Record<string, string> = {};
  if (who) headers['cookie'] = who.cookie;
  if (who && csrf) headers['x-csrf-token'] = who.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${base}${url}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function createKey(base: string, who: Browser, scopes: string[], name = 'test key'): Promise<{ id: string; secret: string }> {
  const res = await api(base, who, 'POST', KEYS, { name, scopes });
  expect(res.status).toBe(201);
  const { key, secret } = (await res.json()) as { key: { id: string }; secret: string };
  return { id: key.id, secret };
}

describe.each(APPS)('$name example over HTTP', (app) => {
  let s: Served;
  let admin: Browser;

  beforeAll(async () => {
    s = await serve(app, { STORAGE_URL: 'memory://' });
    admin = await signIn(s.base, 'admin@acme.test');
  });
  afterAll(() => s.close());

  it('serves the landing page with the curl command and safe headers', async () => {
    const res = await fetch(`${s.base}/`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(`curl -s &quot;${s.base}/api/weather?city=Paris&quot;`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('does not reflect a forged Host header into the page', async () => {
    const { request } = await import('node:http');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${s.base}/`, { headers: { host: '"><script>alert(1)</script>' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).not.toContain('<script>alert(1)');
    expect(body).toContain('http://localhost/api/weather');
  });

  it('sends visitors to sign in before the settings page', async () => {
    const res = await fetch(`${s.base}/settings/api-keys`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fsettings%2Fapi-keys');
  });

  it('signs in with a signed, HttpOnly, SameSite=Lax cookie and embeds <api-key-manager>', async () => {
    const res = await fetch(`${s.base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'ADMIN@acme.test ', password: PASSWORD, next: '/settings/api-keys' }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/settings/api-keys');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^demo_session=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const page = await (await fetch(`${s.base}/settings/api-keys`, { headers: { cookie: cookie.split(';')[0]! } })).text();
    expect(page).toContain('<api-key-manager');
    expect(page).toContain('/assets/keygate-ui/api-key-manager.js');
  });

  it('refuses a wrong password or an unknown user with 401 and no cookie', async () => {
    for (const [email, password] of [['admin@acme.test', 'wrong'], ['nobody@acme.test', PASSWORD]] as const) {
      const res = await fetch(`${s.base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email, password }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toContain('Wrong email or password.');
    }
  });

  it('never redirects off-site after sign-in', async () => {
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const res = await fetch(`${s.base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: 'dev@acme.test', password: PASSWORD, next }),
      });
      expect(res.headers.get('location')).toBe('/settings/api-keys');
    }
  });

  it('treats a tampered or foreign session cookie as signed out', async () => {
    const [name, value] = admin.cookie.split('=') as [string, string];
    const [id, signature] = value.split('.') as [string, string];
    const forged = [`${name}=${id}.${signature.slice(0, -2)}AA`, `${name}=${id}`, `${name}=x.${signature}`];
    for (const cookie of forged) {
      const res = await fetch(`${s.base}${KEYS}`, { headers: { cookie } });
      expect(res.status).toBe(401);
    }
  });

  it('needs the CSRF token for changes made with the session cookie', async () => {
    const missing = await api(s.base, admin, 'POST', KEYS, { name: 'no token', scopes: [] }, false);
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { code: string }).code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await fetch(`${s.base}${KEYS}`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': 'x'.repeat(admin.csrf.length), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'wrong token' }),
    });
    expect(wrong.status).toBe(403);
    expect((await api(s.base, admin, 'GET', KEYS)).status).toBe(200);
  });

  it('lets roles do what keygate allows them: developer and viewer read, only admins change', async () => {
    const { id } = await createKey(s.base, admin, ['weather:read'], 'role check');
    for (const email of ['dev@acme.test', 'viewer@acme.test']) {
      const user = await signIn(s.base, email);
      expect((await api(s.base, user, 'GET', KEYS)).status).toBe(200);
      const create = await api(s.base, user, 'POST', KEYS, { name: 'not allowed' });
      expect(create.status).toBe(403);
      expect((await api(s.base, user, 'DELETE', `${KEYS}/${id}`)).status).toBe(403);
    }
    const dev = await signIn(s.base, 'dev@acme.test');
    const viewer = await signIn(s.base, 'viewer@acme.test');
    expect((await api(s.base, dev, 'GET', `${KEYS}/audit`)).status).toBe(200);
    expect((await api(s.base, viewer, 'GET', `${KEYS}/audit`)).status).toBe(403);
    const root = await signIn(s.base, 'root@acme.test');
    expect((await api(s.base, root, 'POST', `${KEYS}/${id}/revoke`)).status).toBe(200);
  });

  it("keeps workspaces apart: another workspace's admin cannot see or touch the key", async () => {
    const { id, secret } = await createKey(s.base, admin, ['notes:write', 'notes:read'], 'acme notes');
    const globex = await signIn(s.base, 'admin@globex.test');
    expect((await api(s.base, globex, 'GET', `${KEYS}/${id}`)).status).toBe(404);
    expect((await api(s.base, globex, 'DELETE', `${KEYS}/${id}`)).status).toBe(404);
    const list = (await (await api(s.base, globex, 'GET', KEYS)).json()) as { items: { id: string }[] };
    expect(list.items.map((k) => k.id)).not.toContain(id);
    // Notes written with an acme key land in acme only.
    const globexKey = await createKey(s.base, globex, ['notes:read'], 'globex notes');
    await fetch(`${s.base}/api/notes`, { method: 'POST', headers: { 'x-api-key': secret, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'acme only' }) });
    const globexNotes = (await (await fetch(`${s.base}/api/notes`, { headers: { 'x-api-key': globexKey.secret } })).json()) as { items: unknown[] };
    expect(globexNotes.items).toEqual([]);
  });

  it('protects the API with keys and scopes', async () => {
    const weather = await createKey(s.base, admin, ['weather:read'], 'weather only');
    const url = `${s.base}/api/weather?city=Tokyo`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(url, { headers: { authorization: 'Bearer sk_test_not_a_real_key' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Bearer ${weather.secret}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('ratelimit-policy')).toBe('60;w=60');
    const forecast = (await ok.json()) as { city: string; days: unknown[] };
    expect(forecast).toMatchObject({ city: 'Tokyo' });
    expect(forecast.days).toHaveLength(3);
    const noScope = await fetch(`${s.base}/api/notes`, { method: 'POST', headers: { 'x-api-key': weather.secret, 'content-type': 'application/json' }, body: '{"text":"x"}' });
    expect(noScope.status).toBe(403);
    expect(((await noScope.json()) as { missingScopes: string[] }).missingScopes).toEqual(['notes:write']);
    // A browser session is not an API credential.
    expect((await fetch(url, { headers: { cookie: admin.cookie } })).status).toBe(401);
  });

  it('answers bad input to its own API with problem+json', async () => {
    const { secret } = await createKey(s.base, admin, ['weather:read', 'notes:write', 'notes:read'], 'input checks');
    const headers = { authorization: `Bearer ${secret}` };
    expect((await fetch(`${s.base}/api/weather`, { headers })).status).toBe(422);
    expect((await fetch(`${s.base}/api/weather?city=Atlantis`, { headers })).status).toBe(404);
    expect((await fetch(`${s.base}/api/weather?city=sao%20paulo`, { headers })).status).toBe(200);
    const post = (body: string, type = 'application/json') => fetch(`${s.base}/api/notes`, { method: 'POST', headers: { ...headers, 'content-type': type }, body });
    expect((await post('{"text":"hi"}', 'text/plain')).status).toBe(415);
    expect((await post('{"text":')).status).toBe(400);
    expect((await post('{"text":"   "}')).status).toBe(422);
    expect((await post(JSON.stringify({ text: 'x'.repeat(501) }))).status).toBe(422);
    expect((await post(JSON.stringify({ text: 'x'.repeat(20_000) }))).status).toBe(413);
    const created = await post('{"text":"Umbrella tomorrow"}');
    expect(created.status).toBe(201);
    const notes = (await (await fetch(`${s.base}/api/notes`, { headers })).json()) as { items: { text: string; author: string }[] };
    expect(notes.items[0]).toMatchObject({ text: 'Umbrella tomorrow', author: 'input checks' });
  });

  it('serves the UI bundle and nothing outside it', async () => {
    const bundle = await fetch(`${s.base}/assets/keygate-ui/api-key-manager.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('text/javascript');
    for (const p of ['..%2F..%2Fpackage.json', '..%2fsrc%2findex.ts', '%2e%2e/%2e%2e/%2e%2e/package.json', 'nope.js']) {
      expect((await fetch(`${s.base}/assets/keygate-ui/${p}`)).status).toBe(404);
    }
  });

  it('signs out: the old cookie no longer acts for the user', async () => {
    const user = await signIn(s.base, 'dev@acme.test');
    const out = await fetch(`${s.base}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: user.cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await api(s.base, user, 'GET', KEYS)).status).toBe(401);
  });
});

describe('keys survive a restart on the default SQLite storage', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skycast-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(APPS)('$name', async (app) => {
    const env = { STORAGE_URL: `sqlite://${path.join(dir, `${app.name}.sqlite`)}` };
    const first = await serve(app, env);
    const { secret, id } = await createKey(first.base, await signIn(first.base, 'admin@acme.test'), ['weather:read'], 'kept');
    await first.close();
    const second = await serve(app, env);
    try {
      expect((await fetch(`${second.base}/api/weather?city=Paris`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
      const detail = await api(second.base, await signIn(second.base, 'admin@acme.test'), 'GET', `${KEYS}/${id}`);
      expect(detail.status).toBe(200);
    } finally {
      await second.close();
    }
  });
});

const postgres = await requireService('postgres');
const redis = await requireService('redis');

describe.skipIf(!postgres.available || !redis.available)('the same app on PostgreSQL and Redis', () => {
  it.each(APPS)('$name', async (app) => {
    const schema = uniqueTestName('skycast');
    const s = await serve(app, { DATABASE_URL: postgres.url, REDIS_URL: redis.url, KEYGATE_PG_SCHEMA: schema });
    try {
      expect(s.host.storageLabel).toMatch(/^PostgreSQL /);
      const admin = await signIn(s.base, 'admin@acme.test');
      const { secret } = await createKey(s.base, admin, ['weather:read'], 'on postgres');
      const res = await fetch(`${s.base}/api/weather?city=Lagos`, { headers: { authorization: `Bearer ${secret}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('60;w=60');
    } finally {
      await s.close();
      // pg is core's (optional peer) dependency, not the example's.
      const pg = createRequire(fileURLToPath(new URL('../../packages/core/package.json', import.meta.url)))('pg') as {
        Client: new (options: { connectionString: string }) => { connect(): Promise<unknown>; query(sql: string): Promise<unknown>; end(): Promise<void> };
      };
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });
});
