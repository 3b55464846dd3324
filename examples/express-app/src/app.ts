/**
 * Skycast on Express 5: the framework glue around the shared demo host.
 * Everything here is "which route calls which handler"; the behaviour is
 * in `@keygate/example-shared`, the same for the Koa app.
 *
 * @module
 */
import express, { type Request, type Response } from 'express';
import { keygateRouter, requireApiKey } from '@keygate/express';
import { KEYS_ENDPOINT, UI_ASSETS_PATH, type DemoHost, type PageRequest, type Reply } from '@keygate/example-shared';

function send(res: Response, reply: Reply): void {
  res.status(reply.status).set(reply.headers).end(reply.body);
}

function pageRequest(req: Request): PageRequest {
  return { headers: req.headers, secure: req.secure };
}

/** The Express app for `host`. */
export function createApp(host: DemoHost): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // req.ip is the socket address; behind a proxy set this to that proxy (keygate never reads X-Forwarded-For itself).
  app.set('trust proxy', false);

  app.get('/', (req, res) => send(res, host.landing(pageRequest(req))));
  app.get('/login', (req, res) => send(res, host.loginForm(pageRequest(req), new URLSearchParams(req.url.split('?')[1] ?? ''))));
  app.post('/login', async (req, res) => send(res, await host.login({ ...pageRequest(req), body: req })));
  app.post('/logout', (req, res) => send(res, host.logout(pageRequest(req))));
  app.get('/settings/api-keys', (req, res) => send(res, host.apiKeys(pageRequest(req))));
  app.get(`${UI_ASSETS_PATH}/*file`, async (req, res) => send(res, await host.uiAsset(req.path.slice(UI_ASSETS_PATH.length + 1))));

  // keygate's management API, acting as the signed-in user (changes need the page's CSRF token).
  app.use(KEYS_ENDPOINT, (req, res, next) => {
    const refused = host.csrfCheck(req.method, req.headers);
    if (refused) send(res, refused);
    else next();
  });
  app.use(keygateRouter(host.manager, { getActor: (req) => host.actorFor(req.headers) }));

  // The host's own API, behind API keys with scopes.
  app.get('/api/weather', requireApiKey(host.manager, { scopes: ['weather:read'] }), (req, res) =>
    send(res, host.weather(new URLSearchParams(req.url.split('?')[1] ?? ''))),
  );
  app.get('/api/notes', requireApiKey(host.manager, { scopes: ['notes:read'] }), (req, res) => send(res, host.listNotes(req.apiKey!)));
  app.post('/api/notes', requireApiKey(host.manager, { scopes: ['notes:write'] }), async (req, res) =>
    send(res, await host.addNote(req.apiKey!, { headers: req.headers, body: req })),
  );

  app.use((req, res) => send(res, host.notFound(pageRequest(req))));
  return app;
}
