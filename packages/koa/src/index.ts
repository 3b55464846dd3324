/**
 * @keygate/koa: the keygate management API and `requireApiKey` for Koa 3.
 * A translation layer only; the behaviour lives in `@keygate/core`'s HTTP
 * layer, shared with the Express adapter.
 *
 * @packageDocumentation
 */
import type { Context, Middleware, Next } from 'koa';
import {
  type ApiKey,
  type AuthenticateOptions,
  type AuthOutcome,
  type AuthRequest,
  createAuthenticator,
  createManagementHandler,
  credentialHeaders,
  type GetActor,
  type HttpResponse,
  type KeyManager,
  type ManagementOptions,
  nodeRequestBody,
  stripBase,
} from '@keygate/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified API key, set by `requireApiKey`. */
    apiKey?: ApiKey;
  }
}

/** Options of {@link keygateRoutes}. */
export interface KeygateRoutesOptions extends Omit<ManagementOptions, 'getActor'> {
  /** Who is calling, from your own session or auth (receives the koa `ctx`); `undefined` when nobody is signed in. */
  getActor: GetActor<Context>;
}

function send(ctx: Context, response: HttpResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  ctx.body = response.body ?? null;
}

/**
 * Middleware serving the management API under `basePath` (default
 * `/api/v1/platform/api-keys`); other paths pass through. Works with or
 * without a body parser before it. The client address is `ctx.ip`, so
 * `app.proxy` decides whether X-Forwarded-For counts.
 */
export function keygateRoutes(manager: KeyManager, options: KeygateRoutesOptions): Middleware {
  const handler = createManagementHandler(manager, options);
  return async (ctx, next) => {
    const path = stripBase(handler.basePath, ctx.path);
    if (path === undefined) return next();
    const parsed = (ctx.request as { body?: unknown }).body;
    const response = await handler({
      method: ctx.method,
      path,
      query: new URLSearchParams(ctx.querystring),
      headers: credentialHeaders(ctx.req),
      ip: ctx.ip,
      body: parsed !== undefined ? { kind: 'parsed', value: parsed } : nodeRequestBody(ctx.req),
      raw: ctx,
    });
    send(ctx, response);
  };
}

/** Options of {@link requireApiKey}. */
export type RequireApiKeyOptions = AuthenticateOptions;

/**
 * Middleware that lets a request through only with a valid API key holding
 * `scopes` (`mode` `all` or `any`). Puts the key on `ctx.state.apiKey`, sets
 * the rate-limit headers, and counts the request (as an error when the final
 * status is >= 400 or downstream throws). Refusals are problem+json: 401,
 * 403, 429, 503.
 */
export function requireApiKey(manager: KeyManager, options: RequireApiKeyOptions = {}): Middleware {
  const auth = createAuthenticator(manager, options);
  // Not async: a cached key is answered synchronously, and going on with next()'s own promise saves the promise and hop an async function adds per request.
  return (ctx, next) => {
    // The route tag defaults to @koa/router's matched pattern when the middleware runs inside a route; name it with `tags: { route }` otherwise.
    const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
    // Address and path are read only when needed (an IP rule or audit event; a refusal): each is a getter chain in Koa.
    const request: AuthRequest = { headers: credentialHeaders(ctx.req, auth.headerNames), ip: () => ctx.ip, path: () => ctx.path, route: typeof matched === 'string' ? matched : undefined };
    const pending = auth(request);
    return pending instanceof Promise ? pending.then((outcome) => proceed(ctx, next, outcome)) : proceed(ctx, next, pending);
  };
}

function proceed(ctx: Context, next: Next, outcome: AuthOutcome): Promise<void> | void {
  if (!outcome.ok) return send(ctx, outcome.response);
  // One by one: a key without a rate limit has no headers, and then Koa's set() is not entered at all.
  for (const name in outcome.headers) ctx.set(name, outcome.headers[name]!);
  ctx.state.apiKey = outcome.key;
  return next().then(
    () => outcome.finish(ctx.status),
    (error: unknown) => {
      outcome.finish(500);
      // Koa's error response drops the headers set so far; it keeps error.headers.
      if (error !== null && typeof error === 'object' && Object.isExtensible(error)) {
        const e = error as { headers?: Record<string, string> };
        e.headers = { ...outcome.headers, ...e.headers };
      }
      throw error;
    },
  );
}
