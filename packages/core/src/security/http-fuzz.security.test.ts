/**
 * Fuzzing the HTTP API and the API-key guard on 127.0.0.1, through the plain
 * node:http handler and the Express adapter (with and without
 * `express.json()`): malformed and hostile headers, bodies, names, ids and
 * query values. Every one gets a 4xx, nothing in the store changes
 * (snapshot before and after), Object.prototype stays clean, and no
 * response is a 5xx.
 */
import fc from 'fast-check';
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyManager } from '../manager.js';
import { BASE, call, dumpableStorage, listen, nodeApp, rawRequest, type DumpableStorage, type LoopbackServer } from './harness.js';

const fixture = new URL('../../test-fixtures/adapters.ts', import.meta.url).href;
const { expressApp } = (await import(/* @vite-ignore */ fixture)) as { expressApp: (manager: KeyManager, options?: { bodyParser?: boolean }) => RequestListener };

const ADMIN = 'u-admin:acme:admin';
const quiet = { warn: () => undefined, error: () => undefined };
const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const PROTO_BEFORE = protoKeys();

/** `[`×n `]`×n: deep nesting in few bytes. */
const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const nestedObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

interface Target {
  name: string;
  listener: (manager: KeyManager) => RequestListener;
  /** Whether malformed bodies are answered by keygate (problem+json) rather than the host's body parser. */
  keygateParsesBody: boolean;
}

const TARGETS: Target[] = [
  { name: 'node:http handler', listener: (m) => nodeApp(m), keygateParsesBody: true },
  { name: 'Express adapter', listener: (m) => expressApp(m), keygateParsesBody: true },
  { name: 'Express adapter behind express.json()', listener: (m) => expressApp(m, { bodyParser: true }), keygateParsesBody: false },
];

