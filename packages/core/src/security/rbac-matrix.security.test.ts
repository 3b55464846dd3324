/**
 * Every management route tried by every kind of caller, over HTTP. The
 * table below is the one source of truth for who may do what; it is copied
 * into docs/security.md. A refused call (401, 403, 404) changes nothing in
 * the store, and another tenant's admin cannot tell a foreign key from a
 * missing one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManager } from '../manager.js';
import { BASE, call, dumpableStorage, listen, nodeApp, type DumpableStorage, type LoopbackServer } from './harness.js';

type Caller = 'super_admin' | 'admin' | 'developer' | 'viewer' | 'unknown role' | 'no role' | 'no actor' | 'other tenant admin' | 'API key keys:read' | 'API key keys:*';
type Route = 'meta' | 'openapi' | 'create' | 'list' | 'get' | 'update' | 'regenerate' | 'revoke' | 'reveal' | 'delete' | 'usage' | 'audit' | 'key audit' | 'whoami' | 'identities' | 'create identity' | 'get identity' | 'update identity' | 'delete identity' | 'get policy' | 'update policy';

const ROUTES: Record<Route, { method: string; path: (id: string) => string; body?: unknown }> = {
  meta: { method: 'GET', path: () => '/meta' },
  openapi: { method: 'GET', path: () => '/openapi.json' },
  create: { method: 'POST', path: () => '', body: { name: 'matrix' } },
  list: { method: 'GET', path: () => '' },
  get: { method: 'GET', path: (id) => `/${id}` },
  update: { method: 'PATCH', path: (id) => `/${id}`, body: { name: 'renamed' } },
  regenerate: { method: 'POST', path: (id) => `/${id}/regenerate` },
  revoke: { method: 'POST', path: (id) => `/${id}/revoke` },
  reveal: { method: 'POST', path: (id) => `/${id}/reveal` },
  delete: { method: 'DELETE', path: (id) => `/${id}` },
  usage: { method: 'GET', path: (id) => `/${id}/usage` },
  audit: { method: 'GET', path: () => '/audit' },
  'key audit': { method: 'GET', path: (id) => `/${id}/audit` },
  // A well-formed key that does not exist: whoever may look keys up gets 404.
  whoami: { method: 'POST', path: () => '/whoami', body: { key: 'sk_live_ZZZZZZZZZZZZZZZZ_00000000000000000000000000000000000000' } },
  identities: { method: 'GET', path: () => '/identities' },
  'create identity': {
    method: 'POST',
    path: () => '/identities',
    body: {
      // A new external id for every call, read when the body is serialised.
      get externalId() {
        return `cus_${Math.random().toString(36).slice(2)}`;
      },
    },
  },
  // The key's id names no identity: callers who may act get 404, like for a missing key.
  'get identity': { method: 'GET', path: (id) => `/identities/${id}` },
  'update identity': { method: 'PATCH', path: (id) => `/identities/${id}`, body: { metadata: {} } },
  'delete identity': { method: 'DELETE', path: (id) => `/identities/${id}` },
  'get policy': { method: 'GET', path: () => '/policy' },
  // Changes nothing that the other cells depend on.
  'update policy': { method: 'PUT', path: () => '/policy', body: { requireExpiry: false } },
};

/**
 * Expected status per route (rows) and caller (columns), on a key of tenant
 * `acme`. Server-side secret storage is on, so reveal can succeed.
 */
// prettier-ignore
export const RBAC_MATRIX: Record<Route, Record<Caller, number>> = {
  //            super_admin admin developer viewer unknown-role no-role no-actor other-tenant key:keys:read key:keys:*
  meta:         { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 200, 'no role': 200, 'no actor': 401, 'other tenant admin': 200, 'API key keys:read': 200, 'API key keys:*': 200 },
  openapi:      { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 200, 'no role': 200, 'no actor': 200, 'other tenant admin': 200, 'API key keys:read': 200, 'API key keys:*': 200 },
  create:       { super_admin: 201, admin: 201, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 201, 'API key keys:read': 403, 'API key keys:*': 201 },
  list:         { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 200, 'API key keys:read': 200, 'API key keys:*': 200 },
  get:          { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 200, 'API key keys:*': 200 },
  update:       { super_admin: 200, admin: 200, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 200 },
  regenerate:   { super_admin: 200, admin: 200, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 200 },
  revoke:       { super_admin: 200, admin: 200, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 200 },
  reveal:       { super_admin: 200, admin: 200, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 200 },
  delete:       { super_admin: 204, admin: 204, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 204 },
  usage:        { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 403 },
  audit:        { super_admin: 200, admin: 200, developer: 200, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 200, 'API key keys:read': 403, 'API key keys:*': 403 },
  'key audit':  { super_admin: 200, admin: 200, developer: 200, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 403 },
  whoami:       { super_admin: 404, admin: 404, developer: 404, viewer: 404, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 404, 'API key keys:*': 404 },
  identities:   { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 200, 'API key keys:read': 200, 'API key keys:*': 200 },
  'create identity': { super_admin: 201, admin: 201, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 201, 'API key keys:read': 403, 'API key keys:*': 201 },
  'get identity':    { super_admin: 404, admin: 404, developer: 404, viewer: 404, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 404, 'API key keys:*': 404 },
  'update identity': { super_admin: 404, admin: 404, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 404 },
  'delete identity': { super_admin: 404, admin: 404, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 404, 'API key keys:read': 403, 'API key keys:*': 404 },
  'get policy':      { super_admin: 200, admin: 200, developer: 200, viewer: 200, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 200, 'API key keys:read': 200, 'API key keys:*': 200 },
  'update policy':   { super_admin: 200, admin: 200, developer: 403, viewer: 403, 'unknown role': 403, 'no role': 403, 'no actor': 401, 'other tenant admin': 200, 'API key keys:read': 403, 'API key keys:*': 403 },
};

