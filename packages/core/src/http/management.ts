/**
 * The management API as one framework-neutral handler: route, resolve the
 * actor, check the permission, read and validate the body, call the
 * {@link KeyManager}, shape the answer. Adapters only translate.
 *
 * @module
 */
import { LookupLimitedError, ValidationError } from '../errors.js';
import { isoOrNull } from '../key-view.js';
import { MAX_KEY_NAME_LENGTH } from '../key-name.js';
import type { KeyManager } from '../manager.js';
import type { Actor } from '../manager-types.js';
import type { AuditEvent } from '../types.js';
import { createAuthenticator, DEFAULT_API_KEY_HEADER, requestIdOf, userAgentOf } from './authenticate.js';
import { DEFAULT_BODY_LIMIT, readJsonBody } from './body.js';
import { presentedKey } from './credentials.js';
import { buildOpenApiDocument } from './openapi.js';
import { errorResponse, json, NO_STORE_HEADERS, problem } from './problem.js';
import { retryAfterSeconds } from './rate-limit-headers.js';
import { parseAuditQuery, parseListQuery, parseReportQuery, parseUsageQuery } from './query.js';
import { matchRoute, normalizeBasePath, type RouteDefinition } from './routes.js';
import type { HttpRequest, HttpResponse, ManagementOptions } from './types.js';

/** The contract's default base path. */
export const DEFAULT_BASE_PATH = '/api/v1/platform/api-keys';

/** A management handler: one request in, one response out. Never rejects. */
export type ManagementHandler = ((request: HttpRequest) => Promise<HttpResponse>) & {
  /** The normalised base path the routes live under. */
  readonly basePath: string;
  /** The body limit in bytes. */
  readonly bodyLimit: number;
};

const auditView = (event: AuditEvent) => ({ ...event, at: new Date(event.at).toISOString() });

/**
 * Builds the management handler for the routes of the HTTP contract.
 *
 * Order of checks: route (404/405), actor (401; the host's `getActor`, else
 * an API key on the request whose scopes act as permissions), permission
 * (403, before any body is read), body (415, 413, 400, 422), then the
 * manager (which validates again and answers 404 for other tenants' keys).
 * Every response carries `Cache-Control: no-store`.
 */
