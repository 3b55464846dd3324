/**
 * RFC 9457 problem responses and THE table that maps keygate's stable error
 * codes to HTTP statuses. Nothing else in the HTTP layer picks a status for
 * an error.
 *
 * @module
 */
import { type ErrorCode, type FieldIssue, ForbiddenError, KeygateError, ValidationError } from '../errors.js';
import { looksLikeJwt } from '../jwt.js';
import { parseKey } from '../key-format.js';
import type { HttpResponse } from './types.js';

/** Codes only the HTTP layer produces, on top of the library's {@link ErrorCode}s. */
export type HttpErrorCode =
  | ErrorCode
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'NOT_FOUND'
  // requireApiKey
  | 'API_KEY_REQUIRED'
  | 'AMBIGUOUS_API_KEY'
  | 'INVALID_API_KEY'
  | 'API_KEY_EXPIRED'
  | 'API_KEY_REVOKED'
  | 'API_KEY_DISABLED'
  | 'INSUFFICIENT_SCOPE'
  | 'IP_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'USAGE_EXCEEDED';

/** Status and title of every code. The one table. */
export const ERROR_STATUS: Readonly<Record<HttpErrorCode, { status: number; title: string }>> = {
  VALIDATION_FAILED: { status: 422, title: 'The request is not valid' },
  MALFORMED_JSON: { status: 400, title: 'The request body is not valid JSON' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  INVALID_CURSOR: { status: 400, title: 'Invalid pagination cursor' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Not allowed' },
  KEY_NOT_FOUND: { status: 404, title: 'API key not found' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  KEY_REVOKED: { status: 409, title: 'The API key is revoked' },
  SECRET_NOT_STORED: { status: 409, title: 'The secret is not stored' },
  CONFLICT: { status: 409, title: 'Conflict' },
  DISABLED: { status: 503, title: 'API keys are disabled' },
  STORAGE_UNAVAILABLE: { status: 503, title: 'The key store is unavailable' },
  RATE_LIMITER_UNAVAILABLE: { status: 503, title: 'The rate limiter is unavailable' },
  CONFIG_INVALID: { status: 500, title: 'Internal server error' },
  INTERNAL: { status: 500, title: 'Internal server error' },
  API_KEY_REQUIRED: { status: 401, title: 'An API key is required' },
  AMBIGUOUS_API_KEY: { status: 401, title: 'Two different API keys were sent' },
  INVALID_API_KEY: { status: 401, title: 'The API key is not valid' },
  API_KEY_EXPIRED: { status: 401, title: 'The API key has expired' },
  API_KEY_REVOKED: { status: 401, title: 'The API key has been revoked' },
  API_KEY_DISABLED: { status: 401, title: 'The API key is disabled' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'The API key lacks a required scope' },
  IP_NOT_ALLOWED: { status: 403, title: 'The API key may not be used from this address' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  USAGE_EXCEEDED: { status: 429, title: 'Usage quota exhausted' },
};

/** Headers every management response carries: secrets must not be cached anywhere. */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Extra members of a problem document. */
export interface ProblemExtras {
  detail?: string;
  instance?: string;
  errors?: FieldIssue[];
  headers?: Record<string, string>;
  [member: string]: unknown;
}

// Runs of characters a key or a JWT is made of; one linear pass, no nested quantifier to backtrack on.
const TOKEN_RUN = /[A-Za-z0-9_.-]{40,}/g;
const redactToken = (run: string): string => (parseKey(run) !== undefined || looksLikeJwt(run) ? '[redacted key]' : run);

/**
 * `text` with every whole API key or JWT in it replaced by `[redacted key]`.
 * Problem documents quote what the client sent (the path in `instance`, an
 * invalid value in a field message); a key pasted into the wrong place must
 * not come back in a body that proxies and clients log.
 */
export function redactKeys(text: string): string {
  return text.length < 40 ? text : text.replace(TOKEN_RUN, redactToken);
}

/** An `application/problem+json` response for `code`. Keys quoted in `detail`, `instance` or field messages are redacted. */
export function problem(code: HttpErrorCode, extras: ProblemExtras = {}): HttpResponse {
  const { status, title } = ERROR_STATUS[code];
  const { headers, ...members } = extras;
  const doc: Record<string, unknown> = { type: `urn:keygate:problem:${code.toLowerCase()}`, title, status, code };
  for (const [name, value] of Object.entries(members)) {
    if (value === undefined) continue;
    if (typeof value === 'string') doc[name] = redactKeys(value);
    else if (name === 'errors' && Array.isArray(value)) doc[name] = (value as FieldIssue[]).map((i) => ({ ...i, message: redactKeys(i.message) }));
    else doc[name] = value;
  }
  return {
    status,
    headers: { ...NO_STORE_HEADERS, 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(doc),
  };
}

/** A JSON response. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...NO_STORE_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

/**
 * The problem for a thrown error. Keygate errors keep their code and their
 * message (written for people, never containing secrets); anything else
 * becomes a bare 500 and goes to `onError`, so internals never reach a client.
 */
export function errorResponse(error: unknown, instance: string | undefined, onError: (error: unknown) => void): HttpResponse {
  if (error instanceof KeygateError && error.code !== 'INTERNAL' && error.code !== 'CONFIG_INVALID') {
    const extras: ProblemExtras = { detail: error.message, instance };
    if (error instanceof ValidationError) extras.errors = error.issues;
    if (error instanceof ForbiddenError) extras.permission = error.permission;
    // Backend messages are generic by construction ("The key store is unavailable"); the cause stays server-side.
    if (error.code === 'STORAGE_UNAVAILABLE' || error.code === 'RATE_LIMITER_UNAVAILABLE') onError(error);
    return problem(error.code, extras);
  }
  onError(error);
  return problem('INTERNAL', { detail: 'An unexpected error occurred', instance });
}
