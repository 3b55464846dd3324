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

async function stack(alertRules: object) {
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

  const actors: Record<string, Actor> = { admin, reader: { id: 'u2', tenantId: 'acme', permissions: ['usage:read'] } };
  const app = express();
  app.get('/api/orders', requireApiKey(manager), (_req, res) => {
    res.json({ orders: [] });
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

const call = (base: string, path: string, headers: Record<string, string> = {}) => fetch(base + path, { headers });

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