export function createManagementHandler(manager: KeyManager, options: ManagementOptions): ManagementHandler {
  if (typeof options?.getActor !== 'function') throw new TypeError('keygate: getActor(request) is required');
  const basePath = normalizeBasePath(options.basePath ?? DEFAULT_BASE_PATH);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1) throw new TypeError('keygate: bodyLimit must be a positive integer');
  const apiKeyHeader = (options.apiKeyHeader ?? DEFAULT_API_KEY_HEADER).toLowerCase();
  const onError =
    options.onError ?? ((error: unknown) => console.error('keygate: management request failed:', error instanceof Error ? error.message : String(error)));
  const keyAuth = createAuthenticator(manager, { header: apiKeyHeader });
  let openApi: string | undefined;

  async function handle(request: HttpRequest): Promise<HttpResponse> {
    const base = request.basePath ?? basePath;
    const instance = base + request.path;
    const match = matchRoute(request.method.toUpperCase(), request.path);
    if (match.kind === 'not-found') return problem('NOT_FOUND', { detail: 'No such route', instance });
    if (match.kind === 'method-not-allowed') {
      return problem('METHOD_NOT_ALLOWED', { instance, headers: { allow: match.allow.join(', ') } });
    }
    const { route, id } = match;
    if (route.name === 'reports' && options.reports === undefined) return problem('NOT_FOUND', { detail: 'No such route', instance });
    if (route.name === 'openapi') {
      openApi ??= JSON.stringify(buildOpenApiDocument({ basePath, reports: options.reports !== undefined }));
      return { status: 200, headers: { ...NO_STORE_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: openApi };
    }
    if (!manager.config.enabled) return problem('DISABLED', { detail: 'keygate is disabled by configuration', instance });

    let finish: ((status: number) => void) | undefined;
    let extraHeaders: Record<string, string> = {};
    let response: HttpResponse;
    try {
      const host = await options.getActor(request.raw);
      let actor: Actor;
      if (host !== undefined && host !== null) {
        actor = { ...host, ip: request.ip, userAgent: userAgentOf(request.headers), requestId: requestIdOf(request.headers) } as Actor;
        if (host.type === undefined) actor.type = 'user';
      } else {
        if (presentedKey(request.headers, apiKeyHeader).kind === 'none') {
          return problem('UNAUTHENTICATED', { detail: 'Sign in, or send an API key with keys:* scopes', instance });
        }
        const outcome = await keyAuth({ headers: request.headers, ip: request.ip, path: instance });
        if (!outcome.ok) return outcome.response;
        finish = outcome.finish;
        extraHeaders = outcome.headers;
        const key = outcome.key;
        actor = { id: key.id, tenantId: key.tenantId, permissions: key.scopes, type: 'api_key', requestId: requestIdOf(request.headers) };
        if (request.ip !== undefined) actor.ip = request.ip;
        const ua = userAgentOf(request.headers);
        if (ua !== undefined) actor.userAgent = ua;
      }
      response = await run(route, id, actor, request, base, instance);
    } catch (error) {
      response = errorResponse(error, instance, onError);
    }
    finish?.(response.status);
    for (const name in extraHeaders) response.headers[name] ??= extraHeaders[name]!;
    return response;
  }

  async function run(route: RouteDefinition, id: string | undefined, actor: Actor, request: HttpRequest, base: string, instance: string): Promise<HttpResponse> {
    // Permission first: someone who may not act learns nothing from how their body would have been judged.
    if (route.permission !== undefined && !manager.permissionsOf(actor).includes(route.permission)) {
      // The manager repeats the check; asking it gives the same 401/403 it would give.
      if (typeof actor.id !== 'string' || typeof actor.tenantId !== 'string' || actor.tenantId === '') {
        return problem('UNAUTHENTICATED', { detail: 'An actor with an id and a tenantId is required', instance });
      }
      return problem('FORBIDDEN', { detail: `Missing permission ${route.permission}`, permission: route.permission, instance });
    }
    let body: unknown;
    if (route.body !== undefined) {
      const read = await readJsonBody(request, bodyLimit, instance);
      if (!read.ok) return read.response;
      body = read.value;
      if (body === undefined && route.body === 'optional') body = {};
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new ValidationError([{ field: '/', message: 'The request body must be a JSON object' }]);
      }
    }
    const key = id ?? '';
    switch (route.name) {
      case 'meta': {
        const c = manager.config;
        return json(200, {
          actor: { id: actor.id, tenantId: actor.tenantId, type: actor.type ?? 'user' },
          permissions: manager.permissionsOf(actor),
          environments: Object.entries(c.environments).map(([name, prefix]) => ({ name, prefix })),
          defaultEnvironment: c.defaultEnvironment,
          scopes: (c.scopes ?? []).map((s) => ({ ...s })),
          tokenType: c.tokenType,
          storeSecretsServerSide: c.storeSecretsServerSide,
          rotationGracePeriodSeconds: c.rotationGraceMs / 1000,
          maxNameLength: MAX_KEY_NAME_LENGTH,
          defaultRateLimit: c.rateLimitThreshold === null ? null : { limit: c.rateLimitThreshold.limit, windowSeconds: c.rateLimitThreshold.windowSeconds },
        });
      }
      case 'create': {
        const issued = await manager.create(actor, body as never);
        return json(201, issued, { location: `${base}/${issued.key.id}` });
      }
      case 'list':
        return json(200, await manager.list(actor, parseListQuery(request.query)));
      case 'get': {
        const view = await manager.get(actor, key);
        const summary = manager.permissionsOf(actor).includes('usage:read') ? await manager.usageSummary(actor, key) : undefined;
        const usage = summary === undefined ? undefined : { requests: summary.requests, errors: summary.errors, lastUsedAt: isoOrNull(summary.lastUsedAt) };
        return json(200, usage === undefined ? view : { ...view, usage });
      }
      case 'update':
        return json(200, await manager.update(actor, key, body as never));
      case 'delete':
        await manager.delete(actor, key);
        return { status: 204, headers: { ...NO_STORE_HEADERS } };
      case 'rotate':
        return json(200, await manager.rotate(actor, key, body as never));
      case 'revoke':
        return json(200, await manager.revoke(actor, key));
      case 'reveal':
        return json(200, { secret: await manager.reveal(actor, key) });
      case 'usage': {
        const { groupBy, ...range } = parseUsageQuery(request.query);
        if (groupBy !== undefined) return json(200, await manager.usageByTag(actor, key, { ...range, tag: groupBy }));
        const days = await manager.usage(actor, key, range);
        return json(200, { keyId: key, from: days[0]?.day ?? null, to: days[days.length - 1]?.day ?? null, days });
      }
      case 'audit': {
        const page = await manager.auditLog(actor, parseAuditQuery(request.query, true));
        return json(200, { ...page, items: page.items.map(auditView) });
      }
      case 'keyAudit': {
        // Through get(): an unknown or foreign key id is 404 like on every other key route. The trail of a
        // deleted key stays readable through GET /audit?keyId=.
        const query = parseAuditQuery(request.query, false);
        await manager.get(actor, key);
        const page = await manager.auditLog(actor, { ...query, keyId: key });
        return json(200, { ...page, items: page.items.map(auditView) });
      }
      case 'reports':
        return json(200, await options.reports!(actor, parseReportQuery(request.query)));
      case 'whoami':
        try {
          return json(200, await manager.whoami(actor, (body as { key?: unknown }).key as string));
        } catch (error) {
          if (!(error instanceof LookupLimitedError)) throw error;
          return problem('RATE_LIMITED', { detail: 'Too many key lookups', instance, headers: { 'retry-after': retryAfterSeconds(error.retryAfterMs) } });
        }
      case 'getPolicy':
        return json(200, await manager.getPolicy(actor));
      case 'updatePolicy':
        return json(200, await manager.updatePolicy(actor, body as never));
      case 'identities':
        return json(200, await manager.listIdentities(actor, parseListQuery(request.query)));
      case 'createIdentity': {
        const identity = await manager.createIdentity(actor, body as never);
        return json(201, identity, { location: `${base}/identities/${identity.id}` });
      }
      case 'getIdentity':
        return json(200, await manager.getIdentity(actor, key));
      case 'updateIdentity':
        return json(200, await manager.updateIdentity(actor, key, body as never));
      case 'deleteIdentity':
        await manager.deleteIdentity(actor, key);
        return { status: 204, headers: { ...NO_STORE_HEADERS } };
      default:
        return problem('NOT_FOUND', { instance });
    }
  }

  return Object.assign(handle, { basePath, bodyLimit });
}
