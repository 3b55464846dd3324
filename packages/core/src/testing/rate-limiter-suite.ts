/**
 * Conformance tests every {@link RateLimiter} must pass. Call
 * {@link runRateLimiterConformance} from a vitest file with a factory for the
 * limiter under test.
 *
 * @module
 */

import { describe, it, expect } from 'vitest';
import type { Awaitable, RateLimiter, RateLimitPolicy, RateLimitState } from '../types.js';

/** What a conformance factory hands back. */
export interface RateLimiterFixture {
  limiter: RateLimiter;
  /**
   * Moves the limiter's clock forward. When absent, tests that need time to
   * pass wait in real time (two tests, at most 1.2 s each).
   */
  advance?: (ms: number) => Awaitable<void>;
  /** Releases what the factory opened; called after each test. */
  cleanup?: () => Awaitable<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let counter = 0;
/** A bucket name no other test (or earlier run against a shared backend) uses. */
function freshBucket(label: string): string {
  counter += 1;
  return `conformance:${label}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:${counter}`;
}

function expectSane(state: RateLimitState, capacity: number): void {
  expect(typeof state.allowed).toBe('boolean');
  expect(state.limit).toBe(capacity);
  expect(Number.isInteger(state.remaining)).toBe(true);
  expect(state.remaining).toBeGreaterThanOrEqual(0);
  expect(state.remaining).toBeLessThanOrEqual(capacity);
  expect(Number.isFinite(state.resetAt)).toBe(true);
  expect(Number.isFinite(state.retryAfterMs)).toBe(true);
  if (state.allowed) expect(state.retryAfterMs).toBe(0);
  else expect(state.retryAfterMs).toBeGreaterThan(0);
}

/**
 * Registers a `describe(name)` block of conformance tests. Each test calls
 * `factory` for a fresh fixture and `cleanup` afterwards; bucket names are
 * unique per test, so a shared backend (Redis) needs no flushing.
 */
export function runRateLimiterConformance(name: string, factory: () => Awaitable<RateLimiterFixture>): void {
  async function withFixture(fn: (f: RateLimiterFixture) => Promise<void>): Promise<void> {
    const fixture = await factory();
    try {
      await fn(fixture);
    } finally {
      await fixture.cleanup?.();
    }
  }

  /** Lets `ms` pass on the limiter's clock, or in real time plus a margin. */
  async function pass(f: RateLimiterFixture, ms: number): Promise<void> {
    if (f.advance) await f.advance(ms);
    else await sleep(ms + 30);
  }

  async function drain(limiter: RateLimiter, bucket: string, policy: RateLimitPolicy, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const r = await limiter.consume(bucket, policy);
      expect(r.allowed).toBe(true);
    }
  }

