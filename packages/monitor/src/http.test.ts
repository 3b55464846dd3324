/**
 * Alerts, reports and metrics through real HTTP: an Express app with
 * `requireApiKey` and the management router on 127.0.0.1, a webhook receiver
 * that verifies signatures, and an SMTP server, all on loopback.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { keygateRouter, requireApiKey } from '@keygate/express';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyManager, createManagementHandler, type Actor, type KeyManager } from '@keygate/core';
import { createMetricsHandler } from './metrics-handler.js';
import { createMonitor, type Monitor } from './monitor.js';
import { startSmtpServer, startWebhookReceiver, wrongSecret } from './test-helpers.js';

const admin: Actor = { id: 'u1', tenantId: 'acme', role: 'admin' };
const webhookSecret = 'whsec_http_0123456789';
const closers: Array<() => unknown> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/**
 * The whole stack on loopback. `trustProxy` is Express's `trust proxy`
 * setting: with `'loopback'` the client address is taken from
 * X-Forwarded-For, as behind a reverse proxy on the same host.
 */
async function stack(alertRules: object, { trustProxy }: { trustProxy?: string } = {}) {
  const receiver = await startWebhookReceiver(webhookSecret);
  const smtp = await startSmtpServer();
  closers.push(receiver.close, smtp.close);
  const monitor: Monitor = createMonitor({
    alerts: { rules: alertRules },
    channels: {
      webhooks: [{ url: receiver.url, secret: webhookSecret }],
      email: { transport: smtp.transport, from: 'keygate@example.test', to: 'oncall@example.test' },
    },
    logger: { warn: () => undefined, error: () => undefined },
  });
  const manager = createKeyManager({ hooks: monitor.hooks, logger: { warn: () => undefined, error: () => undefined } });
  monitor.attach(manager);
  closers.push(() => manager.close(), () => monitor.close());

  const actors: Record<string, Actor> = {
    admin,
    reader: { id: 'u2', tenantId: 'acme', permissions: ['usage:read'] },
    ops: { id: 'ops', tenantId: '_system', role: 'admin' },
  };
  const app = express();
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  // `?fail=1` makes the host itself fail after a successful verification: the middleware counts the request as an error.
  app.get('/api/orders', requireApiKey(manager), (req, res) => {
    if (req.query['fail'] === '1') res.status(500).json({ error: 'database down' });
    else res.json({ orders: [] });
  });
  app.get('/api/orders/export', requireApiKey(manager, { scopes: ['orders:export'] }), (_req, res) => {
    res.json({ export: [] });
  });
  app.use(
    keygateRouter(manager, {
      getActor: (req) => actors[req.get('x-user') ?? ''],
      reports: (actor: Actor, q: object) => monitor.reports.tenantReport(actor, q),
    }),
  );
  app.get('/metrics', createMetricsHandler(monitor.metrics!, { bearerToken: 'scrape-token-0123456789' }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { receiver, smtp, monitor, manager, base };
}

const call = (base: string, path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(base + path, { method, headers });
const mgmt = '/api/v1/platform/api-keys';

/** The tenant's audit log over HTTP (`GET <base>/audit`), as the actor named by `x-user` sees it. */
async function auditOverHttp(base: string, user = 'admin', keyId?: string) {
  const res = await call(base, `${mgmt}/audit${keyId === undefined ? '' : `?keyId=${keyId}`}`, { 'x-user': user });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Array<Record<string, unknown>> }).items;
}

/** The one `alert.raised` audit event with the id of the delivered alert. */
async function auditedAlert(base: string, alertId: unknown, user = 'admin') {
  const raised = (await auditOverHttp(base, user)).filter((e) => e.action === 'alert.raised');
  expect(raised.map((e) => e.id)).toContain(alertId);
  return raised.find((e) => e.id === alertId)!;
}

describe('alerts from real HTTP traffic through requireApiKey', () => {
  it('a burst of failed authentications from one client raises auth_failure_burst_ip: signed webhook and email', async () => {
    const s = await stack({ authFailureBurstByIp: { threshold: 5 }, authFailureBurstByKey: false });
    for (let i = 0; i < 5; i++) {
      const res = await call(s.base, '/api/orders', { authorization: `Bearer sk_live_nope${i}` });
      expect(res.status).toBe(401);
    }
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.signatureValid).toBe(true);
    expect(hook!.json).toMatchObject({ type: 'alert.raised', data: { rule: 'auth_failure_burst_ip', severity: 'critical' } });
    expect(String((hook!.json.data as { ip: string }).ip)).toMatch(/127\.0\.0\.1$/);
    const [mail] = await s.smtp.waitFor(1);
    expect(mail!.to).toEqual(['oncall@example.test']);
    expect(mail!.subject).toContain('Burst of failed authentications');
    // No tenant owns an IP burst: it is audited under the system tenant, readable by its operators only.
    expect(await auditedAlert(s.base, hook!.json.id, 'ops')).toMatchObject({ tenantId: '_system', outcome: 'auth_failure_burst_ip' });
    expect((await auditOverHttp(s.base)).some((e) => e.action === 'alert.raised')).toBe(false);
  });

  it('guessing the secret of one key raises auth_failure_burst_key for its tenant', async () => {
    const s = await stack({ authFailureBurstByKey: { threshold: 4 }, authFailureBurstByIp: false });
    const { key, secret } = await s.manager.create(admin, { name: 'target' });
    for (let i = 0; i < 4; i++) {
      expect((await call(s.base, '/api/orders', { 'x-api-key': wrongSecret(secret) })).status).toBe(401);
    }
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.signatureValid).toBe(true);
    expect(hook!.json).toMatchObject({ tenantId: 'acme', keyId: key.id, data: { rule: 'auth_failure_burst_key' } });
    const [mail] = await s.smtp.waitFor(1);
    expect(mail!.raw).toContain(key.id);
    expect(mail!.raw).not.toContain(secret);
    expect(await auditedAlert(s.base, hook!.json.id)).toMatchObject({ tenantId: 'acme', keyId: key.id, outcome: 'auth_failure_burst_key' });
  });

  it('repeated 429s for one key raise rate_limit_violations', async () => {
    const s = await stack({ rateLimitViolations: { threshold: 3 }, errorRateSpike: false });
    const { key, secret } = await s.manager.create(admin, { name: 'busy', rateLimit: { limit: 2, windowSeconds: 3600 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(s.base, '/api/orders', { authorization: `Bearer ${secret}` })).status);
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.signatureValid).toBe(true);
    expect(hook!.json).toMatchObject({ tenantId: 'acme', keyId: key.id, data: { rule: 'rate_limit_violations', details: { count: 3 } } });
    await s.smtp.waitFor(1);
    expect(s.receiver.calls).toHaveLength(1);
    expect(await auditedAlert(s.base, hook!.json.id)).toMatchObject({ keyId: key.id, outcome: 'rate_limit_violations' });
  });

  it("a key whose host responses start failing raises error_rate_spike: the middleware reports each final status", async () => {
    const s = await stack({ errorRateSpike: { minRequests: 6, threshold: 0.5 } });
    const { key, secret } = await s.manager.create(admin, { name: 'svc', scopes: ['orders:read'], rateLimit: null });
    const auth = { authorization: `Bearer ${secret}` };
    for (let i = 0; i < 3; i++) expect((await call(s.base, '/api/orders', auth)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(s.base, '/api/orders?fail=1', auth)).status).toBe(500);
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.signatureValid).toBe(true);
    expect(hook!.json).toMatchObject({
      type: 'alert.raised',
      tenantId: 'acme',
      keyId: key.id,
      data: { rule: 'error_rate_spike', severity: 'warning', details: { requests: 6, errors: 3, errorRate: 0.5, lastCode: 'HTTP 500' } },
    });
    const [mail] = await s.smtp.waitFor(1);
    expect(mail!.subject).toContain(`Error rate of API key ${key.id} at 50%`);
    expect(mail!.raw).not.toContain(secret);
    expect(await auditedAlert(s.base, hook!.json.id)).toMatchObject({ tenantId: 'acme', keyId: key.id, outcome: 'error_rate_spike' });
    await s.manager.flush();
    const view = await call(s.base, `${mgmt}/${key.id}`, { 'x-user': 'admin' });
    expect(((await view.json()) as { usage: object }).usage).toMatchObject({ requests: 6, errors: 3 });
  });

  it('refused verifications of a held key (here: a missing scope) count towards error_rate_spike too', async () => {
    const s = await stack({ errorRateSpike: { minRequests: 6, threshold: 0.5 } });
    const { key, secret } = await s.manager.create(admin, { name: 'svc', scopes: ['orders:read'], rateLimit: null });
    const auth = { authorization: `Bearer ${secret}` };
    for (let i = 0; i < 3; i++) expect((await call(s.base, '/api/orders', auth)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(s.base, '/api/orders/export', auth)).status).toBe(403);
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.json).toMatchObject({ keyId: key.id, data: { rule: 'error_rate_spike', details: { requests: 6, errors: 3, lastCode: 'INSUFFICIENT_SCOPE' } } });
    expect(await auditedAlert(s.base, hook!.json.id)).toMatchObject({ keyId: key.id, outcome: 'error_rate_spike' });
  });

  it('a key used from a second /24 behind a trusted proxy raises new_ip_range; its first network is the baseline', async () => {
    const s = await stack({}, { trustProxy: 'loopback' });
    const { key, secret } = await s.manager.create(admin, { name: 'roaming', rateLimit: null });
    const from = (xff: string) => call(s.base, '/api/orders', { authorization: `Bearer ${secret}`, 'x-forwarded-for': xff });
    expect((await from('198.51.100.7')).status).toBe(200); // baseline
    expect((await from('198.51.100.200')).status).toBe(200); // same /24
    await s.monitor.alerts!.idle();
    expect(s.receiver.calls).toHaveLength(0);
    // A client may prepend anything; only the address the trusted proxy saw counts.
    expect((await from('198.51.100.9, 203.0.113.9')).status).toBe(200);
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.signatureValid).toBe(true);
    expect(hook!.json).toMatchObject({
      tenantId: 'acme',
      keyId: key.id,
      data: { rule: 'new_ip_range', severity: 'warning', ip: '203.0.113.9', subject: `${key.id}:203.0.113.0/24`, details: { range: '203.0.113.0/24', knownRanges: 1 } },
    });
    const [mail] = await s.smtp.waitFor(1);
    expect(mail!.subject).toContain(`used from a new network 203.0.113.0/24`);
    expect(mail!.raw).toContain('203.0.113.9');
    expect(mail!.raw).not.toContain(secret);
    expect(await auditedAlert(s.base, hook!.json.id)).toMatchObject({ tenantId: 'acme', keyId: key.id, ip: '203.0.113.9', outcome: 'new_ip_range' });
    // The same network again is not news.
    expect((await from('203.0.113.77')).status).toBe(200);
    await s.monitor.alerts!.idle();
    expect(s.receiver.calls).toHaveLength(1);
  });

  it('without trust proxy, a forged X-Forwarded-For does not move the key to a new network', async () => {
    const s = await stack({});
    const { secret } = await s.manager.create(admin, { name: 'direct', rateLimit: null });
    for (const xff of ['198.51.100.7', '203.0.113.9', '192.0.2.1']) {
      expect((await call(s.base, '/api/orders', { authorization: `Bearer ${secret}`, 'x-forwarded-for': xff })).status).toBe(200);
    }
    await s.monitor.alerts!.idle();
    expect(s.receiver.calls).toHaveLength(0);
    expect((await auditOverHttp(s.base)).some((e) => e.action === 'alert.raised')).toBe(false);
  });

  it('presenting a key revoked through the management API raises revoked_key_use, once per cooldown', async () => {
    const s = await stack({});
    const { key, secret } = await s.manager.create(admin, { name: 'leaky' });
    const auth = { authorization: `Bearer ${secret}` };
    expect((await call(s.base, '/api/orders', auth)).status).toBe(200);
    const revoked = await call(s.base, `${mgmt}/${key.id}/revoke`, { 'x-user': 'admin' }, 'POST');
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { status: string }).status).toBe('revoked');
    const refused = await call(s.base, '/api/orders', auth);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('revoked');
    const [hook] = await s.receiver.waitFor(1);
    expect(hook!.signatureValid).toBe(true);
    expect(hook!.json).toMatchObject({ type: 'alert.raised', tenantId: 'acme', keyId: key.id, data: { rule: 'revoked_key_use', severity: 'critical' } });
    expect(String((hook!.json.data as { ip: string }).ip)).toMatch(/127\.0\.0\.1$/);
    expect(hook!.body).not.toContain(secret);
    const [mail] = await s.smtp.waitFor(1);
    expect(mail!.subject).toContain(`Revoked API key ${key.id} was presented`);
    expect(mail!.raw).not.toContain(secret);
    const trail = await auditOverHttp(s.base, 'admin', key.id);
    expect(trail.find((e) => e.action === 'key.revoked')).toMatchObject({ actor: expect.objectContaining({ id: 'u1' }) });
    expect(await auditedAlert(s.base, hook!.json.id)).toMatchObject({ tenantId: 'acme', keyId: key.id, outcome: 'revoked_key_use', actor: { id: 'keygate:monitor', type: 'system' } });
    // The same leaked key again within the cooldown: refused, not re-alerted.
    expect((await call(s.base, '/api/orders', auth)).status).toBe(401);
    await s.monitor.alerts!.idle();
    expect(s.receiver.calls).toHaveLength(1);
    expect(s.smtp.messages).toHaveLength(1);
  });
});

