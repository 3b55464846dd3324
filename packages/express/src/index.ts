/**
 * @keygate/express: the keygate management API and `requireApiKey` for
 * Express 5. A translation layer only; the behaviour lives in
 * `@keygate/core`'s HTTP layer, shared with the Koa adapter.
 *
 * @packageDocumentation
 */
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import {
  type ApiKey,
  type AuthenticateOptions,
  createAuthenticator,
  createManagementHandler,
  credentialHeaders,
  guardNodeRequest,
  type GetActor,
  type KeyManager,
  type ManagementOptions,
  nodeRequestBody,
  pathOf,
  splitUrl,
  writeNodeResponse,
} from '@keygate/core';
import { apiKeySlot } from './api-key-slot.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified API key, set by `requireApiKey`. */
      apiKey?: ApiKey;
    }
  }
}

/** Options of {@link keygateRouter}. */
export interface KeygateRouterOptions extends Omit<ManagementOptions, 'getActor'> {
  /** Who is calling, from your own session or auth; `undefined` when nobody is signed in. */
  getActor: GetActor<Request>;
}

/**
 * A Router serving the management API under `basePath` (default
 * `/api/v1/platform/api-keys`); `app.use(keygateRouter(manager, { getActor }))`.
 * Works with or without `express.json()` before it. The client address is
 * `req.ip`, so `app.set('trust proxy', …)` decides whether X-Forwarded-For counts.
 */
export function keygateRouter(manager: KeyManager, options: KeygateRouterOptions): Router {
  const handler = createManagementHandler(manager, options);
  const router = Router();
  router.use(handler.basePath || '/', (req: Request, res: Response, next: NextFunction) => {
    const { pathname, query } = splitUrl(req.url);
    handler({
      method: req.method,
      path: pathname === '/' ? '' : pathname,
      query,
      headers: credentialHeaders(req),
      ...(req.ip !== undefined ? { ip: req.ip } : {}),
      body: nodeRequestBody(req),
      raw: req,
      basePath: req.baseUrl,
    }).then((response) => writeNodeResponse(res, response), next);
  });
  return router;
}

/** Options of {@link requireApiKey}. */
export type RequireApiKeyOptions = AuthenticateOptions;

/**
 * Middleware that lets a request through only with a valid API key holding
 * `scopes` (`mode` `all` or `any`). Puts the key on `req.apiKey`, sets the
 * rate-limit headers, and counts the request (as an error when the final
 * status is >= 400). Refusals are problem+json: 401, 403, 429, 503.
 */
export function requireApiKey(manager: KeyManager, options: RequireApiKeyOptions = {}): RequestHandler {
  const auth = createAuthenticator(manager, options);
  const attach = apiKeySlot();
  return (req, res, next) => {
    guardNodeRequest(auth, { headers: credentialHeaders(req, auth.headerNames), ip: () => req.ip, path: () => pathOf(req.originalUrl), route: routeOf(req) }, req, res, next, attach);
  };
}

/**
 * The route tag when the options name none: a pattern, never the raw URL.
 * Inside a route (`app.get('/items/:id', requireApiKey(…), …)`) the matched
 * path under the mount path, like @koa/router's matched pattern; otherwise
 * (`app.use(requireApiKey(…))`, or a route path that is not a string) the mount path.
 */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? req.baseUrl + pattern : req.baseUrl;
}
