/**
 * Conformance tests every {@link CreditStore} must pass. Call
 * {@link runCreditStoreConformance} from a vitest file with a factory for the
 * store under test.
 *
 * @module
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { Awaitable, CreditPolicy, CreditStore } from '../types.js';

/** What a conformance factory hands back. */
export interface CreditStoreFixture {
  store: CreditStore;
  /**
   * Moves a bucket's `refilledAt` back by `ms`, as if it were last refilled
   * that long ago. Stores that take time from their server cannot be given a
   * fake clock; this lets the refill tests run without waiting for midnight.
   */
  backdate: (bucket: string, ms: number) => Awaitable<void>;
  /** Releases what the factory opened; called after each test. */
  cleanup?: () => Awaitable<void>;
}

const DAY = 86_400_000;
let counter = 0;
function freshBucket(label: string): string {
  counter += 1;
  return `conformance:${label}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:${counter}`;
}

async function rejectsWithValidation(call: () => Awaitable<unknown>): Promise<void> {
  let caught: unknown;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ValidationError);
}

/**
 * Registers a `describe(name)` block checking the {@link CreditStore}
 * contract: start at `initial`, never below zero, denied spends take
 * nothing, exact under concurrency, `set`/`get`/`reset`, and refills.
 */
export function runCreditStoreConformance(name: string, factory: () => Awaitable<CreditStoreFixture>): void {
  async function withFixture(fn: (f: CreditStoreFixture) => Promise<void>): Promise<void> {
    const fixture = await factory();
    try {
      await fn(fixture);
    } finally {
      await fixture.cleanup?.();
    }
  }
  const plain: CreditPolicy = { initial: 3 };

  describe(`CreditStore conformance: ${name}`, () => {
    it('starts a new bucket at initial and takes the cost', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('start');
        expect(await store.get(bucket)).toBeUndefined();
        expect(await store.spend(bucket, 2, { initial: 10 })).toEqual({ allowed: true, remaining: 8 });
        expect((await store.get(bucket))?.remaining).toBe(8);
      }));

    it('admits until zero, then denies without going below zero', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('zero');
        const outcomes = [];
        for (let i = 0; i < 5; i++) outcomes.push(await store.spend(bucket, 1, plain));
        expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, false, false]);
        expect(outcomes.map((o) => o.remaining)).toEqual([2, 1, 0, 0, 0]);
      }));

    it('denies a cost larger than what is left and takes nothing; cost 0 always passes', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('cost');
        expect(await store.spend(bucket, 5, plain)).toEqual({ allowed: false, remaining: 3 });
        expect(await store.spend(bucket, 3, plain)).toEqual({ allowed: true, remaining: 0 });
        expect(await store.spend(bucket, 0, plain)).toEqual({ allowed: true, remaining: 0 });
      }));

    it('admits exactly the credits left when 60 spends race for 25', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('race');
        const results = await Promise.all(Array.from({ length: 60 }, () => store.spend(bucket, 1, { initial: 25 })));
        expect(results.filter((r) => r.allowed)).toHaveLength(25);
        expect((await store.get(bucket))?.remaining).toBe(0);
      }));

    it('set replaces the counter (initial no longer applies); reset forgets it', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('set');
        await store.set(bucket, 7);
        expect((await store.get(bucket))?.remaining).toBe(7);
        expect(await store.spend(bucket, 2, { initial: 100 })).toEqual({ allowed: true, remaining: 5 });
        await store.set(bucket, 0);
        expect((await store.spend(bucket, 1, { initial: 100 })).allowed).toBe(false);
        await store.reset(bucket);
        expect(await store.get(bucket)).toBeUndefined();
        expect(await store.spend(bucket, 1, { initial: 100 })).toEqual({ allowed: true, remaining: 99 });
      }));

    it('keeps buckets apart, including names that differ only around ":"', () =>
      withFixture(async ({ store }) => {
        const base = freshBucket('iso');
        await store.spend(`${base}:a`, 3, plain);
        expect((await store.spend(base, 1, plain)).remaining).toBe(2);
        expect((await store.spend(`${base}:a:`, 1, plain)).remaining).toBe(2);
      }));

    it('reports the next daily refill (a UTC midnight within a day) and does not refill early', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('daily');
        const policy: CreditPolicy = { initial: 1, refill: { interval: 'daily', amount: 5 } };
        const first = await store.spend(bucket, 1, policy);
        expect(first.allowed).toBe(true);
        expect(first.refillAt! % DAY).toBe(0);
        expect(first.refillAt!).toBeGreaterThan(Date.now() - 60_000);
        expect(first.refillAt!).toBeLessThanOrEqual(Date.now() + DAY + 60_000);
        expect(await store.spend(bucket, 1, policy)).toMatchObject({ allowed: false, remaining: 0 });
      }));

    it('refills to the amount once a boundary has passed since the last refill', () =>
      withFixture(async ({ store, backdate }) => {
        const bucket = freshBucket('refill');
        const policy: CreditPolicy = { initial: 2, refill: { interval: 'daily', amount: 5 } };
        await store.spend(bucket, 2, policy);
        await backdate(bucket, 2 * DAY);
        expect(await store.spend(bucket, 1, policy)).toMatchObject({ allowed: true, remaining: 4 });
        // One refill per boundary: spending on does not refill again.
        expect(await store.spend(bucket, 4, policy)).toMatchObject({ allowed: true, remaining: 0 });
        expect((await store.spend(bucket, 1, policy)).allowed).toBe(false);
      }));

    it('refills monthly on the chosen day', () =>
      withFixture(async ({ store, backdate }) => {
        const bucket = freshBucket('monthly');
        const policy: CreditPolicy = { initial: 0, refill: { interval: 'monthly', amount: 3, dayOfMonth: 31 } };
        const denied = await store.spend(bucket, 1, policy);
        expect(denied.allowed).toBe(false);
        const at = new Date(denied.refillAt!);
        expect(at.getUTCHours() + at.getUTCMinutes()).toBe(0);
        // Day 31, or the month's last day when it is shorter.
        const last = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();
        expect(at.getUTCDate()).toBe(Math.min(31, last));
        await backdate(bucket, 62 * DAY);
        expect(await store.spend(bucket, 1, policy)).toMatchObject({ allowed: true, remaining: 2 });
      }));

    it('rejects a negative or fractional cost and a bad remaining with ValidationError', () =>
      withFixture(async ({ store }) => {
        const bucket = freshBucket('bad');
        await rejectsWithValidation(() => store.spend(bucket, -1, plain));
        await rejectsWithValidation(() => store.spend(bucket, 0.5, plain));
        await rejectsWithValidation(() => store.set(bucket, -3));
        expect(await store.get(bucket)).toBeUndefined();
      }));
  });
}
