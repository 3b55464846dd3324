import { afterEach, describe, expect, it } from 'vitest';
import type { Actor, Notification } from '@keygate/core';
import type { Alert } from './alerts.js';
import { createMonitor, type MonitorOptions } from './monitor.js';
import { startSmtpServer, startWebhookReceiver, testManager, wrongSecret } from './test-helpers.js';

const admin: Actor = { id: 'u1', tenantId: 'acme', role: 'admin' };
const MIN = 60_000;
const DAY = 86_400_000;

/** A monitor wired to a manager on a test clock, collecting alerts from its hook channel. */
function setup(options: Omit<MonitorOptions, 'manager' | 'clock'> = {}, config: Parameters<typeof testManager>[0] = {}) {
  const alerts: Alert[] = [];
  const notifications: Notification[] = [];
  let clockNow = () => Date.now();
  const monitor = createMonitor({
    ...options,
    clock: { now: () => clockNow() },
    alerts: { ...(options.alerts || {}), onAlert: (a) => void alerts.push(a) },
    channels: { ...options.channels, hook: (n) => void notifications.push(n) },
    logger: { warn: () => undefined, error: () => undefined },
  });
  const t = testManager({ ...config, hooks: monitor.hooks });
  clockNow = t.now;
  monitor.attach(t.manager);
  const settle = () => monitor.alerts!.idle();
  return { ...t, monitor, alerts, notifications, settle, byRule: (rule: string) => alerts.filter((a) => a.rule === rule) };
}

