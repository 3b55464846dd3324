/**
 * The servers of `http.bench.ts`, in plain JavaScript over the built
 * packages (`dist/`), as a host runs them: no TypeScript loader in the
 * process, so nothing it adds per request (tsx keeps function names with a
 * call per closure) is charged to either side.
 *
 * Started by http.bench.ts with an IPC channel; answers `cpu` with this
 * process's CPU time.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const packageUrl = (name) => new URL(`../packages/${name}/`, import.meta.url);
const { createKeyManager } = await import(new URL('dist/index.js', packageUrl('core')).href);
const expressAdapter = await import(new URL('dist/index.js', packageUrl('express')).href);
const koaAdapter = await import(new URL('dist/index.js', packageUrl('koa')).href);
// express and koa are dev dependencies of the adapters: load them from there.
const express = createRequire(new URL('package.json', packageUrl('express')))('express');
const Koa = createRequire(new URL('package.json', packageUrl('koa')))('koa');

const manager = createKeyManager({ config: { auditLevel: 'basic', cache: { ttl: 3600 } }, logger: { warn() {}, error() {} } });
const { secret } = await manager.create({ id: 'bench', tenantId: 'bench', role: 'admin' }, { name: 'bench', scopes: ['hello:read'], rateLimit: null });
const warm = await manager.verify(secret, { scopes: ['hello:read'] });
if (!warm.valid) throw new Error(`bench key does not verify: ${warm.code}`);

const hello = { hello: 'world' };
// Three variants per framework, mounted the way a host writes them: the bare route, the route behind a middleware
// that does nothing (what the framework charges for one more middleware), and the route behind requireApiKey.
const expressApp = (variant) => {
  const app = express();
  app.set('etag', false);
  const handler = (_req, res) => res.json(hello);
  if (variant === 'key') app.get('/hello', expressAdapter.requireApiKey(manager, { scopes: ['hello:read'] }), handler);
  else if (variant === 'noop') app.get('/hello', (_req, _res, next) => next(), handler);
  else app.get('/hello', handler);
  return app;
};
const koaApp = (variant) => {
  const app = new Koa();
  if (variant === 'key') app.use(koaAdapter.requireApiKey(manager, { scopes: ['hello:read'] }));
  else if (variant === 'noop') app.use((_ctx, next) => next());
  app.use(async (ctx) => {
    if (ctx.path === '/hello') ctx.body = hello;
  });
  return app.callback();
};

async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

const ports = {
  expressBare: await listen(expressApp('bare')),
  expressNoop: await listen(expressApp('noop')),
  expressKey: await listen(expressApp('key')),
  koaBare: await listen(koaApp('bare')),
  koaNoop: await listen(koaApp('noop')),
  koaKey: await listen(koaApp('key')),
};
process.on('message', (m) => {
  if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
});
process.send({ ports, secret });
