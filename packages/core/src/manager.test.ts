import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, ForbiddenError, KeyNotFoundError, UnauthenticatedError, ValidationError } from './errors.js';
import { createMemoryEventBus } from './event-bus.js';
import { checksum, parseKey } from './key-format.js';
import { KeyManager } from './manager.js';
import type { Actor, RotatedKeyDelivery } from './manager-types.js';
import { createMemoryStorage } from './stores/memory-storage.js';
import type { AuditEvent, KeygateStorage } from './types.js';
import { admin, otherAdmin, setupManager as setup, viewer } from './manager-test-setup.js';

/** Same key id, a secret differing in one character, and a valid checksum: only the hash check can tell. */
function wrongSecret(key: string): string {
  const p = parseKey(key)!;
  const secret = (p.secret[0] === 'a' ? 'b' : 'a') + p.secret.slice(1);
  const body = `${p.prefix}_${p.keyId}_${secret}`;
  return body + checksum(body);
}

/** A key differing from `key` in one character at `index` (so its checksum no longer matches). */
function flip(key: string, index: number): string {
  const c = key[index] === 'a' ? 'b' : 'a';
  return key.slice(0, index) + c + key.slice(index + 1);
}

describe('KeyManager.create', () => {
  it('issues a key that parses, verifies, and is stored without its secret', async () => {
    const { manager, storage } = setup();
    const { key, secret } = await manager.create(admin, { name: '  CI bot  ', scopes: ['keys:read'] });
    expect(key.name).toBe('CI bot');
    expect(parseKey(secret)?.keyId).toBe(key.id);
    expect(secret.startsWith('sk_live_')).toBe(true);
    expect(key.maskedKey).toBe(`sk_live_…${secret.slice(-4)}`);
    const stored = await storage.keys.get(key.id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.stringify(stored)).not.toContain(parseKey(secret)!.secret);
    expect((await manager.verify(secret)).code).toBe('VALID');
  });

  it('rejects blank, whitespace-only and 33-character names with the PRD messages', async () => {
    const { manager } = setup();
    for (const name of ['', '   ', '\u200B']) {
      const error = await manager.create(admin, { name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]).toMatchObject({ field: '/name' });
    }
    const blank = (await manager.create(admin, { name: '  ' }).catch((e: unknown) => e)) as ValidationError;
    expect(blank.issues[0]!.message).toBe('Token name is required');
    const long = (await manager.create(admin, { name: 'x'.repeat(33) }).catch((e: unknown) => e)) as ValidationError;
    expect(long.issues[0]!.message).toBe('Token name must be at most 32 characters');
    await expect(manager.create(admin, { name: 'x'.repeat(32) })).resolves.toBeDefined();
    // 32 code points of emoji are 64 UTF-16 units and still allowed.
    await expect(manager.create(admin, { name: '🔑'.repeat(32) })).resolves.toBeDefined();
  });

  it('names every bad field at once and stores nothing', async () => {
    const { manager, storage } = setup({ config: { scopes: [{ name: 'weather:read' }] } });
    const error = (await manager
      .create(admin, {
        name: '',
        environment: 'prod',
        scopes: ['billing:write'],
        ipAllowlist: ['10.0.0.1/40'],
        expiresAt: '2000-01-01T00:00:00Z',
      })
      .catch((e: unknown) => e)) as ValidationError;
    const fields = error.issues.map((i) => i.field);
    for (const field of ['/name', '/environment', '/scopes', '/expiresAt', '/ipAllowlist']) {
      expect(fields.some((f) => f.startsWith(field))).toBe(true);
    }
    expect((await storage.keys.list({ tenantId: 'acme', limit: 10 })).items).toHaveLength(0);
  });

  it('rejects unknown fields and wrong types', async () => {
    const { manager } = setup();
    await expect(manager.create(admin, { name: 'a', isAdmin: true } as never)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ field: '/isAdmin', message: 'is not a known field' }],
    });
    await expect(manager.create(admin, { name: 42 } as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('uses per-environment prefixes and the default expiry', async () => {
    const { manager, now } = setup({
      config: { environments: { development: 'kg_dev', production: 'kg_prod' }, keyExpirationTime: '30d' },
    });
    const dev = await manager.create(admin, { name: 'dev' });
    expect(dev.secret.startsWith('kg_dev_')).toBe(true);
    expect(dev.key.expiresAt).toBe(new Date(now() + 30 * 86_400_000).toISOString());
    const prod = await manager.create(admin, { name: 'prod', environment: 'production', expiresAt: null });
    expect(prod.secret.startsWith('kg_prod_')).toBe(true);
    expect(prod.key.expiresAt).toBeNull();
  });
});

describe('KeyManager.verify', () => {
  it('rejects garbage and checksum flips as INVALID_FORMAT without reading the store', async () => {
    const storage = createMemoryStorage();
    const get = vi.spyOn(storage.keys, 'get');
    const { manager } = setup({ storage });
    const { secret } = await manager.create(admin, { name: 'k' });
    get.mockClear();
    for (const bad of ['', 'Bearer', 'sk_live_', 'x'.repeat(10_000), secret + ' ', secret.toUpperCase(), flip(secret, secret.length - 1), 42 as never]) {
      expect((await manager.verify(bad)).code).toBe('INVALID_FORMAT');
    }
    expect(get).not.toHaveBeenCalled();
  });

  it('answers a wrong secret exactly like a missing key, and reveals no key data', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'k' });
    const parsed = parseKey(secret)!;
    // Same id, a secret differing in one character, with a valid checksum: only the hash check can tell.
    const { checksum } = await import('./key-format.js');
    for (const i of [0, parsed.secret.length - 1, 10]) {
      const other = parsed.secret.slice(0, i) + (parsed.secret[i] === 'a' ? 'b' : 'a') + parsed.secret.slice(i + 1);
      const body = `${parsed.prefix}_${parsed.keyId}_${other}`;
      const result = await manager.verify(body + checksum(body));
      expect(result).toEqual({ valid: false, code: 'NOT_FOUND' });
    }
    const unknownBody = `${parsed.prefix}_${'A'.repeat(16)}_${parsed.secret}`;
    expect(await manager.verify(unknownBody + checksum(unknownBody))).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('guards slow hashes: after the failure budget even the real secret is not hashed, and nothing tells the id exists', async () => {
    const { manager, advance } = setup({ config: { hasher: 'argon2id', failedVerificationLimit: { limit: 3, windowSeconds: 60 } } });
    const { secret } = await manager.create(admin, { name: 'k' });
    for (let i = 0; i < 3; i++) expect(await manager.verify(wrongSecret(secret))).toEqual({ valid: false, code: 'NOT_FOUND' });
    // Refused without a hash check: had it been hashed, the real secret would have verified.
    expect(await manager.verify(secret)).toEqual({ valid: false, code: 'NOT_FOUND' });
    advance(20_000);
    expect((await manager.verify(secret)).code).toBe('VALID');
  });

  it('never locks the owner out of a fast-hashed key, however many wrong guesses', async () => {
    const { manager } = setup({ config: { failedVerificationLimit: { limit: 3, windowSeconds: 60 }, cache: { ttl: 0 } } });
    const { secret } = await manager.create(admin, { name: 'k' });
    for (let i = 0; i < 20; i++) expect((await manager.verify(wrongSecret(secret))).code).toBe('NOT_FOUND');
    expect((await manager.verify(secret)).code).toBe('VALID');
  });

  it('checks scopes with all/any and wildcards, and names the missing ones', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'k', scopes: ['weather:*', 'notes:read'] });
    expect((await manager.verify(secret, { scopes: ['weather:write', 'notes:read'] })).code).toBe('VALID');
    const denied = await manager.verify(secret, { scopes: ['notes:write', 'notes:read'] });
    expect(denied.code).toBe('INSUFFICIENT_SCOPE');
    expect(denied.missingScopes).toEqual(['notes:write']);
    expect((await manager.verify(secret, { scopes: ['notes:write', 'notes:read'], scopeMode: 'any' })).code).toBe('VALID');
    expect((await manager.verify(secret, { scopes: ['weathers:read'] })).code).toBe('INSUFFICIENT_SCOPE');
  });

  it('enforces the key allowlist and the global range, with IPv4-mapped IPv6 normalised', async () => {
    const { manager } = setup({ config: { allowedIpRange: ['10.0.0.0/8', '2001:db8::/32'] } });
    const { secret } = await manager.create(admin, { name: 'k', ipAllowlist: ['10.1.0.0/16'] });
    expect((await manager.verify(secret, { ip: '10.1.2.3' })).code).toBe('VALID');
    expect((await manager.verify(secret, { ip: '::ffff:10.1.2.3' })).code).toBe('VALID');
    expect((await manager.verify(secret, { ip: '::ffff:10.2.0.1' })).code).toBe('IP_NOT_ALLOWED');
    expect((await manager.verify(secret, { ip: '10.2.0.1' })).code).toBe('IP_NOT_ALLOWED');
    expect((await manager.verify(secret)).code).toBe('IP_NOT_ALLOWED');
    const open = await manager.create(admin, { name: 'open' });
    expect((await manager.verify(open.secret, { ip: '192.168.1.1' })).code).toBe('IP_NOT_ALLOWED');
    expect((await manager.verify(open.secret, { ip: '2001:db8::1' })).code).toBe('VALID');
  });

  it('expires keys at expiresAt, even when cached', async () => {
    const { manager, advance } = setup();
    const { secret } = await manager.create(admin, { name: 'k', expiresIn: 60 });
    expect((await manager.verify(secret)).code).toBe('VALID');
    advance(59_999);
    expect((await manager.verify(secret)).code).toBe('VALID');
    advance(1);
    const expired = await manager.verify(secret);
    expect(expired.code).toBe('EXPIRED');
    expect(expired.key?.id).toBeDefined();
  });

  it('rate limits with a token bucket and reports the state', async () => {
    const { manager, advance } = setup();
    const { secret } = await manager.create(admin, { name: 'k', rateLimit: { limit: 3, windowSeconds: 3 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await manager.verify(secret)).code);
    expect(codes).toEqual(['VALID', 'VALID', 'VALID', 'RATE_LIMITED']);
    const limited = await manager.verify(secret);
    expect(limited.rateLimit).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    advance(1000);
    const again = await manager.verify(secret);
    expect(again.code).toBe('VALID');
    expect(again.rateLimit?.remaining).toBe(0);
    const unlimited = await manager.create(admin, { name: 'u', rateLimit: null });
    const free = await manager.verify(unlimited.secret);
    expect(free.rateLimit).toBeUndefined();
  });

  it('stops a revoked, disabled or deleted key at once, in this process', async () => {
    const { manager } = setup();
    const a = await manager.create(admin, { name: 'a' });
    const b = await manager.create(admin, { name: 'b' });
    const c = await manager.create(admin, { name: 'c' });
    for (const k of [a, b, c]) expect((await manager.verify(k.secret)).code).toBe('VALID');
    await manager.revoke(admin, a.key.id);
    await manager.update(admin, b.key.id, { enabled: false });
    await manager.delete(admin, c.key.id);
    expect((await manager.verify(a.secret)).code).toBe('REVOKED');
    expect((await manager.verify(b.secret)).code).toBe('DISABLED');
    expect((await manager.verify(c.secret)).code).toBe('NOT_FOUND');
    await manager.update(admin, b.key.id, { enabled: true });
    expect((await manager.verify(b.secret)).code).toBe('VALID');
  });

  it('sees scope changes made by update at once despite the cache', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'k', scopes: ['a:read'] });
    expect((await manager.verify(secret, { scopes: ['a:read'] })).code).toBe('VALID');
    await manager.update(admin, key.id, { scopes: ['b:read'] });
    expect((await manager.verify(secret, { scopes: ['a:read'] })).code).toBe('INSUFFICIENT_SCOPE');
  });

  it('evicts other instances through the event bus', async () => {
    const storage = createMemoryStorage();
    const eventBus = createMemoryEventBus();
    const one = setup({ storage, eventBus });
    const two = setup({ storage, eventBus });
    const { key, secret } = await one.manager.create(admin, { name: 'k' });
    expect((await two.manager.verify(secret)).code).toBe('VALID');
    await one.manager.revoke(admin, key.id);
    await new Promise((r) => setTimeout(r, 10));
    expect((await two.manager.verify(secret)).code).toBe('REVOKED');
  });

  it('reports every outcome to onVerification, with the claimed id but never the key', async () => {
    const events: import('./manager-types.js').VerificationEvent[] = [];
    const { manager } = setup({ hooks: { onVerification: (e) => void events.push(e) } });
    const { key, secret } = await manager.create(admin, { name: 'k' });
    await manager.verify(secret, { ip: '192.0.2.1' });
    await manager.verify(wrongSecret(secret));
    await manager.verify('garbage');
    expect(events.map((e) => [e.code, e.claimedKeyId, e.tenantId])).toEqual([
      ['VALID', key.id, 'acme'],
      ['NOT_FOUND', key.id, undefined],
      ['INVALID_FORMAT', undefined, undefined],
    ]);
    expect(events[0]!.ip).toBe('192.0.2.1');
    expect(events.every((e) => e.durationMs >= 0)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('answers DISABLED for everything when keygate is disabled', async () => {
    const { manager } = setup({ config: { enabled: false } });
    expect((await manager.verify('sk_live_x')).code).toBe('DISABLED');
    await expect(manager.create(admin, { name: 'k' })).rejects.toMatchObject({ code: 'DISABLED' });
  });
});

describe('rotation', () => {
  it('keeps the id, and the old secret works only inside the grace window', async () => {
    const { manager, advance } = setup();
    const { key, secret: old } = await manager.create(admin, { name: 'k' });
    const rotated = await manager.rotate(admin, key.id, { gracePeriod: '1h' });
    expect(rotated.key.id).toBe(key.id);
    expect(rotated.secret).not.toBe(old);
    expect(rotated.key.previousKeyExpiresAt).toBeDefined();
    expect((await manager.verify(old)).code).toBe('VALID');
    expect((await manager.verify(rotated.secret)).code).toBe('VALID');
    advance(3_600_000 - 1);
    expect((await manager.verify(old)).code).toBe('VALID');
    advance(1);
    expect((await manager.verify(old)).code).toBe('EXPIRED');
    expect((await manager.verify(rotated.secret)).code).toBe('VALID');
  });

  it('without a grace period the old secret stops at once', async () => {
    const { manager } = setup();
    const { key, secret: old } = await manager.create(admin, { name: 'k' });
    expect((await manager.verify(old)).code).toBe('VALID');
    const rotated = await manager.rotate(admin, key.id);
    expect((await manager.verify(old)).code).toBe('NOT_FOUND');
    expect((await manager.verify(rotated.secret)).code).toBe('VALID');
  });

  it('a second rotation ends the first secret even inside its window', async () => {
    const { manager } = setup();
    const { key, secret: first } = await manager.create(admin, { name: 'k' });
    const second = await manager.rotate(admin, key.id, { gracePeriod: '1h' });
    await manager.rotate(admin, key.id, { gracePeriod: '1h' });
    expect((await manager.verify(first)).code).toBe('NOT_FOUND');
    expect((await manager.verify(second.secret)).code).toBe('VALID');
  });

  it('refuses grace periods over 30 days and rotating revoked keys', async () => {
    const { manager } = setup();
    const { key } = await manager.create(admin, { name: 'k' });
    await expect(manager.rotate(admin, key.id, { gracePeriod: '31d' })).rejects.toBeInstanceOf(ValidationError);
    await manager.revoke(admin, key.id);
    await expect(manager.rotate(admin, key.id)).rejects.toMatchObject({ code: 'KEY_REVOKED' });
  });

  it('rotateDue rotates keys past the interval and hands the new secret to the hook', async () => {
    const delivered: RotatedKeyDelivery[] = [];
    const { manager, advance } = setup({
      config: { rotationInterval: '90d', rotationGracePeriod: '7d' },
      hooks: { onRotated: (d) => void delivered.push(d) },
    });
    const due = await manager.create(admin, { name: 'old' });
    advance(60 * 86_400_000);
    const fresh = await manager.create(admin, { name: 'fresh' });
    const manual = await manager.create(admin, { name: 'manual', autoRotate: false });
    advance(31 * 86_400_000);
    expect((await manager.rotateDue(['acme'])).rotated).toEqual([due.key.id]);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.key.id).toBe(due.key.id);
    expect((await manager.verify(delivered[0]!.secret)).code).toBe('VALID');
    expect((await manager.verify(due.secret)).code).toBe('VALID');
    advance(7 * 86_400_000);
    expect((await manager.verify(due.secret)).code).toBe('EXPIRED');
    expect((await manager.rotateDue(['acme'])).rotated).toEqual([]);
    void fresh;
    void manual;
  });

  it('rotateDue refuses to run without a delivery hook', async () => {
    const { manager } = setup({ config: { rotationInterval: '90d' } });
    await expect(manager.rotateDue(['acme'])).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('RBAC and tenancy', () => {
  it('lets viewers read but not manage', async () => {
    const { manager } = setup();
    const { key } = await manager.create(admin, { name: 'k' });
    expect((await manager.get(viewer, key.id)).id).toBe(key.id);
    await expect(manager.create(viewer, { name: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(manager.revoke(viewer, key.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(manager.delete({ ...viewer, role: 'developer' }, key.id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(manager.create({ ...admin, role: 'super_admin' }, { name: 'y' })).resolves.toBeDefined();
  });

  it('hides other tenants keys as not found', async () => {
    const { manager } = setup();
    const { key } = await manager.create(admin, { name: 'k' });
    for (const call of [
      () => manager.get(otherAdmin, key.id),
      () => manager.update(otherAdmin, key.id, { name: 'pwned' }),
      () => manager.rotate(otherAdmin, key.id),
      () => manager.revoke(otherAdmin, key.id),
      () => manager.delete(otherAdmin, key.id),
      () => manager.usage(otherAdmin, key.id),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(KeyNotFoundError);
    }
    expect((await manager.list(otherAdmin)).items).toHaveLength(0);
    expect((await manager.get(admin, key.id)).name).toBe('k');
  });

  it('requires an actor and accepts explicit permissions for API-key actors', async () => {
    const { manager } = setup();
    await expect(manager.list(undefined as never)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(manager.list({ id: 'x' } as never)).rejects.toBeInstanceOf(UnauthenticatedError);
    const bot: Actor = { id: 'key1', tenantId: 'acme', type: 'api_key', permissions: ['keys:*'] };
    const { key } = await manager.create(bot, { name: 'made by bot' });
    await expect(manager.auditLog(bot)).rejects.toBeInstanceOf(ForbiddenError);
    expect(manager.permissionsOf(bot)).toContain('keys:delete');
    expect(manager.permissionsOf(bot)).not.toContain('audit:read');
    await manager.delete(bot, key.id);
  });
});

describe('list, usage and audit', () => {
  it('lists newest first with cursors and filters by environment and status', async () => {
    const { manager, advance } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await manager.create(admin, { name: `k${i}`, environment: i % 2 ? 'test' : 'live' })).key.id);
      advance(1000);
    }
    await manager.revoke(admin, ids[0]!);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await manager.list(admin, { limit: 10, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((k) => k.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await manager.list(admin, { environment: 'test', limit: 100 })).items).toHaveLength(12);
    const revoked = await manager.list(admin, { status: 'revoked' });
    expect(revoked.items.map((k) => k.id)).toEqual([ids[0]]);
    const active = await manager.list(admin, { status: 'active', limit: 5 });
    expect(active.items).toHaveLength(5);
    const rest = await manager.list(admin, { status: 'active', limit: 100, cursor: active.nextCursor! });
    expect(rest.items).toHaveLength(19);
    await expect(manager.list(admin, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(manager.list(admin, { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('counts usage per day, errors included, only for requests with the real secret', async () => {
    const { manager, advance } = setup({ config: { usageFlushInterval: '10ms' } });
    const { key, secret } = await manager.create(admin, { name: 'k', scopes: ['a:read'] });
    await manager.verify(secret);
    await manager.verify(secret, { scopes: ['b:read'] });
    advance(86_400_000);
    await manager.verify(secret);
    await manager.verify(wrongSecret(secret));
    const days = await manager.usage(admin, key.id, { from: '2026-01-09', to: '2026-01-11' });
    expect(days).toEqual([
      { day: '2026-01-09', requests: 0, errors: 0 },
      { day: '2026-01-10', requests: 2, errors: 1 },
      { day: '2026-01-11', requests: 1, errors: 0 },
    ]);
    const summary = await manager.usageSummary(admin, key.id);
    expect(summary).toMatchObject({ requests: 3, errors: 1 });
    expect(summary.lastUsedAt).toBe(Date.UTC(2026, 0, 11, 12));
    await expect(manager.usage(admin, key.id, { from: '2026-13-01' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('defers usage until the caller reports the response status', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'k' });
    const result = await manager.verify(secret, { usage: 'defer' });
    expect((await manager.usageSummary(admin, key.id)).requests).toBe(0);
    manager.recordRequest(result.key!, true);
    expect(await manager.usageSummary(admin, key.id)).toMatchObject({ requests: 1, errors: 1 });
  });

  it('audits every mutation with actor and context, and never the secret', async () => {
    const events: AuditEvent[] = [];
    const { manager } = setup({ config: { auditLevel: 'detailed' }, hooks: { onAudit: (e) => void events.push(e) } });
    const ctx: Actor = { ...admin, ip: '203.0.113.7', userAgent: 'curl/8', requestId: 'req-1' };
    const { key, secret } = await manager.create(ctx, { name: 'k' });
    await manager.update(ctx, key.id, { name: 'renamed' });
    const rotated = await manager.rotate(ctx, key.id, { gracePeriod: 60 });
    await manager.verify(secret, { scopes: ['x:y'], ip: '198.51.100.1' });
    await manager.revoke(ctx, key.id);
    await manager.delete(ctx, key.id);
    const log = await manager.auditLog(admin, { limit: 100 });
    expect(log.items.map((e) => e.action).reverse()).toEqual([
      'key.created',
      'key.updated',
      'key.rotated',
      'key.verification_failed',
      'key.revoked',
      'key.deleted',
    ]);
    expect(log.items.find((e) => e.action === 'key.created')).toMatchObject({
      tenantId: 'acme',
      keyId: key.id,
      actor: { id: 'u-admin', type: 'user', role: 'admin' },
      ip: '203.0.113.7',
      userAgent: 'curl/8',
      requestId: 'req-1',
    });
    expect(log.items.find((e) => e.action === 'key.verification_failed')).toMatchObject({ outcome: 'INSUFFICIENT_SCOPE', ip: '198.51.100.1' });
    expect(events).toHaveLength(6);
    const everything = JSON.stringify([log, events]);
    for (const s of [secret, rotated.secret, parseKey(secret)!.secret]) expect(everything).not.toContain(s);
  });

  it('records successful verifications only at verbose level', async () => {
    for (const [level, expected] of [
      ['basic', 1],
      ['detailed', 1],
      ['verbose', 2],
    ] as const) {
      const { manager } = setup({ config: { auditLevel: level } });
      const { secret } = await manager.create(admin, { name: 'k' });
      await manager.verify(secret);
      expect((await manager.auditLog(admin)).items).toHaveLength(expected);
    }
  });
});

describe('server-side secret storage', () => {
  const masterKeys = [{ id: 'mk1', key: Buffer.alloc(32, 7).toString('base64') }];

  it('reveals the key again to permitted roles, audited, and seals it at rest', async () => {
    const { manager, storage } = setup({ config: { storeSecretsServerSide: true, masterKeys } });
    const { key, secret } = await manager.create(admin, { name: 'k' });
    expect(key.revealable).toBe(true);
    expect(await manager.reveal(admin, key.id)).toBe(secret);
    await expect(manager.reveal(viewer, key.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(JSON.stringify(await storage.keys.get(key.id))).not.toContain(secret);
    expect((await manager.auditLog(admin)).items[0]!.action).toBe('key.revealed');
  });

  it('is show-once by default', async () => {
    const { manager } = setup();
    const { key } = await manager.create(admin, { name: 'k' });
    await expect(manager.reveal(admin, key.id)).rejects.toMatchObject({ code: 'SECRET_NOT_STORED' });
  });

  it('needs master keys', () => {
    expect(() => new KeyManager({ config: { storeSecretsServerSide: true } })).toThrow(/masterKeys/);
  });
});

describe('hash algorithms', () => {
  it('keys hashed with sha256 keep verifying after the default becomes argon2id, and get upgraded', async () => {
    const storage = createMemoryStorage();
    const before = setup({ storage });
    const { key, secret } = await before.manager.create(admin, { name: 'k' });
    expect((await storage.keys.get(key.id))!.hash.startsWith('sha256$')).toBe(true);
    const after = setup({ storage, config: { hasher: 'argon2id' } });
    expect((await after.manager.verify(secret)).code).toBe('VALID');
    await vi.waitFor(async () => expect((await storage.keys.get(key.id))!.hash.startsWith('$argon2id$')).toBe(true));
    const fresh = setup({ storage, config: { hasher: 'argon2id' } });
    expect((await fresh.manager.verify(secret)).code).toBe('VALID');
  });
});

describe('JWT mode', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwt = { algorithm: 'ES256' as const, privateKey: await exportPKCS8(privateKey), publicKey: await exportSPKI(publicKey), kid: 'k1' };

  it('issues signed tokens that verify, and a deleted token is rejected at once', async () => {
    const { manager } = setup({ config: { tokenType: 'jwt', jwt } });
    const { key, secret } = await manager.create(admin, { name: 'jwt', scopes: ['a:read'] });
    expect(secret.split('.')).toHaveLength(3);
    expect(key.tokenType).toBe('jwt');
    expect((await manager.verify(secret, { scopes: ['a:read'] })).code).toBe('VALID');
    expect((await manager.verify(secret, { scopes: ['a:read'] })).code).toBe('VALID');
    await manager.delete(admin, key.id);
    expect((await manager.verify(secret)).code).toBe('NOT_FOUND');
  });

  it('rejects a regenerated token’s predecessor and tampered tokens', async () => {
    const { manager } = setup({ config: { tokenType: 'jwt', jwt } });
    const { key, secret } = await manager.create(admin, { name: 'jwt' });
    const rotated = await manager.rotate(admin, key.id);
    expect((await manager.verify(secret)).code).toBe('NOT_FOUND');
    expect((await manager.verify(rotated.secret)).code).toBe('VALID');
    const [h, p, s] = rotated.secret.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.scope = '*';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect((await manager.verify(forged)).code).toBe('INVALID_FORMAT');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    expect((await manager.verify(none)).code).toBe('INVALID_FORMAT');
  });
});

describe('construction', () => {
  it('names a bad config field', () => {
    expect(() => new KeyManager({ config: { secretLength: 8 } })).toThrow(/\/secretLength/);
    expect(() => new KeyManager({ config: { auditLevel: 'loud' as never } })).toThrow(/\/auditLevel/);
    expect(() => new KeyManager({ config: { environments: { live: 'SK-LIVE' } } })).toThrow(/\/environments\/live/);
    expect(() => new KeyManager({ config: { tokenType: 'jwt' } })).toThrow(/\/jwt/);
    expect(() => new KeyManager({ config: { allowedIpRange: ['nope'] } })).toThrow(/allowedIpRange/);
    expect(() => new KeyManager({ config: { keyExpirationTime: '10 days' } })).toThrow(/keyExpirationTime/);
  });

  it('names what a supplied store lacks', () => {
    const broken = { keys: { get() {}, put() {} }, audit: {}, usage: {} } as unknown as KeygateStorage;
    expect(() => new KeyManager({ storage: broken })).toThrow(/storage\.keys\.delete must be a function/);
    expect(() => new KeyManager({ rateLimiter: {} as never })).toThrow(/rateLimiter\.consume/);
  });
});
