/**
 * The HTTP conformance suite: every adapter (Express, Koa, plain node:http)
 * must answer the management API and guard host routes exactly alike. It
 * talks plain `fetch` to a real server on 127.0.0.1.
 *
 * An adapter's test file supplies one factory that mounts, on a fresh app,
 * the management routes at `setup.basePath` with `setup.getActor`, and each
 * of `setup.hostRoutes` behind `requireApiKey`, then listens (see
 * {@link listenOnLoopback}).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeygateConfig } from '../config-types.js';
import type { ApiKey } from '../key-view.js';
import { KeyManager } from '../manager.js';
import type { Actor } from '../manager-types.js';
import { createMemoryStorage } from '../stores/memory-storage.js';
import type { Awaitable, KeygateStorage } from '../types.js';
import type { HttpHeaders } from '../http/types.js';

/** A host route the adapter must mount behind its `requireApiKey`. */
export interface ConformanceHostRoute {
  /** Absolute path, GET. */
  path: string;
  scopes?: string[];
  mode?: 'all' | 'any';
  /**
   * `ok`: answer 200 JSON `{ keyId, tenantId }` from the verified key
   * (`req.apiKey` / `ctx.state.apiKey`); `error`: answer 500 JSON
   * `{ error: 'boom' }`; `throw`: throw an Error and let the framework answer.
   */
  respond: 'ok' | 'error' | 'throw';
  /** `tags` option of `requireApiKey`: the usage tags the route's requests are counted under. */
  tags?: Readonly<Record<string, string>>;
}

/** What the suite hands the adapter's factory. */
export interface HttpConformanceSetup {
  manager: KeyManager;
  basePath: string;
  /** Who is calling, from the request's headers; wrap it into the adapter's `getActor(frameworkRequest)`. */
  actorFromHeaders: (headers: HttpHeaders) => Actor | undefined;
  /** Whether the app trusts X-Forwarded-For (express `trust proxy`, koa `app.proxy`, node: read it in `getIp`). */
  trustProxy: boolean;
  hostRoutes: readonly ConformanceHostRoute[];
}

/** A listening server. */
export interface HttpConformanceServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  close(): Awaitable<void>;
}

/** Listens on 127.0.0.1 with an ephemeral port. */
export async function listenOnLoopback(listener: RequestListener): Promise<HttpConformanceServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The host routes the suite uses; adapters mount them all. */
export const CONFORMANCE_HOST_ROUTES: readonly ConformanceHostRoute[] = [
  { path: '/host/read', scopes: ['weather:read'], respond: 'ok' },
  { path: '/host/write', scopes: ['weather:write'], respond: 'ok' },
  { path: '/host/any', scopes: ['weather:write', 'weather:read'], mode: 'any', respond: 'ok' },
  { path: '/host/open', respond: 'ok' },
  { path: '/host/fail', respond: 'error' },
  { path: '/host/throw', respond: 'throw' },
  { path: '/host/tagged', respond: 'ok', tags: { route: '/host/tagged', region: 'eu' } },
];

const BASE = '/api/v1/platform/api-keys';
const ACTOR_HEADER = 'x-test-actor';

function actorFromHeaders(headers: HttpHeaders): Actor | undefined {
  const value = headers[ACTOR_HEADER];
  if (typeof value !== 'string') return undefined;
  const [id, tenantId, role] = value.split(':');
  if (!id || !tenantId) return undefined;
  return { id, tenantId, role: role ?? '' };
}

/** Storage whose key store can be switched to fail, for the 503 tests. */
function breakableStorage(): KeygateStorage & { broken: boolean } {
  const inner = createMemoryStorage();
  const state = { broken: false };
  const guard = <T>(fn: () => T): T => {
    if (state.broken) throw new Error('ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    return fn();
  };
  return Object.assign(state, {
    keys: {
      get: (id: string) => guard(() => inner.keys.get(id)),
      put: (r: Parameters<typeof inner.keys.put>[0]) => guard(() => inner.keys.put(r)),
      delete: (id: string) => guard(() => inner.keys.delete(id)),
      list: (q: Parameters<typeof inner.keys.list>[0]) => guard(() => inner.keys.list(q)),
    },
    audit: inner.audit,
    identities: inner.identities,
    tenants: inner.tenants,
    usage: inner.usage,
  });
}

type Json = Record<string, any>;
interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

class Client {
  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, options: { actor?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.actor) headers[ACTOR_HEADER] = options.actor;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  api(method: string, path: string, options: Parameters<Client['call']>[2] = {}): Promise<Reply> {
    return this.call(method, BASE + path, options);
  }
}

const ADMIN = 'u-admin:acme:admin';
const SUPER = 'u-super:acme:super_admin';
const DEVELOPER = 'u-dev:acme:developer';
const VIEWER = 'u-view:acme:viewer';
const OTHER_ADMIN = 'u-other:globex:admin';
const NOBODY = 'u-nobody:acme:intern';

function expectProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body.code).toBe(code);
  expect(reply.body.status).toBe(status);
  expect(reply.body.type).toBe(`urn:keygate:problem:${code.toLowerCase()}`);
  expect(typeof reply.body.title).toBe('string');
}

function expectRateLimitHeaders(reply: Reply, limit: number, windowSeconds: number): void {
  expect(reply.headers.get('ratelimit-policy')).toBe(`${limit};w=${windowSeconds}`);
  expect(reply.headers.get('ratelimit')).toMatch(new RegExp(`^limit=${limit}, remaining=\\d+, reset=\\d+$`));
  expect(reply.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(reply.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
  const reset = Number(reply.headers.get('x-ratelimit-reset'));
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) - 1);
}

/** Sends a chunked body (no Content-Length) of `size` bytes; resolves with the status. */
function sendChunked(baseUrl: string, path: string, size: number, actor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', [ACTOR_HEADER]: actor } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `check` passes (usage is counted when the response finishes, after the client has it). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => void): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      check(await read());
      return;
    } catch (error) {
      last = error;
      await sleep(20);
    }
  }
  throw last;
}

/**
 * Registers `describe(name)` with the whole HTTP conformance suite. The
 * factory is called for each server the suite needs (a few per run), with a
 * fresh {@link KeyManager} on memory stores.
 */
