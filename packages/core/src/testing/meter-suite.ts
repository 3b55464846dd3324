/**
 * Conformance tests for the optional {@link RateLimiter.meter} capability:
 * several token buckets and credits taken as one atomic, all-or-nothing step.
 * Call {@link runMeterConformance} from a vitest file with a factory for the
 * limiter (and the credit store it shares state with) under test.
 *
 * @module
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { Awaitable, CreditPolicy, CreditStore, MeterOutcome, MeterRequest, RateLimiter, RateLimitPolicy } from '../types.js';

/** What a meter conformance factory hands back. */
export interface MeterFixture {
  /** A limiter with `meter` (and `sharesCreditsWith` when `creditStore` is given). */
  limiter: RateLimiter;
  /** A credit store the limiter shares state with; without it, the credit tests are skipped. */
  creditStore?: CreditStore;
  /** Releases what the factory opened; called after each test. */
  cleanup?: () => Awaitable<void>;
}

let counter = 0;
function freshBucket(label: string): string {
  counter += 1;
  return `conformance:meter:${label}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:${counter}`;
}

// Slow refill, so no token comes back while a test runs.
const slow = (limit: number): RateLimitPolicy => ({ limit, windowSeconds: 3600 });

/**
 * Registers a `describe(name)` block checking {@link RateLimiter.meter}:
 * everything taken when everything allows; nothing taken from any bucket or
 * credit when one denies; duplicates pay twice; bad input rejected before
 * anything is taken; and concurrent callers never over-admit.
 */