describe('reports and metrics over HTTP', () => {
  it('GET <base>/reports returns the tenant report; needs usage:read and keys:read; validates the query', async () => {
    const s = await stack({});
    const { secret } = await s.manager.create(admin, { name: 'svc' });
    await call(s.base, '/api/orders', { authorization: `Bearer ${secret}` });
    await s.manager.flush();
    const res = await call(s.base, '/api/v1/platform/api-keys/reports?days=7', { 'x-user': 'admin' });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { tenantId: string; daily: unknown[]; topKeys: Array<{ name: string; requests: number }> };
    expect(report.tenantId).toBe('acme');
    expect(report.daily).toHaveLength(7);
    expect(report.topKeys).toEqual([expect.objectContaining({ name: 'svc', requests: 1 })]);
    expect((await call(s.base, '/api/v1/platform/api-keys/reports', { 'x-user': 'reader' })).status).toBe(403);
    expect((await call(s.base, '/api/v1/platform/api-keys/reports')).status).toBe(401);
    const bad = await call(s.base, '/api/v1/platform/api-keys/reports?days=abc', { 'x-user': 'admin' });
    expect(bad.status).toBe(422);
    const tooMany = await call(s.base, '/api/v1/platform/api-keys/reports?days=999', { 'x-user': 'admin' });
    expect(tooMany.status).toBe(422);
    expect(((await tooMany.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('/days');
  });

  it('GET /metrics serves Prometheus text with the bearer token, JSON on request, 401 without', async () => {
    const s = await stack({});
    const { secret } = await s.manager.create(admin, { name: 'svc' });
    await call(s.base, '/api/orders', { authorization: `Bearer ${secret}` });
    expect((await call(s.base, '/metrics')).status).toBe(401);
    expect((await call(s.base, '/metrics', { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const res = await call(s.base, '/metrics', { authorization: 'Bearer scrape-token-0123456789' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('keygate_verifications_total{code="VALID"} 1');
    expect(text).toContain('keygate_management_actions_total{action="key.created"} 1');
    const json = await call(s.base, '/metrics?format=json', { authorization: 'Bearer scrape-token-0123456789' });
    expect(((await json.json()) as { verifications: { total: number } }).verifications.total).toBe(1);
    expect(() => createMetricsHandler(s.monitor.metrics!, {})).toThrow(/bearerToken/);
  });

  it('without a reports provider the route is 404 and absent from the OpenAPI document', async () => {
    const manager = createKeyManager();
    closers.push(() => manager.close());
    const handler = createManagementHandler(manager, { getActor: () => admin });
    const req = (path: string) => handler({ method: 'GET', path, query: new URLSearchParams(), headers: {}, body: { kind: 'none' }, raw: {} });
    expect((await req('/reports')).status).toBe(404);
    expect(JSON.parse((await req('/openapi.json')).body!).paths).not.toHaveProperty('/api/v1/platform/api-keys/reports');
    const withReports = createManagementHandler(manager, { getActor: () => admin, reports: async () => ({}) });
    const doc = await withReports({ method: 'GET', path: '/openapi.json', query: new URLSearchParams(), headers: {}, body: { kind: 'none' }, raw: {} });
    expect(JSON.parse(doc.body!).paths).toHaveProperty('/api/v1/platform/api-keys/reports');
  });
});