export function runHttpConformance(name: string, factory: (setup: HttpConformanceSetup) => Awaitable<HttpConformanceServer>): void {
  const opened: { server: HttpConformanceServer; manager: KeyManager }[] = [];
  async function start(config: KeygateConfig = {}, options: { trustProxy?: boolean; storage?: KeygateStorage } = {}) {
    const manager = new KeyManager({ config, ...(options.storage ? { storage: options.storage } : {}), logger: { warn() {}, error() {} } });
    const server = await factory({ manager, basePath: BASE, actorFromHeaders, trustProxy: options.trustProxy ?? false, hostRoutes: CONFORMANCE_HOST_ROUTES });
    opened.push({ server, manager });
    return { manager, client: new Client(server.baseUrl) };
  }

  describe(name, () => {
    let client: Client;
    let manager: KeyManager;
    beforeAll(async () => {
      ({ client, manager } = await start());
    });
    afterAll(async () => {
      for (const { server, manager: m } of opened.splice(0)) {
        await server.close();
        await m.close();
      }
    });

    const create = async (body: Json = {}, actor = ADMIN) => {
      const reply = await client.api('POST', '', { actor, body: { name: 'test key', ...body } });
      expect(reply.status, reply.text).toBe(201);
      return reply.body as { key: ApiKey; secret: string };
    };

    describe('management routes', () => {
      it('creates a key: 201, Location, the secret once, no-store', async () => {
        const reply = await client.api('POST', '', { actor: ADMIN, body: { name: '  CI deploy bot ', scopes: ['weather:read'], metadata: { team: 'ops' } } });
        expect(reply.status).toBe(201);
        expect(reply.headers.get('cache-control')).toBe('no-store');
        expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
        const { key, secret } = reply.body;
        expect(reply.headers.get('location')).toBe(`${BASE}/${key.id}`);
        expect(key).toMatchObject({ name: 'CI deploy bot', tenantId: 'acme', scopes: ['weather:read'], status: 'active', environment: 'live', createdBy: 'u-admin' });
        expect(key.id).toMatch(/^[0-9A-Za-z]{16}$/);
        expect(secret.startsWith('sk_live_')).toBe(true);
        expect(key.maskedKey.endsWith(secret.slice(-4))).toBe(true);
        expect(JSON.stringify(key)).not.toContain(secret);
        expect(key).not.toHaveProperty('hash');
      });

      it('lists keys without secrets or hashes, newest first, with a working cursor', async () => {
        const a = await create({ name: 'page a' });
        const b = await create({ name: 'page b' });
        const first = await client.api('GET', '?limit=1', { actor: VIEWER });
        expect(first.status).toBe(200);
        expect(first.headers.get('cache-control')).toBe('no-store');
        expect(first.body.items).toHaveLength(1);
        expect(first.body.items[0].id).toBe(b.key.id);
        expect(typeof first.body.nextCursor).toBe('string');
        const second = await client.api('GET', `?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, { actor: VIEWER });
        expect(second.body.items[0].id).toBe(a.key.id);
        const all = await client.api('GET', '?limit=100', { actor: VIEWER });
        expect(all.text).not.toContain(a.secret);
        expect(all.text).not.toContain(b.secret);
        expect(all.text).not.toMatch(/"(hash|previousHash|encryptedSecret|secret)"/);
      });

      it('filters the list by status and environment', async () => {
        const t = await create({ name: 'test env', environment: 'test' });
        await client.api('POST', `/${t.key.id}/revoke`, { actor: ADMIN });
        const revoked = await client.api('GET', '?status=revoked&environment=test', { actor: VIEWER });
        expect(revoked.status).toBe(200);
        expect(revoked.body.items.map((k: ApiKey) => k.id)).toEqual([t.key.id]);
        const active = await client.api('GET', '?status=active', { actor: VIEWER });
        expect(active.body.items.every((k: ApiKey) => k.status === 'active')).toBe(true);
      });

      it('shows one key with its usage summary', async () => {
        const { key } = await create();
        const reply = await client.api('GET', `/${key.id}`, { actor: VIEWER });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ id: key.id, name: 'test key', usage: { requests: 0, errors: 0, lastUsedAt: null } });
        expect(reply.headers.get('cache-control')).toBe('no-store');
      });

      it('updates a key', async () => {
        const { key } = await create();
        const reply = await client.api('PATCH', `/${key.id}`, { actor: ADMIN, body: { name: 'renamed', scopes: ['weather:write'], enabled: false, rateLimit: null } });
        expect(reply.status, reply.text).toBe(200);
        expect(reply.body).toMatchObject({ id: key.id, name: 'renamed', scopes: ['weather:write'], enabled: false, status: 'disabled', rateLimit: null });
      });

      it('regenerates with and without a body, keeping the id', async () => {
        const { key, secret } = await create();
        const plain = await client.api('POST', `/${key.id}/regenerate`, { actor: ADMIN });
        expect(plain.status, plain.text).toBe(200);
        expect(plain.body.key.id).toBe(key.id);
        expect(plain.body.secret).not.toBe(secret);
        expect(plain.headers.get('cache-control')).toBe('no-store');
        const graceful = await client.api('POST', `/${key.id}/regenerate`, { actor: ADMIN, body: { gracePeriod: '1h' } });
        expect(graceful.status).toBe(200);
        expect(typeof graceful.body.key.previousKeyExpiresAt).toBe('string');
        // The old secret keeps working inside the grace window; the one before it does not.
        expect((await client.call('GET', '/host/open', { headers: { authorization: `Bearer ${plain.body.secret}` } })).status).toBe(200);
        expect((await client.call('GET', '/host/open', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
      });

      it('revokes (record kept, 409 on later changes) and deletes (204, then 404)', async () => {
        const { key, secret } = await create();
        const revoked = await client.api('POST', `/${key.id}/revoke`, { actor: ADMIN });
        expect(revoked.status).toBe(200);
        expect(revoked.body.status).toBe('revoked');
        expect(typeof revoked.body.revokedAt).toBe('string');
        expectProblem(await client.api('PATCH', `/${key.id}`, { actor: ADMIN, body: { name: 'x' } }), 409, 'KEY_REVOKED');
        expectProblem(await client.api('POST', `/${key.id}/regenerate`, { actor: ADMIN }), 409, 'KEY_REVOKED');
        expect((await client.api('GET', `/${key.id}`, { actor: VIEWER })).body.status).toBe('revoked');

        const other = await create();
        const deleted = await client.api('DELETE', `/${other.key.id}`, { actor: ADMIN });
        expect(deleted.status).toBe(204);
        expect(deleted.text).toBe('');
        expect(deleted.headers.get('cache-control')).toBe('no-store');
        expectProblem(await client.api('GET', `/${other.key.id}`, { actor: ADMIN }), 404, 'KEY_NOT_FOUND');
        expect((await client.call('GET', '/host/open', { headers: { authorization: `Bearer ${other.secret}` } })).status).toBe(401);
        expect((await client.call('GET', '/host/open', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
      });

      it('answers 409 SECRET_NOT_STORED for reveal without server-side storage', async () => {
        const { key } = await create();
        const reply = await client.api('POST', `/${key.id}/reveal`, { actor: ADMIN });
        expectProblem(reply, 409, 'SECRET_NOT_STORED');
      });

      it('reveals with server-side storage', async () => {
        const vault = await start({ storeSecretsServerSide: true, masterKeys: [{ id: 'k1', key: randomBytes(32).toString('base64') }] });
        const created = await vault.client.api('POST', '', { actor: ADMIN, body: { name: 'revealable' } });
        expect(created.body.key.revealable).toBe(true);
        const reply = await vault.client.api('POST', `/${created.body.key.id}/reveal`, { actor: SUPER });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ secret: created.body.secret });
        expect(reply.headers.get('cache-control')).toBe('no-store');
        expectProblem(await vault.client.api('POST', `/${created.body.key.id}/reveal`, { actor: OTHER_ADMIN }), 404, 'KEY_NOT_FOUND');
      });

      it('reports usage per day, every day present', async () => {
        const { key } = await create();
        const def = await client.api('GET', `/${key.id}/usage`, { actor: VIEWER });
        expect(def.status).toBe(200);
        expect(def.body.keyId).toBe(key.id);
        expect(def.body.days).toHaveLength(30);
        const ranged = await client.api('GET', `/${key.id}/usage?from=2025-01-30&to=2025-02-02`, { actor: VIEWER });
        expect(ranged.body).toEqual({
          keyId: key.id,
          from: '2025-01-30',
          to: '2025-02-02',
          days: ['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02'].map((day) => ({ day, requests: 0, errors: 0 })),
        });
        const bad = await client.api('GET', `/${key.id}/usage?from=yesterday`, { actor: VIEWER });
        expectProblem(bad, 422, 'VALIDATION_FAILED');
        expect(bad.body.errors[0].field).toBe('/from');
      });

      it('serves the audit log with ISO times, for the tenant and for one key', async () => {
        const { key } = await create({ name: 'audited' });
        await client.api('PATCH', `/${key.id}`, { actor: ADMIN, body: { name: 'audited 2' }, headers: { 'x-request-id': 'req-123', 'user-agent': 'conformance' } });
        const log = await client.api('GET', '/audit?limit=100', { actor: DEVELOPER });
        expect(log.status).toBe(200);
        const mine = log.body.items.filter((e: Json) => e.keyId === key.id);
        expect(mine.map((e: Json) => e.action)).toEqual(['key.updated', 'key.created']);
        expect(mine[0].at).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
        expect(mine[0].actor).toMatchObject({ id: 'u-admin', type: 'user' });
        expect(mine[0]).toMatchObject({ requestId: 'req-123', userAgent: 'conformance' });
        const one = await client.api('GET', `/${key.id}/audit`, { actor: DEVELOPER });
        expect(one.body.items.map((e: Json) => e.action)).toEqual(['key.updated', 'key.created']);
        const filtered = await client.api('GET', `/audit?keyId=${key.id}`, { actor: DEVELOPER });
        expect(filtered.body.items).toHaveLength(2);
        expectProblem(await client.api('GET', '/audit?from=last-week', { actor: DEVELOPER }), 422, 'VALIDATION_FAILED');
        expectProblem(await client.api('GET', '/audit?cursor=bm9wZQ', { actor: DEVELOPER }), 400, 'INVALID_CURSOR');
      });

      it('serves meta for the actor', async () => {
        const reply = await client.api('GET', '/meta', { actor: VIEWER });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({
          actor: { id: 'u-view', tenantId: 'acme', type: 'user' },
          permissions: ['keys:read', 'usage:read', 'policy:read'],
          environments: [
            { name: 'live', prefix: 'sk_live' },
            { name: 'test', prefix: 'sk_test' },
          ],
          defaultEnvironment: 'live',
          scopes: [],
          tokenType: 'opaque',
          storeSecretsServerSide: false,
          rotationGracePeriodSeconds: 0,
          maxNameLength: 32,
          defaultRateLimit: { limit: 100, windowSeconds: 60 },
        });
        expect((await client.api('GET', '/meta', { actor: ADMIN })).body.permissions).toContain('keys:create');
      });

      it('serves an OpenAPI 3.1 document whose schemas the real responses satisfy', async () => {
        const reply = await client.api('GET', '/openapi.json');
        expect(reply.status).toBe(200);
        const doc = reply.body;
        expect(doc.openapi).toBe('3.1.0');
        const paths = Object.keys(doc.paths);
        for (const p of ['', '/meta', '/{id}', '/{id}/regenerate', '/{id}/revoke', '/{id}/reveal', '/{id}/usage', '/{id}/audit', '/audit', '/openapi.json']) {
          expect(paths).toContain(BASE + p);
        }
        expect(Object.keys(doc.paths[`${BASE}/{id}`]).sort()).toEqual(['delete', 'get', 'patch']);
        const ajv = new Ajv2020({ strict: false, allErrors: true });
        (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
        ajv.addSchema({ $id: 'openapi.json', ...doc });
        const check = (schema: string, value: unknown) => {
          const validate = ajv.getSchema(`openapi.json#/components/schemas/${schema}`)!;
          expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
        };
        const issued = await create({ rateLimit: { limit: 5, windowSeconds: 1 } });
        check('IssuedKey', issued);
        check('KeyDetails', (await client.api('GET', `/${issued.key.id}`, { actor: ADMIN })).body);
        check('KeyPage', (await client.api('GET', '', { actor: ADMIN })).body);
        check('Meta', (await client.api('GET', '/meta', { actor: ADMIN })).body);
        check('UsageReport', (await client.api('GET', `/${issued.key.id}/usage`, { actor: ADMIN })).body);
        check('UsageByTag', (await client.api('GET', `/${issued.key.id}/usage?groupBy=route`, { actor: ADMIN })).body);
        check('TenantPolicy', (await client.api('GET', '/policy', { actor: ADMIN })).body);
        check('AuditPage', (await client.api('GET', '/audit', { actor: ADMIN })).body);
        check('Problem', (await client.api('GET', '/nope/nope/nope', { actor: ADMIN })).body);
        // The request schemas are the ones the handler validates with.
        expect(doc.components.schemas.CreateKeyInput.additionalProperties).toBe(false);
        expect(doc.components.schemas.CreateKeyInput.required).toEqual(['name']);
      });

      it('answers unknown routes 404 and wrong methods 405 with Allow', async () => {
        expectProblem(await client.api('GET', '/abcdefghijklmnop/frobnicate', { actor: ADMIN }), 404, 'NOT_FOUND');
        const wrong = await client.api('PUT', '/meta', { actor: ADMIN });
        expectProblem(wrong, 405, 'METHOD_NOT_ALLOWED');
        expect(wrong.headers.get('allow')).toBe('GET');
        const coll = await client.api('DELETE', '', { actor: ADMIN });
        expectProblem(coll, 405, 'METHOD_NOT_ALLOWED');
        expect(coll.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'POST']);
        expect(coll.headers.get('cache-control')).toBe('no-store');
      });
    });

    describe('tenant policy and usage by tag', () => {
      const P_ADMIN = 'u-padmin:policyco:admin';
      const P_VIEWER = 'u-pview:policyco:viewer';
      const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

      it('GET /policy for readers, PUT /policy for admins (403 otherwise, 422 for bad input), enforced on create and update', async () => {
        const empty = await client.api('GET', '/policy', { actor: P_VIEWER });
        expect(empty.status, empty.text).toBe(200);
        expect(empty.body).toEqual({ minLifetime: null, maxLifetime: null, requireExpiry: false, updatedAt: null });
        expectProblem(await client.api('PUT', '/policy', { actor: P_VIEWER, body: { maxLifetime: '30d' } }), 403, 'FORBIDDEN');
        expectProblem(await client.api('PUT', '/policy', { actor: P_ADMIN, body: { maxLifetime: 'forever' } }), 422, 'VALIDATION_FAILED');
        expectProblem(await client.api('PUT', '/policy', { actor: P_ADMIN, body: { minLifetime: '40d', maxLifetime: '30d' } }), 422, 'VALIDATION_FAILED');
        expectProblem(await client.api('PATCH', '/policy', { actor: P_ADMIN, body: {} }), 405, 'METHOD_NOT_ALLOWED');
        const set = await client.api('PUT', '/policy', { actor: P_ADMIN, body: { minLifetime: '1h', maxLifetime: '30d' } });
        expect(set.status, set.text).toBe(200);
        expect(set.body).toMatchObject({ minLifetime: '1h', maxLifetime: '30d', requireExpiry: true });
        expect((await client.api('GET', '/policy', { actor: P_VIEWER })).body).toEqual(set.body);
        expect((await client.api('GET', '/policy', { actor: ADMIN })).body.maxLifetime).toBeNull();

        const defaulted = await client.api('POST', '', { actor: P_ADMIN, body: { name: 'defaulted' } });
        expect(defaulted.status, defaulted.text).toBe(201);
        const lifetime = Date.parse(defaulted.body.key.expiresAt) - Date.now();
        expect(lifetime).toBeGreaterThan(29 * 86_400_000);
        expect(lifetime).toBeLessThanOrEqual(30 * 86_400_000);
        const never = await client.api('POST', '', { actor: P_ADMIN, body: { name: 'never', expiresAt: null } });
        expectProblem(never, 422, 'VALIDATION_FAILED');
        expect(never.body.errors).toEqual([{ field: '/expiresAt', message: expect.stringContaining('between 1h and 30d') }]);
        const long = await client.api('POST', '', { actor: P_ADMIN, body: { name: 'long', expiresIn: '31d' } });
        expectProblem(long, 422, 'VALIDATION_FAILED');
        expect(long.body.errors[0].field).toBe('/expiresIn');
        const patched = await client.api('PATCH', `/${defaulted.body.key.id}`, { actor: P_ADMIN, body: { expiresAt: new Date(Date.now() + 60_000).toISOString() } });
        expectProblem(patched, 422, 'VALIDATION_FAILED');
        expect(patched.body.errors[0].field).toBe('/expiresAt');
        const audit = await client.api('GET', '/audit', { actor: P_ADMIN });
        expect(audit.body.items.map((e: Json) => e.action)).toContain('policy.updated');
      });

      it('GET /{id}/usage?groupBy=<tag> groups usage by a tag requireApiKey counted requests under', async () => {
        const { key, secret } = await create({ rateLimit: null });
        for (let i = 0; i < 2; i++) expect((await client.call('GET', '/host/tagged', { headers: bearer(secret) })).status).toBe(200);
        expect((await client.call('GET', '/host/open', { headers: bearer(secret) })).status).toBe(200);
        await eventually(
          () => client.api('GET', `/${key.id}/usage?groupBy=route`, { actor: VIEWER }),
          (reply) => {
            expect(reply.status, reply.text).toBe(200);
            expect(reply.body.groupBy).toBe('route');
            expect(reply.body.keyId).toBe(key.id);
            expect(reply.body.groups.find((g: Json) => g.value === '/host/tagged')).toMatchObject({ requests: 2, errors: 0, days: [{ requests: 2, errors: 0 }] });
          },
        );
        const byRegion = await client.api('GET', `/${key.id}/usage?groupBy=region`, { actor: VIEWER });
        expect(byRegion.body.groups).toEqual([expect.objectContaining({ value: 'eu', requests: 2 })]);
        expect(typeof byRegion.body.from).toBe('string');
        expectProblem(await client.api('GET', `/${key.id}/usage?groupBy=Bad-Tag`, { actor: VIEWER }), 422, 'VALIDATION_FAILED');
        expectProblem(await client.api('GET', `/${key.id}/usage?groupBy=route`, { actor: OTHER_ADMIN }), 404, 'KEY_NOT_FOUND');
        expectProblem(await client.api('GET', `/${key.id}/usage?groupBy=route`, { actor: NOBODY }), 403, 'FORBIDDEN');
      });
    });

    describe('credits, identities and key lookup', () => {
      const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

      it('answers 429 USAGE_EXCEEDED (the quota, not the rate) without Retry-After when no refill is scheduled; PATCH remaining tops up', async () => {
        const { key, secret } = await create({ credits: { initial: 2 }, rateLimit: null });
        expect((await client.call('GET', '/host/open', { headers: bearer(secret) })).status).toBe(200);
        expect((await client.call('GET', '/host/open', { headers: bearer(secret) })).status).toBe(200);
        const spent = await client.call('GET', '/host/open', { headers: bearer(secret) });
        expectProblem(spent, 429, 'USAGE_EXCEEDED');
        expect(spent.headers.get('retry-after')).toBeNull();
        expect(spent.body.detail).toMatch(/quota/);
        const shown = await client.api('GET', `/${key.id}`, { actor: ADMIN });
        expect(shown.body.credits).toEqual({ initial: 2, remaining: 0 });
        const topped = await client.api('PATCH', `/${key.id}`, { actor: ADMIN, body: { remaining: 1 } });
        expect(topped.status, topped.text).toBe(200);
        expect(topped.body.credits.remaining).toBe(1);
        expect((await client.call('GET', '/host/open', { headers: bearer(secret) })).status).toBe(200);
        expectProblem(await client.api('PATCH', `/${key.id}`, { actor: ADMIN, body: { remaining: -1 } }), 422, 'VALIDATION_FAILED');
      });

      it('answers 429 USAGE_EXCEEDED when the identity\'s credits are spent, and spends none of the key\'s', async () => {
        const created = await client.api('POST', '/identities', { actor: ADMIN, body: { externalId: `cus_${randomBytes(4).toString('hex')}`, credits: { initial: 1 } } });
        expect(created.status, created.text).toBe(201);
        const { key, secret } = await create({ identityId: created.body.id, credits: { initial: 5 }, rateLimit: null });
        expect((await client.call('GET', '/host/open', { headers: bearer(secret) })).status).toBe(200);
        expectProblem(await client.call('GET', '/host/open', { headers: bearer(secret) }), 429, 'USAGE_EXCEEDED');
        expect((await client.api('GET', `/${key.id}`, { actor: ADMIN })).body.credits.remaining).toBe(4);
      });

      it('sends Retry-After until the refill when one is scheduled', async () => {
        const { secret } = await create({ credits: { initial: 0, refill: { interval: 'daily', amount: 10 } }, rateLimit: null });
        const spent = await client.call('GET', '/host/open', { headers: bearer(secret) });
        expectProblem(spent, 429, 'USAGE_EXCEEDED');
        const seconds = Number(spent.headers.get('retry-after'));
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThanOrEqual(86_400);
      });

      it('POST /whoami tells what a key is, within the tenant only; the key never goes in a URL', async () => {
        const { key, secret } = await create({ name: 'support' });
        const found = await client.api('POST', '/whoami', { actor: VIEWER, body: { key: secret } });
        expect(found.status, found.text).toBe(200);
        expect(found.body).toMatchObject({ id: key.id, name: 'support' });
        expect(found.text).not.toContain(secret);
        expectProblem(await client.api('POST', '/whoami', { actor: OTHER_ADMIN, body: { key: secret } }), 404, 'KEY_NOT_FOUND');
        expectProblem(await client.api('POST', '/whoami', { actor: VIEWER, body: { key: 'garbage' } }), 404, 'KEY_NOT_FOUND');
        expectProblem(await client.api('POST', '/whoami', { actor: VIEWER, body: {} }), 422, 'VALIDATION_FAILED');
        expectProblem(await client.api('GET', '/whoami', { actor: VIEWER }), 405, 'METHOD_NOT_ALLOWED');
        expectProblem(await client.api('POST', '/whoami', { actor: NOBODY, body: { key: secret } }), 403, 'FORBIDDEN');
      });

      it('manages identities: 201 + Location, 409 on a taken externalId, tenant isolation, RBAC, keys linked by externalId', async () => {
        const externalId = `cus_${Math.random().toString(36).slice(2)}`;
        const made = await client.api('POST', '/identities', { actor: ADMIN, body: { externalId, metadata: { plan: 'pro' }, rateLimits: { default: { limit: 5, windowSeconds: 60 } } } });
        expect(made.status, made.text).toBe(201);
        expect(made.headers.get('location')).toBe(`${BASE}/identities/${made.body.id}`);
        expectProblem(await client.api('POST', '/identities', { actor: ADMIN, body: { externalId } }), 409, 'CONFLICT');
        expectProblem(await client.api('POST', '/identities', { actor: VIEWER, body: { externalId: 'x' } }), 403, 'FORBIDDEN');
        expectProblem(await client.api('GET', `/identities/${made.body.id}`, { actor: OTHER_ADMIN }), 404, 'NOT_FOUND');
        const { key } = await create({ externalId });
        expect(key.identityId).toBe(made.body.id);
        const patched = await client.api('PATCH', `/identities/${made.body.id}`, { actor: ADMIN, body: { credits: { initial: 3 } } });
        expect(patched.status, patched.text).toBe(200);
        expect(patched.body.credits).toMatchObject({ initial: 3, remaining: 3 });
        const listed = await client.api('GET', '/identities', { actor: VIEWER });
        expect(listed.body.items.map((i: Json) => i.id)).toContain(made.body.id);
        expect((await client.api('DELETE', `/identities/${made.body.id}`, { actor: ADMIN })).status).toBe(204);
        expectProblem(await client.api('GET', `/identities/${made.body.id}`, { actor: ADMIN }), 404, 'NOT_FOUND');
      });
    });

    describe('bad input', () => {
      const post = (body: unknown) => client.api('POST', '', { actor: ADMIN, body });
      const fields = (reply: Reply) => (reply.body.errors as { field: string; message: string }[]).map((e) => e.field);

      it('says "Token name is required" for a missing, empty or whitespace-only name', async () => {
        for (const body of [{}, { name: '' }, { name: '   \t ' }, { name: null }]) {
          const reply = await post(body);
          expectProblem(reply, 422, 'VALIDATION_FAILED');
          expect(reply.body.errors).toContainEqual({ field: '/name', message: 'Token name is required' });
          expect(reply.body.instance).toBe(BASE);
        }
      });

      it('accepts 32 characters and refuses 33', async () => {
        expect((await post({ name: 'x'.repeat(32) })).status).toBe(201);
        const reply = await post({ name: 'x'.repeat(33) });
        expectProblem(reply, 422, 'VALIDATION_FAILED');
        expect(reply.body.errors).toEqual([{ field: '/name', message: 'Token name must be at most 32 characters' }]);
      });

      it('names each field of the wrong type', async () => {
        const reply = await post({ name: 'ok', scopes: 'weather:read', rateLimit: { limit: 'many', windowSeconds: 60 }, autoRotate: 'yes', expiresAt: true });
        expectProblem(reply, 422, 'VALIDATION_FAILED');
        expect(fields(reply)).toEqual(expect.arrayContaining(['/scopes', '/rateLimit/limit', '/autoRotate', '/expiresAt']));
        for (const e of reply.body.errors) expect(e.message.length).toBeGreaterThan(3);
      });

      it('refuses unknown fields, naming them', async () => {
        const reply = await post({ name: 'ok', isAdmin: true });
        expectProblem(reply, 422, 'VALIDATION_FAILED');
        expect(reply.body.errors).toEqual([{ field: '/isAdmin', message: 'is not a known field' }]);
        const { key } = await create();
        const patch = await client.api('PATCH', `/${key.id}`, { actor: ADMIN, body: { tenantId: 'globex' } });
        expect(patch.status).toBe(422);
        expect(fields(patch)).toEqual(['/tenantId']);
        const rot = await client.api('POST', `/${key.id}/regenerate`, { actor: ADMIN, body: { grace: 5 } });
        expect(fields(rot)).toEqual(['/grace']);
      });

      it('refuses semantic errors the manager finds', async () => {
        expect(fields(await post({ name: 'ok', scopes: ['NOT A SCOPE'] }))).toEqual(['/scopes/0']);
        expect(fields(await post({ name: 'ok', ipAllowlist: ['10.0.0.0/99'] }))).toEqual(['/ipAllowlist/0']);
        expect(fields(await post({ name: 'ok', environment: 'staging' }))).toEqual(['/environment']);
        expect(fields(await post({ name: 'ok', expiresAt: '2001-01-01T00:00:00Z' }))).toEqual(['/expiresAt']);
      });

      it('answers malformed JSON 400, non-object bodies 422, an empty create body 422', async () => {
        expectProblem(await client.api('POST', '', { actor: ADMIN, raw: '{"name": "x",', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
        for (const raw of ['[]', '"name"', 'null', '42']) {
          const reply = await client.api('POST', '', { actor: ADMIN, raw, headers: { 'content-type': 'application/json' } });
          expectProblem(reply, 422, 'VALIDATION_FAILED');
          expect(fields(reply)).toEqual(['/']);
        }
        expectProblem(await client.api('POST', '', { actor: ADMIN, headers: { 'content-type': 'application/json' } }), 422, 'VALIDATION_FAILED');
      });

      it('answers 415 to a body that is not JSON', async () => {
        expectProblem(await client.api('POST', '', { actor: ADMIN, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
        expectProblem(await client.api('POST', '', { actor: ADMIN, raw: '{"name":"x"}', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
        expect((await client.api('POST', '', { actor: ADMIN, raw: '{"name":"x"}', headers: { 'content-type': 'application/json; charset=utf-8' } })).status).toBe(201);
      });

      it('answers 413 to bodies over 64 KiB, declared or chunked, and stays usable', async () => {
        const huge = { name: 'big', metadata: { blob: 'x'.repeat(70 * 1024) } };
        expectProblem(await post(huge), 413, 'PAYLOAD_TOO_LARGE');
        expect(await sendChunked(client.baseUrl, BASE, 200 * 1024, ADMIN)).toBe(413);
        expect((await post({ name: 'after big' })).status).toBe(201);
      });

      it('validates list query parameters', async () => {
        for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'limit=-1', 'status=deleted', 'limit=1&limit=2']) {
          const reply = await client.api('GET', `?${q}`, { actor: VIEWER });
          expectProblem(reply, 422, 'VALIDATION_FAILED');
          expect(reply.body.errors[0].field).toMatch(/^\/(limit|status)$/);
        }
        for (const cursor of ['garbage!', 'eyJ2IjoxLCJhdCI6LTEsImlkIjoieCJ9', 'x'.repeat(600), '%00']) {
          expectProblem(await client.api('GET', `?cursor=${encodeURIComponent(cursor)}`, { actor: VIEWER }), 400, 'INVALID_CURSOR');
        }
      });

      it('answers 404 KEY_NOT_FOUND to unknown, malformed and traversal ids', async () => {
        const unknown = await client.api('GET', '/AAAAAAAAAAAAAAAA', { actor: ADMIN });
        expectProblem(unknown, 404, 'KEY_NOT_FOUND');
        for (const id of ['..%2F..%2Fetc', '%00', 'abc%00def', '..%2F..%2F..%2Fetc%2Fpasswd', '%2E%2E%2F', 'short', 'A'.repeat(17), '%E0%A4%A']) {
          const reply = await client.api('GET', `/${id}`, { actor: ADMIN });
          expect(reply.status, id).toBe(404);
          expect(['KEY_NOT_FOUND', 'NOT_FOUND']).toContain(reply.body.code);
        }
        expectProblem(await client.api('DELETE', '/..%2F..%2Fetc', { actor: ADMIN }), 404, 'KEY_NOT_FOUND');
        expectProblem(await client.api('POST', '/%00/revoke', { actor: ADMIN }), 404, 'KEY_NOT_FOUND');
        expectProblem(await client.api('PATCH', '/AAAAAAAAAAAAAAAA', { actor: ADMIN, body: { name: 'x' } }), 404, 'KEY_NOT_FOUND');
      });
    });

    describe('access control', () => {
      it('answers 401 without an actor on every route but openapi.json', async () => {
        const { key } = await create();
        const routes: [string, string][] = [
          ['GET', '/meta'], ['POST', ''], ['GET', ''], ['GET', `/${key.id}`], ['PATCH', `/${key.id}`], ['DELETE', `/${key.id}`],
          ['POST', `/${key.id}/regenerate`], ['POST', `/${key.id}/revoke`], ['POST', `/${key.id}/reveal`], ['GET', `/${key.id}/usage`],
          ['GET', '/audit'], ['GET', `/${key.id}/audit`],
        ];
        for (const [method, path] of routes) {
          const reply = await client.api(method, path, method === 'POST' || method === 'PATCH' ? { body: { name: 'x' } } : {});
          expectProblem(reply, 401, 'UNAUTHENTICATED');
          expect(reply.headers.get('cache-control')).toBe('no-store');
        }
        expect((await client.api('GET', `/${key.id}`)).status).toBe(401);
        expect((await client.api('GET', `/${key.id}`, { actor: ADMIN })).body.status).toBe('active');
      });

      it('lets super_admin and admin manage; developer and viewer read; unknown roles nothing', async () => {
        for (const actor of [SUPER, ADMIN]) {
          const { key } = await create({}, actor);
          expect((await client.api('PATCH', `/${key.id}`, { actor, body: { name: 'mine' } })).status).toBe(200);
          expect((await client.api('POST', `/${key.id}/regenerate`, { actor })).status).toBe(200);
          expect((await client.api('GET', '/audit', { actor })).status).toBe(200);
          expect((await client.api('POST', `/${key.id}/revoke`, { actor })).status).toBe(200);
          expect((await client.api('DELETE', `/${key.id}`, { actor })).status).toBe(204);
        }
        const { key } = await create();
        for (const actor of [DEVELOPER, VIEWER]) {
          expect((await client.api('GET', '', { actor })).status).toBe(200);
          expect((await client.api('GET', `/${key.id}`, { actor })).status).toBe(200);
          expect((await client.api('GET', `/${key.id}/usage`, { actor })).status).toBe(200);
          expectProblem(await client.api('POST', '', { actor, body: { name: 'nope' } }), 403, 'FORBIDDEN');
          expectProblem(await client.api('PATCH', `/${key.id}`, { actor, body: { name: 'nope' } }), 403, 'FORBIDDEN');
          expectProblem(await client.api('POST', `/${key.id}/regenerate`, { actor }), 403, 'FORBIDDEN');
          expectProblem(await client.api('POST', `/${key.id}/revoke`, { actor }), 403, 'FORBIDDEN');
          expectProblem(await client.api('POST', `/${key.id}/reveal`, { actor }), 403, 'FORBIDDEN');
          expectProblem(await client.api('DELETE', `/${key.id}`, { actor }), 403, 'FORBIDDEN');
        }
        expect((await client.api('GET', '/audit', { actor: DEVELOPER })).status).toBe(200);
        expectProblem(await client.api('GET', '/audit', { actor: VIEWER }), 403, 'FORBIDDEN');
        expectProblem(await client.api('GET', '', { actor: NOBODY }), 403, 'FORBIDDEN');
        // Forbidden before the body is judged: a viewer learns nothing from a malformed body.
        expectProblem(await client.api('POST', '', { actor: VIEWER, raw: '{oops', headers: { 'content-type': 'application/json' } }), 403, 'FORBIDDEN');
        expect((await client.api('GET', `/${key.id}`, { actor: ADMIN })).body.status).toBe('active');
      });

      it("isolates tenants: another tenant's key is 404 on every route, exactly like an unknown id", async () => {
        const { key, secret } = await create({ name: 'acme only' });
        const unknown = await client.api('GET', '/ZZZZZZZZZZZZZZZZ', { actor: OTHER_ADMIN });
        const foreign = await client.api('GET', `/${key.id}`, { actor: OTHER_ADMIN });
        expectProblem(foreign, 404, 'KEY_NOT_FOUND');
        expect({ ...foreign.body, instance: undefined }).toEqual({ ...unknown.body, instance: undefined });
        const attempts: [string, string, unknown?][] = [
          ['PATCH', `/${key.id}`, { name: 'stolen' }], ['POST', `/${key.id}/regenerate`], ['POST', `/${key.id}/revoke`],
          ['POST', `/${key.id}/reveal`], ['GET', `/${key.id}/usage`], ['GET', `/${key.id}/audit`], ['DELETE', `/${key.id}`],
        ];
        for (const [method, path, body] of attempts) {
          expectProblem(await client.api(method, path, { actor: OTHER_ADMIN, ...(body ? { body } : {}) }), 404, 'KEY_NOT_FOUND');
        }
        const list = await client.api('GET', '?limit=100', { actor: OTHER_ADMIN });
        expect(list.body.items.some((k: ApiKey) => k.id === key.id)).toBe(false);
        const audit = await client.api('GET', '/audit?limit=100', { actor: OTHER_ADMIN });
        expect(audit.body.items.some((e: Json) => e.keyId === key.id)).toBe(false);
        const filtered = await client.api('GET', `/audit?keyId=${key.id}`, { actor: OTHER_ADMIN });
        expect(filtered.body.items).toEqual([]);
        const mine = await client.api('GET', `/${key.id}`, { actor: ADMIN });
        expect(mine.body).toMatchObject({ name: 'acme only', status: 'active' });
        expect((await client.call('GET', '/host/open', { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
      });

      it('lets an API key with keys:* scopes manage keys of its own tenant', async () => {
        const bot = await create({ name: 'automation', scopes: ['keys:*', 'usage:read', 'audit:read'], rateLimit: null });
        const auth = { authorization: `Bearer ${bot.secret}` };
        const made = await client.api('POST', '', { headers: auth, body: { name: 'made by bot' } });
        expect(made.status, made.text).toBe(201);
        expect(made.body.key).toMatchObject({ tenantId: 'acme', createdBy: bot.key.id });
        expect((await client.api('GET', '', { headers: { 'x-api-key': bot.secret } })).status).toBe(200);
        const meta = await client.api('GET', '/meta', { headers: auth });
        expect(meta.body.actor).toEqual({ id: bot.key.id, tenantId: 'acme', type: 'api_key' });
        expect(meta.body.permissions).toContain('keys:create');
        const log = await client.api('GET', `/${made.body.key.id}/audit`, { headers: auth });
        expect(log.body.items[0].actor).toMatchObject({ id: bot.key.id, type: 'api_key' });
        expect((await client.api('POST', `/${made.body.key.id}/revoke`, { headers: auth })).status).toBe(200);
        // Its own tenant only.
        const foreign = await client.api('POST', '', { actor: OTHER_ADMIN, body: { name: 'globex key' } });
        expectProblem(await client.api('GET', `/${foreign.body.key.id}`, { headers: auth }), 404, 'KEY_NOT_FOUND');

        const reader = await create({ name: 'reader', scopes: ['keys:read'] });
        const readerAuth = { authorization: `Bearer ${reader.secret}` };
        expect((await client.api('GET', '', { headers: readerAuth })).status).toBe(200);
        expectProblem(await client.api('POST', '', { headers: readerAuth, body: { name: 'x' } }), 403, 'FORBIDDEN');
        const plain = await create({ name: 'weather only', scopes: ['weather:read'] });
        expectProblem(await client.api('GET', '', { headers: { authorization: `Bearer ${plain.secret}` } }), 403, 'FORBIDDEN');
        expectProblem(await client.api('GET', '', { headers: { authorization: 'Bearer sk_live_nope' } }), 401, 'INVALID_API_KEY');
        // A signed-in user is the actor even when a key is also present.
        const asUser = await client.api('GET', '/meta', { actor: VIEWER, headers: auth });
        expect(asUser.body.actor.id).toBe('u-view');
      });
    });

    describe('requireApiKey', () => {
      const get = (path: string, headers: Record<string, string> = {}) => client.call('GET', path, { headers });
      const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

      it('puts the verified key on the request and accepts Bearer (any case) or x-api-key', async () => {
        const { key, secret } = await create({ scopes: ['weather:read'] });
        for (const headers of [bearer(secret), { authorization: `bearer ${secret}` }, { authorization: `BEARER  ${secret}` }, { 'x-api-key': secret }, { ...bearer(secret), 'x-api-key': secret }]) {
          const reply = await get('/host/read', headers);
          expect(reply.status, JSON.stringify(headers)).toBe(200);
          expect(reply.body).toEqual({ keyId: key.id, tenantId: 'acme' });
        }
      });

      it('answers 401 with a Bearer challenge to a missing key, and never reads the query string', async () => {
        const { secret } = await create();
        for (const reply of [await get('/host/open'), await get(`/host/open?api_key=${secret}&key=${secret}&access_token=${secret}`), await get('/host/open', { authorization: `Basic ${secret}` })]) {
          expectProblem(reply, 401, 'API_KEY_REQUIRED');
          expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="api"');
        }
      });

      it('answers 401 AMBIGUOUS_API_KEY when two different keys are sent', async () => {
        const a = await create();
        const b = await create();
        const reply = await get('/host/open', { ...bearer(a.secret), 'x-api-key': b.secret });
        expectProblem(reply, 401, 'AMBIGUOUS_API_KEY');
        expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_request"/);
      });

      it('answers malformed and unknown keys identically (INVALID_API_KEY), revealing nothing about ids', async () => {
        const { key, secret } = await create();
        const wrongSecret = secret.slice(0, -6) + (secret.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
        const unknownId = secret.replace(key.id, 'ZZZZZZZZZZZZZZZZ');
        const replies = [await get('/host/open', bearer('garbage')), await get('/host/open', bearer(unknownId)), await get('/host/open', bearer(wrongSecret)), await get('/host/open', bearer(''))];
        for (const reply of replies) {
          expectProblem(reply, 401, 'INVALID_API_KEY');
          expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_token"/);
          expect(reply.text).not.toContain(key.id);
        }
        const bodies = replies.map((r) => r.text);
        expect(new Set(bodies).size).toBe(1);
        // Past the failed-verification limit, the answer is still the same 401.
        for (let i = 0; i < 12; i++) await get('/host/open', bearer(wrongSecret));
        const limited = await get('/host/open', bearer(wrongSecret));
        expect(limited.text).toBe(bodies[0]);
      });

      it('answers 401 to revoked, disabled and expired keys, saying which', async () => {
        const revoked = await create();
        await client.api('POST', `/${revoked.key.id}/revoke`, { actor: ADMIN });
        const r = await get('/host/open', bearer(revoked.secret));
        expectProblem(r, 401, 'API_KEY_REVOKED');
        expect(r.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

        const disabled = await create();
        await client.api('PATCH', `/${disabled.key.id}`, { actor: ADMIN, body: { enabled: false } });
        expectProblem(await get('/host/open', bearer(disabled.secret)), 401, 'API_KEY_DISABLED');
        await client.api('PATCH', `/${disabled.key.id}`, { actor: ADMIN, body: { enabled: true } });
        expect((await get('/host/open', bearer(disabled.secret))).status).toBe(200);

        const expiring = await create({ expiresIn: 1 });
        expect((await get('/host/open', bearer(expiring.secret))).status).toBe(200);
        await sleep(1100);
        const e = await get('/host/open', bearer(expiring.secret));
        expectProblem(e, 401, 'API_KEY_EXPIRED');
        expect(e.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      });

      it('answers 403 insufficient_scope naming the scope; mode any needs one', async () => {
        const { secret } = await create({ scopes: ['weather:read'] });
        const reply = await get('/host/write', bearer(secret));
        expectProblem(reply, 403, 'INSUFFICIENT_SCOPE');
        expect(reply.headers.get('www-authenticate')).toBe(
          'Bearer realm="api", error="insufficient_scope", error_description="The API key lacks a required scope", scope="weather:write"',
        );
        expect(reply.body.missingScopes).toEqual(['weather:write']);
        expect((await get('/host/any', bearer(secret))).status).toBe(200);
        const wildcard = await create({ scopes: ['weather:*'] });
        expect((await get('/host/write', bearer(wildcard.secret))).status).toBe(200);
      });

      it('enforces IP allowlists with the socket address when proxies are not trusted', async () => {
        const remote = await create({ ipAllowlist: ['203.0.113.7/32'] });
        const spoofed = await get('/host/open', { ...bearer(remote.secret), 'x-forwarded-for': '203.0.113.7' });
        expectProblem(spoofed, 403, 'IP_NOT_ALLOWED');
        const local = await create({ ipAllowlist: ['127.0.0.1/32', '::1/128'] });
        expect((await get('/host/open', { ...bearer(local.secret), 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
      });

      it("enforces IP allowlists with the forwarded address when the app trusts its proxy", async () => {
        const trusted = await start({}, { trustProxy: true });
        const mk = (ipAllowlist: string[]) => trusted.client.api('POST', '', { actor: ADMIN, body: { name: 'ip', ipAllowlist } });
        const remote = (await mk(['203.0.113.7/32'])).body;
        expect((await trusted.client.call('GET', '/host/open', { headers: { ...bearer(remote.secret), 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
        expectProblem(await trusted.client.call('GET', '/host/open', { headers: { ...bearer(remote.secret), 'x-forwarded-for': '198.51.100.1' } }), 403, 'IP_NOT_ALLOWED');
        expectProblem(await trusted.client.call('GET', '/host/open', { headers: bearer(remote.secret) }), 403, 'IP_NOT_ALLOWED');
      });

      it('sends all five rate-limit headers, then 429 with Retry-After', async () => {
        const { secret } = await create({ rateLimit: { limit: 2, windowSeconds: 60 } });
        const first = await get('/host/open', bearer(secret));
        expect(first.status).toBe(200);
        expectRateLimitHeaders(first, 2, 60);
        expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
        expect(first.headers.get('ratelimit')).toMatch(/^limit=2, remaining=1, reset=\d+$/);
        const second = await get('/host/open', bearer(secret));
        expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
        const third = await get('/host/open', bearer(secret));
        expectProblem(third, 429, 'RATE_LIMITED');
        expectRateLimitHeaders(third, 2, 60);
        const retry = third.headers.get('retry-after');
        expect(retry).toMatch(/^[1-9]\d*$/);
        const unlimited = await create({ rateLimit: null });
        const free = await get('/host/open', bearer(unlimited.secret));
        expect(free.status).toBe(200);
        expect(free.headers.get('ratelimit')).toBeNull();
        expect(free.headers.get('x-ratelimit-limit')).toBeNull();
        const defaults = await create();
        expectRateLimitHeaders(await get('/host/open', bearer(defaults.secret)), 100, 60);
      });

      it("counts usage per request, including the host route's errors and refusals", async () => {
        const { key, secret } = await create({ scopes: ['weather:read'], rateLimit: null });
        expect((await get('/host/read', bearer(secret))).status).toBe(200);
        expect((await get('/host/open', bearer(secret))).status).toBe(200);
        expect((await get('/host/fail', bearer(secret))).status).toBe(500);
        expect((await get('/host/throw', bearer(secret))).status).toBe(500);
        expect((await get('/host/write', bearer(secret))).status).toBe(403);
        await eventually(
          () => client.api('GET', `/${key.id}`, { actor: VIEWER }),
          (reply) => expect(reply.body.usage).toMatchObject({ requests: 5, errors: 3 }),
        );
        const details = await client.api('GET', `/${key.id}`, { actor: VIEWER });
        expect(typeof details.body.usage.lastUsedAt).toBe('string');
        const today = new Date().toISOString().slice(0, 10);
        const usage = await client.api('GET', `/${key.id}/usage?from=${today}&to=${today}`, { actor: VIEWER });
        expect(usage.body.days).toEqual([{ day: today, requests: 5, errors: 3 }]);
      });

      it('answers 503 without details when the store fails, on both sides', async () => {
        const storage = breakableStorage();
        const fragile = await start({}, { storage });
        const made = await fragile.client.api('POST', '', { actor: ADMIN, body: { name: 'fragile' } });
        expect(made.status).toBe(201);
        storage.broken = true;
        try {
          // A fresh manager would have the key in its cache; this one was never verified, so verify hits the store.
          const guarded = await fragile.client.call('GET', '/host/open', { headers: bearer(made.body.secret) });
          expectProblem(guarded, 503, 'STORAGE_UNAVAILABLE');
          const managed = await fragile.client.api('GET', `/${made.body.key.id}`, { actor: ADMIN });
          expectProblem(managed, 503, 'STORAGE_UNAVAILABLE');
          for (const reply of [guarded, managed]) {
            expect(reply.text).not.toMatch(/ECONNREFUSED|hunter2|10\.0\.0\.5|stack/);
          }
        } finally {
          storage.broken = false;
        }
        expect((await fragile.client.call('GET', '/host/open', { headers: bearer(made.body.secret) })).status).toBe(200);
      });

      it('answers 503 DISABLED everywhere when keygate is switched off', async () => {
        const off = await start({ enabled: false });
        expectProblem(await off.client.api('GET', '', { actor: ADMIN }), 503, 'DISABLED');
        expectProblem(await off.client.call('GET', '/host/open', { headers: bearer('sk_live_whatever') }), 503, 'DISABLED');
      });
    });
  });
}
