/** Verification tags: counted per (key, day, tag, value) and reported grouped by a tag. */
import { describe, expect, it } from 'vitest';
import { ForbiddenError, KeyNotFoundError, ValidationError } from './errors.js';
import { createAuthenticator } from './http/authenticate.js';
import { admin, otherAdmin, setupManager } from './manager-test-setup.js';

const setup = () => setupManager({ config: { hasher: 'sha256' } });

const DAY = 86_400_000;

describe('verification tags', () => {
  it('counts verifications per tag value and day; reports group by a tag, most requests first', async () => {
    const { manager, advance } = setup();
    const { key, secret } = await manager.create(admin, { name: 'k', scopes: ['weather:read'] });
    await manager.verify(secret, { tags: { route: '/weather', region: 'eu' } });
    await manager.verify(secret, { tags: { route: '/weather', region: 'us' } });
    await manager.verify(secret, { tags: { route: '/alerts' } });
    await manager.verify(secret, { scopes: ['weather:write'], tags: { route: '/alerts' } }); // refused: an error
    await manager.verify(secret); // no tags: in no group
    advance(DAY);
    await manager.verify(secret, { tags: { route: '/weather' } });

    const byRoute = await manager.usageByTag(admin, key.id, { from: '2026-01-10', to: '2026-01-11', tag: 'route' });
    expect(byRoute).toEqual({
      keyId: key.id,
      from: '2026-01-10',
      to: '2026-01-11',
      groupBy: 'route',
      groups: [
        {
          value: '/weather',
          requests: 3,
          errors: 0,
          days: [
            { day: '2026-01-10', requests: 2, errors: 0 },
            { day: '2026-01-11', requests: 1, errors: 0 },
          ],
        },
        { value: '/alerts', requests: 2, errors: 1, days: [{ day: '2026-01-10', requests: 2, errors: 1 }] },
      ],
    });
    const byRegion = await manager.usageByTag(admin, key.id, { from: '2026-01-10', to: '2026-01-10', tag: 'region' });
    expect(byRegion.groups.map((g) => [g.value, g.requests])).toEqual([
      ['eu', 1],
      ['us', 1],
    ]);
    expect((await manager.usageByTag(admin, key.id, { tag: 'plan' })).groups).toEqual([]);
    // The untagged call still counts in the key's usage.
    expect((await manager.usage(admin, key.id, { from: '2026-01-10', to: '2026-01-10' }))[0]).toEqual({ day: '2026-01-10', requests: 5, errors: 1 });
  });

  it('drops invalid tags with one warning per name, never failing the verification, and counts at most 10', async () => {
    const { manager, logger } = setup();
    const { key, secret } = await manager.create(admin, { name: 'k' });
    const bad = { Route: 'x', region: 'x'.repeat(65), ok: 'yes', nul: 'a\u0000b', num: 5 as unknown as string };
    for (let i = 0; i < 3; i++) expect((await manager.verify(secret, { tags: bad })).code).toBe('VALID');
    expect((await manager.verify(secret, { tags: null as never })).code).toBe('VALID');
    expect((await manager.usageByTag(admin, key.id, { tag: 'ok' })).groups).toEqual([expect.objectContaining({ value: 'yes', requests: 3 })]);
    expect((await manager.usageByTag(admin, key.id, { tag: 'region' })).groups).toEqual([]);
    const warned = logger.warn.mock.calls.filter(([m]) => String(m).includes('verification tag dropped')).map(([, d]) => (d as { tag: string }).tag);
    expect(warned.sort()).toEqual(['(tags)', 'Route', 'nul', 'num', 'region']);

    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`t${i}`, 'v']));
    await manager.verify(secret, { tags: many });
    expect((await manager.usageByTag(admin, key.id, { tag: 't9' })).groups).toHaveLength(1);
    expect((await manager.usageByTag(admin, key.id, { tag: 't10' })).groups).toEqual([]);
  });

  it('with usage "defer", counts the tags given to recordRequest', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'k' });
    const result = await manager.verify(secret, { usage: 'defer', tags: { route: '/ignored' } });
    manager.recordRequest(result.key!, true, { route: '/upload' });
    expect((await manager.usageByTag(admin, key.id, { tag: 'route' })).groups).toEqual([
      { value: '/upload', requests: 1, errors: 1, days: [expect.objectContaining({ requests: 1, errors: 1 })] },
    ]);
  });

  it('needs usage:read, hides other tenants\' keys, and checks the tag name and range', async () => {
    const { manager } = setup();
    const { key } = await manager.create(admin, { name: 'k' });
    await expect(manager.usageByTag({ ...admin, role: 'nobody' }, key.id, { tag: 'route' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(manager.usageByTag(otherAdmin, key.id, { tag: 'route' })).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(manager.usageByTag(admin, key.id, { tag: 'Bad-Tag' })).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.usageByTag(admin, key.id, { tag: 'route', from: '2026-02-01', to: '2026-01-01' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('requireApiKey: checks its tags when built; the route tag is the named one, else the mount path', async () => {
    const { manager } = setup();
    expect(() => createAuthenticator(manager, { tags: { Route: '/x' } })).toThrow(TypeError);
    expect(() => createAuthenticator(manager, { tags: { route: '' } })).toThrow(TypeError);
    expect(() => createAuthenticator(manager, { tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`t${i}`, 'v'])) })).toThrow(TypeError);
    const { key, secret } = await manager.create(admin, { name: 'k' });
    const headers = { authorization: `Bearer ${secret}` };
    const mounted = createAuthenticator(manager, { tags: { region: 'eu' } });
    const named = createAuthenticator(manager, { tags: { route: '/weather' } });
    for (const [auth, route] of [[mounted, '/api'], [mounted, ''], [named, '/api']] as const) {
      const outcome = await auth({ headers, route });
      expect(outcome.ok).toBe(true);
      if (outcome.ok) outcome.finish(200);
    }
    const byRoute = await manager.usageByTag(admin, key.id, { tag: 'route' });
    expect(byRoute.groups.map((g) => [g.value, g.requests]).sort()).toEqual([
      ['/', 1],
      ['/api', 1],
      ['/weather', 1],
    ]);
    expect((await manager.usageByTag(admin, key.id, { tag: 'region' })).groups).toEqual([expect.objectContaining({ value: 'eu', requests: 2 })]);
  });

  it('forgets tag counters with the key', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'k' });
    await manager.verify(secret, { tags: { route: '/a' } });
    await manager.flush();
    expect(await manager.storage.usage.rangeByTag(key.id, 'route', '2000-01-01', '2100-01-01')).toHaveLength(1);
    await manager.delete(admin, key.id);
    expect(await manager.storage.usage.rangeByTag(key.id, 'route', '2000-01-01', '2100-01-01')).toEqual([]);
  });
});
