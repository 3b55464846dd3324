/** The tenant key expiry policy: storage, RBAC, enforcement on create and update, audit. */
import { describe, expect, it } from 'vitest';
import { ForbiddenError, ValidationError } from './errors.js';
import { admin, otherAdmin, setupManager, START as now, viewer } from './manager-test-setup.js';

const setup = (config = {}) => setupManager({ config });

const DAY = 86_400_000;

async function issuesOf(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}

describe('tenant key policy', () => {
  it('starts empty, is set by admins, read by viewers, and stays per tenant', async () => {
    const { manager } = setup();
    expect(await manager.getPolicy(viewer)).toEqual({ minLifetime: null, maxLifetime: null, requireExpiry: false, updatedAt: null });
    const set = await manager.updatePolicy(admin, { minLifetime: '1h', maxLifetime: '90d' });
    expect(set).toEqual({ minLifetime: '1h', maxLifetime: '90d', requireExpiry: true, updatedAt: '2026-01-10T12:00:00.000Z' });
    expect(await manager.getPolicy(viewer)).toEqual(set);
    expect((await manager.getPolicy(otherAdmin)).maxLifetime).toBeNull();
    // Absent fields stay; null removes a bound.
    expect(await manager.updatePolicy(admin, { maxLifetime: null })).toMatchObject({ minLifetime: '1h', maxLifetime: null, requireExpiry: false });
  });

  it('needs policy:manage to change and policy:read or keys:read to read', async () => {
    const { manager } = setup();
    await expect(manager.updatePolicy(viewer, { maxLifetime: '30d' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(manager.updatePolicy({ ...admin, role: undefined, permissions: ['keys:*'] }, { maxLifetime: '30d' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(manager.getPolicy({ ...admin, role: undefined, permissions: ['keys:read'] })).resolves.toBeDefined();
    await expect(manager.getPolicy({ ...admin, role: undefined, permissions: ['usage:read'] })).rejects.toBeInstanceOf(ForbiddenError);
    expect(manager.permissionsOf(admin)).toEqual(expect.arrayContaining(['policy:read', 'policy:manage']));
    expect(manager.permissionsOf(viewer)).toContain('policy:read');
    expect(manager.permissionsOf(viewer)).not.toContain('policy:manage');
  });

  it('rejects bad input with field errors', async () => {
    const { manager } = setup();
    expect((await issuesOf(manager.updatePolicy(admin, { minLifetime: '30d', maxLifetime: '1d' }))).map((i) => i.field)).toEqual(['/minLifetime']);
    expect((await issuesOf(manager.updatePolicy(admin, { maxLifetime: 0 }))).map((i) => i.field)).toEqual(['/maxLifetime']);
    expect((await issuesOf(manager.updatePolicy(admin, { maxLifetime: 'forever' }))).length).toBeGreaterThan(0);
    expect((await issuesOf(manager.updatePolicy(admin, { requireExpiry: 'yes' } as never))).length).toBeGreaterThan(0);
    expect((await issuesOf(manager.updatePolicy(admin, { maxAge: '1d' } as never))).length).toBeGreaterThan(0);
    // A stored minimum counts against a new maximum.
    await manager.updatePolicy(admin, { minLifetime: '7d' });
    expect((await issuesOf(manager.updatePolicy(admin, { maxLifetime: '1d' }))).map((i) => i.field)).toEqual(['/minLifetime']);
  });

  it('gives keys created without an expiry the maximum lifetime, and clamps the configured default into range', async () => {
    const { manager } = setup({ keyExpirationTime: '365d' });
    await manager.updatePolicy(admin, { maxLifetime: '90d' });
    const { key } = await manager.create(admin, { name: 'a' });
    expect(key.expiresAt).toBe(new Date(now + 90 * DAY).toISOString());
    const other = setup();
    await other.manager.updatePolicy(admin, { minLifetime: '30d' });
    expect((await other.manager.create(admin, { name: 'b' })).key.expiresAt).toBeNull();
    const short = setup({ keyExpirationTime: '1d' });
    await short.manager.updatePolicy(admin, { minLifetime: '7d' });
    expect((await short.manager.create(admin, { name: 'c' })).key.expiresAt).toBe(new Date(now + 7 * DAY).toISOString());
  });

  it('refuses expiries outside the range, and never-expiring keys, with a 422 naming the field and the range', async () => {
    const { manager } = setup();
    await manager.updatePolicy(admin, { minLifetime: '1d', maxLifetime: '90d' });
    const tooLong = await issuesOf(manager.create(admin, { name: 'a', expiresAt: now + 91 * DAY }));
    expect(tooLong).toEqual([{ field: '/expiresAt', message: expect.stringContaining('between 1d and 90d') }]);
    expect(await issuesOf(manager.create(admin, { name: 'a', expiresIn: '1h' }))).toEqual([{ field: '/expiresIn', message: expect.stringContaining('between 1d and 90d') }]);
    expect(await issuesOf(manager.create(admin, { name: 'a', expiresAt: null }))).toEqual([{ field: '/expiresAt', message: expect.stringContaining('must expire') }]);
    expect((await manager.create(admin, { name: 'ok', expiresIn: '90d' })).key.expiresAt).toBe(new Date(now + 90 * DAY).toISOString());
    expect((await manager.list(admin)).items).toHaveLength(1);
  });

  it('requireExpiry without a maximum needs an explicit expiry', async () => {
    const { manager } = setup();
    await manager.updatePolicy(admin, { requireExpiry: true });
    expect(await issuesOf(manager.create(admin, { name: 'a' }))).toEqual([{ field: '/expiresAt', message: expect.stringContaining('must expire') }]);
    await expect(manager.create(admin, { name: 'a', expiresIn: '10y' })).resolves.toBeDefined();
  });

  it('applies to updates of expiresAt, not to other updates or to rotation', async () => {
    const { manager } = setup();
    const { key } = await manager.create(admin, { name: 'old' });
    await manager.updatePolicy(admin, { maxLifetime: '30d' });
    expect(await issuesOf(manager.update(admin, key.id, { expiresAt: null }))).toEqual([{ field: '/expiresAt', message: expect.any(String) }]);
    expect(await issuesOf(manager.update(admin, key.id, { expiresAt: now + 31 * DAY }))).toEqual([{ field: '/expiresAt', message: expect.stringContaining('at most 30d') }]);
    await expect(manager.update(admin, key.id, { name: 'renamed' })).resolves.toMatchObject({ expiresAt: null });
    await expect(manager.rotate(admin, key.id)).resolves.toMatchObject({ key: { expiresAt: null } });
    expect((await manager.update(admin, key.id, { expiresAt: now + 10 * DAY })).expiresAt).toBe(new Date(now + 10 * DAY).toISOString());
  });

  it('is audited as policy.updated with what changed', async () => {
    const { manager } = setup();
    await manager.updatePolicy({ ...admin, ip: '10.0.0.1' }, { maxLifetime: '30d', requireExpiry: true });
    const events = (await manager.auditLog(admin)).items.filter((e) => e.action === 'policy.updated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ tenantId: 'acme', ip: '10.0.0.1', actor: { id: 'u-admin' }, details: { changed: ['maxLifetime', 'requireExpiry'], maxLifetime: '30d', requireExpiry: true } });
  });
});
