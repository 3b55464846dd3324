import { describe, expect, it } from 'vitest';
import { register } from 'prom-client';
import type { Actor } from '@keygate/core';
import { createMetrics } from './metrics.js';
import { testManager, wrongSecret } from './test-helpers.js';

const admin: Actor = { id: 'u1', tenantId: 'acme', role: 'admin' };

describe('createMetrics', () => {
  it('counts real verifications by code, latency, rate-limit kinds and management actions', async () => {
    const metrics = createMetrics();
    const { manager } = testManager({ hooks: metrics.hooks });
    const { key, secret } = await manager.create(admin, { name: 'ci', rateLimit: { limit: 2, windowSeconds: 3600 } });
    await manager.verify(secret);
    await manager.verify(secret);
    await manager.verify(secret); // over the key's own limit
    await manager.verify('not-a-key');
    await manager.verify(wrongSecret(secret));
    await manager.verify(wrongSecret(secret));
    await manager.verify(wrongSecret(secret));
    await manager.update(admin, key.id, { name: 'ci-2' });
    await manager.revoke(admin, key.id);

    const text = await metrics.prometheus();
    expect(text).toContain('# TYPE keygate_verifications_total counter');
    expect(text).toContain('keygate_verifications_total{code="VALID"} 2');
    expect(text).toContain('keygate_verifications_total{code="RATE_LIMITED"} 1');
    expect(text).toContain('keygate_verifications_total{code="INVALID_FORMAT"} 1');
    expect(text).toContain('keygate_verifications_total{code="NOT_FOUND"} 3');
    expect(text).toContain('keygate_verifications_total{code="REVOKED"} 0');
    expect(text).toContain('keygate_rate_limit_rejections_total{limit="key"} 1');
    expect(text).toContain('keygate_rate_limit_rejections_total{limit="unattributed"} 0');
    expect(text).toContain('keygate_management_actions_total{action="key.created"} 1');
    expect(text).toContain('keygate_management_actions_total{action="key.revoked"} 1');
    expect(text).toContain('# TYPE keygate_verification_duration_seconds histogram');
    expect(text).toContain('keygate_verification_duration_seconds_count{result="valid"} 2');
    expect(text).toContain('keygate_verification_duration_seconds_count{result="invalid"} 5');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(key.id);

    const json = await metrics.json();
    expect(json.verifications.total).toBe(7);
    expect(json.verifications.byCode).toMatchObject({ VALID: 2, RATE_LIMITED: 1, NOT_FOUND: 3, INVALID_FORMAT: 1, REVOKED: 0 });
    expect(json.rateLimitRejections).toEqual({ key: 1, unattributed: 0 });
    expect(json.managementActions).toEqual({ 'key.created': 1, 'key.updated': 1, 'key.revoked': 1 });
    expect(json.latency.count).toBe(7);
    expect(json.latency.buckets.at(-1)).toEqual({ le: '+Inf', count: 7 });
    await manager.close();
  });

  it('uses its own registry, never the global one, and allows two monitors side by side', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.hooks.onVerification({ code: 'VALID', durationMs: 0.01, at: 0 });
    expect(await a.prometheus()).toContain('keygate_verifications_total{code="VALID"} 1');
    expect(await b.prometheus()).toContain('keygate_verifications_total{code="VALID"} 0');
    expect(await register.metrics()).not.toContain('keygate_');
    expect(a.contentType).toMatch(/^text\/plain/);
  });

  it('does not count verification audit events as management actions', async () => {
    const metrics = createMetrics({ prefix: 'kg_' });
    metrics.hooks.onAudit({ id: '1', action: 'key.verification_failed', at: 0, tenantId: 't' });
    metrics.alertRaised('revoked_key_use');
    metrics.jobRun('auto_rotation', 'ok');
    const json = await metrics.json();
    expect(json.managementActions).toEqual({});
    expect(json.alerts).toEqual({ revoked_key_use: 1 });
    expect(json.jobs.runs).toEqual([{ job: 'auto_rotation', outcome: 'ok', count: 1 }]);
    expect(await metrics.prometheus()).toContain('kg_alerts_total{rule="revoked_key_use"} 1');
  });
});