describe.each(TARGETS)('HTTP fuzzing: $name', (target) => {
  let manager: KeyManager;
  let storage: DumpableStorage;
  let server: LoopbackServer;
  let keyId: string;
  let secret: string;
  let otherSecret: string;

  beforeAll(async () => {
    storage = dumpableStorage();
    manager = new KeyManager({ storage, config: { hasher: 'sha256', rateLimitThreshold: null }, logger: quiet });
    server = await listen(target.listener(manager));
    const issued = await manager.create({ id: 'seed', tenantId: 'acme', role: 'admin' }, { name: 'seed', metadata: { team: 'ops' } });
    keyId = issued.key.id;
    secret = issued.secret;
    otherSecret = (await manager.create({ id: 'seed', tenantId: 'acme', role: 'admin' }, { name: 'other' })).secret;
  });
  afterAll(async () => {
    await server.close();
    await manager.close();
    expect(protoKeys()).toBe(PROTO_BEFORE);
  });

  /** Runs `send`, then checks: a 4xx (or `allowed`), the store unchanged, Object.prototype clean. */
  async function expectRefusedUnchanged(label: string, send: () => Promise<{ status: number; json?: any; body?: string }>, allowed?: number[]): Promise<void> {
    await manager.flush();
    const before = storage.snapshot();
    const reply = await send();
    await manager.flush();
    if (allowed) expect(allowed, `${label}: ${reply.status} ${JSON.stringify(reply.json)}`).toContain(reply.status);
    else expect(reply.status >= 400 && reply.status < 500, `${label}: ${reply.status} ${reply.body ?? JSON.stringify(reply.json)}`).toBe(true);
    expect(storage.snapshot(), `${label} changed the store`).toBe(before);
    expect(protoKeys(), `${label} polluted Object.prototype`).toBe(PROTO_BEFORE);
    expect(({} as Record<string, unknown>).polluted, label).toBeUndefined();
  }

  const guard = (headerLines: string[]) => () => rawRequest(server.port, ['GET /host/ok HTTP/1.1', 'host: 127.0.0.1', ...headerLines].join('\r\n'));

  describe('malformed credentials on a guarded route', () => {
    const cases: [string, () => string[]][] = [
      ['no header', () => []],
      ['empty Authorization', () => ['authorization:']],
      ['Bearer without a token', () => ['authorization: Bearer']],
      ['Bearer and spaces only', () => ['authorization: Bearer    ']],
      ['Basic scheme with the key', () => [`authorization: Basic ${Buffer.from(`${secret}:`).toString('base64')}`]],
      ['no scheme, bare key', () => [`authorization: ${secret}`]],
      ['scheme glued to the key', () => [`authorization: Bearer${secret}`]],
      ['two Authorization headers, two keys', () => [`authorization: Bearer ${secret}`, `authorization: Bearer ${otherSecret}`]],
      ['two Authorization headers, bad then good', () => ['authorization: Bearer nope', `authorization: Bearer ${secret}`]],
      ['two x-api-key headers', () => [`x-api-key: ${secret}`, `x-api-key: ${otherSecret}`]],
      ['Authorization and x-api-key disagree', () => [`authorization: Bearer ${secret}`, `x-api-key: ${otherSecret}`]],
      ['8 KiB token', () => [`authorization: Bearer ${'A'.repeat(8 * 1024)}`]],
      ['40 KiB token', () => [`authorization: Bearer ${'sk_live_'.repeat(5 * 1024)}`]],
      ['non-ASCII (UTF-8 bytes) token', () => [`authorization: Bearer ${Buffer.from(`${secret.slice(0, -1)}é`, 'utf8').toString('latin1')}`]],
      ['homoglyph in the key', () => [`authorization: Bearer ${Buffer.from(secret.replace('s', 'ѕ'), 'utf8').toString('latin1')}`]],
      ['key with a trailing comma-joined copy', () => [`authorization: Bearer ${secret}, ${secret}`]],
      ['key in the query string only', () => []],
      ['key as a cookie', () => [`cookie: api_key=${secret}`]],
      ['key in x-forwarded-authorization', () => [`x-forwarded-authorization: Bearer ${secret}`]],
      ['null byte in the token (node refuses the header)', () => [`authorization: Bearer ${secret.slice(0, 10)}\u0000${secret.slice(10)}`]],
    ];
    it.each(cases)('%s → 4xx, no change', async (label, lines) => {
      await expectRefusedUnchanged(label, guard(lines()));
    });

    it('a key in the query string is ignored', async () => {
      await expectRefusedUnchanged('query', () => rawRequest(server.port, `GET /host/ok?api_key=${secret}&access_token=${secret} HTTP/1.1\r\nhost: x`));
    });

    it('accepts the scheme in any case and tab as the separator (RFC 9110 schemes are case-insensitive), and only with the issued key', async () => {
      for (const line of [`authorization: bearer ${secret}`, `authorization: BEARER ${secret}`, `authorization: Bearer\t${secret}`, `x-api-key: ${secret}`]) {
        const reply = await guard([line])();
        expect(reply.status, line).toBe(200);
        expect(reply.json.keyId).toBe(keyId);
      }
    });
  });

  describe('hostile bodies on the management API', () => {
    const post = (raw: string | Buffer, headers: string[] = ['content-type: application/json']) => () =>
      rawRequest(server.port, [`POST ${BASE} HTTP/1.1`, 'host: x', `x-test-actor: ${ADMIN}`, ...headers].join('\r\n'), raw);
    const patch = (raw: string) => () =>
      rawRequest(server.port, [`PATCH ${BASE}/${keyId} HTTP/1.1`, 'host: x', `x-test-actor: ${ADMIN}`, 'content-type: application/json'].join('\r\n'), raw);

    const malformed = ['{', '{"name":}', '{"name":"a",}', "{'name':'a'}", 'nul', 'NaN', '{"name":"a"}}', '\u0000', '\ufeff{"name":"a"}x', '{"name":"\\ud800"', '[1,2', '"\\u00"'];
    it.each(malformed)('malformed JSON %j → 400', async (raw) => {
      await expectRefusedUnchanged(`malformed ${raw}`, post(raw));
    });

    const invalid: [string, string][] = [
      ['a JSON array', '[{"name":"a"}]'],
      ['a JSON string', '"name"'],
      ['null', 'null'],
      ['a huge number as the name', '{"name":1e999}'],
      ['deep nesting 10k in metadata', `{"name":"a","metadata":{"x":${nested(10_000)}}}`],
      ['deep object nesting 5k in metadata', `{"name":"a","metadata":${nestedObject(5_000)}}`],
      ['deep nesting 10k as the body', nested(10_000)],
      ['__proto__ at the top', '{"name":"a","__proto__":{"polluted":1}}'],
      ['__proto__ in metadata', '{"name":"a","metadata":{"__proto__":{"polluted":1}}}'],
      ['nested __proto__ in metadata', '{"name":"a","metadata":{"x":{"__proto__":{"polluted":1}}}}'],
      ['constructor.prototype in metadata', '{"name":"a","metadata":{"constructor":{"prototype":{"polluted":1}}}}'],
      ['constructor.prototype at the top', '{"name":"a","constructor":{"prototype":{"polluted":1}}}'],
      ['__proto__ as scopes', '{"name":"a","scopes":{"__proto__":[]}}'],
      ['rateLimit with __proto__', '{"name":"a","rateLimit":{"limit":1,"windowSeconds":1,"__proto__":{"burst":1e9}}}'],
      ['SQL in environment', `{"name":"a","environment":"live'; DROP TABLE keygate_keys; --"}`],
      ['NoSQL operator as environment', '{"name":"a","environment":{"$gt":""}}'],
      ['NoSQL operator as name', '{"name":{"$ne":null}}'],
      ['negative rate limit', '{"name":"a","rateLimit":{"limit":-1,"windowSeconds":1}}'],
      ['Infinity-ish window', '{"name":"a","rateLimit":{"limit":1,"windowSeconds":1e308}}'],
      ['expiry in the past', '{"name":"a","expiresAt":"1970-01-01T00:00:00Z"}'],
      ['huge expiresIn', '{"name":"a","expiresIn":"99999999999999999999y"}'],
      ['CIDR with injection', `{"name":"a","ipAllowlist":["10.0.0.0/8' OR '1'='1"]}`],
      ['wildcard scope injection', '{"name":"a","scopes":["*:*","keys:*:*"]}'],
      ['8 KiB + metadata', `{"name":"a","metadata":{"x":"${'y'.repeat(9000)}"}}`],
    ];
    it.each(invalid)('%s → 4xx, no change', async (label, raw) => {
      await expectRefusedUnchanged(label, post(raw));
    });

    it.each(invalid.filter(([label]) => /proto|constructor/.test(label)))('PATCH with %s → 4xx, no change', async (label, raw) => {
      await expectRefusedUnchanged(`PATCH ${label}`, patch(raw));
    });

    it('PATCH with __proto__ cannot flip fields of the stored key', async () => {
      await expectRefusedUnchanged('PATCH __proto__ enabled', patch('{"__proto__":{"enabled":false,"tenantId":"globex"}}'));
      expect((await manager.verify(secret)).code).toBe('VALID');
    });

    it('huge bodies: 1 MiB declared, 5 MiB chunked, lying Content-Length → 413/400, server stays usable', async () => {
      const big = Buffer.alloc(1024 * 1024, 0x20);
      // A host's own body parser (express.json) may drop the connection instead of answering: nothing is stored either way.
      const orClosed = (send: () => Promise<{ status: number }>) => () =>
        target.keygateParsesBody ? send() : send().catch(() => ({ status: 413, body: 'connection closed by the host body parser' }));
      await expectRefusedUnchanged('1 MiB', orClosed(post(big)));
      await expectRefusedUnchanged('5 MiB chunked', orClosed(() => {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const parts: Buffer[] = [];
        for (let i = 0; i < 80; i++) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
        parts.push(Buffer.from('0\r\n\r\n'));
        return post(Buffer.concat(parts), ['content-type: application/json', 'transfer-encoding: chunked'])();
      }));
      await expectRefusedUnchanged('content-length 10 GB', orClosed(post('{"name":"a"}', ['content-type: application/json', 'content-length: 10000000000'])));
      expect((await call(server.url, 'GET', `${BASE}/${keyId}`, { actor: ADMIN })).status).toBe(200);
    });

    it('content types: text/plain, form, no type with a body, json with a charset trick → 415 (or 4xx)', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json-patch', 'multipart/form-data; boundary=x', 'application/jsonx']) {
        await expectRefusedUnchanged(type, post('{"name":"a"}', [`content-type: ${type}`]));
      }
      await expectRefusedUnchanged('no content type', post('{"name":"a"}', []));
    });
  });

  describe('unicode names through HTTP (32 code points after NFC; no invisible or bidi characters)', () => {
    const refused: [string, string][] = [
      ['33 precomposed é', 'é'.repeat(33)],
      ['33 e + combining acute (33 after NFC)', 'e\u0301'.repeat(33)],
      ['right-to-left mark', 'abc\u200Fdef'],
      ['right-to-left override (Trojan Source)', 'invoice\u202Egpj.exe'],
      ['left-to-right isolate', 'a\u2066b\u2069'],
      ['zero-width space', 'ad\u200Bmin'],
      ['zero-width joiner', 'a\u200Db'],
      ['byte-order mark inside', 'na\uFEFFme'],
      ['word joiner', 'a\u2060b'],
      ['NUL', 'a\u0000b'],
      ['newline', 'a\nb'],
      ['escape', 'a\u001b[31mred'],
      ['33 emoji', '🔑'.repeat(33)],
      ['only spaces', '     '],
    ];
    it.each(refused)('%s → 422, no change', async (label, name) => {
      await expectRefusedUnchanged(label, () => call(server.url, 'POST', BASE, { actor: ADMIN, body: { name } }), [422]);
    });

    const accepted: [string, string, number][] = [
      ['32 precomposed é', 'é'.repeat(32), 32],
      ['32 e + combining acute (NFC → 32 é)', 'e\u0301'.repeat(32), 32],
      ['32 emoji (astral, 64 UTF-16 units)', '🔑'.repeat(32), 32],
      ['Hebrew and Arabic text without controls', 'מפתח مفتاح', 10],
      ['CJK', '鍵'.repeat(32), 32],
      ['leading byte-order mark (trimmed like white space)', '\uFEFFname', 4],
    ];
    it.each(accepted)('%s → 201, stored as NFC', async (label, name, codePoints) => {
      const reply = await call(server.url, 'POST', BASE, { actor: ADMIN, body: { name } });
      expect(reply.status, label).toBe(201);
      expect(reply.json.key.name).toBe(name.normalize('NFC').trim());
      expect([...reply.json.key.name].length).toBe(codePoints);
      expect((await call(server.url, 'DELETE', `${BASE}/${reply.json.key.id}`, { actor: ADMIN })).status).toBe(204);
    });
  });

  describe('ids and query values', () => {
    const ids = [
      "'; DROP TABLE keygate_keys; --",
      '{"$gt":""}',
      '*',
      '?',
      '[',
      '..',
      '../../etc/passwd',
      '%2e%2e%2f%2e%2e%2f',
      'AAAAAAAAAAAAAAA*',
      'AAAAAAAAAAAAAA[]',
      "AAAAAAAA' OR '1",
      '__proto__',
      'constructor',
      '\u0000',
      'é'.repeat(16),
    ];
    it.each(ids)('id %j on every key route → 404, no change', async (id) => {
      const path = `${BASE}/${encodeURIComponent(id)}`;
      for (const [method, suffix, body] of [
        ['GET', '', undefined],
        ['PATCH', '', { name: 'x' }],
        ['DELETE', '', undefined],
        ['POST', '/regenerate', {}],
        ['POST', '/revoke', undefined],
        ['POST', '/reveal', undefined],
        ['GET', '/usage', undefined],
        ['GET', '/audit', undefined],
      ] as const) {
        await expectRefusedUnchanged(`${method} ${id}${suffix}`, () => call(server.url, method, path + suffix, { actor: ADMIN, ...(body ? { body } : {}) }), [404]);
      }
    });

    it('raw, unencoded hostile paths → 4xx, no change', async () => {
      for (const p of ['/*', '/[', '/{"$gt":""}', "/'%20OR%201=1", '/..%2f..%2f', '/%', '/%ZZ', '/AAAAAAAAAAAAAAAA/..', '/AAAAAAAAAAAAAAAA/revoke/..', '//..//']) {
        await expectRefusedUnchanged(p, () => rawRequest(server.port, `GET ${BASE}${p} HTTP/1.1\r\nhost: x\r\nx-test-actor: ${ADMIN}`));
      }
    });

    const queries = [
      'limit=-1', 'limit=0', 'limit=101', 'limit=1e3', 'limit=99999999999999999999', 'limit=1.5', 'limit=0x10', 'limit=', 'limit=abc', 'limit=1&limit=2',
      'limit=%20%201', 'status=__proto__', 'status=active&status=revoked', 'environment=' + 'x'.repeat(100), "cursor='%20OR%201=1", 'cursor=%7B%22%24gt%22%3A%22%22%7D',
      'cursor=' + 'A'.repeat(5000),
    ];
    it.each(queries)('list ?%s → 4xx', async (q) => {
      await expectRefusedUnchanged(q, () => call(server.url, 'GET', `${BASE}?${q}`, { actor: ADMIN }));
    });

    it.each(['from=-1', 'from=2025-13-01', 'from=2025-01-01&to=2000-01-01', 'from=0000-01-01', 'to=9999-99-99', "from=2025-01-01'--"])('usage ?%s → 4xx', async (q) => {
      await expectRefusedUnchanged(q, () => call(server.url, 'GET', `${BASE}/${keyId}/usage?${q}`, { actor: ADMIN }));
    });

    it.each(['limit=-5', 'limit=1000000', 'from=yesterday', 'to=1e99', 'keyId=*', "keyId=x'%20OR%201=1", 'keyId=%7B%22%24gt%22%3A%22%22%7D'])('audit ?%s → 4xx', async (q) => {
      await expectRefusedUnchanged(q, () => call(server.url, 'GET', `${BASE}/audit?${q}`, { actor: ADMIN }));
    });
  });

  it('random bytes as bodies, paths and header values never give a 5xx or change the store', async () => {
    const safeHeader = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'),
        fc.oneof(fc.constant(''), fc.constant(`/${keyId}x`), fc.webPath().map((p) => p.replace(/\s/g, '')), fc.string({ unit: fc.constantFrom('a', '%', '/', '.', '2', 'f', 'F', '?', '=', '&'), maxLength: 30 })),
        fc.oneof(fc.string({ maxLength: 300 }), fc.json().map(String), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'))),
        safeHeader,
        async (method, path, body, header) => {
          // Bodies only on a route that would create or change: unknown ids, so a valid body still changes nothing.
          const p = path.startsWith('/') || path === '' ? path : `/${path}`;
          const target = method === 'POST' && p === '' ? `/${'Z'.repeat(16)}/regenerate` : p;
          const reply = await rawRequest(
            server.port,
            [`${method} ${BASE}${target} HTTP/1.1`, 'host: x', `x-test-actor: ${ADMIN}`, 'content-type: application/json', `x-api-key: ${header}`].join('\r\n'),
            Buffer.from(body, 'latin1'),
          );
          expect(reply.status, `${method} ${target}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    expect(protoKeys()).toBe(PROTO_BEFORE);
  });
});
