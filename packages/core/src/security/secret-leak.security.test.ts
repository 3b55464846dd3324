/**
 * No secret ever leaks. Keys are created (opaque and JWT, server-side
 * storage off and on), then every route and error path is driven: wrong
 * header, rate limited, revoked, disabled, wrong scope, wrong IP, storage
 * failing. Everything observable is captured: logs (injected logger, the
 * handler's onError, console), audit events (hook and store), response
 * bodies and headers, @keygate/monitor's Prometheus and JSON output, and
 * what is stored (memory dump; PostgreSQL rows and Redis keys too). No
 * plaintext key and no secret part appears anywhere, except in the
 * create/regenerate responses and the reveal body when server-side storage
 * is on.
 */
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KeygateConfig } from '../config-types.js';
import { parseKey } from '../key-format.js';
import { KeyManager } from '../manager.js';
import { createPostgresStorage } from '../postgres/storage.js';
import type { RedisCommandClient } from '../redis/redis-client.js';
import { createRedisStorage } from '../redis/storage.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import type { AuditEvent, KeygateStorage } from '../types.js';
import { BASE, call, dumpableStorage, listen, nodeApp, recordingLogger } from './harness.js';

const monitorUrl = new URL('../../../monitor/src/metrics.ts', import.meta.url).href;
const { createMetrics } = (await import(/* @vite-ignore */ monitorUrl)) as {
  createMetrics: () => { hooks: { onVerification(e: unknown): void; onAudit(e: AuditEvent): void }; prometheus(): Promise<string>; json(): Promise<unknown> };
};

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);
const MASTER = { id: 'm1', key: Buffer.alloc(32, 9).toString('base64') };
const ADMIN = 'u-admin:acme:admin';

/** The strings that must never appear: each key, and the part of it that is secret. */
function needles(secret: string): string[] {
  const parsed = parseKey(secret);
  if (parsed !== undefined) return [secret, parsed.secret];
  const parts = secret.split('.');
  return [secret, parts[2]!, `${parts[1]}.${parts[2]}`];
}

interface Backend {
  name: string;
  enabled: boolean;
  open(): Promise<{ storage: KeygateStorage; dump(): Promise<string>; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'memory',
    enabled: true,
    async open() {
      const storage = dumpableStorage();
      return { storage, dump: async () => storage.dump(), close: async () => undefined };
    },
  },
  {
    name: 'PostgreSQL',
    enabled: postgres.available,
    async open() {
      const schema = uniqueTestName('kgleak');
      const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
      const storage = createPostgresStorage({ pool, schema });
      await storage.ready();
      return {
        storage,
        async dump() {
          const out: string[] = [];
          const { rows: tables } = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
          for (const { table_name } of tables) out.push(JSON.stringify((await pool.query(`SELECT * FROM "${schema}"."${table_name}"`)).rows));
          return out.join('\n');
        },
        async close() {
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await pool.end();
        },
      };
    },
  },
  {
    name: 'Redis',
    enabled: redis.available,
    async open() {
      const prefix = `${uniqueTestName('kgleak')}:`;
      const client = createClient({ url: redis.url });
      client.on('error', () => undefined);
      await client.connect();
      const storage = createRedisStorage({ client: client as unknown as RedisCommandClient, prefix });
      const keys = async () => {
        const all: string[] = [];
        for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) all.push(...batch);
        return all;
      };
      return {
        storage,
        async dump() {
          const out: string[] = [];
          for (const key of await keys()) {
            const type = await client.type(key);
            const value =
              type === 'hash' ? await client.hGetAll(key) : type === 'zset' ? await client.zRange(key, 0, -1) : type === 'string' ? await client.get(key) : type;
            out.push(`${key} ${JSON.stringify(value)}`);
          }
          return out.join('\n');
        },
        async close() {
          const all = await keys();
          if (all.length > 0) await client.del(all);
          await client.close();
        },
      };
    },
  },
];

