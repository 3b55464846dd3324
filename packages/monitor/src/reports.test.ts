import { describe, expect, it } from 'vitest';
import { ForbiddenError, ValidationError, type Actor } from '@keygate/core';
import { createReports } from './reports.js';
import { testManager } from './test-helpers.js';

const admin: Actor = { id: 'u1', tenantId: 'acme', role: 'admin' };
const DAY = 86_400_000;

describe('tenantReport', () => {
  it('reports usage per day and key, top keys, and the hygiene lists', async () => {
    const t = testManager({ config: { rotationInterval: '90d' } });
    const m = t.manager;
    const reports = createReports(m, { clock: t.clock });
    const old = await m.create(admin, { name: 'old', autoRotate: false, rateLimit: null, scopes: ['a:read'] });
    await m.verify(old.secret);
    t.advance(40 * DAY);
    const idle = await m.create(admin, { name: 'idle', rateLimit: null });
    await m.verify(idle.secret);
    t.advance(35 * DAY);
    const busy = await m.create(admin, { name: 'busy', rateLimit: null, scopes: ['a:read'] });
    const expiring = await m.create(admin, { name: 'expiring', expiresIn: '5d' });
    const unused = await m.create(admin, { name: 'unused' });
    const revoked = await m.create(admin, { name: 'revoked' });
    await m.revoke(admin, revoked.key.id);
    t.advance(20 * DAY); // day 95
    for (let i = 0; i < 5; i++) await m.verify(busy.secret);
    await m.verify(busy.secret, { scopes: ['b:write'] });
    t.advance(DAY);
    for (let i = 0; i < 3; i++) await m.verify(busy.secret);
    await m.verify(old.secret, { scopes: ['a:read'] });
    await m.verify(old.secret, { scopes: ['z:write'] });

    const r = await reports.tenantReport(admin, { days: 7, notUsedForDays: 30, expiringWithinDays: 14 });
    expect(r.tenantId).toBe('acme');
    expect(r.daily).toHaveLength(7);
    expect(r.to).toBe(r.daily.at(-1)!.day);
    expect(r.daily.at(-2)).toMatchObject({ requests: 6, errors: 1 });
    expect(r.daily.at(-1)).toMatchObject({ requests: 5, errors: 1 });
    expect(r.totals).toMatchObject({ keys: 6, activeKeys: 4, requests: 11, errors: 2 });
    expect(r.totals.errorRate).toBeCloseTo(2 / 11);
    expect(r.topKeys.map((k) => k.name)).toEqual(['busy', 'old']);
    expect(r.topKeys[1]).toMatchObject({ requests: 2, errors: 1, errorRate: 0.5 });
    const busyLine = r.keys.find((k) => k.id === busy.key.id)!;
    expect(busyLine.daily).toHaveLength(7);
    expect(busyLine).toMatchObject({ requests: 9, errors: 1, status: 'active' });
    expect(busyLine.lastUsedAt).toBe(new Date(t.now()).toISOString());
    expect(r.expiringSoon).toEqual([]); // 'expiring' expired 16 days ago: not active
    expect(r.keys.find((k) => k.id === expiring.key.id)!.status).toBe('expired');
    expect(r.neverUsed.map((k) => k.name)).toEqual(['unused']);
    expect(r.notUsedRecently).toEqual([expect.objectContaining({ id: idle.key.id, daysSinceUse: 56 })]);
    expect(r.rotationOverdue).toEqual([expect.objectContaining({ id: old.key.id, ageDays: 96, autoRotate: false })]);
    expect(r.truncated).toBe(false);
    expect(JSON.stringify(r)).not.toContain(busy.secret);
  });

  it('lists keys expiring soon, soonest first', async () => {
    const t = testManager();
    const reports = createReports(t.manager, { clock: t.clock });
    await t.manager.create(admin, { name: 'ten', expiresIn: '10d' });
    await t.manager.create(admin, { name: 'three', expiresIn: '3d' });
    await t.manager.create(admin, { name: 'forty', expiresIn: '40d' });
    const r = await reports.tenantReport(admin, { expiringWithinDays: 14 });
    expect(r.expiringSoon.map((k) => [k.name, k.daysLeft])).toEqual([['three', 3], ['ten', 10]]);
  });

  it('only reports the actor tenant, needs keys:read and usage:read, and validates options', async () => {
    const t = testManager();
    const reports = createReports(t.manager, { clock: t.clock });
    await t.manager.create(admin, { name: 'acme-key' });
    await t.manager.create({ id: 'u2', tenantId: 'globex', role: 'admin' }, { name: 'globex-key' });
    const r = await reports.tenantReport({ id: 'job', tenantId: 'globex', type: 'system', permissions: ['keys:read', 'usage:read'] });
    expect(r.keys.map((k) => k.name)).toEqual(['globex-key']);
    await expect(reports.tenantReport({ id: 'k', tenantId: 'acme', permissions: ['keys:read'] })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reports.tenantReport(admin, { days: 0 })).rejects.toBeInstanceOf(ValidationError);
    await expect(reports.tenantReport(admin, { days: 1.5 })).rejects.toThrow(/days/);
  });

  it('caps the number of keys and says so', async () => {
    const t = testManager();
    const reports = createReports(t.manager, { clock: t.clock, maxKeys: 2 });
    for (const name of ['a', 'b', 'c']) await t.manager.create(admin, { name });
    const r = await reports.tenantReport(admin);
    expect(r.keys).toHaveLength(2);
    expect(r.truncated).toBe(true);
  });
});
