/**
 * Conformance suite for {@link KeygateStorage} implementations, in the
 * spirit of `@keyv/test-suite`: every storage (memory, keyv, Redis,
 * Postgres, a host's own) must pass it unchanged.
 *
 * Every test uses fresh random tenant and key ids, so the suite can run
 * repeatedly against one shared, persistent backend without cleaning it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeygateError } from '../errors.js';
import type { AuditEvent, Awaitable, IdentityRecord, KeyRecord, KeygateStorage, Page, TagUsageDelta, TenantSettings, UsageDelta } from '../types.js';

/** What a conformance factory returns: the storage under test, and how to dispose of it. */
export interface StorageUnderTest {
  storage: KeygateStorage;
  /** Called once after the suite, e.g. to close a connection or remove a temp file. */
  cleanup?: () => Awaitable<void>;
}

const BASE_TIME = 1_700_000_000_000;

/** A random id with a readable prefix; safe to reuse the backend across runs. */
function uid(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** A complete key record, with every optional field set, so round trips cover them all. */
function makeKey(tenantId: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: uid('key'),
    tenantId,
    ownerId: 'user_1',
    createdBy: 'user_1',
    name: 'Build server',
    environment: 'live',
    prefix: 'sk_live',
    last4: 'a1B2',
    tokenType: 'opaque',
    hash: 'hmac-sha256$v1$abcdef',
    previousHash: 'hmac-sha256$v1$012345',
    previousHashExpiresAt: BASE_TIME + 60_000,
    previousLast4: 'z9Y8',
    scopes: ['keys:read', 'billing:*'],
    ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'],
    rateLimit: { limit: 100, windowSeconds: 60, burst: 150 },
    metadata: { team: 'infra', nested: { list: [1, 'two', null], flag: true }, colon: ':leading', empty: '' },
    enabled: true,
    createdAt: BASE_TIME,
    updatedAt: BASE_TIME,
    expiresAt: null,
    revokedAt: null,
    rotatedAt: null,
    autoRotate: false,
    version: 1,
    ...overrides,
  };
}

function makeEvent(tenantId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: uid('evt'),
    action: 'key.created',
    at: BASE_TIME,
    tenantId,
    keyId: 'key_x',
    actor: { id: 'user_1', type: 'user', role: 'admin' },
    ip: '203.0.113.7',
    userAgent: 'conformance/1',
    requestId: 'req_1',
    details: { changed: ['name'], note: ':colon' },
    ...overrides,
  };
}

function makeIdentity(tenantId: string, overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id: uid('idn'),
    tenantId,
    externalId: uid('cus'),
    metadata: { plan: 'pro', nested: { a: [1, null] } },
    rateLimits: { default: { limit: 10, windowSeconds: 1 } },
    credits: { initial: 100, refill: { interval: 'monthly', amount: 100, dayOfMonth: 31 } },
    createdAt: BASE_TIME,
    updatedAt: BASE_TIME,
    version: 1,
    ...overrides,
  };
}

function delta(keyId: string, day: string, requests: number, errors = 0, lastUsedAt = BASE_TIME): UsageDelta {
  return { keyId, tenantId: 'tenant_usage', day, requests, errors, lastUsedAt };
}

/** Every item of a paged listing, following cursors; fails on a page that does not advance. */
async function collectPages<T>(fetch: (cursor?: string) => Awaitable<Page<T>>, maxPages = 100): Promise<{ items: T[]; pageSizes: number[] }> {
  const items: T[] = [];
  const pageSizes: number[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const page = await fetch(cursor);
    items.push(...page.items);
    pageSizes.push(page.items.length);
    if (page.nextCursor === undefined) return { items, pageSizes };
    expect(page.nextCursor).not.toBe(cursor);
    cursor = page.nextCursor;
  }
  throw new Error(`listing did not end within ${maxPages} pages`);
}

/** Asserts that `call` throws or rejects with a KeygateError carrying `code`. */
async function expectKeygateError(call: () => Awaitable<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KeygateError);
  expect((caught as KeygateError).code).toBe(code);
}

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