let jwtConfig: KeygateConfig['jwt'];
beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  jwtConfig = { algorithm: 'ES256', privateKey: await exportPKCS8(pair.privateKey), publicKey: await exportSPKI(pair.publicKey), kid: 'k1' };
});

const MODES = [
  { tokenType: 'opaque', serverSide: false },
  { tokenType: 'opaque', serverSide: true },
  { tokenType: 'jwt', serverSide: false },
  { tokenType: 'jwt', serverSide: true },
] as const;

describe.each(BACKENDS.filter((b) => b.enabled))('no secret leaks: $name storage', (backend) => {
  let consoleLines: string[];
  beforeEach(() => {
    consoleLines = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void consoleLines.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it.each(MODES)('tokenType $tokenType, server-side storage $serverSide', async ({ tokenType, serverSide }) => {
    const opened = await backend.open();
    const logger = recordingLogger();
    const hookEvents: AuditEvent[] = [];
    const metrics = createMetrics();
    const handlerErrors: string[] = [];
    let failing = false;
    const storage: KeygateStorage = {
      ...opened.storage,
      keys: {
        get: (id) => (failing ? Promise.reject(new Error('db down')) : opened.storage.keys.get(id)),
        put: (r) => opened.storage.keys.put(r),
        delete: (id) => opened.storage.keys.delete(id),
        list: (q) => opened.storage.keys.list(q),
      },
    };
    const manager = new KeyManager({
      storage,
      logger,
      hooks: {
        onAudit: (e) => {
          hookEvents.push(structuredClone(e));
          metrics.hooks.onAudit(e);
        },
        onVerification: (e) => metrics.hooks.onVerification(e),
      },
      config: {
        tokenType,
        ...(tokenType === 'jwt' ? { jwt: jwtConfig } : { hasher: 'sha256' as const }),
        ...(serverSide ? { storeSecretsServerSide: true, masterKeys: [MASTER] } : {}),
        auditLevel: 'verbose',
        rateLimitThreshold: { limit: 3, windowSeconds: 3600 },
        cache: { ttl: 0 },
      },
    });
    const server = await listen(nodeApp(manager, { scopes: ['orders:read'], onError: (e) => void handlerErrors.push(String(e instanceof Error ? `${e.message} ${e.stack}` : e)) }));
    const observed: string[] = [];
    const allowed = new Set<string>(); // bodies that may carry a secret: create, regenerate, reveal
    const secrets: string[] = [];
    const send = async (method: string, path: string, options: Parameters<typeof call>[3] = {}, mayCarrySecret = false) => {
      const reply = await call(server.url, method, path, options);
      const text = `${reply.status} ${JSON.stringify([...reply.headers.entries()])} ${reply.text}`;
      if (mayCarrySecret) allowed.add(text);
      else observed.push(text);
      return reply;
    };

    try {
      const created = await send('POST', BASE, { actor: ADMIN, body: { name: 'main', scopes: ['orders:read'], ipAllowlist: ['127.0.0.0/8'] } }, true);
      expect(created.status).toBe(201);
      const id: string = created.json.key.id;
      secrets.push(created.json.secret);
      const noScope = await send('POST', BASE, { actor: ADMIN, body: { name: 'no scope' } }, true);
      secrets.push(noScope.json.secret);
      const wrongIp = await send('POST', BASE, { actor: ADMIN, body: { name: 'wrong ip', scopes: ['orders:read'], ipAllowlist: ['10.0.0.0/8'] } }, true);
      secrets.push(wrongIp.json.secret);
      const [secret] = secrets as [string];

      // Host route: valid, then every failure path.
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secret}` } });
      await send('GET', '/host/ok', { headers: { 'x-api-key': secret } });
      await send('GET', `/host/ok?api_key=${encodeURIComponent(secret)}`);
      await send('GET', '/host/ok', { headers: { 'x-wrong-header': secret, cookie: `key=${secret}` } });
      await send('GET', '/host/ok', { headers: { authorization: `Basic ${secret}` } });
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secret}`, 'x-api-key': secrets[1]! } });
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secret.slice(0, -1)}x` } });
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secrets[1]}` } }); // insufficient scope
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secrets[2]}` } }); // IP not allowed
      for (let i = 0; i < 4; i++) await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secret}` } }); // rate limited
      failing = true;
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secrets[1]}` } }); // storage down: 503
      await send('GET', `${BASE}/${id}`, { actor: ADMIN });
      failing = false;

      // Management routes, with the key in the wrong places too.
      await send('GET', BASE, { actor: ADMIN });
      await send('GET', `${BASE}/${id}`, { actor: ADMIN });
      await send('GET', `${BASE}/${encodeURIComponent(secret)}`, { actor: ADMIN });
      await send('GET', `${BASE}?cursor=${encodeURIComponent(secret)}`, { actor: ADMIN });
      await send('POST', BASE, { actor: ADMIN, body: { name: secret } });
      await send('POST', BASE, { actor: ADMIN, body: { name: 'x', scopes: [secret] } });
      await send('PATCH', `${BASE}/${id}`, { actor: ADMIN, body: { name: 'renamed', enabled: false } });
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secret}` } }); // disabled
      await send('PATCH', `${BASE}/${id}`, { actor: ADMIN, body: { enabled: true } });
      await send('GET', `${BASE}/${id}/usage`, { actor: ADMIN });
      await send('GET', `${BASE}/${id}/audit`, { actor: ADMIN });
      await send('GET', `${BASE}/audit`, { actor: ADMIN });
      await send('GET', `${BASE}/meta`, { actor: ADMIN });
      await send('GET', `${BASE}/meta`, { headers: { authorization: `Bearer ${secret}` } });
      const revealed = await send('POST', `${BASE}/${id}/reveal`, { actor: ADMIN }, serverSide);
      if (serverSide) expect(revealed.json.secret).toBe(secret);
      const rotated = await send('POST', `${BASE}/${id}/regenerate`, { actor: ADMIN, body: { gracePeriod: '1h' } }, true);
      secrets.push(rotated.json.secret);
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secret}` } }); // old secret in grace
      await send('POST', `${BASE}/${id}/revoke`, { actor: ADMIN });
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${rotated.json.secret}` } }); // revoked
      await send('POST', `${BASE}/${id}/reveal`, { actor: ADMIN });
      await send('DELETE', `${BASE}/${wrongIp.json.key.id}`, { actor: ADMIN });
      await send('GET', '/host/ok', { headers: { authorization: `Bearer ${secrets[2]}` } }); // deleted
      await manager.flush();

      const haystacks: Record<string, string> = {
        'responses (status, headers, bodies)': observed.join('\n'),
        'logger lines': logger.lines.join('\n'),
        'console output': consoleLines.join('\n'),
        'handler onError': handlerErrors.join('\n'),
        'audit hook events': JSON.stringify(hookEvents),
        'audit log in the store': JSON.stringify((await manager.auditLog({ id: 'a', tenantId: 'acme', role: 'admin' }, { limit: 100 })).items),
        'stored data': await opened.dump(),
        'monitor prometheus()': await metrics.prometheus(),
        'monitor json()': JSON.stringify(await metrics.json()),
      };
      expect(hookEvents.length).toBeGreaterThan(10);
      expect(haystacks['stored data']!.length).toBeGreaterThan(100);
      for (const secretValue of secrets) {
        for (const needle of needles(secretValue)) {
          for (const [where, text] of Object.entries(haystacks)) {
            expect(text.includes(needle), `${needle.slice(0, 12)}… found in ${where}: ${text.split("\n").filter((l) => l.includes(needle)).map((l) => l.slice(l.indexOf("{"), l.indexOf("{") + 700)).join(" | ")}`).toBe(false);
          }
        }
      }
      // The only places a secret may appear are the ones allowed above.
      expect([...allowed].some((t) => t.includes(secret))).toBe(true);
    } finally {
      await server.close();
      await manager.close();
      await opened.close();
    }
  });
});
