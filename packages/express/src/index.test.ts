import express, { type Request } from 'express';
import { describe, expect, it } from 'vitest';
import { createKeyManager } from '@keygate/core';
import { listenOnLoopback, runHttpConformance } from '@keygate/core/testing';
import { apiKeySlot } from './api-key-slot.js';
import { keygateRouter, requireApiKey } from './index.js';

runHttpConformance('express', ({ manager, basePath, actorFromHeaders, trustProxy, hostRoutes }) => {
  const app = express();
  app.set('trust proxy', trustProxy);
  app.use(keygateRouter(manager, { basePath, getActor: (req: Request) => actorFromHeaders(req.headers) }));
  for (const route of hostRoutes) {
    app.get(route.path, requireApiKey(manager, { scopes: route.scopes ?? [], mode: route.mode ?? 'all', ...(route.tags ? { tags: route.tags } : {}) }), (req, res) => {
      if (route.respond === 'throw') throw new Error('boom');
      if (route.respond === 'error') return void res.status(500).json({ error: 'boom' });
      res.json({ keyId: req.apiKey!.id, tenantId: req.apiKey!.tenantId });
    });
  }
  // Quiet default error output for the 'throw' route.
  app.use((_error: unknown, _req: Request, res: express.Response, _next: express.NextFunction) => void res.status(500).json({ error: 'boom' }));
  return listenOnLoopback(app);
});

describe('express specifics', () => {
  const admin = { id: 'u1', tenantId: 'acme', role: 'admin' };

  it('reads a body express.json() already parsed, and mounts under a prefix', async () => {
    const manager = createKeyManager();
    const app = express();
    app.use(express.json(), express.urlencoded());
    app.use('/admin', keygateRouter(manager, { basePath: '/keys', getActor: () => admin }));
    const server = await listenOnLoopback(app);
    try {
      const post = (body: string, type: string) => fetch(`${server.baseUrl}/admin/keys`, { method: 'POST', body, headers: { 'content-type': type } });
      const created = await post(JSON.stringify({ name: 'parsed' }), 'application/json');
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: { id: string } };
      expect(created.headers.get('location')).toBe(`/admin/keys/${key.id}`);
      const unknown = await post(JSON.stringify({ name: 'x', nope: 1 }), 'application/json');
      expect(unknown.status).toBe(422);
      expect(((await unknown.json()) as { errors: unknown[] }).errors).toEqual([{ field: '/nope', message: 'is not a known field' }]);
      expect((await post('name=form', 'application/x-www-form-urlencoded')).status).toBe(415);
      expect((await fetch(`${server.baseUrl}/admin/keys/${key.id}`, { headers: {} })).status).toBe(200);
      expect((await fetch(`${server.baseUrl}/keys`)).status).toBe(404);
    } finally {
      await server.close();
      await manager.close();
    }
  });

  it('counts usage under the matched route pattern by default, the mount path outside a route', async () => {
    const manager = createKeyManager({ config: { usageFlushInterval: '1h' } });
    const { key, secret } = await manager.create(admin, { name: 'routes', scopes: [], rateLimit: null });
    const app = express();
    const ok = (_req: express.Request, res: express.Response) => void res.json({ ok: true });
    app.get('/items/:id', requireApiKey(manager), ok);
    const api = express.Router();
    api.get('/users/:id', requireApiKey(manager), ok);
    api.use('/open', requireApiKey(manager), ok);
    app.use('/api', api);
    app.get(/^\/re\/.*/, requireApiKey(manager), ok);
    const server = await listenOnLoopback(app);
    try {
      for (const path of ['/items/1', '/items/2', '/api/users/7', '/api/open/anything', '/re/x']) {
        expect((await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
      }
      await manager.flush();
      const { groups } = await manager.usageByTag(admin, key.id, { tag: 'route' });
      expect(Object.fromEntries(groups.map((g) => [g.value, g.requests]))).toEqual({ '/items/:id': 2, '/api/users/:id': 1, '/api/open': 1, '/': 1 });
    } finally {
      await server.close();
      await manager.close();
    }
  });

  it('puts the key on req.apiKey through an accessor on express.request, adding no property to the request', async () => {
    const manager = createKeyManager();
    const { key, secret } = await manager.create(admin, { name: 'slot', scopes: [] });
    const app = express();
    app.get('/keyed', requireApiKey(manager), (req, res) => res.json({ id: req.apiKey?.id, own: Object.hasOwn(req, 'apiKey') }));
    app.get('/open', (req, res) => res.json({ apiKey: req.apiKey ?? null }));
    const server = await listenOnLoopback(app);
    try {
      const keyed = await fetch(`${server.baseUrl}/keyed`, { headers: { authorization: `Bearer ${secret}` } });
      expect(await keyed.json()).toEqual({ id: key.id, own: false });
      expect(await (await fetch(`${server.baseUrl}/open`)).json()).toEqual({ apiKey: null });
    } finally {
      await server.close();
      await manager.close();
    }
  });

  it('gives a request that does not inherit from express.request a plain property', async () => {
    const manager = createKeyManager();
    const { key } = await manager.create(admin, { name: 'plain', scopes: [] });
    const req = {} as Request;
    apiKeySlot()(req, key);
    expect(Object.hasOwn(req, 'apiKey')).toBe(true);
    expect(req.apiKey).toBe(key);
    await manager.close();
  });
});