const CALLERS = Object.keys(RBAC_MATRIX.meta) as Caller[];
const MASTER = { id: 'm1', key: Buffer.alloc(32, 7).toString('base64') };

describe('RBAC and tenancy: every route × every caller', () => {
  let manager: KeyManager;
  let storage: DumpableStorage;
  let server: LoopbackServer;
  const apiKeys: Partial<Record<Caller, string>> = {};

  beforeAll(async () => {
    storage = dumpableStorage();
    manager = new KeyManager({ storage, logger: { warn() {}, error() {} }, config: { hasher: 'sha256', storeSecretsServerSide: true, masterKeys: [MASTER], rateLimitThreshold: null } });
    server = await listen(nodeApp(manager));
    const admin = { id: 'setup', tenantId: 'acme', role: 'admin' };
    apiKeys['API key keys:read'] = (await manager.create(admin, { name: 'reader', scopes: ['keys:read'] })).secret;
    apiKeys['API key keys:*'] = (await manager.create(admin, { name: 'manager', scopes: ['keys:*'] })).secret;
  });
  afterAll(async () => {
    await server.close();
    await manager.close();
  });

  function credentials(caller: Caller): { actor?: string; headers?: Record<string, string> } {
    switch (caller) {
      case 'no actor':
        return {};
      case 'no role':
        return { actor: 'u-norole:acme' };
      case 'unknown role':
        return { actor: 'u-intern:acme:intern' };
      case 'other tenant admin':
        return { actor: 'u-other:globex:admin' };
      case 'API key keys:read':
      case 'API key keys:*':
        return { headers: { authorization: `Bearer ${apiKeys[caller]}` } };
      default:
        return { actor: `u-${caller}:acme:${caller}` };
    }
  }

  const cells = (Object.keys(ROUTES) as Route[]).flatMap((route) => CALLERS.map((caller) => [route, caller, RBAC_MATRIX[route][caller]] as const));

  it.each(cells)('%s by %s → %i', async (route, caller, expected) => {
    const { key } = await manager.create({ id: 'setup', tenantId: 'acme', role: 'admin' }, { name: 'target' });
    const spec = ROUTES[route];
    await manager.flush();
    const before = storage.snapshot();
    const reply = await call(server.url, spec.method, BASE + spec.path(key.id), { ...credentials(caller), ...(spec.body ? { body: spec.body } : {}) });
    expect(reply.status, reply.text).toBe(expected);
    await manager.flush();
    if (expected >= 400) {
      expect(storage.snapshot(), 'a refused call changed the store').toBe(before);
      if (expected === 404) {
        // Exactly what an unknown id gets: a foreign key is indistinguishable from a missing one.
        const unknown = await call(server.url, spec.method, BASE + spec.path('ZZZZZZZZZZZZZZZZ'), { ...credentials(caller), ...(spec.body ? { body: spec.body } : {}) });
        expect(unknown.status).toBe(404);
        expect({ ...unknown.json, instance: undefined }).toEqual({ ...reply.json, instance: undefined });
      }
    }
    if (caller === 'other tenant admin' && reply.status === 200 && (route === 'list' || route === 'audit')) {
      expect(reply.text).not.toContain(key.id);
      expect(reply.text).not.toContain('acme');
    }
  });

  it('the matrix covers every management route of the route table', async () => {
    const { MANAGEMENT_ROUTES } = await import('../http/routes.js');
    const covered = new Set(Object.values(ROUTES).map((r) => `${r.method} ${r.path(':id').replace(/^$/, '/')}`));
    for (const route of MANAGEMENT_ROUTES) {
      if (route.name === 'reports') continue; // only served with a reports provider (@keygate/monitor); same permission as usage
      const path = route.pattern.length === 0 ? '/' : `/${route.pattern.join('/')}`;
      expect(covered, `${route.method} ${path}`).toContain(`${route.method} ${path}`);
    }
  });
});