/** Newest first: `at` descending, then `id` descending (code-unit order). */
function newestFirst<T extends { id: string }>(items: T[], at: (t: T) => number): string[] {
  return [...items]
    .sort((a, b) => at(b) - at(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((i) => i.id);
}

/**
 * Registers a vitest suite that checks a {@link KeygateStorage}
 * implementation against the contracts in `types.ts`: key records, audit
 * log and usage counters, including pagination, tenant isolation,
 * concurrency and copy semantics.
 *
 * @param name - shown in the suite title.
 * @param factory - makes the storage once for the suite.
 */
export function runStorageConformance(name: string, factory: () => Awaitable<StorageUnderTest>): void {
  describe(`KeygateStorage conformance: ${name}`, () => {
    let subject: StorageUnderTest;
    const storage = (): KeygateStorage => subject.storage;

    beforeAll(async () => {
      subject = await factory();
    });
    afterAll(async () => {
      await subject?.cleanup?.();
    });

    describe('keys', () => {
      it('returns undefined for a missing id', async () => {
        expect(await storage().keys.get(uid('missing'))).toBeUndefined();
      });

      it('returns a stored record equal to what was put', async () => {
        const record = makeKey(uid('t'));
        await storage().keys.put(record);
        expect(await storage().keys.get(record.id)).toEqual(record);
      });

      it('keeps records with minimal optional fields intact', async () => {
        const record = makeKey(uid('t'), { rateLimit: null, expiresAt: BASE_TIME + 1, revokedAt: BASE_TIME + 2, rotatedAt: BASE_TIME + 3, metadata: {} });
        for (const field of ['ownerId', 'createdBy', 'previousHash', 'previousHashExpiresAt', 'previousLast4', 'autoRotate'] as const) {
          delete record[field];
        }
        await storage().keys.put(record);
        expect(await storage().keys.get(record.id)).toEqual(record);
      });

      it('replaces the whole record on put, and lists it once', async () => {
        const tenantId = uid('t');
        const first = makeKey(tenantId);
        await storage().keys.put(first);
        const second = { ...first, name: 'Renamed', scopes: ['keys:write'], enabled: false, updatedAt: BASE_TIME + 5, version: 2 };
        delete second.ownerId;
        await storage().keys.put(second);
        expect(await storage().keys.get(first.id)).toEqual(second);
        const page = await storage().keys.list({ tenantId, limit: 10 });
        expect(page.items).toEqual([second]);
      });

      it('deletes: true when it existed, then false; the key is gone from get and list', async () => {
        const tenantId = uid('t');
        const record = makeKey(tenantId);
        await storage().keys.put(record);
        expect(await storage().keys.delete(record.id)).toBe(true);
        expect(await storage().keys.delete(record.id)).toBe(false);
        expect(await storage().keys.get(record.id)).toBeUndefined();
        expect((await storage().keys.list({ tenantId, limit: 10 })).items).toEqual([]);
      });

      it('lists only the asked tenant\'s keys', async () => {
        const mine = uid('t');
        const theirs = uid('t');
        const a = makeKey(mine);
        const b = makeKey(theirs);
        await storage().keys.put(a);
        await storage().keys.put(b);
        expect(ids((await storage().keys.list({ tenantId: mine, limit: 10 })).items)).toEqual([a.id]);
        expect(ids((await storage().keys.list({ tenantId: theirs, limit: 10 })).items)).toEqual([b.id]);
        expect((await storage().keys.list({ tenantId: uid('t'), limit: 10 })).items).toEqual([]);
      });

      it('filters by environment', async () => {
        const tenantId = uid('t');
        const live = makeKey(tenantId, { environment: 'live' });
        const test = makeKey(tenantId, { environment: 'test', createdAt: BASE_TIME + 1 });
        await storage().keys.put(live);
        await storage().keys.put(test);
        expect(ids((await storage().keys.list({ tenantId, environment: 'test', limit: 10 })).items)).toEqual([test.id]);
        expect(ids((await storage().keys.list({ tenantId, environment: 'live', limit: 10 })).items)).toEqual([live.id]);
        expect((await storage().keys.list({ tenantId, environment: 'staging', limit: 10 })).items).toEqual([]);
        expect(ids((await storage().keys.list({ tenantId, limit: 10 })).items)).toEqual([test.id, live.id]);
      });

      it('lists newest first, ties broken by id descending', async () => {
        const tenantId = uid('t');
        const records = [
          makeKey(tenantId, { id: `${uid('k')}_b`, createdAt: BASE_TIME + 10 }),
          makeKey(tenantId, { id: `${uid('k')}_a`, createdAt: BASE_TIME + 30 }),
          makeKey(tenantId, { id: 'tie_A', createdAt: BASE_TIME + 20 }),
          makeKey(tenantId, { id: 'tie_b', createdAt: BASE_TIME + 20 }),
          makeKey(tenantId, { id: 'tie_a', createdAt: BASE_TIME + 20 }),
        ].map((r) => (r.id.startsWith('tie_') ? { ...r, id: `${r.id}_${tenantId}` } : r));
        for (const r of records) await storage().keys.put(r);
        const page = await storage().keys.list({ tenantId, limit: 10 });
        expect(ids(page.items)).toEqual(newestFirst(records, (r) => r.createdAt));
        expect(page.nextCursor).toBeUndefined();
      });

      it('pages through 25 keys at limit 10, each exactly once, in order', async () => {
        const tenantId = uid('t');
        // Several keys share a createdAt so the id tie-break is exercised across page edges.
        const records = Array.from({ length: 25 }, (_, i) => makeKey(tenantId, { createdAt: BASE_TIME + Math.floor(i / 3) }));
        for (const r of records) await storage().keys.put(r);
        const { items, pageSizes } = await collectPages((cursor) => storage().keys.list({ tenantId, limit: 10, cursor }));
        expect(pageSizes).toEqual([10, 10, 5]);
        expect(ids(items)).toEqual(newestFirst(records, (r) => r.createdAt));
        expect(new Set(ids(items)).size).toBe(25);
      });

      it('keeps paging stable while keys are added between pages', async () => {
        const tenantId = uid('t');
        const records = Array.from({ length: 25 }, (_, i) => makeKey(tenantId, { createdAt: BASE_TIME + 100 + i }));
        for (const r of records) await storage().keys.put(r);
        const first = await storage().keys.list({ tenantId, limit: 10 });
        // Newer keys, older keys and a key tied with the cursor's time arrive mid-listing.
        await storage().keys.put(makeKey(tenantId, { createdAt: BASE_TIME + 1_000 }));
        await storage().keys.put(makeKey(tenantId, { createdAt: BASE_TIME }));
        await storage().keys.put(makeKey(tenantId, { createdAt: first.items[9]!.createdAt }));
        const rest: KeyRecord[] = [];
        let cursor = first.nextCursor;
        while (cursor !== undefined) {
          const page = await storage().keys.list({ tenantId, limit: 10, cursor });
          rest.push(...page.items);
          cursor = page.nextCursor;
        }
        const seen = [...ids(first.items), ...ids(rest)];
        expect(new Set(seen).size).toBe(seen.length);
        for (const r of records) expect(seen.filter((id) => id === r.id)).toHaveLength(1);
      });

      it('rejects malformed cursors with INVALID_CURSOR', async () => {
        const tenantId = uid('t');
        await storage().keys.put(makeKey(tenantId));
        for (const cursor of ['garbage', '!!!', 'eyJ2IjoxfQ', Buffer.from('{"v":1,"at":-1,"id":"x"}').toString('base64url'), 'A'.repeat(600)]) {
          await expectKeygateError(() => storage().keys.list({ tenantId, limit: 10, cursor }), 'INVALID_CURSOR');
        }
      });

      it('isolates tenants whose ids differ only around ":" and escapes', async () => {
        const base = uid('t');
        const tenants = [base, `${base}:b`, `${base}:`, `${base}%3Ab`, `${base}:b:c`, `${base}%`, `${base}_`, base.toUpperCase()];
        const byTenant = new Map<string, KeyRecord>();
        for (const tenantId of tenants) {
          const record = makeKey(tenantId, { id: `${uid('k')}:${tenantId}` });
          byTenant.set(tenantId, record);
          await storage().keys.put(record);
        }
        for (const tenantId of tenants) {
          const page = await storage().keys.list({ tenantId, limit: 100 });
          expect(ids(page.items)).toEqual([byTenant.get(tenantId)!.id]);
        }
      });

      it('keeps key ids containing ":" and "%" distinct', async () => {
        const tenantId = uid('t');
        const base = uid('k');
        const a = makeKey(tenantId, { id: `${base}:x`, name: 'colon' });
        const b = makeKey(tenantId, { id: `${base}%3Ax`, name: 'escaped' });
        await storage().keys.put(a);
        await storage().keys.put(b);
        expect(await storage().keys.get(a.id)).toEqual(a);
        expect(await storage().keys.get(b.id)).toEqual(b);
        expect(await storage().keys.get(`${base}`)).toBeUndefined();
        expect((await storage().keys.list({ tenantId, limit: 10 })).items).toHaveLength(2);
      });

      it('lists all of 50 keys put concurrently', async () => {
        const tenantId = uid('t');
        const records = Array.from({ length: 50 }, (_, i) => makeKey(tenantId, { createdAt: BASE_TIME + i }));
        await Promise.all(records.map((r) => storage().keys.put(r)));
        const { items } = await collectPages((cursor) => storage().keys.list({ tenantId, limit: 100, cursor }));
        expect(new Set(ids(items))).toEqual(new Set(ids(records)));
        expect(items).toHaveLength(50);
      });

      it('does not let callers mutate stored state through objects passed or returned', async () => {
        const tenantId = uid('t');
        const record = makeKey(tenantId);
        const original = structuredClone(record);
        await storage().keys.put(record);
        record.name = 'changed after put';
        record.scopes.push('admin:*');
        (record.metadata.nested as { flag: boolean }).flag = false;

        const got = (await storage().keys.get(original.id))!;
        expect(got).toEqual(original);
        got.name = 'changed after get';
        got.scopes.length = 0;
        got.rateLimit!.limit = 1;
        (got.metadata.nested as { list: unknown[] }).list.push('x');

        const listed = (await storage().keys.list({ tenantId, limit: 10 })).items[0]!;
        expect(listed).toEqual(original);
        listed.ipAllowlist.push('0.0.0.0/0');
        listed.metadata.team = 'evil';

        expect(await storage().keys.get(original.id)).toEqual(original);
        expect((await storage().keys.list({ tenantId, limit: 10 })).items).toEqual([original]);
      });
    });

    describe('audit', () => {
      it('returns appended events newest first', async () => {
        const tenantId = uid('t');
        const events = [
          makeEvent(tenantId, { at: BASE_TIME + 2 }),
          makeEvent(tenantId, { at: BASE_TIME + 1, action: 'key.revoked', keyId: 'key_y' }),
          makeEvent(tenantId, { at: BASE_TIME + 3, action: 'key.verification_failed', outcome: 'EXPIRED' }),
        ];
        for (const e of events) await storage().audit.append(e);
        const page = await storage().audit.query({ tenantId, limit: 10 });
        expect(page.items).toEqual([events[2], events[0], events[1]]);
        expect(page.nextCursor).toBeUndefined();
      });

      it('filters by keyId and by [from, to)', async () => {
        const tenantId = uid('t');
        const at = (n: number, keyId = 'key_a') => makeEvent(tenantId, { at: BASE_TIME + n * 1000, keyId });
        const events = [at(1), at(2), at(3), at(2, 'key_b')];
        for (const e of events) await storage().audit.append(e);
        expect(ids((await storage().audit.query({ tenantId, keyId: 'key_b', limit: 10 })).items)).toEqual([events[3]!.id]);
        const window = await storage().audit.query({ tenantId, keyId: 'key_a', from: BASE_TIME + 2000, to: BASE_TIME + 3000, limit: 10 });
        expect(ids(window.items)).toEqual([events[1]!.id]);
        const fromOnly = await storage().audit.query({ tenantId, from: BASE_TIME + 2000, limit: 10 });
        expect(new Set(ids(fromOnly.items))).toEqual(new Set([events[1]!.id, events[2]!.id, events[3]!.id]));
        const toOnly = await storage().audit.query({ tenantId, to: BASE_TIME + 2000, limit: 10 });
        expect(ids(toOnly.items)).toEqual([events[0]!.id]);
      });

      it('pages through 25 events at limit 10, each exactly once, in order', async () => {
        const tenantId = uid('t');
        const events = Array.from({ length: 25 }, (_, i) => makeEvent(tenantId, { at: BASE_TIME + Math.floor(i / 4) }));
        for (const e of events) await storage().audit.append(e);
        const { items, pageSizes } = await collectPages((cursor) => storage().audit.query({ tenantId, limit: 10, cursor }));
        expect(pageSizes).toEqual([10, 10, 5]);
        expect(ids(items)).toEqual(newestFirst(events, (e) => e.at));
      });

      it('rejects malformed cursors with INVALID_CURSOR', async () => {
        const tenantId = uid('t');
        await storage().audit.append(makeEvent(tenantId));
        await expectKeygateError(() => storage().audit.query({ tenantId, limit: 10, cursor: 'not-a-cursor' }), 'INVALID_CURSOR');
      });

      it('keeps all of 50 events appended concurrently', async () => {
        const tenantId = uid('t');
        const events = Array.from({ length: 50 }, () => makeEvent(tenantId));
        await Promise.all(events.map((e) => storage().audit.append(e)));
        const { items } = await collectPages((cursor) => storage().audit.query({ tenantId, limit: 100, cursor }));
        expect(new Set(ids(items))).toEqual(new Set(ids(events)));
        expect(items).toHaveLength(50);
      });

      it('never overwrites an event: a repeated id keeps the first', async () => {
        const tenantId = uid('t');
        const first = makeEvent(tenantId, { action: 'key.created' });
        await storage().audit.append(first);
        await storage().audit.append({ ...first, action: 'key.deleted' });
        expect((await storage().audit.query({ tenantId, limit: 10 })).items).toEqual([first]);
      });

      it('isolates tenants whose ids differ only around ":" and escapes', async () => {
        const base = uid('t');
        const tenants = [base, `${base}:b`, `${base}:`, `${base}%3Ab`, base.toUpperCase()];
        const byTenant = new Map<string, AuditEvent>();
        for (const tenantId of tenants) {
          const event = makeEvent(tenantId);
          byTenant.set(tenantId, event);
          await storage().audit.append(event);
        }
        for (const tenantId of tenants) {
          expect((await storage().audit.query({ tenantId, limit: 100 })).items).toEqual([byTenant.get(tenantId)]);
        }
      });

      it('does not let callers mutate stored events', async () => {
        const tenantId = uid('t');
        const event = makeEvent(tenantId);
        const original = structuredClone(event);
        await storage().audit.append(event);
        event.details!.changed = 'tampered';
        const got = (await storage().audit.query({ tenantId, limit: 10 })).items[0]!;
        expect(got).toEqual(original);
        got.actor!.id = 'someone else';
        expect((await storage().audit.query({ tenantId, limit: 10 })).items).toEqual([original]);
      });
    });

    describe('usage', () => {
      it('sums increments per day, within and across batches', async () => {
        const keyId = uid('k');
        await storage().usage.increment([delta(keyId, '2024-03-01', 2, 1), delta(keyId, '2024-03-01', 3)]);
        await storage().usage.increment([delta(keyId, '2024-03-01', 5, 2)]);
        expect(await storage().usage.range(keyId, '2024-03-01', '2024-03-01')).toEqual([{ day: '2024-03-01', requests: 10, errors: 3 }]);
      });

      it('returns buckets in [fromDay, toDay] inclusive, ascending, omitting unused days', async () => {
        const keyId = uid('k');
        await storage().usage.increment([delta(keyId, '2024-01-05', 5), delta(keyId, '2024-01-01', 1), delta(keyId, '2024-01-03', 3), delta(keyId, '2023-12-31', 9)]);
        expect(await storage().usage.range(keyId, '2024-01-01', '2024-01-03')).toEqual([
          { day: '2024-01-01', requests: 1, errors: 0 },
          { day: '2024-01-03', requests: 3, errors: 0 },
        ]);
        expect((await storage().usage.range(keyId, '2023-01-01', '2024-12-31')).map((b) => b.day)).toEqual(['2023-12-31', '2024-01-01', '2024-01-03', '2024-01-05']);
        expect(await storage().usage.range(keyId, '2024-02-01', '2024-02-28')).toEqual([]);
      });

      it('summarises totals and keeps the latest lastUsedAt', async () => {
        const keyId = uid('k');
        expect(await storage().usage.summary(keyId)).toEqual({ requests: 0, errors: 0 });
        expect((await storage().usage.summary(keyId)).lastUsedAt).toBeUndefined();
        await storage().usage.increment([delta(keyId, '2024-01-01', 4, 1, BASE_TIME + 500)]);
        await storage().usage.increment([delta(keyId, '2024-01-02', 6, 2, BASE_TIME + 100)]);
        expect(await storage().usage.summary(keyId)).toEqual({ requests: 10, errors: 3, lastUsedAt: BASE_TIME + 500 });
      });

      it('sums 100 concurrent increments exactly', async () => {
        const keyId = uid('k');
        await Promise.all(Array.from({ length: 100 }, (_, i) => storage().usage.increment([delta(keyId, '2024-05-01', 1, i % 2, BASE_TIME + i)])));
        expect(await storage().usage.range(keyId, '2024-05-01', '2024-05-01')).toEqual([{ day: '2024-05-01', requests: 100, errors: 50 }]);
        expect(await storage().usage.summary(keyId)).toEqual({ requests: 100, errors: 50, lastUsedAt: BASE_TIME + 99 });
      });

      it('keeps keys apart, including ids that differ only around ":"', async () => {
        const base = uid('k');
        await storage().usage.increment([delta(base, '2024-01-01', 1), delta(`${base}:2024-01-01`, '2024-01-02', 7), delta(`${base}:x`, '2024-01-01', 3)]);
        expect(await storage().usage.range(base, '2000-01-01', '2100-01-01')).toEqual([{ day: '2024-01-01', requests: 1, errors: 0 }]);
        expect((await storage().usage.summary(base)).requests).toBe(1);
        expect((await storage().usage.summary(`${base}:x`)).requests).toBe(3);
      });

      it('forgets a key\'s usage and nothing else', async () => {
        const keyId = uid('k');
        const other = uid('k');
        await storage().usage.increment([delta(keyId, '2024-01-01', 1), delta(keyId, '2024-01-02', 2), delta(other, '2024-01-01', 5)]);
        await storage().usage.forget(keyId);
        expect(await storage().usage.range(keyId, '2000-01-01', '2100-01-01')).toEqual([]);
        expect(await storage().usage.summary(keyId)).toEqual({ requests: 0, errors: 0 });
        expect(await storage().usage.summary(other)).toEqual({ requests: 5, errors: 0, lastUsedAt: BASE_TIME });
        await storage().usage.increment([delta(keyId, '2024-01-03', 1)]);
        expect(await storage().usage.range(keyId, '2000-01-01', '2100-01-01')).toEqual([{ day: '2024-01-03', requests: 1, errors: 0 }]);
      });
    });

    describe('identities', () => {
      it('inserts, gets by id and by external id, and round-trips every field', async () => {
        const tenant = uid('t');
        const record = makeIdentity(tenant);
        expect(await storage().identities.insert(record)).toEqual(record);
        expect(await storage().identities.get(record.id)).toEqual(record);
        expect(await storage().identities.findByExternalId(tenant, record.externalId)).toEqual(record);
        expect(await storage().identities.findByExternalId(uid('t'), record.externalId)).toBeUndefined();
        expect(await storage().identities.get(uid('idn'))).toBeUndefined();
      });

      it('never makes two identities for one external id, even when 20 inserts race', async () => {
        const tenant = uid('t');
        const externalId = uid('cus');
        const results = await Promise.all(Array.from({ length: 20 }, () => storage().identities.insert(makeIdentity(tenant, { externalId }))));
        expect(new Set(results.map((r) => r.id)).size).toBe(1);
        const page = await storage().identities.list({ tenantId: tenant, limit: 100 });
        expect(page.items.map((r) => r.id)).toEqual([results[0]!.id]);
      });

      it('replaces on put, deletes (true then false) and frees the external id', async () => {
        const tenant = uid('t');
        const record = makeIdentity(tenant);
        await storage().identities.insert(record);
        await storage().identities.put({ ...record, metadata: { plan: 'team' }, version: 2 });
        expect((await storage().identities.get(record.id))?.metadata).toEqual({ plan: 'team' });
        expect(await storage().identities.delete(record.id)).toBe(true);
        expect(await storage().identities.delete(record.id)).toBe(false);
        expect(await storage().identities.get(record.id)).toBeUndefined();
        expect(await storage().identities.findByExternalId(tenant, record.externalId)).toBeUndefined();
        const again = makeIdentity(tenant, { externalId: record.externalId });
        expect((await storage().identities.insert(again)).id).toBe(again.id);
      });

      it('lists one tenant newest first, paging each exactly once; tenants around ":" stay apart', async () => {
        const tenant = uid('t');
        const made = Array.from({ length: 12 }, (_, i) => makeIdentity(tenant, { createdAt: BASE_TIME + (i % 4) * 1000 }));
        for (const r of made) await storage().identities.insert(r);
        await storage().identities.insert(makeIdentity(`${tenant}:x`));
        await storage().identities.insert(makeIdentity(tenant.slice(0, -1)));
        const { items } = await collectPages((cursor) => storage().identities.list({ tenantId: tenant, limit: 5, ...(cursor ? { cursor } : {}) }));
        expect(ids(items)).toEqual(newestFirst(made, (r) => r.createdAt));
        await expectKeygateError(() => storage().identities.list({ tenantId: tenant, limit: 5, cursor: 'nope' }), 'INVALID_CURSOR');
      });

      it('keeps the same external id apart in two tenants', async () => {
        const externalId = uid('cus');
        const a = await storage().identities.insert(makeIdentity(uid('t'), { externalId }));
        const b = await storage().identities.insert(makeIdentity(uid('t'), { externalId }));
        expect(a.id).not.toBe(b.id);
      });
    });

    describe('tag usage', () => {
      const tagDelta = (keyId: string, tag: string, value: string, day: string, requests: number, errors = 0): TagUsageDelta => ({ keyId, tenantId: 't', day, tag, value, requests, errors });

      it('sums per (tag, value, day), within and across batches, ordered by day then value', async () => {
        const keyId = uid('k');
        await storage().usage.incrementTags([
          tagDelta(keyId, 'route', '/weather', '2024-01-02', 2, 1),
          tagDelta(keyId, 'route', '/weather', '2024-01-02', 3),
          tagDelta(keyId, 'route', '/alerts', '2024-01-02', 1),
          tagDelta(keyId, 'route', '/weather', '2024-01-01', 4),
          tagDelta(keyId, 'region', 'eu', '2024-01-01', 9),
        ]);
        await storage().usage.incrementTags([tagDelta(keyId, 'route', '/alerts', '2024-01-02', 1, 1)]);
        expect(await storage().usage.rangeByTag(keyId, 'route', '2024-01-01', '2024-01-02')).toEqual([
          { day: '2024-01-01', value: '/weather', requests: 4, errors: 0 },
          { day: '2024-01-02', value: '/alerts', requests: 2, errors: 1 },
          { day: '2024-01-02', value: '/weather', requests: 5, errors: 1 },
        ]);
        expect(await storage().usage.rangeByTag(keyId, 'route', '2024-01-02', '2024-01-02')).toHaveLength(2);
        expect(await storage().usage.rangeByTag(keyId, 'region', '2000-01-01', '2100-01-01')).toEqual([{ day: '2024-01-01', value: 'eu', requests: 9, errors: 0 }]);
        expect(await storage().usage.rangeByTag(keyId, 'plan', '2000-01-01', '2100-01-01')).toEqual([]);
      });

      it('keeps values with "|", ":" and unicode intact, and keys apart', async () => {
        const keyId = uid('k');
        const values = ['a|b', 'x:y', 'ünï|cödé', '2024-01-01'];
        await storage().usage.incrementTags(values.map((v) => tagDelta(keyId, 'route', v, '2024-03-01', 1)));
        await storage().usage.incrementTags([tagDelta(`${keyId}:x`, 'route', 'other', '2024-03-01', 1)]);
        const got = await storage().usage.rangeByTag(keyId, 'route', '2024-03-01', '2024-03-01');
        expect(got.map((b) => b.value).sort()).toEqual([...values].sort());
      });

      it('sums 50 concurrent increments exactly', async () => {
        const keyId = uid('k');
        await Promise.all(Array.from({ length: 50 }, (_, i) => storage().usage.incrementTags([tagDelta(keyId, 'route', '/r', '2024-05-01', 1, i % 2)])));
        expect(await storage().usage.rangeByTag(keyId, 'route', '2024-05-01', '2024-05-01')).toEqual([{ day: '2024-05-01', value: '/r', requests: 50, errors: 25 }]);
      });

      it('rejects a bad tag or value before counting anything', async () => {
        const keyId = uid('k');
        for (const bad of [tagDelta(keyId, 'Route', 'x', '2024-01-01', 1), tagDelta(keyId, 'route', '', '2024-01-01', 1), tagDelta(keyId, 'route', 'x'.repeat(65), '2024-01-01', 1), tagDelta(keyId, 'route', 'a\u0000b', '2024-01-01', 1)]) {
          await expect(Promise.resolve().then(() => storage().usage.incrementTags([tagDelta(keyId, 'route', 'ok', '2024-01-01', 1), bad]))).rejects.toThrow();
        }
        expect(await storage().usage.rangeByTag(keyId, 'route', '2000-01-01', '2100-01-01')).toEqual([]);
      });

      it('forget removes the tag counters too', async () => {
        const keyId = uid('k');
        const other = uid('k');
        await storage().usage.incrementTags([tagDelta(keyId, 'route', '/a', '2024-01-01', 1), tagDelta(keyId, 'region', 'eu', '2024-01-01', 1), tagDelta(other, 'route', '/a', '2024-01-01', 2)]);
        await storage().usage.forget(keyId);
        expect(await storage().usage.rangeByTag(keyId, 'route', '2000-01-01', '2100-01-01')).toEqual([]);
        expect(await storage().usage.rangeByTag(keyId, 'region', '2000-01-01', '2100-01-01')).toEqual([]);
        expect(await storage().usage.rangeByTag(other, 'route', '2000-01-01', '2100-01-01')).toHaveLength(1);
      });
    });

    describe('tenant settings', () => {
      it('returns undefined for a tenant never set, and round-trips every field', async () => {
        const tenantId = uid('t');
        expect(await storage().tenants.get(tenantId)).toBeUndefined();
        const settings: TenantSettings = { tenantId, minLifetimeMs: 3_600_000, maxLifetimeMs: 90 * 86_400_000, requireExpiry: true, updatedAt: BASE_TIME, updatedBy: 'u1', version: 1 };
        await storage().tenants.put(settings);
        expect(await storage().tenants.get(tenantId)).toEqual(settings);
      });

      it('replaces the whole record, and keeps tenants around ":" apart', async () => {
        const tenantId = uid('t');
        await storage().tenants.put({ tenantId, maxLifetimeMs: 1000, updatedAt: BASE_TIME, version: 1 });
        await storage().tenants.put({ tenantId, requireExpiry: false, updatedAt: BASE_TIME + 1, version: 2 });
        expect(await storage().tenants.get(tenantId)).toEqual({ tenantId, requireExpiry: false, updatedAt: BASE_TIME + 1, version: 2 });
        expect(await storage().tenants.get(`${tenantId}:x`)).toBeUndefined();
        await storage().tenants.put({ tenantId: `${tenantId}:x`, minLifetimeMs: 5, updatedAt: BASE_TIME, version: 1 });
        expect((await storage().tenants.get(tenantId))?.minLifetimeMs).toBeUndefined();
      });

      it('does not let callers mutate stored settings through objects passed or returned', async () => {
        const tenantId = uid('t');
        const settings: TenantSettings = { tenantId, maxLifetimeMs: 1000, updatedAt: BASE_TIME, version: 1 };
        await storage().tenants.put(settings);
        settings.maxLifetimeMs = 1;
        const got = (await storage().tenants.get(tenantId))!;
        got.maxLifetimeMs = 2;
        expect((await storage().tenants.get(tenantId))?.maxLifetimeMs).toBe(1000);
      });

      it('rejects a malformed record', async () => {
        await expect(Promise.resolve().then(() => storage().tenants.put({ tenantId: '', updatedAt: BASE_TIME, version: 1 }))).rejects.toThrow();
        await expect(Promise.resolve().then(() => storage().tenants.put({ tenantId: uid('t'), maxLifetimeMs: -1, updatedAt: BASE_TIME, version: 1 }))).rejects.toThrow();
      });
    });
  });
}
