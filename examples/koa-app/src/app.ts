/**
 * Skycast on Koa 3: the framework glue around the shared demo host.
 * Everything here is "which route calls which handler"; the behaviour is
 * in `@keygate/example-shared`, the same for the Express app.
 *
 * @module
 */
import Koa, { type Context, type Middleware, type Next } from 'koa';
import { keygateRoutes, requireApiKey } from '@keygate/koa';
import { KEYS_ENDPOINT, UI_ASSETS_PATH, type DemoHost, type PageRequest, type Reply } from '@keygate/example-shared';

function send(ctx: Context, reply: Reply): void {
  ctx.status = reply.status;
  ctx.set(reply.headers);
  ctx.body = reply.body ?? null;
}

function pageRequest(ctx: Context): PageRequest {
  return { headers: ctx.headers, secure: ctx.secure };
}

type Handler = (ctx: Context) => Reply | Promise<Reply>;

/** A route: `method path`, optional guards (koa middleware), then the handler. */
function route(method: string, path: string, ...chain: [...Middleware[], Handler]): Middleware {
  const handler = chain.pop() as Handler;
  const guards = chain as Middleware[];
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== method || ctx.path !== path) return next();
    const run = async (i: number): Promise<void> => {
      if (i < guards.length) return void (await guards[i]!(ctx, () => run(i + 1)));
      send(ctx, await handler(ctx));
    };
    await run(0);
  };
}

/** The Koa app for `host`. */
export function createApp(host: DemoHost): Koa {
  const app = new Koa();
  // ctx.ip is the socket address; behind a proxy set app.proxy (keygate never reads X-Forwarded-For itself).
  app.proxy = false;

  app.use(route('GET', '/', (ctx) => host.landing(pageRequest(ctx))));
  app.use(route('GET', '/login', (ctx) => host.loginForm(pageRequest(ctx), new URLSearchParams(ctx.querystring))));
  app.use(route('POST', '/login', (ctx) => host.login({ ...pageRequest(ctx), body: ctx.req })));
  app.use(route('POST', '/logout', (ctx) => host.logout(pageRequest(ctx))));
  app.use(route('GET', '/settings/api-keys', (ctx) => host.apiKeys(pageRequest(ctx))));
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !ctx.path.startsWith(`${UI_ASSETS_PATH}/`)) return next();
    send(ctx, await host.uiAsset(ctx.path.slice(UI_ASSETS_PATH.length + 1)));
  });

  // keygate's management API, acting as the signed-in user (changes need the page's CSRF token).
  app.use(async (ctx, next) => {
    const refused = ctx.path.startsWith(KEYS_ENDPOINT) ? host.csrfCheck(ctx.method, ctx.headers) : undefined;
    if (refused) send(ctx, refused);
    else await next();
  });
  app.use(keygateRoutes(host.manager, { getActor: (ctx) => host.actorFor(ctx.headers) }));

  // The host's own API, behind API keys with scopes.
  app.use(route('GET', '/api/weather', requireApiKey(host.manager, { scopes: ['weather:read'] }), (ctx) => host.weather(new URLSearchParams(ctx.querystring))));
  app.use(route('GET', '/api/notes', requireApiKey(host.manager, { scopes: ['notes:read'] }), (ctx) => host.listNotes(ctx.state.apiKey!)));
  app.use(route('POST', '/api/notes', requireApiKey(host.manager, { scopes: ['notes:write'] }), (ctx) => host.addNote(ctx.state.apiKey!, { headers: ctx.headers, body: ctx.req })));

  app.use((ctx) => send(ctx, host.notFound(pageRequest(ctx))));
  return app;
}
