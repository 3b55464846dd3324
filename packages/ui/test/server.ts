/**
 * A real keygate management API for the browser tests, screenshots and the
 * demo: core's `createNodeHandler` over the memory store, on node:http.
 *
 * Test-only conveniences (never in a real host):
 * - the acting user comes from `x-test-role` (default `admin`; `none`: not
 *   signed in) and `x-test-tenant` (default `demo`), so each test works in
 *   its own tenant and needs no reset;
 * - `POST /__test/seed` `{ tenant, count, usage? }` creates keys;
 * - `POST /__test/usage` `{ tenant, id, days: [{ day, requests, errors }] }` adds usage;
 * - `POST /__test/backdate` `{ tenant, id, days, expiresInDays? }` moves a key's
 *   creation `days` into the past (and sets its expiry), for the dashboard's
 *   "rotation overdue" and "expiring soon" lists;
 * - `POST /__test/fail` `{ method, suffix, status, body }` makes the next
 *   matching API request fail with that answer.
 *
 * `GET <base>/reports` is served by @keygate/monitor's `createReports`.
 *
 * Run: `node --conditions=source --import tsx packages/ui/test/server.ts`;
 * prints `{"port":N}` on stdout once listening (PORT env, default 0 = any).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createKeyManager, createMemoryStorage, type KeyManager, type KeygateStorage } from '../../core/src/index.js';
import { createNodeHandler } from '../../core/src/http/index.js';
import { createReports } from '../../monitor/src/reports.js';

const BASE = '/api/v1/platform/api-keys';

interface Failure {
  method: string;
  suffix: string;
  status: number;
  body: unknown;
}

function build(): { manager: KeyManager; storage: KeygateStorage; handler: ReturnType<typeof createNodeHandler> } {
  const storage = createMemoryStorage();
  const manager = createKeyManager({
    storage,
    config: {
      environments: { live: 'sk_live', test: 'sk_test' },
      defaultEnvironment: 'test',
      scopes: [
        { name: 'read:users', description: 'Read user profiles' },
        { name: 'write:users', description: 'Create and update users' },
        { name: 'read:orders', description: 'Read orders' },
        { name: 'write:orders', description: 'Create and refund orders' },
        { name: 'read:analytics', description: 'Read reports' },
      ],
      storeSecretsServerSide: true,
      masterKeys: [{ id: 'test-1', key: randomBytes(32).toString('base64') }],
      usageFlushInterval: '50ms',
    },
  });
  const reports = createReports(manager);
  const handler = createNodeHandler(manager, {
    basePath: BASE,
    reports: (actor, query) => reports.tenantReport(actor, query),
    getActor: (req: IncomingMessage) => {
      const role = String(req.headers['x-test-role'] ?? 'admin');
      if (role === 'none') return undefined;
      const tenantId = String(req.headers['x-test-tenant'] ?? 'demo');
      return { id: `user-${role}`, tenantId, role, type: 'user' };
    },
  });
  return { manager, storage, handler };
}

const state = build();
let failure: Failure | undefined;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const NAMES = ['Billing service', 'Mobile app', 'Analytics export', 'Partner: Acme', 'CI pipeline', 'Support tools', 'Webhook relay', 'Data warehouse'];

async function testRoute(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const body = await readJson(req);
  const tenantId = typeof body['tenant'] === 'string' ? body['tenant'] : 'demo';
  const actor = { id: 'seeder', tenantId, role: 'admin', type: 'user' as const };
  if (path === '/__test/seed') {
    const count = Number(body['count'] ?? 3);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const issued = await state.manager.create(actor, {
        name: `${NAMES[i % NAMES.length]}${i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : ''}`,
        environment: i % 3 === 0 ? 'live' : 'test',
        scopes: i % 2 === 0 ? ['read:users', 'read:orders'] : ['read:analytics'],
        expiresIn: i % 4 === 1 ? '90d' : undefined,
      });
      ids.push(issued.key.id);
    }
    return send(res, 200, { ids });
  }
  if (path === '/__test/usage') {
    const id = String(body['id']);
    const days = (body['days'] as { day: string; requests: number; errors: number }[]) ?? [];
    await state.storage.usage.increment(
      days.map((d) => ({ keyId: id, tenantId, day: d.day, requests: d.requests, errors: d.errors, lastUsedAt: Date.parse(`${d.day}T12:00:00Z`) })),
    );
    return send(res, 200, { ok: true });
  }
  if (path === '/__test/backdate') {
    const record = await state.storage.keys.get(String(body['id']));
    if (!record || record.tenantId !== tenantId) return send(res, 404, { error: 'no such key' });
    const shift = Number(body['days'] ?? 0) * 86_400_000;
    const expiresInDays = body['expiresInDays'];
    await state.storage.keys.put({
      ...record,
      createdAt: record.createdAt - shift,
      updatedAt: record.updatedAt - shift,
      expiresAt: typeof expiresInDays === 'number' ? Date.now() + expiresInDays * 86_400_000 : record.expiresAt,
    });
    return send(res, 200, { ok: true });
  }
  if (path === '/__test/fail') {
    failure = { method: String(body['method']), suffix: String(body['suffix']), status: Number(body['status']), body: body['body'] };
    return send(res, 200, { ok: true });
  }
  send(res, 404, { error: 'unknown test route' });
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path.startsWith('/__test/')) {
    testRoute(req, res, path).catch((error: unknown) => send(res, 500, { error: String(error) }));
    return;
  }
  if (failure && req.method === failure.method && path.endsWith(failure.suffix)) {
    const f = failure;
    failure = undefined;
    return send(res, f.status, f.body, 'application/problem+json');
  }
  state.handler(req, res);
});

server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

const stop = (): void => {
  server.close();
  void state.manager.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
