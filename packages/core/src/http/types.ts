/**
 * The framework-neutral request and response of keygate's HTTP layer.
 * Adapters (Express, Koa, plain node:http) translate to and from these and
 * nothing else, so every framework behaves the same.
 *
 * @module
 */
import type { Actor } from '../manager-types.js';
import type { Awaitable } from '../types.js';

/** Request headers as node gives them: lower-case names. */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/**
 * The request body, as far as the framework got with it: already parsed by
 * the host's own body parser (`express.json()`), still an unread stream, or
 * absent.
 */
export type HttpBody =
  | { kind: 'parsed'; value: unknown }
  | { kind: 'stream'; read(limit: number): Promise<Buffer> }
  | { kind: 'none' };

/** One HTTP request, as the core sees it. */
export interface HttpRequest {
  method: string;
  /** Path relative to the management base, still percent-encoded (`''`, `/meta`, `/{id}/revoke`). */
  path: string;
  query: URLSearchParams;
  headers: HttpHeaders;
  /** Client address as the framework's trusted-proxy setting sees it. keygate never reads X-Forwarded-For. */
  ip?: string;
  body: HttpBody;
  /** The framework's own request object (express `req`, koa `ctx`, node `IncomingMessage`), handed to `getActor`. */
  raw: unknown;
  /** Path prefix the client used to reach the base (for `Location` and `instance`); default: the handler's `basePath`. */
  basePath?: string;
}

/** What to send back. `body` is already serialised. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Who is calling, as the host knows them (from its session or its own auth).
 * `undefined` when the caller is not logged in; keygate then tries an API
 * key on the request, and answers 401 without one.
 */
// `any`: each adapter passes its own framework object (express req, koa ctx, node IncomingMessage).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GetActor<Raw = any> = (raw: Raw) => Awaitable<Actor | undefined>;

/** Options of {@link createManagementHandler}. */
export interface ManagementOptions {
  getActor: GetActor;
  /** Where the routes live. Default `/api/v1/platform/api-keys`. */
  basePath?: string;
  /** Largest accepted request body in bytes. Default 65536 (64 KiB). */
  bodyLimit?: number;
  /** Header an API key may come in besides `Authorization: Bearer`. Default `x-api-key`. */
  apiKeyHeader?: string;
  /** Called with unexpected errors (answered as a bare 500). Default: `console.error` of the message. */
  onError?: (error: unknown) => void;
  /**
   * Serves `GET <base>/reports` (permission `usage:read`): the actor's tenant
   * usage report, e.g. `(actor, q) => monitor.reports.tenantReport(actor, q)`
   * from `@keygate/monitor`. Without it the route is 404.
   */
  reports?: (actor: Actor, query: ReportQuery) => Promise<unknown>;
}

/** Query of `GET <base>/reports`: whole numbers, each optional. */
export interface ReportQuery {
  days?: number;
  notUsedForDays?: number;
  expiringWithinDays?: number;
  top?: number;
}

/** Options of `requireApiKey` and {@link authenticate}. */
export interface AuthenticateOptions {
  /** Scopes the route needs. Default none (any valid key). */
  scopes?: readonly string[];
  /** `all` (default): every scope; `any`: at least one. */
  mode?: 'all' | 'any';
  /** Header a key may come in besides `Authorization: Bearer`. Default `x-api-key`. */
  header?: string;
  /** Tokens the request takes from the key's rate-limit bucket. Default 1. */
  cost?: number;
  /** Named limits the route applies and what one call costs in each, e.g. `[{ name: 'uploads', cost: 5 }]`. */
  limits?: ReadonlyArray<{ name: string; cost?: number }>;
  /** Credits one call spends when the key or its identity has a quota. Default 1. */
  creditCost?: number;
  /** `realm` of the `WWW-Authenticate` challenge. Default `api`. */
  realm?: string;
  /**
   * Tags the requests are counted under in usage (see `VerifyOptions.tags`),
   * e.g. `{ route: '/weather', region: 'eu' }`. Without a `route` tag the
   * adapter's mount path is used (`AuthRequest.route`): name the route here
   * when the middleware is not mounted on a path of its own. Checked at
   * construction: an invalid tag throws a TypeError.
   */
  tags?: Readonly<Record<string, string>>;
}

/** The parts of a request {@link authenticate} reads. */
export interface AuthRequest {
  headers: HttpHeaders;
  /** The client address, or a function computing it on demand (see `VerifyOptions.ip`). */
  ip?: string | (() => string | undefined);
  /**
   * For the problem's `instance`, or a function computing it: it is only
   * read when the request is refused.
   */
  path?: string | (() => string | undefined);
  /**
   * The route tag when the options name none: the matched route pattern
   * (Express's route path under its mount path, @koa/router's matched
   * pattern), else the path the middleware is mounted on (`/` at the root).
   * A path pattern, never the raw URL, so the tag's values stay few.
   */
  route?: string;
}

/** Outcome of {@link authenticate}. */
export type AuthOutcome =
  | {
      ok: true;
      key: import('../key-view.js').ApiKey;
      /** Rate-limit headers to add to the host's response (empty when the key has no limit). */
      headers: Readonly<Record<string, string>>;
      /** Call once with the host's final status: counts the request (an error when >= 400). */
      finish(status: number): void;
    }
  | { ok: false; response: HttpResponse };