export function runMeterConformance(name: string, factory: () => Awaitable<MeterFixture>): void {
  async function withFixture(fn: (f: MeterFixture & { meter: (r: MeterRequest) => Promise<MeterOutcome> }) => Promise<void>): Promise<void> {
    const fixture = await factory();
    const limiter = fixture.limiter;
    if (typeof limiter.meter !== 'function') throw new Error(`${name}: the limiter has no meter()`);
    const meter = async (request: MeterRequest) => limiter.meter!(request, fixture.creditStore);
    try {
      await fn({ ...fixture, meter });
    } finally {
      await fixture.cleanup?.();
    }
  }
  /** Tokens left in a bucket, without taking any. */
  const tokens = async (limiter: RateLimiter, bucket: string, policy: RateLimitPolicy) => (await limiter.consume(bucket, policy, 0)).remaining;

  describe(`meter conformance: ${name}`, () => {
    it('takes every bucket when every bucket allows, and reports each', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('a');
        const b = freshBucket('b');
        const outcome = await meter({ buckets: [{ bucket: a, policy: slow(5), cost: 2 }, { bucket: b, policy: slow(3), cost: 1 }] });
        expect(outcome.allowed).toBe(true);
        expect(outcome.buckets.map((s) => [s.allowed, s.remaining, s.limit, s.retryAfterMs])).toEqual([
          [true, 3, 5, 0],
          [true, 2, 3, 0],
        ]);
        expect(outcome.credits).toEqual([]);
        expect(await tokens(limiter, a, slow(5))).toBe(3);
        expect(await tokens(limiter, b, slow(3))).toBe(2);
      }));

    it('reads a request object anew on each call: one reused after a change takes what it says now, a frozen one the same each time', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('reuse');
        const take = { bucket: a, policy: slow(10), cost: 1 };
        const request = { buckets: [take] };
        await meter(request);
        take.cost = 3;
        expect((await meter(request)).buckets[0]!.remaining).toBe(6);
        request.buckets = [{ bucket: a, policy: slow(10), cost: 2 }];
        expect((await meter(request)).buckets[0]!.remaining).toBe(4);
        const frozen = Object.freeze({ buckets: Object.freeze([Object.freeze({ bucket: a, policy: Object.freeze(slow(10)), cost: 1 })]) });
        expect((await meter(frozen)).buckets[0]!.remaining).toBe(3);
        expect((await meter(frozen)).buckets[0]!.remaining).toBe(2);
        expect(await tokens(limiter, a, slow(10))).toBe(2);
      }));

    it('takes nothing from any bucket when one denies, and says which one', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('a');
        const b = freshBucket('b');
        await limiter.consume(b, slow(2), 2);
        const outcome = await meter({ buckets: [{ bucket: a, policy: slow(5), cost: 1 }, { bucket: b, policy: slow(2), cost: 1 }] });
        expect(outcome.allowed).toBe(false);
        expect(outcome.buckets[0]).toMatchObject({ allowed: true, remaining: 5, retryAfterMs: 0 });
        expect(outcome.buckets[1]!.allowed).toBe(false);
        expect(outcome.buckets[1]!.remaining).toBe(0);
        expect(outcome.buckets[1]!.retryAfterMs).toBeGreaterThan(0);
        expect(await tokens(limiter, a, slow(5))).toBe(5);
      }));

    it('makes a bucket listed twice pay twice', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('twice');
        const twice = { buckets: [{ bucket: a, policy: slow(3), cost: 2 }, { bucket: a, policy: slow(3), cost: 2 }] };
        expect((await meter(twice)).allowed).toBe(false);
        expect(await tokens(limiter, a, slow(3))).toBe(3);
        const ok = await meter({ buckets: [{ bucket: a, policy: slow(3), cost: 1 }, { bucket: a, policy: slow(3), cost: 2 }] });
        expect(ok.allowed).toBe(true);
        expect(await tokens(limiter, a, slow(3))).toBe(0);
      }));

    it('rejects a bad policy or cost before taking anything', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('bad');
        for (const request of [
          { buckets: [{ bucket: a, policy: slow(5), cost: 1 }, { bucket: freshBucket('x'), policy: { limit: 0, windowSeconds: 1 }, cost: 1 }] },
          { buckets: [{ bucket: a, policy: slow(5), cost: 1 }, { bucket: freshBucket('x'), policy: slow(5), cost: -1 }] },
        ]) {
          await expect(meter(request)).rejects.toBeInstanceOf(ValidationError);
        }
        expect(await tokens(limiter, a, slow(5))).toBe(5);
      }));

    it('answers requests made at once one after the other, in call order, each all or none', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('a');
        const b = freshBucket('b');
        const take = (bucket: string, cost: number) => ({ bucket, policy: slow(3), cost });
        // Started in one tick: a limiter that batches them must still decide each on its own, in order.
        const outcomes = await Promise.all([
          meter({ buckets: [take(a, 2), take(b, 1)] }),
          meter({ buckets: [take(a, 2)] }),
          meter({ buckets: [take(b, 2)] }),
          meter({ buckets: [take(a, 1), take(b, 1)] }),
          meter({ buckets: [take(a, 1)] }),
        ]);
        expect(outcomes.map((o) => o.allowed)).toEqual([true, false, true, false, true]);
        expect(outcomes[1]!.buckets[0]).toMatchObject({ allowed: false, remaining: 1 });
        expect(outcomes[3]!.buckets.map((s) => [s.allowed, s.remaining])).toEqual([
          [true, 1],
          [false, 0],
        ]);
        expect(await tokens(limiter, a, slow(3))).toBe(0);
        expect(await tokens(limiter, b, slow(3))).toBe(0);
      }));

    it('never admits more than the smallest bucket holds under concurrent callers', () =>
      withFixture(async ({ limiter, meter }) => {
        const a = freshBucket('a');
        const b = freshBucket('b');
        const request = { buckets: [{ bucket: a, policy: slow(20), cost: 1 }, { bucket: b, policy: slow(7), cost: 1 }] };
        const outcomes = await Promise.all(Array.from({ length: 60 }, () => meter(request)));
        expect(outcomes.filter((o) => o.allowed)).toHaveLength(7);
        expect(await tokens(limiter, a, slow(20))).toBe(13);
        expect(await tokens(limiter, b, slow(7))).toBe(0);
      }));

    describe('with credits', () => {
      const skip = async (fixture: MeterFixture): Promise<boolean> => fixture.creditStore === undefined;
      const plain: CreditPolicy = { initial: 3 };

      it('says it shares state with its credit store, and not with a foreign one', () =>
        withFixture(async (f) => {
          if (await skip(f)) return;
          expect(f.limiter.sharesCreditsWith?.(f.creditStore!)).toBe(true);
          const foreign: CreditStore = { spend: () => ({ allowed: true, remaining: 0 }), set: () => undefined, get: () => undefined, reset: () => undefined };
          expect(f.limiter.sharesCreditsWith?.(foreign)).toBe(false);
        }));

      it('takes the buckets and spends the credits together', () =>
        withFixture(async (f) => {
          if (await skip(f)) return;
          const a = freshBucket('a');
          const k = freshBucket('key');
          const i = freshBucket('identity');
          const outcome = await f.meter({
            buckets: [{ bucket: a, policy: slow(5), cost: 1 }],
            credits: [
              { bucket: k, cost: 2, policy: { initial: 10 } },
              { bucket: i, cost: 2, policy: { initial: 4, refill: { interval: 'monthly', amount: 4 } } },
            ],
          });
          expect(outcome.allowed).toBe(true);
          expect(outcome.credits.map((c) => [c.allowed, c.remaining])).toEqual([
            [true, 8],
            [true, 2],
          ]);
          expect(outcome.credits[0]!.refillAt).toBeUndefined();
          expect(outcome.credits[1]!.refillAt).toBeGreaterThan(Date.now() - 60_000);
          expect((await f.creditStore!.get(k))?.remaining).toBe(8);
          expect((await f.creditStore!.get(i))?.remaining).toBe(2);
          expect(await tokens(f.limiter, a, slow(5))).toBe(4);
        }));

      it('spends no credit when a bucket denies', () =>
        withFixture(async (f) => {
          if (await skip(f)) return;
          const a = freshBucket('a');
          const k = freshBucket('key');
          await f.limiter.consume(a, slow(1), 1);
          const outcome = await f.meter({ buckets: [{ bucket: a, policy: slow(1), cost: 1 }], credits: [{ bucket: k, cost: 1, policy: plain }] });
          expect(outcome.allowed).toBe(false);
          expect(outcome.buckets[0]!.allowed).toBe(false);
          expect((await f.creditStore!.get(k))?.remaining ?? plain.initial).toBe(3);
        }));

      it('takes no token and spends no other credit when one credit is refused (the key is not charged for its identity)', () =>
        withFixture(async (f) => {
          if (await skip(f)) return;
          const a = freshBucket('a');
          const k = freshBucket('key');
          const i = freshBucket('identity');
          await f.creditStore!.set(i, 0);
          const outcome = await f.meter({
            buckets: [{ bucket: a, policy: slow(5), cost: 1 }],
            credits: [
              { bucket: k, cost: 1, policy: plain },
              { bucket: i, cost: 1, policy: plain },
            ],
          });
          expect(outcome.allowed).toBe(false);
          expect(outcome.buckets[0]).toMatchObject({ allowed: true, remaining: 5 });
          expect(outcome.credits.map((c) => [c.allowed, c.remaining])).toEqual([
            [true, 3],
            [false, 0],
          ]);
          expect(await tokens(f.limiter, a, slow(5))).toBe(5);
          expect((await f.creditStore!.get(k))?.remaining ?? plain.initial).toBe(3);
          expect((await f.creditStore!.get(i))?.remaining).toBe(0);
        }));

      it('decides requests made at once in call order, credits included, each all or none', () =>
        withFixture(async (f) => {
          if (await skip(f)) return;
          const a = freshBucket('a');
          const k = freshBucket('key');
          const credit = (cost: number) => ({ bucket: k, cost, policy: { initial: 2 } });
          const outcomes = await Promise.all([
            f.meter({ buckets: [{ bucket: a, policy: slow(3), cost: 2 }], credits: [credit(1)] }),
            f.meter({ buckets: [{ bucket: a, policy: slow(3), cost: 2 }] }),
            f.meter({ buckets: [{ bucket: a, policy: slow(3), cost: 1 }], credits: [credit(2)] }),
            f.meter({ buckets: [{ bucket: a, policy: slow(3), cost: 1 }], credits: [credit(1)] }),
          ]);
          expect(outcomes.map((o) => o.allowed)).toEqual([true, false, false, true]);
          expect(outcomes.map((o) => o.credits.map((c) => c.remaining))).toEqual([[1], [], [1], [0]]);
          expect(await tokens(f.limiter, a, slow(3))).toBe(0);
          expect((await f.creditStore!.get(k))?.remaining).toBe(0);
        }));

      it('admits exactly as many concurrent callers as the scarcest credit allows, and takes tokens only for them', () =>
        withFixture(async (f) => {
          if (await skip(f)) return;
          const a = freshBucket('a');
          const k = freshBucket('key');
          const i = freshBucket('identity');
          const request = {
            buckets: [{ bucket: a, policy: slow(50), cost: 1 }],
            credits: [
              { bucket: k, cost: 1, policy: { initial: 20 } },
              { bucket: i, cost: 1, policy: { initial: 9 } },
            ],
          };
          const outcomes = await Promise.all(Array.from({ length: 40 }, () => f.meter(request)));
          expect(outcomes.filter((o) => o.allowed)).toHaveLength(9);
          expect(await tokens(f.limiter, a, slow(50))).toBe(41);
          expect((await f.creditStore!.get(k))?.remaining).toBe(11);
          expect((await f.creditStore!.get(i))?.remaining).toBe(0);
        }));
    });
  });
}
