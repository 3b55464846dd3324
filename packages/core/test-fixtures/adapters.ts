/**
 * Express and Koa apps for core's attack suites, built from the adapters'
 * sources (`packages/express`, `packages/koa`). Loaded at run time by URL,
 * since it lives outside core's tsc rootDir and core does not depend on the
 * frameworks; `express` and `koa` resolve from the adapters' own packages.
 *
 * Each app serves the management API at the default base path (actor from
 * the `x-test-actor` header, `id:tenant:role`) and `GET /host/ok` behind
 * `requireApiKey`, answering `{ keyId, ip }`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type { RequestListener } from 'node:http';
import { keygateRouter, requireApiKey as expressGuard } from '../../express/src/index.js';
import { keygateRoutes, requireApiKey as koaGuard } from '../../koa/src/index.js';

const requireFromExpress = createRequire(new URL('../../express/package.json', import.meta.url));
const requireFromKoa = createRequire(new URL('../../koa/package.json', import.meta.url));
const express = requireFromExpress('express');
const Koa = requireFromKoa('koa');

function actorOf(headers: Record<string, unknown>): { id: string; tenantId: string; role?: string } | undefined {
  const value = headers['x-test-actor'];
  if (typeof value !== 'string') return undefined;
  const [id, tenantId, role] = value.split(':');
  if (!id || !tenantId) return undefined;
  return role === undefined ? { id, tenantId } : { id, tenantId, role };
}

/** Options of the test apps. */
export interface AppOptions {
  /** express `trust proxy` value (false, true, a hop count, an address or a list). */
  trustProxy?: unknown;
  /** Parse JSON bodies with `express.json()` before the router. */
  bodyParser?: boolean;
  scopes?: string[];
}

/** An Express 5 app as a node request listener. */
export function expressApp(manager: any, options: AppOptions = {}): RequestListener {
  const app = express();
  app.set('trust proxy', options.trustProxy ?? false);
  if (options.bodyParser) app.use(express.json({ limit: '64kb' }));
  app.use(keygateRouter(manager, { getActor: (req: any) => actorOf(req.headers) as never, onError: () => undefined }));
  app.get('/host/ok', expressGuard(manager, options.scopes ? { scopes: options.scopes } : {}), (req: any, res: any) => {
    res.json({ keyId: req.apiKey?.id, ip: req.ip });
  });
  return app;
}

/** A Koa 3 app as a node request listener; `proxy` is koa's `app.proxy`. */
export function koaApp(manager: any, options: { proxy?: boolean; maxIpsCount?: number; scopes?: string[] } = {}): RequestListener {
  const app = new Koa();
  app.proxy = options.proxy ?? false;
  if (options.maxIpsCount !== undefined) app.maxIpsCount = options.maxIpsCount;
  app.silent = true;
  app.use(keygateRoutes(manager, { getActor: (ctx: any) => actorOf(ctx.headers) as never, onError: () => undefined }));
  const guard = koaGuard(manager, options.scopes ? { scopes: options.scopes } : {});
  app.use(async (ctx: any, next: () => Promise<void>) => {
    if (ctx.path !== '/host/ok') return next();
    await guard(ctx, async () => {
      ctx.body = { keyId: ctx.state.apiKey?.id, ip: ctx.ip };
    });
  });
  return app.callback();
}
