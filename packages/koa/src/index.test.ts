import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { createKeyManager } from '@keygate/core';
import { listenOnLoopback, runHttpConformance } from '@keygate/core/testing';
import { keygateRoutes, requireApiKey } from './index.js';

runHttpConformance('koa', ({ manager, basePath, actorFromHeaders, trustProxy, hostRoutes }) => {
  const app = new Koa();
  app.proxy = trustProxy;
  app.silent = true;
  app.use(keygateRoutes(manager, { basePath, getActor: (ctx) => actorFromHeaders(ctx.headers) }));
  const routes = new Map(hostRoutes.map((r) => [r.path, { route: r, guard: requireApiKey(manager, { scopes: r.scopes ?? [], mode: r.mode ?? 'all', ...(r.tags ? { tags: r.tags } : {}) }) }]));
  app.use(async (ctx, next) => {
    const entry = routes.get(ctx.path);
    if (!entry) return next();
    await entry.guard(ctx, async () => {
      if (entry.route.respond === 'throw') throw new Error('boom');
      ctx.status = entry.route.respond === 'error' ? 500 : 200;
      ctx.body = entry.route.respond === 'error' ? { error: 'boom' } : { keyId: ctx.state.apiKey!.id, tenantId: ctx.state.apiKey!.tenantId };
    });
  });
  return listenOnLoopback(app.callback());
});

describe('koa specifics', () => {
  it('reads a body a body parser already put on ctx.request.body', async () => {
    const manager = createKeyManager();
    const app = new Koa();
    app.use(async (ctx, next) => {
      (ctx.request as { body?: unknown }).body = { name: 'pre-parsed', extra: true };
      await next();
    });
    app.use(keygateRoutes(manager, { basePath: '/keys', getActor: () => ({ id: 'u1', tenantId: 'acme', role: 'admin' }) }));
    const server = await listenOnLoopback(app.callback());
    try {
      const reply = await fetch(`${server.baseUrl}/keys`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(reply.status).toBe(422);
      expect(((await reply.json()) as { errors: unknown[] }).errors).toEqual([{ field: '/extra', message: 'is not a known field' }]);
      expect((await fetch(`${server.baseUrl}/elsewhere`)).status).toBe(404);
    } finally {
      await server.close();
      await manager.close();
    }
  });
});
