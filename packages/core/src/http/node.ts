/**
 * Plain node:http glue: the management handler and the API-key guard as
 * `(req, res, next?)` functions, for hosts without a framework (and for the
 * UI's browser tests, which run a real API server this way). The Express
 * adapter reuses the request/response helpers, since its `req`/`res` are
 * node's.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKey } from '../key-view.js';
import type { KeyManager } from '../manager.js';
import { type Authenticator, createAuthenticator } from './authenticate.js';
import { credentialHeaders } from './credentials.js';
import { streamReader } from './body.js';
import { createManagementHandler } from './management.js';
import { problem } from './problem.js';
import { stripBase } from './routes.js';
import type { AuthenticateOptions, AuthOutcome, AuthRequest, HttpBody, HttpResponse, ManagementOptions } from './types.js';

/** Where the client address comes from. Default: the socket's peer. keygate never reads X-Forwarded-For itself. */
export type GetIp = (req: IncomingMessage) => string | undefined;

const socketIp: GetIp = (req) => req.socket.remoteAddress;

/** The body of a node request: what a body parser left on `req.body`, or the unread stream. */
export function nodeRequestBody(req: IncomingMessage & { body?: unknown }): HttpBody {
  const consumed = req.readableEnded || (req.complete && !req.readable);
  if (req.body !== undefined) return { kind: 'parsed', value: req.body };
  if (consumed) return { kind: 'none' };
  return { kind: 'stream', read: streamReader(req) };
}

/** Splits `req.url` into path and query without building a URL object. */
export function splitUrl(url: string | undefined): { pathname: string; query: URLSearchParams } {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? { pathname: raw, query: new URLSearchParams() } : { pathname: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}

/** The path part of a request URL. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

/** Sends an {@link HttpResponse} on a node response. */
export function writeNodeResponse(res: ServerResponse, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  if (response.body === undefined) res.end();
  else {
    res.setHeader('content-length', Buffer.byteLength(response.body));
    res.end(response.body);
  }
}

/**
 * Counts a request with `finish` once the response is done: its status when
 * it was sent, an error when the connection closed first.
 */
export function finishOnResponse(res: ServerResponse, finish: (status: number) => void): void {
  // A response always emits 'close', after 'finish' when it completed: one listener covers both outcomes.
  res.on('close', () => finish(res.writableFinished ? res.statusCode : 500));
}

/** Options of {@link createNodeHandler}. */
export interface NodeHandlerOptions extends ManagementOptions {
  getIp?: GetIp;
}

/**
 * The management API for node:http. Requests outside `basePath` go to
 * `next` when given, else get a 404 problem.
 */
export function createNodeHandler(
  manager: KeyManager,
  options: NodeHandlerOptions,
): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void {
  const handler = createManagementHandler(manager, options);
  const getIp = options.getIp ?? socketIp;
  return (req, res, next) => {
    const { pathname, query } = splitUrl(req.url);
    const path = stripBase(handler.basePath, pathname);
    if (path === undefined) {
      if (next) next();
      else writeNodeResponse(res, problem('NOT_FOUND', { instance: pathname }));
      return;
    }
    const ip = getIp(req);
    handler({ method: req.method ?? 'GET', path, query, headers: credentialHeaders(req), body: nodeRequestBody(req), raw: req, ...(ip !== undefined ? { ip } : {}) }).then(
      (response) => writeNodeResponse(res, response),
      (error: unknown) => (next ? next(error) : res.destroy()),
    );
  };
}

/** Options of {@link createNodeGuard}. */
export interface NodeGuardOptions extends AuthenticateOptions {
  getIp?: GetIp;
}

/**
 * `requireApiKey` for node:http: answers the refusal itself, or sets
 * `req.apiKey` and the rate-limit headers and calls `next()`; counts the
 * request when the response finishes.
 */
export function createNodeGuard(
  manager: KeyManager,
  options: NodeGuardOptions = {},
): (req: IncomingMessage & { apiKey?: ApiKey }, res: ServerResponse, next: (error?: unknown) => void) => void {
  const auth = createAuthenticator(manager, options);
  const getIp = options.getIp ?? socketIp;
  return (req, res, next) => guardNodeRequest(auth, { headers: credentialHeaders(req, auth.headerNames), ip: () => getIp(req), path: () => pathOf(req.url) }, req, res, next);
}

/** Puts a verified key on a request, where the host reads it as `req.apiKey`. */
export type AttachApiKey = (req: IncomingMessage & { apiKey?: ApiKey }, key: ApiKey) => void;

const assignApiKey: AttachApiKey = (req, key) => {
  req.apiKey = key;
};

/**
 * Authenticates a node request and applies the outcome: answers the refusal,
 * or sets `req.apiKey` (through `attach`, default a plain assignment) and the
 * rate-limit headers, and calls `next()` — synchronously when the
 * authenticator could answer without I/O. Counts the request with the status
 * it ends with: at once when `next()` returned with the response ended, else
 * when the response closes (500 if it never finished). Shared by the node
 * and Express guards.
 */
export function guardNodeRequest(
  auth: Authenticator,
  request: AuthRequest,
  req: IncomingMessage & { apiKey?: ApiKey },
  res: ServerResponse,
  next: (error?: unknown) => void,
  attach: AttachApiKey = assignApiKey,
): void {
  let outcome: AuthOutcome | Promise<AuthOutcome>;
  try {
    outcome = auth(request);
  } catch (error) {
    return next(error);
  }
  if (outcome instanceof Promise) outcome.then((settled) => applyOutcome(settled, req, res, next, attach), next);
  else applyOutcome(outcome, req, res, next, attach);
}

function applyOutcome(outcome: AuthOutcome, req: IncomingMessage & { apiKey?: ApiKey }, res: ServerResponse, next: (error?: unknown) => void, attach: AttachApiKey): void {
  if (!outcome.ok) return writeNodeResponse(res, outcome.response);
  for (const name in outcome.headers) res.setHeader(name, outcome.headers[name]!);
  attach(req, outcome.key);
  try {
    next();
  } finally {
    // A handler that answered synchronously has left its final status: counted now, without a listener on the response.
    if (res.writableEnded) outcome.finish(res.statusCode);
    else finishOnResponse(res, outcome.finish);
  }
}
