import { describe, expect, it } from 'vitest';
import { createKeyManager } from '../index.js';
import { createAuthenticator } from './authenticate.js';
import { isJsonType, declaresBody } from './body.js';
import { bearerToken, credentialHeaders, presentedKey } from './credentials.js';
import { ERROR_STATUS, problem } from './problem.js';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js';
import { matchRoute, normalizeBasePath, pathSegments, stripBase } from './routes.js';

describe('credentials', () => {
  it('reads Bearer in any case and ignores other schemes', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bEaReR   abc ')).toBe('abc');
    expect(bearerToken('Bearer')).toBe('');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearerabc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    // Characters one bit away from the letters (0x20 cleared or set) are not the scheme.
    for (const lookalike of ['\u0002earer k', 'Bear\u0005r k', 'bearEr\u0000k', 'bearer\u00a0k', 'beare\u0012 k', 'BEARER\tk']) {
      expect(bearerToken(lookalike)).toBe(lookalike.startsWith('BEARER\t') ? 'k' : undefined);
    }
  });

  it('treats two different keys, or a header sent twice, as ambiguous', () => {
    expect(presentedKey({ authorization: 'Bearer a', 'x-api-key': 'a' }, 'x-api-key')).toEqual({ kind: 'key', key: 'a' });
    expect(presentedKey({ authorization: 'Bearer a', 'x-api-key': 'b' }, 'x-api-key')).toEqual({ kind: 'ambiguous' });
    expect(presentedKey({ 'x-api-key': ['a', 'b'] }, 'x-api-key')).toEqual({ kind: 'ambiguous' });
    expect(presentedKey({ authorization: 'Basic a' }, 'x-api-key')).toEqual({ kind: 'none' });
    expect(presentedKey({ 'x-key': ' k ' }, 'x-key')).toEqual({ kind: 'key', key: 'k' });
  });
});

describe('credentialHeaders', () => {
  const twoKeys = ['Host', 'x', 'Authorization', 'Bearer a', 'User-Agent', 'ua', 'AUTHORIZATION', 'Bearer b'];

  it('makes a repeated Authorization header (which node drops from req.headers) visible, so it is ambiguous', () => {
    const headers = credentialHeaders({ headers: { host: 'x', authorization: 'Bearer a', 'user-agent': 'ua' }, rawHeaders: twoKeys });
    expect(headers).toEqual({ host: 'x', authorization: ['Bearer a', 'Bearer b'], 'user-agent': 'ua' });
    expect(presentedKey(headers, 'x-api-key')).toEqual({ kind: 'ambiguous' });
    const single = { headers: { authorization: 'Bearer a' }, rawHeaders: ['authorization', 'Bearer a'] };
    expect(credentialHeaders(single)).toBe(single.headers);
  });

  it('given names, reads just those from rawHeaders in any case, never parsing req.headers, repeats as arrays', () => {
    const req = {
      rawHeaders: [...twoKeys, 'X-Api-Key', 'k1', 'x-api-key', 'k2', 'X-Request-Id', 'r1'],
      get headers(): Record<string, string> {
        throw new Error('req.headers was read');
      },
    };
    const names = ['authorization', 'x-api-key', 'x-request-id', 'user-agent'];
    const headers = credentialHeaders(req, names);
    expect(headers).toEqual({ authorization: ['Bearer a', 'Bearer b'], 'user-agent': 'ua', 'x-api-key': ['k1', 'k2'], 'x-request-id': 'r1' });
    expect(presentedKey(credentialHeaders({ headers: {}, rawHeaders: ['X-API-KEY', ' k '] }, names), 'x-api-key')).toEqual({ kind: 'key', key: 'k' });
    expect(presentedKey(credentialHeaders({ headers: {}, rawHeaders: ['x-api-key', 'k1', 'X-Api-Key', 'k2'] }, names), 'x-api-key')).toEqual({ kind: 'ambiguous' });
    expect(credentialHeaders({ headers: { authorization: 'Bearer a', cookie: 'c' } }, names)).toEqual({ authorization: 'Bearer a', cookie: 'c' });
  });

  it('folds only ASCII capitals: a name that differs in another character is another header', () => {
    // Setting bit 0x20 would turn "\r" into "-" and "\u00cb" into "\u00eb": neither may pass for a letter or a dash.
    for (const lookalike of ['X\rApi\rKey', 'x-\u00c1pi-key', 'x\u00adapi-key', 'X-API-K\u0005Y']) {
      expect(credentialHeaders({ headers: {}, rawHeaders: [lookalike, 'k'] }, ['x-api-key'])).toEqual({});
    }
  });
});

