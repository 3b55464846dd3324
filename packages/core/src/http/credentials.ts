/**
 * Where a request's API key comes from: `Authorization: Bearer <key>`
 * (scheme case-insensitive) or one configurable header. Never the query
 * string: URLs end up in logs, histories and Referer headers.
 *
 * @module
 */
import type { HttpHeaders } from './types.js';

/** What the request presents. */
export type PresentedKey = { kind: 'none' } | { kind: 'key'; key: string } | { kind: 'ambiguous' };

const NONE: PresentedKey = { kind: 'none' };
const AMBIGUOUS: PresentedKey = { kind: 'ambiguous' };

/** The token of an `Authorization: Bearer` header; `undefined` for another scheme or none. */
export function bearerToken(value: string | undefined): string | undefined {
  if (value === undefined || value.length < 6 || !isBearer(value)) return undefined;
  // "Bearer" with nothing after it (node trims the header) is an empty key, not a missing one.
  if (value.length === 6) return '';
  const gap = value.charCodeAt(6);
  if (gap !== 32 && gap !== 9) return undefined;
  return value.slice(7).trim();
}

/** Whether `value` starts with "bearer" in any case. */
function isBearer(value: string): boolean {
  return startsFolded(value, 'bearer');
}

/**
 * The key a request presents, in the Authorization header or in `header`
 * (lower-case). A header sent twice, or both headers with different keys,
 * is ambiguous: the caller must say which key it means.
 */
export function presentedKey(headers: HttpHeaders, header: string): PresentedKey {
  const auth = headers.authorization;
  const custom = headers[header];
  if (Array.isArray(auth) || Array.isArray(custom)) return AMBIGUOUS;
  const fromAuth = bearerToken(auth);
  const fromHeader = custom?.trim();
  if (fromAuth !== undefined && fromHeader !== undefined && fromHeader !== fromAuth) return AMBIGUOUS;
  const key = fromAuth ?? fromHeader;
  return key === undefined ? NONE : { kind: 'key', key };
}

/**
 * The request's headers, with a repeated `Authorization` header made
 * visible. Node keeps only the first of several `Authorization` lines in
 * `req.headers` (it discards duplicates of that header), so a request with
 * two keys would authenticate as the first one; given `rawHeaders`, this
 * returns all of them as an array, which {@link presentedKey} answers as
 * ambiguous.
 *
 * Given `names` (lower-case), only those headers, read from `rawHeaders` in
 * one pass, with any of them sent more than once as an array: node builds
 * `req.headers` lazily, on first read, so a guard that needs a handful of
 * headers does not pay for parsing them all.
 */
export function credentialHeaders(req: { headers: HttpHeaders; rawHeaders?: readonly string[] }, names?: readonly string[]): HttpHeaders {
  const raw = req.rawHeaders;
  if (names !== undefined && raw !== undefined) return pickRaw(raw, names);
  if (raw === undefined) return req.headers;
  let first = -1;
  for (let i = 0; i < raw.length; i += 2) {
    if (!isName(raw[i]!, 'authorization')) continue;
    if (first < 0) {
      first = i;
      continue;
    }
    const values: string[] = [];
    for (let j = first; j < raw.length; j += 2) if (isName(raw[j]!, 'authorization')) values.push(raw[j + 1]!);
    return { ...req.headers, authorization: values };
  }
  return req.headers;
}

/** Whether a raw header name is `lower` (given in lower case). */
function isName(name: string, lower: string): boolean {
  return name.length === lower.length && startsFolded(name, lower);
}

/**
 * Whether `value` starts with `lower` (given in lower case), with the ASCII
 * capitals of `value` folded, compared in place: no lower-cased copy per
 * request. Header names and the auth scheme are ASCII tokens, so that is all
 * the case-insensitivity they need.
 */
function startsFolded(value: string, lower: string): boolean {
  if (value.length < lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = value.charCodeAt(i);
    const want = lower.charCodeAt(i);
    if (c !== want && (c < 65 || c > 90 || c + 32 !== want)) return false;
  }
  return true;
}

function pickRaw(raw: readonly string[], names: readonly string[]): HttpHeaders {
  const picked: HttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    for (let n = 0; n < names.length; n++) {
      const wanted = names[n]!;
      if (!isName(name, wanted)) continue;
      const value = raw[i + 1]!;
      const seen = picked[wanted];
      picked[wanted] = seen === undefined ? value : typeof seen === 'string' ? [seen, value] : [...seen, value];
      break;
    }
  }
  return picked;
}