const closers: Array<() => unknown> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('alert rules, driven by real verifications', () => {
  it('revoked_key_use: presenting a revoked key raises a critical alert, audited in the key tenant', async () => {
    const s = setup();
    const { key, secret } = await s.manager.create(admin, { name: 'leaky' });
    await s.manager.revoke(admin, key.id);
    expect((await s.manager.verify(secret, { ip: '198.51.100.7' })).code).toBe('REVOKED');
    await s.settle();
    const [alert] = s.byRule('revoked_key_use');
    expect(alert).toMatchObject({ severity: 'critical', tenantId: 'acme', keyId: key.id, ip: '198.51.100.7' });
    expect(JSON.stringify(alert)).not.toContain(secret);
    const audit = await s.manager.auditLog(admin, {});
    const raised = audit.items.find((e) => e.action === 'alert.raised');
    expect(raised).toMatchObject({ id: alert!.id, tenantId: 'acme', keyId: key.id, outcome: 'revoked_key_use', actor: { type: 'system' } });
    expect(s.notifications[0]).toMatchObject({ type: 'alert.raised', tenantId: 'acme', keyId: key.id });
    expect(await s.monitor.prometheus()).toContain('keygate_alerts_total{rule="revoked_key_use"} 1');
  });

  it('de-duplicates the same rule and subject within the cooldown, and alerts again after it', async () => {
    const s = setup({ alerts: { cooldownMs: 10 * MIN } });
    const { key, secret } = await s.manager.create(admin, { name: 'leaky' });
    await s.manager.revoke(admin, key.id);
    for (let i = 0; i < 5; i++) await s.manager.verify(secret);
    s.advance(5 * MIN);
    await s.manager.verify(secret);
    await s.settle();
    expect(s.byRule('revoked_key_use')).toHaveLength(1);
    s.advance(6 * MIN);
    await s.manager.verify(secret);
    await s.settle();
    expect(s.byRule('revoked_key_use')).toHaveLength(2);
  });

  it('error_rate_spike: most requests of a key failing (missing scope) raises one alert', async () => {
    const s = setup({ alerts: { rules: { errorRateSpike: { minRequests: 10, threshold: 0.5 } } } });
    const { key, secret } = await s.manager.create(admin, { name: 'svc', scopes: ['orders:read'], rateLimit: null });
    for (let i = 0; i < 9; i++) await s.manager.verify(secret, { scopes: ['orders:read'] });
    for (let i = 0; i < 8; i++) await s.manager.verify(secret, { scopes: ['orders:write'] });
    await s.settle();
    expect(s.byRule('error_rate_spike')).toHaveLength(0); // 8 of 17
    for (let i = 0; i < 4; i++) await s.manager.verify(secret, { scopes: ['orders:write'] });
    await s.settle();
    const spikes = s.byRule('error_rate_spike');
    expect(spikes).toHaveLength(1);
    expect(spikes[0]).toMatchObject({ tenantId: 'acme', keyId: key.id, details: { lastCode: 'INSUFFICIENT_SCOPE' } });
    expect(spikes[0]!.details.errorRate as number).toBeGreaterThanOrEqual(0.5);
  });

  it('rate_limit_violations: a key repeatedly over its own limit', async () => {
    const s = setup({ alerts: { rules: { rateLimitViolations: { threshold: 5 }, errorRateSpike: false } } });
    const { key, secret } = await s.manager.create(admin, { name: 'busy', rateLimit: { limit: 2, windowSeconds: 3600 } });
    for (let i = 0; i < 6; i++) await s.manager.verify(secret);
    await s.settle();
    expect(s.byRule('rate_limit_violations')).toHaveLength(0); // 4 refusals
    await s.manager.verify(secret);
    await s.settle();
    expect(s.byRule('rate_limit_violations')).toEqual([expect.objectContaining({ keyId: key.id, tenantId: 'acme', severity: 'warning' })]);
    expect(s.alerts).toHaveLength(1);
  });

  it('auth_failure_burst_key: guesses at one key id alert its tenant, who never presented a secret', async () => {
    const s = setup({ alerts: { rules: { authFailureBurstByKey: { threshold: 5 } } } });
    const { key, secret } = await s.manager.create(admin, { name: 'target' });
    for (let i = 0; i < 5; i++) expect((await s.manager.verify(wrongSecret(secret), { ip: `203.0.113.${i}` })).code).toBe('NOT_FOUND');
    await s.settle();
    const [alert] = s.byRule('auth_failure_burst_key');
    expect(alert).toMatchObject({ keyId: key.id, tenantId: 'acme', severity: 'critical', details: { count: 5 } });
    const audit = await s.manager.auditLog(admin, { keyId: key.id });
    expect(audit.items.some((e) => e.action === 'alert.raised' && e.outcome === 'auth_failure_burst_key')).toBe(true);
  });

  it('auth_failure_burst_ip: garbage from one address alerts under the system tenant; other addresses do not count', async () => {
    const s = setup({ alerts: { rules: { authFailureBurstByIp: { threshold: 4, windowMs: MIN } } } });
    await s.manager.verify('nope', { ip: '192.0.2.1' });
    await s.manager.verify('nope', { ip: '192.0.2.2' });
    await s.manager.verify('nope', { ip: '192.0.2.1' });
    s.advance(2 * MIN); // the first two left the window
    await s.manager.verify('sk_live_garbage', { ip: '192.0.2.1' });
    await s.manager.verify('nope', { ip: '192.0.2.1' });
    await s.settle();
    expect(s.byRule('auth_failure_burst_ip')).toHaveLength(0);
    await s.manager.verify('nope', { ip: '192.0.2.1' });
    await s.manager.verify('nope', { ip: '192.0.2.1' });
    await s.settle();
    const [alert] = s.byRule('auth_failure_burst_ip');
    expect(alert).toMatchObject({ ip: '192.0.2.1', subject: '192.0.2.1' });
    expect(alert!.tenantId).toBeUndefined();
    const system = await s.manager.auditLog({ id: 'ops', tenantId: '_system', role: 'admin' }, {});
    expect(system.items[0]).toMatchObject({ action: 'alert.raised', outcome: 'auth_failure_burst_ip', ip: '192.0.2.1' });
  });

  it('new_ip_range: a new /24 or /48 alerts; the same network, or the first one ever seen, does not', async () => {
    const s = setup();
    const { key, secret } = await s.manager.create(admin, { name: 'roaming', rateLimit: null });
    await s.manager.verify(secret, { ip: '10.1.2.3' }); // baseline
    await s.manager.verify(secret, { ip: '10.1.2.200' });
    await s.settle();
    expect(s.byRule('new_ip_range')).toHaveLength(0);
    await s.manager.verify(secret, { ip: '172.16.5.9' });
    await s.manager.verify(secret, { ip: '2001:db8:1::1' });
    await s.manager.verify(secret, { ip: '2001:db8:1:ffff::2' }); // same /48
    await s.settle();
    expect(s.byRule('new_ip_range').map((a) => a.details.range)).toEqual(['172.16.5.0/24', '2001:db8:1:0:0:0:0:0/48']);
    expect(s.byRule('new_ip_range')[0]).toMatchObject({ keyId: key.id, tenantId: 'acme', ip: '172.16.5.9' });
    // A network not seen for longer than the lookback is new again.
    s.advance(31 * DAY);
    await s.manager.verify(secret, { ip: '10.1.2.3' });
    await s.settle();
    expect(s.byRule('new_ip_range')).toHaveLength(3);
  });

  it('rules can be turned off', async () => {
    const s = setup({ alerts: { rules: { revokedKeyUse: false } } });
    const { key, secret } = await s.manager.create(admin, { name: 'x' });
    await s.manager.revoke(admin, key.id);
    await s.manager.verify(secret);
    await s.settle();
    expect(s.alerts).toHaveLength(0);
  });

  it('refuses nonsense thresholds', () => {
    expect(() => createMonitor({ alerts: { rules: { errorRateSpike: { threshold: 2 } } } })).toThrow(/errorRateSpike.threshold/);
    expect(() => createMonitor({ alerts: { rules: { authFailureBurstByIp: { windowMs: -1 } } } })).toThrow(/windowMs/);
  });

  it('delivers an alert to a signed webhook and by email, end to end', async () => {
    const secret = 'whsec_e2e_0123456789';
    const receiver = await startWebhookReceiver(secret, [503]);
    const smtp = await startSmtpServer();
    closers.push(receiver.close, smtp.close);
    const s = setup({
      channels: {
        webhooks: [{ url: receiver.url, secret, sleep: async () => undefined }],
        email: { transport: smtp.transport, from: 'keygate@example.test', to: 'security@example.test' },
      },
    });
    closers.push(() => s.monitor.close());
    const { key, secret: apiKey } = await s.manager.create(admin, { name: 'leaky' });
    await s.manager.revoke(admin, key.id);
    await s.manager.verify(apiKey, { ip: '198.51.100.20' });
    await s.settle();
    const calls = await receiver.waitFor(2); // 503 first, then retried
    expect(calls.every((c) => c.signatureValid)).toBe(true);
    expect(calls[1]!.json).toMatchObject({ type: 'alert.raised', tenantId: 'acme', keyId: key.id, data: { rule: 'revoked_key_use', ip: '198.51.100.20' } });
    expect(calls[1]!.json.id).toBe(s.alerts[0]!.id);
    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual(['security@example.test']);
    expect(mail!.subject).toContain('Revoked API key');
    expect(mail!.raw).toContain(key.id);
    expect(mail!.raw).not.toContain(apiKey);
  });
});