  describe(name, () => {
    it('starts a new bucket full', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 5, windowSeconds: 60 };
        const r = await limiter.consume(freshBucket('new'), policy);
        expectSane(r, 5);
        expect(r).toMatchObject({ allowed: true, limit: 5, remaining: 4, retryAfterMs: 0 });
      }));

    it('admits exactly capacity in a burst, then denies', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 5, windowSeconds: 60, burst: 7 };
        const bucket = freshBucket('burst');
        const results: RateLimitState[] = [];
        for (let i = 0; i < 10; i++) results.push(await limiter.consume(bucket, policy));
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, true, true, false, false, false]);
        expect(results.map((r) => r.remaining)).toEqual([6, 5, 4, 3, 2, 1, 0, 0, 0, 0]);
        for (const r of results) expectSane(r, 7);
        // One token takes 12 s to come back.
        const denied = results[7]!;
        expect(denied.retryAfterMs).toBeGreaterThan(11_000);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(12_000);
      }));

    it('answers calls made at once as if made one after the other, across buckets and costs', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 5, windowSeconds: 3600 };
        const [a, b] = [freshBucket('together-a'), freshBucket('together-b')];
        // Started in one tick: a limiter that batches them must still take each on its own, in call order.
        const calls = [a, b, a, a, b, a, a, a, b, a].map((bucket, i) => limiter.consume(bucket, policy, i === 2 ? 2 : 1));
        const results = await Promise.all(calls);
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, true, false, false, true, false]);
        expect(results.map((r) => r.remaining)).toEqual([4, 4, 2, 1, 3, 0, 0, 0, 2, 0]);
        for (const r of results) expectSane(r, 5);
      }));

    it('takes nothing on a denied call', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 10, windowSeconds: 3600 };
        const bucket = freshBucket('denied');
        expect((await limiter.consume(bucket, policy, 8)).remaining).toBe(2);
        const denied = await limiter.consume(bucket, policy, 3);
        expectSane(denied, 10);
        expect(denied).toMatchObject({ allowed: false, remaining: 2 });
        for (let i = 0; i < 5; i++) expect((await limiter.consume(bucket, policy, 3)).allowed).toBe(false);
        const ok = await limiter.consume(bucket, policy, 2);
        expect(ok).toMatchObject({ allowed: true, remaining: 0 });
      }));

    it('charges the given cost, and never admits a cost above capacity', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 10, windowSeconds: 3600 };
        const bucket = freshBucket('cost');
        expect(await limiter.consume(bucket, policy, 4)).toMatchObject({ allowed: true, remaining: 6 });
        const tooBig = await limiter.consume(bucket, policy, 11);
        expectSane(tooBig, 10);
        expect(tooBig).toMatchObject({ allowed: false, remaining: 6 });
        const fresh = await limiter.consume(freshBucket('cost-big'), policy, 11);
        expect(fresh).toMatchObject({ allowed: false, remaining: 10 });
        expect(fresh.retryAfterMs).toBeGreaterThan(0);
      }));

    it('reset makes a bucket full again', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 3, windowSeconds: 3600 };
        const bucket = freshBucket('reset');
        await drain(limiter, bucket, policy, 3);
        expect((await limiter.consume(bucket, policy)).allowed).toBe(false);
        await limiter.reset(bucket);
        expect(await limiter.consume(bucket, policy)).toMatchObject({ allowed: true, remaining: 2 });
        await limiter.reset(freshBucket('reset-unknown')); // resetting an unknown bucket is fine
      }));

    it('keeps buckets with different names independent', () =>
      withFixture(async ({ limiter }) => {
        const policy = { limit: 2, windowSeconds: 3600 };
        const a = freshBucket('a');
        await drain(limiter, a, policy, 2);
        expect((await limiter.consume(a, policy)).allowed).toBe(false);
        for (const other of [`${a}x`, `${a}:1`, a.slice(0, -1), a.toUpperCase()]) {
          expect(await limiter.consume(other, policy)).toMatchObject({ allowed: true, remaining: 1 });
        }
      }));

    it('reports resetAt consistently with what was spent', () =>
      withFixture(async ({ limiter, advance }) => {
        const policy = { limit: 5, windowSeconds: 60 }; // 12 s per token
        const bucket = freshBucket('resetAt');
        const first = await limiter.consume(bucket, policy);
        const before = Date.now();
        await drain(limiter, bucket, policy, 4);
        const last = await limiter.consume(bucket, policy, 0);
        // Spending 4 more tokens moves "full again" 48 s later (allow rounding).
        expect(Math.abs(last.resetAt - first.resetAt - 48_000)).toBeLessThanOrEqual(5);
        expectSane(last, 5);
        expect(last.remaining).toBe(0);
        if (!advance) {
          // Real-time limiters: resetAt is about a minute from now.
          expect(last.resetAt).toBeGreaterThan(before);
          expect(last.resetAt).toBeLessThanOrEqual(Date.now() + 60_000 + 5_000);
        }
      }));

    it('refills with time: after retryAfterMs the call passes', () =>
      withFixture(async (f) => {
        const policy = { limit: 4, windowSeconds: 1 }; // 250 ms per token
        const bucket = freshBucket('refill');
        await drain(f.limiter, bucket, policy, 4);
        const denied = await f.limiter.consume(bucket, policy);
        expect(denied.allowed).toBe(false);
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(250);
        await pass(f, denied.retryAfterMs);
        expect((await f.limiter.consume(bucket, policy)).allowed).toBe(true);
      }));

    it('refills no further than capacity', () =>
      withFixture(async (f) => {
        const policy = { limit: 2, windowSeconds: 1 }; // 500 ms per token
        const bucket = freshBucket('cap');
        await drain(f.limiter, bucket, policy, 2);
        await pass(f, 1100);
        const results: boolean[] = [];
        for (let i = 0; i < 4; i++) results.push((await f.limiter.consume(bucket, policy)).allowed);
        expect(results).toEqual([true, true, false, false]);
      }));
  });
}
