/** Credits, named limits, identities, key lookup and hash upgrades of the KeyManager. */
import { describe, expect, it, vi } from 'vitest';
import { KeygateError, KeyNotFoundError, ValidationError } from './errors.js';
import { KeyManager } from './manager.js';
import { createMemoryStorage } from './stores/memory-storage.js';
import { createMemoryEventBus } from './event-bus.js';
import { admin, otherAdmin, setupManager as setup, viewer } from './manager-test-setup.js';

async function codes(manager: KeyManager, secret: string, n: number, options = {}) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await manager.verify(secret, options)).code);
  return out;
}

describe('credits', () => {
  it('admits exactly the initial credits, then USAGE_EXCEEDED without Retry-After when no refill is scheduled', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'quota', credits: { initial: 3 }, rateLimit: null });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await manager.verify(secret));
    expect(results.map((r) => r.code)).toEqual(['VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED', 'USAGE_EXCEEDED']);
    expect(results[2]!.credits).toEqual({ remaining: 0 });
    expect(results[3]!.retryAfterMs).toBeUndefined();
    expect(results[3]!.key?.id).toBeDefined();
  });

  it('spends creditCost per call and refills daily at UTC midnight, with retryAfterMs until then', async () => {
    const { manager, advance } = setup();
    const { secret } = await manager.create(admin, { name: 'daily', credits: { initial: 10, refill: { interval: 'daily', amount: 4 } } });
    expect((await manager.verify(secret, { creditCost: 6 })).credits?.remaining).toBe(4);
    expect((await manager.verify(secret, { creditCost: 5 })).code).toBe('USAGE_EXCEEDED');
    const denied = await manager.verify(secret, { creditCost: 5 });
    expect(denied.retryAfterMs).toBe(12 * 3600_000);
    advance(12 * 3600_000);
    expect(await codes(manager, secret, 5)).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED']);
  });

  it('a rate-limited call spends no credit', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'both', credits: { initial: 10 }, rateLimit: { limit: 2, windowSeconds: 60 } });
    expect(await codes(manager, secret, 4)).toEqual(['VALID', 'VALID', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect((await manager.get(admin, key.id)).credits).toEqual({ initial: 10, remaining: 8 });
  });

  it('PATCH remaining sets the live counter (audited) and get shows it', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'topup', credits: { initial: 1 } });
    await manager.verify(secret);
    expect((await manager.verify(secret)).code).toBe('USAGE_EXCEEDED');
    const updated = await manager.update(admin, key.id, { remaining: 2 });
    expect(updated.credits?.remaining).toBe(2);
    expect(await codes(manager, secret, 3)).toEqual(['VALID', 'VALID', 'USAGE_EXCEEDED']);
    await manager.flush();
    const audit = await manager.auditLog(admin, { keyId: key.id });
    expect(audit.items.find((e) => e.action === 'key.credits_set')?.details).toEqual({ remaining: 2 });
    await expect(manager.update(admin, (await manager.create(admin, { name: 'none' })).key.id, { remaining: 5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('policy updates do not reset what was spent; removing credits lifts the quota', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'keep', credits: { initial: 2 } });
    await manager.verify(secret);
    await manager.update(admin, key.id, { credits: { initial: 100 } });
    expect(await codes(manager, secret, 2)).toEqual(['VALID', 'USAGE_EXCEEDED']);
    await manager.update(admin, key.id, { credits: null });
    expect((await manager.verify(secret)).code).toBe('VALID');
  });

  it('rejects bad credit input with field errors', async () => {
    const { manager } = setup();
    await expect(manager.create(admin, { name: 'bad', credits: { initial: -1 } })).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.create(admin, { name: 'bad', credits: { initial: 1, refill: { interval: 'weekly', amount: 1 } } as never })).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.create(admin, { name: 'bad', credits: { initial: 1, refill: { interval: 'monthly', amount: 1, dayOfMonth: 32 } } })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('named limits', () => {
  it('applies the default limit always and a named one only where the call names it, with its cost', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, {
      name: 'named',
      rateLimit: { limit: 100, windowSeconds: 60 },
      rateLimits: { uploads: { limit: 10, windowSeconds: 60 } },
    });
    const uploads = { limits: [{ name: 'uploads', cost: 5 }] };
    expect(await codes(manager, secret, 3, uploads)).toEqual(['VALID', 'VALID', 'RATE_LIMITED']);
    const denied = await manager.verify(secret, uploads);
    expect(denied.rateLimitName).toBe('uploads');
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    // Plain calls are only held to the default limit.
    expect(await codes(manager, secret, 3)).toEqual(['VALID', 'VALID', 'VALID']);
  });

  it('takes what each call asks now, also from a list the caller changed in place, and a key\'s new limits at once', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, {
      name: 'replanned',
      rateLimit: null,
      rateLimits: { uploads: { limit: 10, windowSeconds: 3600 }, search: { limit: 10, windowSeconds: 3600 } },
    });
    const limits = [{ name: 'uploads', cost: 1 }];
    expect((await manager.verify(secret, { limits })).rateLimit?.remaining).toBe(9);
    limits[0]!.cost = 4;
    expect((await manager.verify(secret, { limits })).rateLimit?.remaining).toBe(5);
    limits[0] = { name: 'search', cost: 2 };
    expect((await manager.verify(secret, { limits })).rateLimit).toMatchObject({ remaining: 8, limit: 10 });
    await manager.update(admin, key.id, { rateLimits: { search: { limit: 3, windowSeconds: 3600 } } });
    expect((await manager.verify(secret, { limits })).rateLimit).toMatchObject({ remaining: 1, limit: 3 });
    expect((await manager.verify(secret, { limits, creditCost: 1 })).code).toBe('RATE_LIMITED');
  });

  it('reports the limit closest to running out (lowest remaining/limit)', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, {
      name: 'closest',
      rateLimit: { limit: 100, windowSeconds: 60 },
      rateLimits: { search: { limit: 4, windowSeconds: 60 } },
    });
    const result = await manager.verify(secret, { limits: [{ name: 'search' }] });
    expect(result.rateLimitName).toBe('search');
    expect(result.rateLimit).toMatchObject({ limit: 4, remaining: 3 });
    expect(result.rateLimitPolicy).toEqual({ limit: 4, windowSeconds: 60 });
  });

  it('ignores names the key lacks, including prototype names', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'proto', rateLimit: null, rateLimits: { a: { limit: 1, windowSeconds: 60 } } });
    const result = await manager.verify(secret, { limits: [{ name: '__proto__' }, { name: 'constructor' }, { name: 'missing' }] });
    expect(result.code).toBe('VALID');
    expect(result.rateLimit).toBeUndefined();
  });

  it('rejects "default" as a named limit and bad names', async () => {
    const { manager } = setup();
    await expect(manager.create(admin, { name: 'x', rateLimits: { default: { limit: 1, windowSeconds: 1 } } })).rejects.toBeInstanceOf(ValidationError);
    await expect(manager.create(admin, { name: 'x', rateLimits: { 'Bad Name': { limit: 1, windowSeconds: 1 } } })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('identities', () => {
  it('shares one default limit across all keys of an identity', async () => {
    const { manager } = setup();
    const identity = await manager.createIdentity(admin, { externalId: 'cus_1', rateLimits: { default: { limit: 5, windowSeconds: 60 } } });
    const keys = await Promise.all([1, 2, 3].map((i) => manager.create(admin, { name: `k${i}`, identityId: identity.id, rateLimit: null })));
    const outcomes: string[] = [];
    for (let i = 0; i < 9; i++) outcomes.push((await manager.verify(keys[i % 3]!.secret)).code);
    expect(outcomes.filter((c) => c === 'VALID')).toHaveLength(5);
  });

  it('shares credits: more keys do not multiply the quota', async () => {
    const { manager } = setup();
    const a = await manager.create(admin, { name: 'a', externalId: 'cus_2' });
    const b = await manager.create(admin, { name: 'b', externalId: 'cus_2' });
    expect(a.key.identityId).toBe(b.key.identityId);
    await manager.updateIdentity(admin, a.key.identityId!, { credits: { initial: 4 } });
    const outcomes = [...(await codes(manager, a.secret, 3)), ...(await codes(manager, b.secret, 3))];
    expect(outcomes).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED', 'USAGE_EXCEEDED']);
    expect((await manager.getIdentity(admin, a.key.identityId!)).credits?.remaining).toBe(0);
  });

  it('applies key and identity credits both; the scarcer is reported', async () => {
    const { manager } = setup();
    const identity = await manager.createIdentity(admin, { externalId: 'cus_3', credits: { initial: 10 } });
    const { secret } = await manager.create(admin, { name: 'k', identityId: identity.id, credits: { initial: 2 } });
    expect((await manager.verify(secret)).credits?.remaining).toBe(1);
    expect((await manager.verify(secret)).credits?.remaining).toBe(0);
    expect((await manager.verify(secret)).code).toBe('USAGE_EXCEEDED');
    expect((await manager.getIdentity(admin, identity.id)).credits?.remaining).toBe(8);
  });

  it('does not spend the key\'s credits when its identity\'s are refused, nor take tokens (one atomic meter)', async () => {
    const { manager } = setup();
    const identity = await manager.createIdentity(admin, { externalId: 'cus_4', credits: { initial: 1 } });
    const { secret, key } = await manager.create(admin, { name: 'k', identityId: identity.id, credits: { initial: 5 }, rateLimit: { limit: 10, windowSeconds: 3600 } });
    expect((await manager.verify(secret)).code).toBe('VALID');
    const refused = await manager.verify(secret);
    expect(refused.code).toBe('USAGE_EXCEEDED');
    expect(refused.credits).toEqual({ remaining: 0 });
    expect((await manager.get(admin, key.id)).credits?.remaining).toBe(4);
    await manager.updateIdentity(admin, identity.id, { remaining: 1 });
    expect((await manager.verify(secret)).rateLimit?.remaining).toBe(8);
  });

  it('a call refused by one named limit takes nothing from the others', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'k', rateLimit: { limit: 5, windowSeconds: 3600 }, rateLimits: { uploads: { limit: 1, windowSeconds: 3600 } } });
    expect((await manager.verify(secret, { limits: [{ name: 'uploads' }] })).code).toBe('VALID');
    const refused = await manager.verify(secret, { limits: [{ name: 'uploads' }] });
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.rateLimitName).toBe('uploads');
    expect((await manager.verify(secret)).rateLimit?.remaining).toBe(3);
  });

  it('without a metering limiter, refunds the key\'s credits when the identity\'s are refused (best-effort)', async () => {
    const { createMemoryRateLimiter } = await import('./memory-rate-limiter.js');
    const { createMemoryCreditStore } = await import('./memory-credit-store.js');
    const inner = createMemoryRateLimiter();
    const plainLimiter = { consume: inner.consume.bind(inner), reset: inner.reset.bind(inner) };
    const credits = createMemoryCreditStore();
    const { manager } = setup({ rateLimiter: plainLimiter, creditStore: credits });
    const identity = await manager.createIdentity(admin, { externalId: 'cus_5', credits: { initial: 1 } });
    const { secret, key } = await manager.create(admin, { name: 'k', identityId: identity.id, credits: { initial: 5 }, rateLimits: { a: { limit: 9, windowSeconds: 60 } } });
    expect((await manager.verify(secret, { limits: [{ name: 'a' }] })).code).toBe('VALID');
    expect((await manager.verify(secret, { limits: [{ name: 'a' }] })).code).toBe('USAGE_EXCEEDED');
    expect((await manager.get(admin, key.id)).credits?.remaining).toBe(4);

    // A store without refund(): the key's credit stays spent, and the host is told.
    const noRefund = { spend: credits.spend, set: credits.set, get: credits.get, reset: credits.reset };
    const logger = { warn: vi.fn(), error: vi.fn() };
    const other = new KeyManager({ storage: createMemoryStorage(), rateLimiter: plainLimiter, creditStore: noRefund, logger });
    const id2 = await other.createIdentity(admin, { externalId: 'cus_6', credits: { initial: 0 } });
    const k2 = await other.create(admin, { name: 'k', identityId: id2.id, credits: { initial: 5 } });
    expect((await other.verify(k2.secret)).code).toBe('USAGE_EXCEEDED');
    expect((await other.get(admin, k2.key.id)).credits?.remaining).toBe(4);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('could not be refunded'), expect.objectContaining({ bucket: `key:${k2.key.id}` }));
    await other.close();
  });

  it('identity updates reach verification (cache evicted), also in another instance via the bus', async () => {
    const storage = createMemoryStorage();
    const bus = createMemoryEventBus();
    const one = setup({ storage, eventBus: bus });
    const two = setup({ storage, eventBus: bus });
    const identity = await one.manager.createIdentity(admin, { externalId: 'cus_4' });
    const { secret } = await one.manager.create(admin, { name: 'k', identityId: identity.id, rateLimit: null });
    expect((await two.manager.verify(secret)).code).toBe('VALID');
    await one.manager.updateIdentity(admin, identity.id, { credits: { initial: 0 } });
    await vi.waitFor(async () => expect((await two.manager.verify(secret)).code).toBe('USAGE_EXCEEDED'));
    expect((await one.manager.verify(secret)).code).toBe('USAGE_EXCEEDED');
  });

  it('CRUD: conflict on a taken externalId, tenant isolation, RBAC, audit', async () => {
    const { manager } = setup();
    const identity = await manager.createIdentity(admin, { externalId: 'cus_5', metadata: { plan: 'pro' } });
    await expect(manager.createIdentity(admin, { externalId: 'cus_5' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(manager.getIdentity(otherAdmin, identity.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(manager.createIdentity(viewer, { externalId: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await manager.getIdentity(viewer, identity.id)).metadata).toEqual({ plan: 'pro' });
    expect((await manager.findIdentity(admin, 'cus_5')).id).toBe(identity.id);
    expect((await manager.listIdentities(admin)).items.map((i) => i.id)).toEqual([identity.id]);
    await expect(manager.create(otherAdmin, { name: 'steal', identityId: identity.id })).rejects.toBeInstanceOf(ValidationError);
    await manager.deleteIdentity(admin, identity.id);
    await expect(manager.getIdentity(admin, identity.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await manager.flush();
    const actions = (await manager.auditLog(admin)).items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['identity.created', 'identity.deleted']));
  });
});

describe('whoami', () => {
  it('returns the public data of a key of the actor\'s tenant, audited', async () => {
    const { manager } = setup();
    const { key, secret } = await manager.create(admin, { name: 'lookup', credits: { initial: 5 } });
    const found = await manager.whoami(viewer, secret);
    expect(found).toMatchObject({ id: key.id, name: 'lookup', credits: { initial: 5, remaining: 5 } });
    expect(JSON.stringify(found)).not.toContain(secret);
    await manager.flush();
    const event = (await manager.auditLog(admin, { keyId: key.id })).items.find((e) => e.action === 'key.looked_up');
    expect(event?.actor?.id).toBe('u-viewer');
    expect(JSON.stringify(event)).not.toContain(secret);
  });

  it('answers not found for another tenant\'s key, a wrong secret and garbage, alike', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'mine' });
    await expect(manager.whoami(otherAdmin, secret)).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(manager.whoami(admin, `${secret.slice(0, -8)}AAAAAAAA`)).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(manager.whoami(admin, 'not a key')).rejects.toBeInstanceOf(KeyNotFoundError);
    await expect(manager.whoami(admin, '')).rejects.toBeInstanceOf(ValidationError);
  });

  it('is rate limited per actor, so it cannot be used to test many guessed keys', async () => {
    const { manager } = setup();
    const { secret } = await manager.create(admin, { name: 'mine' });
    for (let i = 0; i < 30; i++) await manager.whoami(admin, secret);
    const error = await manager.whoami(admin, secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeygateError);
    expect((error as KeygateError).code).toBe('RATE_LIMITED');
    // Another actor has its own budget.
    expect((await manager.whoami(viewer, secret)).name).toBe('mine');
  });
});

describe('hash upgrades', () => {
  it('rehashes argon2id keys when the configured memoryCost grows, and they keep verifying', async () => {
    const storage = createMemoryStorage();
    const before = setup({ storage, config: { hasher: 'argon2id' } });
    const { key, secret } = await before.manager.create(admin, { name: 'argon' });
    expect((await storage.keys.get(key.id))!.hash).toContain('m=19456');
    const after = setup({ storage, config: { hasher: 'argon2id', argon2: { memoryCost: 24576 } } });
    expect((await after.manager.verify(secret)).code).toBe('VALID');
    await vi.waitFor(async () => expect((await storage.keys.get(key.id))!.hash).toContain('m=24576'));
    const fresh = setup({ storage, config: { hasher: 'argon2id', argon2: { memoryCost: 24576 } } });
    expect((await fresh.manager.verify(secret)).code).toBe('VALID');
  });
});
