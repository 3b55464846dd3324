/**
 * API-key authentication of a request, framework-neutral: what
 * `requireApiKey` does in every adapter. Reads the key, verifies it with the
 * route's scopes, and says either "go on, with these headers" or "answer
 * this".
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { KeygateError } from '../errors.js';
import type { KeyManager } from '../manager.js';
import type { VerifyOptions, VerifyResult } from '../manager-types.js';
import { isTagValue, TAG_NAME } from '../stores/tag-usage.js';
import { headerValue } from './body.js';
import { presentedKey } from './credentials.js';
import { type HttpErrorCode, problem } from './problem.js';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js';
import type { AuthenticateOptions, AuthOutcome, AuthRequest, HttpHeaders, HttpResponse } from './types.js';

/** Default header for keys besides `Authorization`. */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The caller's `X-Request-Id` when it looks sane, else a fresh UUID (for audit events). */
export function requestIdOf(headers: HttpHeaders): string {
  const given = headerValue(headers, 'x-request-id');
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The `User-Agent`, capped so a huge header does not end up in every audit event. */
export function userAgentOf(headers: HttpHeaders): string | undefined {
  const ua = headerValue(headers, 'user-agent');
  return ua === undefined ? undefined : ua.length > 512 ? ua.slice(0, 512) : ua;
}

/** The headers of an accepted key without a rate limit: one object for every such request, never written to. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The rate-limit headers of a verification that went through a limit. */
function limitHeaders(result: VerifyResult): Record<string, string> | undefined {
  return result.rateLimit !== undefined && result.rateLimitPolicy !== undefined ? rateLimitHeaders(result.rateLimit, result.rateLimitPolicy, Date.now()) : undefined;
}

/** The path a refusal names as its `instance`. */
function instanceOf(request: AuthRequest): string | undefined {
  return typeof request.path === 'function' ? request.path() : request.path;
}

/**
 * A function that authenticates requests with fixed options. It answers
 * synchronously when the verification needed no I/O (a cached key, in-memory
 * limits), so middleware can go on without a promise hop.
 */
export interface Authenticator {
  (request: AuthRequest): AuthOutcome | Promise<AuthOutcome>;
  /**
   * The request headers it reads, lower-case: an adapter may pass just these
   * (`credentialHeaders(req, auth.headerNames)`) rather than all of them.
   */
  readonly headerNames: readonly string[];
}

/**
 * Builds an {@link Authenticator}: the options are checked and prepared once,
 * not per request.
 *
 * On success the outcome holds the verified key, the rate-limit headers for
 * the response, and `finish(status)`, which counts the request in the key's
 * usage (an error when status >= 400) and must be called once the host's
 * status is known. On failure it holds the problem response: 401 with an
 * RFC 6750 challenge for missing, invalid, expired, revoked or disabled keys
 * (a missing key id and a malformed key look the same), 403 for scope or IP,
 * 429 with `Retry-After` for the key's rate limit, 503 when a backend fails.
 */
export function createAuthenticator(manager: KeyManager, options: AuthenticateOptions = {}): Authenticator {
  const scopes = Object.freeze([...(options.scopes ?? [])]);
  const scopeMode = options.mode ?? 'all';
  if (scopeMode !== 'all' && scopeMode !== 'any') throw new TypeError('requireApiKey: mode must be "all" or "any"');
  const header = (options.header ?? DEFAULT_API_KEY_HEADER).toLowerCase();
  if (header === 'authorization') throw new TypeError('requireApiKey: header must not be "authorization" (Bearer is always read)');
  const cost = options.cost ?? 1;
  const limits = options.limits === undefined ? undefined : Object.freeze(options.limits.map((l) => Object.freeze({ ...l })));
  const creditCost = options.creditCost;
  const tags = options.tags === undefined ? undefined : Object.freeze({ ...options.tags });
  if (tags !== undefined) {
    const count = Object.keys(tags).length;
    if (count > 10) throw new TypeError('requireApiKey: at most 10 tags');
    for (const [name, value] of Object.entries(tags)) {
      if (!TAG_NAME.test(name)) throw new TypeError(`requireApiKey: tag name "${name.slice(0, 40)}" must match ^[a-z][a-z0-9_]{0,31}$`);
      if (!isTagValue(value)) throw new TypeError(`requireApiKey: tag "${name}" must be 1 to 64 characters without control characters`);
    }
  }
  const namedRoute = tags !== undefined && Object.hasOwn(tags, 'route');
  // One object per mount path, not per request: the route tag of a middleware instance rarely changes.
  const routeTags = new Map<string, Readonly<Record<string, string>>>();
  const tagsFor = (request: AuthRequest): Readonly<Record<string, string>> | undefined => {
    if (namedRoute || request.route === undefined) return tags;
    const route = request.route === '' ? '/' : request.route.slice(0, 64);
    let found = routeTags.get(route);
    if (found === undefined) {
      found = Object.freeze({ ...tags, route });
      if (routeTags.size < 100) routeTags.set(route, found);
    }
    return found;
  };
  const realm = (options.realm ?? 'api').replace(/["\\]/g, '');
  const challenge = (error: string, description: string, extra = '') =>
    `Bearer realm="${realm}", error="${error}", error_description="${description}"${extra}`;

  const reject = (code: HttpErrorCode, request: AuthRequest, headers: Record<string, string>, extras: Record<string, unknown> = {}): AuthOutcome => ({
    ok: false,
    response: problem(code, { instance: instanceOf(request), headers, ...extras }),
  });

  // Request id and user agent only go into verification audit events, which the basic level never records.
  const readsRequestInfo = manager.config.auditLevel !== 'basic';
  const headerNames = Object.freeze(readsRequestInfo ? ['authorization', header, 'x-request-id', 'user-agent'] : ['authorization', header]);

  // Not async: each promise hop costs more than the check itself, so a cached key is answered synchronously.
  return Object.assign(authenticateRequest, { headerNames });

  function authenticateRequest(request: AuthRequest): AuthOutcome | Promise<AuthOutcome> {
    const presented = presentedKey(request.headers, header);
    if (presented.kind === 'none') {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      return reject('API_KEY_REQUIRED', request, { 'www-authenticate': `Bearer realm="${realm}"` }, {
        detail: `Send the key as "Authorization: Bearer <key>" or in the ${header} header`,
      });
    }
    if (presented.kind === 'ambiguous') {
      return reject('AMBIGUOUS_API_KEY', request, { 'www-authenticate': challenge('invalid_request', 'More than one API key was sent') }, {
        detail: `Send one key, either as Bearer token or in the ${header} header`,
      });
    }
    // Every property in the literal, so each request's options share one shape.
    const verifyOptions: VerifyOptions = { scopes, scopeMode, cost, usage: 'defer', ip: request.ip };
    if (limits !== undefined) verifyOptions.limits = limits;
    if (creditCost !== undefined) verifyOptions.creditCost = creditCost;
    if (readsRequestInfo) {
      // The caller's request id, when sane; none is made up per request on this hot path.
      const requestId = headerValue(request.headers, 'x-request-id');
      if (requestId !== undefined && REQUEST_ID.test(requestId)) verifyOptions.requestId = requestId;
      const userAgent = userAgentOf(request.headers);
      if (userAgent !== undefined) verifyOptions.userAgent = userAgent;
    }

    let verified: VerifyResult | Promise<VerifyResult>;
    try {
      verified = manager.verifyAwaitable(presented.key, verifyOptions);
    } catch (error) {
      return unavailable(error, request);
    }
    return verified instanceof Promise
      ? verified.then(
          (result) => outcomeOf(result, request),
          (error: unknown) => unavailable(error, request),
        )
      : outcomeOf(verified, request);
  }

  /** A backend failed: 503, never details. */
  function unavailable(error: unknown, request: AuthRequest): AuthOutcome {
    const code = error instanceof KeygateError && error.code === 'RATE_LIMITER_UNAVAILABLE' ? 'RATE_LIMITER_UNAVAILABLE' : 'STORAGE_UNAVAILABLE';
    return { ok: false, response: problem(code, { instance: instanceOf(request), headers: { 'retry-after': '5' } }) };
  }

  function outcomeOf(result: VerifyResult, request: AuthRequest): AuthOutcome {
    const key = result.key;
    const requestTags = tagsFor(request);
    if (result.valid && key !== undefined) {
      let counted = false;
      return {
        ok: true,
        key,
        headers: limitHeaders(result) ?? NO_HEADERS,
        finish(status: number) {
          if (counted) return;
          counted = true;
          manager.recordResponse(key, status, requestTags);
        },
      };
    }
    // The secret matched but the request is refused: that is the key's traffic, and an error.
    if (key !== undefined) manager.recordRequest(key, true, requestTags);
    return refusal(result, request, limitHeaders(result) ?? {});
  }

  function refusal(result: VerifyResult, request: AuthRequest, headers: Record<string, string>): AuthOutcome {
    const held = result.key !== undefined;
    switch (result.code) {
      case 'EXPIRED':
        headers['www-authenticate'] = challenge('invalid_token', 'The API key has expired');
        return reject('API_KEY_EXPIRED', request, headers);
      case 'REVOKED':
        headers['www-authenticate'] = challenge('invalid_token', 'The API key has been revoked');
        return reject('API_KEY_REVOKED', request, headers);
      case 'DISABLED':
        // Without a key, DISABLED means keygate itself is switched off.
        if (!held) return reject('DISABLED', request, headers);
        headers['www-authenticate'] = challenge('invalid_token', 'The API key is disabled');
        return reject('API_KEY_DISABLED', request, headers);
      case 'INSUFFICIENT_SCOPE':
        headers['www-authenticate'] = challenge('insufficient_scope', 'The API key lacks a required scope', `, scope="${scopes.join(' ')}"`);
        return reject('INSUFFICIENT_SCOPE', request, headers, { requiredScopes: scopes, scopeMode, missingScopes: result.missingScopes ?? [] });
      case 'IP_NOT_ALLOWED':
        return reject('IP_NOT_ALLOWED', request, headers);
      case 'USAGE_EXCEEDED':
        // The quota, not the rate: waiting helps only when a refill is scheduled, so Retry-After only then.
        if (result.retryAfterMs !== undefined) headers['retry-after'] = retryAfterSeconds(result.retryAfterMs);
        return reject('USAGE_EXCEEDED', request, headers, {
          detail:
            result.retryAfterMs !== undefined
              ? `The API key's usage quota is spent (not its rate limit); it refills in ${headers['retry-after']} s`
              : "The API key's usage quota is spent (not its rate limit); no refill is scheduled",
          remaining: 0,
        });
      case 'RATE_LIMITED':
        if (held) {
          headers['retry-after'] = retryAfterSeconds(result.retryAfterMs);
          return reject('RATE_LIMITED', request, headers, { detail: `Retry in ${headers['retry-after']} s` });
        }
      // Too many wrong secrets for this key id: answered like any wrong key, so it reveals nothing about the id.
      // falls through
      default:
        headers['www-authenticate'] = challenge('invalid_token', 'The API key is not valid');
        return reject('INVALID_API_KEY', request, headers);
    }
  }
}

/** Authenticates one request; see {@link createAuthenticator} (prefer it on hot paths). */
export function authenticate(manager: KeyManager, request: AuthRequest, options: AuthenticateOptions = {}): Promise<AuthOutcome> {
  return Promise.resolve(createAuthenticator(manager, options)(request));
}