describe('createAuthenticator', () => {
  it('reads a lazy path only for a refusal, as its instance', async () => {
    const manager = createKeyManager();
    const { secret } = await manager.create({ id: 'u1', tenantId: 't', role: 'admin' }, { name: 'lazy', scopes: [] });
    const auth = createAuthenticator(manager);
    let reads = 0;
    const path = () => {
      reads++;
      return '/lazy';
    };
    const admitted = await auth({ headers: { authorization: `Bearer ${secret}` }, path });
    expect(admitted.ok).toBe(true);
    expect(reads).toBe(0);
    const refused = await auth({ headers: {}, path });
    expect(refused.ok ? undefined : JSON.parse(refused.response.body!).instance).toBe('/lazy');
    expect(reads).toBe(1);
    await manager.close();
  });
});

describe('rate-limit headers', () => {
  it('renders the draft and X- headers from one state', () => {
    const now = 1_700_000_000_000;
    const h = rateLimitHeaders({ allowed: true, limit: 10, remaining: 7, resetAt: now + 2500, retryAfterMs: 0 }, { limit: 10, windowSeconds: 60 }, now);
    expect(h).toEqual({
      'ratelimit-policy': '10;w=60',
      ratelimit: 'limit=10, remaining=7, reset=3',
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '7',
      'x-ratelimit-reset': String(Math.ceil((now + 2500) / 1000)),
    });
    expect(rateLimitHeaders({ allowed: false, limit: 1, remaining: 0, resetAt: now - 5, retryAfterMs: 1 }, { limit: 1, windowSeconds: 0.5 }, now).ratelimit).toBe(
      'limit=1, remaining=0, reset=0',
    );
  });

  it('never says Retry-After 0', () => {
    expect(retryAfterSeconds(1)).toBe('1');
    expect(retryAfterSeconds(0)).toBe('1');
    expect(retryAfterSeconds(1001)).toBe('2');
  });
});

describe('routes', () => {
  it('matches literals before ids and answers 405 with the allowed methods', () => {
    expect(matchRoute('GET', '/meta')).toMatchObject({ kind: 'route', route: { name: 'meta' } });
    expect(matchRoute('GET', '/AAAAAAAAAAAAAAAA')).toMatchObject({ kind: 'route', route: { name: 'get' }, id: 'AAAAAAAAAAAAAAAA' });
    expect(matchRoute('HEAD', '')).toMatchObject({ kind: 'route', route: { name: 'list' } });
    expect(matchRoute('POST', '/')).toMatchObject({ kind: 'route', route: { name: 'create' } });
    expect(matchRoute('PUT', '/x')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'PATCH', 'DELETE'] });
    expect(matchRoute('POST', '/meta/revoke')).toEqual({ kind: 'not-found' });
    expect(matchRoute('GET', '/a/b/c')).toEqual({ kind: 'not-found' });
  });

  it('decodes each segment after splitting, so an encoded slash stays inside the id', () => {
    expect(pathSegments('/..%2F..%2Fetc/revoke')).toEqual(['../../etc', 'revoke']);
    expect(matchRoute('POST', '/..%2F..%2Fetc/revoke')).toMatchObject({ kind: 'route', route: { name: 'revoke' }, id: '../../etc' });
    expect(pathSegments('/%E0%A4%A')).toBeUndefined();
    expect(matchRoute('GET', '/%E0%A4%A')).toEqual({ kind: 'not-found' });
  });

  it('strips and normalises base paths', () => {
    expect(stripBase('/api/keys', '/api/keys')).toBe('');
    expect(stripBase('/api/keys', '/api/keys/x')).toBe('/x');
    expect(stripBase('/api/keys', '/api/keysx')).toBeUndefined();
    expect(stripBase('/api/keys', '/other')).toBeUndefined();
    expect(normalizeBasePath('api/keys/')).toBe('/api/keys');
    expect(normalizeBasePath('/')).toBe('');
  });
});

describe('problem and body helpers', () => {
  it('builds RFC 9457 documents from the one status table', () => {
    const res = problem('KEY_NOT_FOUND', { instance: '/x', detail: 'API key not found' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(res.body!)).toEqual({ type: 'urn:keygate:problem:key_not_found', title: 'API key not found', status: 404, code: 'KEY_NOT_FOUND', instance: '/x', detail: 'API key not found' });
    expect(ERROR_STATUS.INTERNAL.status).toBe(500);
    expect(ERROR_STATUS.STORAGE_UNAVAILABLE.status).toBe(503);
  });

  it('recognises JSON content types and declared bodies', () => {
    expect(isJsonType('application/json')).toBe(true);
    expect(isJsonType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonType('application/merge-patch+json')).toBe(true);
    expect(isJsonType('text/json')).toBe(false);
    expect(isJsonType(undefined)).toBe(false);
    expect(declaresBody({ 'content-length': '0' })).toBe(false);
    expect(declaresBody({ 'content-length': '2' })).toBe(true);
    expect(declaresBody({ 'transfer-encoding': 'chunked' })).toBe(true);
    expect(declaresBody({})).toBe(false);
  });
});
