import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from './errors.js';
import { bucketShape, takeTokens, validateRateLimitPolicy, type BucketState } from './token-bucket.js';
import type { RateLimitPolicy } from './types.js';

const T0 = 1_700_000_000_000;

describe('bucketShape', () => {
  it('uses limit as capacity by default and refills limit per window', () => {
    expect(bucketShape({ limit: 100, windowSeconds: 60 })).toEqual({ capacity: 100, refillPerMs: 100 / 60_000 });
  });
  it('uses burst as capacity when set', () => {
    expect(bucketShape({ limit: 10, windowSeconds: 1, burst: 50 })).toEqual({ capacity: 50, refillPerMs: 0.01 });
  });
});

describe('takeTokens', () => {
  const policy: RateLimitPolicy = { limit: 10, windowSeconds: 1 }; // one token per 100 ms

  it('starts a new bucket full', () => {
    const { state, result } = takeTokens(undefined, policy, 1, T0);
    expect(result).toEqual({ allowed: true, limit: 10, remaining: 9, resetAt: T0 + 100, retryAfterMs: 0 });
    expect(state).toEqual({ tokens: 9, updatedAt: T0 });
  });

  it('admits exactly capacity in a burst, then denies without taking', () => {
    let state: BucketState | undefined;
    for (let i = 0; i < 10; i++) {
      const r = takeTokens(state, policy, 1, T0);
      expect(r.result.allowed).toBe(true);
      expect(r.result.remaining).toBe(9 - i);
      state = r.state;
    }
    const denied = takeTokens(state, policy, 1, T0);
    expect(denied.result).toEqual({ allowed: false, limit: 10, remaining: 0, resetAt: T0 + 1000, retryAfterMs: 100 });
    expect(denied.state).toEqual(state);
  });

  it('uses burst as capacity', () => {
    const r = takeTokens(undefined, { limit: 1, windowSeconds: 60, burst: 5 }, 5, T0);
    expect(r.result.allowed).toBe(true);
    expect(r.result.limit).toBe(5);
    expect(r.result.resetAt).toBe(T0 + 5 * 60_000);
  });

  it('refills for elapsed time, clamped to capacity', () => {
    const empty = { tokens: 0, updatedAt: T0 };
    expect(takeTokens(empty, policy, 0, T0 + 250).result.remaining).toBe(2);
    expect(takeTokens(empty, policy, 0, T0 + 250).state.tokens).toBeCloseTo(2.5, 12);
    expect(takeTokens(empty, policy, 0, T0 + 10 * 60_000).result.remaining).toBe(10);
    expect(takeTokens(empty, policy, 0, T0 + 10 * 60_000).state.tokens).toBe(10);
  });

  it('denies a cost larger than what is left and reports the wait for the whole cost', () => {
    const r = takeTokens({ tokens: 2.5, updatedAt: T0 }, policy, 4, T0);
    expect(r.result.allowed).toBe(false);
    expect(r.result.remaining).toBe(2);
    expect(r.result.retryAfterMs).toBe(150);
    expect(r.state).toEqual({ tokens: 2.5, updatedAt: T0 });
    expect(takeTokens(r.state, policy, 4, T0 + 149).result.allowed).toBe(false);
    expect(takeTokens(r.state, policy, 4, T0 + 150).result.allowed).toBe(true);
  });

  it('never admits a cost above capacity and gives a finite back-off', () => {
    const r = takeTokens(undefined, policy, 11, T0);
    expect(r.result.allowed).toBe(false);
    expect(r.result.remaining).toBe(10);
    expect(r.result.retryAfterMs).toBe(1000);
    expect(Number.isFinite(r.result.retryAfterMs)).toBe(true);
    expect(r.state.tokens).toBe(10);
  });

  it('a clock going backwards adds nothing and keeps the later time', () => {
    const s = { tokens: 0, updatedAt: T0 };
    const back = takeTokens(s, policy, 0, T0 - 60_000);
    expect(back.state).toEqual({ tokens: 0, updatedAt: T0 });
    expect(back.result.resetAt).toBe(T0 + 1000);
    // Coming back to T0 credits nothing either: that interval was never lived twice.
    expect(takeTokens(back.state, policy, 0, T0).state.tokens).toBe(0);
    expect(takeTokens(back.state, policy, 1, T0 + 100).result.allowed).toBe(true);
  });

  it('treats corrupt state as a new bucket and clamps a shrunk policy', () => {
    expect(takeTokens({ tokens: Number.NaN, updatedAt: T0 }, policy, 1, T0).result.remaining).toBe(9);
    expect(takeTokens({ tokens: -3, updatedAt: T0 }, policy, 1, T0).result.remaining).toBe(9);
    expect(takeTokens({ tokens: 1000, updatedAt: T0 }, policy, 1, T0).result.remaining).toBe(9);
  });

  it('cost 0 peeks without taking', () => {
    const r = takeTokens({ tokens: 0, updatedAt: T0 }, policy, 0, T0);
    expect(r.result.allowed).toBe(true);
    expect(r.result.retryAfterMs).toBe(0);
  });

  it('rejects a bad cost with a ValidationError', () => {
    for (const cost of [-1, Number.NaN, Infinity, -Infinity]) {
      expect(() => takeTokens(undefined, policy, cost, T0)).toThrow(ValidationError);
    }
  });

  it('rejects a policy the arithmetic cannot handle', () => {
    for (const bad of [
      { limit: 0, windowSeconds: 1 },
      { limit: 1, windowSeconds: 0 },
      { limit: Number.NaN, windowSeconds: 1 },
      { limit: 1, windowSeconds: Infinity },
      { limit: 1, windowSeconds: 1, burst: 0 },
    ]) {
      expect(() => takeTokens(undefined, bad, 1, T0)).toThrow(ValidationError);
    }
  });

  it('does not drift over a million small refills', () => {
    // 1 token per 1000 s: each 1 ms adds 1e-6 of a token, not exact in binary.
    const slow: RateLimitPolicy = { limit: 1, windowSeconds: 1000 };
    let state: BucketState = { tokens: 0, updatedAt: T0 };
    for (let i = 1; i <= 1_000_000; i++) state = takeTokens(state, slow, 0, T0 + i).state;
    expect(state.tokens).toBe(1);
    expect(takeTokens(state, slow, 1, T0 + 1_000_000).result.allowed).toBe(true);
  });

  it('admits exactly the refilled amount over a million steps of take-when-possible', () => {
    const p: RateLimitPolicy = { limit: 3, windowSeconds: 1 };
    let state: BucketState | undefined;
    let admitted = 0;
    for (let i = 0; i <= 1_000_000; i++) {
      const r = takeTokens(state, p, 1, T0 + i);
      if (r.result.allowed) admitted++;
      state = r.state;
    }
    // 3 to start with, then 3 per second for 1000 s.
    expect(admitted).toBe(3 + 3000);
  });

  it('property: waiting retryAfterMs is always enough, and remaining/resetAt are sane', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0.001, max: 31_536_000, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (limit, windowSeconds, extraBurst, fill, costRaw) => {
          const p: RateLimitPolicy = { limit, windowSeconds, burst: limit + extraBurst };
          const capacity = limit + extraBurst;
          const cost = Math.min(costRaw, capacity);
          const s = { tokens: capacity * fill, updatedAt: T0 };
          const r = takeTokens(s, p, cost, T0);
          expect(r.result.remaining).toBeGreaterThanOrEqual(0);
          expect(r.result.remaining).toBeLessThanOrEqual(capacity);
          expect(Number.isInteger(r.result.remaining)).toBe(true);
          expect(r.result.resetAt).toBeGreaterThanOrEqual(T0);
          if (r.result.allowed) {
            expect(r.result.retryAfterMs).toBe(0);
          } else {
            expect(r.result.retryAfterMs).toBeGreaterThan(0);
            // Nothing taken (up to the sub-millionth snapping of the count).
            expect(Math.abs(r.state.tokens - s.tokens)).toBeLessThan(1e-6);
            expect(takeTokens(r.state, p, cost, T0 + r.result.retryAfterMs).result.allowed).toBe(true);
          }
          // At resetAt the bucket is full.
          expect(takeTokens(r.state, p, 0, r.result.resetAt).result.remaining).toBe(capacity);
        },
      ),
    );
  });
});

describe('validateRateLimitPolicy', () => {
  const f = '/rateLimit';

  it('accepts valid policies', () => {
    expect(validateRateLimitPolicy({ limit: 100, windowSeconds: 60 }, f)).toEqual([]);
    expect(validateRateLimitPolicy({ limit: 1, windowSeconds: 0.5, burst: 1 }, f)).toEqual([]);
    expect(validateRateLimitPolicy({ limit: 1e9, windowSeconds: 31_536_000, burst: 1e9 }, f)).toEqual([]);
    expect(validateRateLimitPolicy({ limit: 5, windowSeconds: 1, burst: undefined }, f)).toEqual([]);
  });

  it.each([
    [null, ''],
    [[], ''],
    ['100/60', ''],
    [{ windowSeconds: 60 }, '/limit'],
    [{ limit: 0, windowSeconds: 60 }, '/limit'],
    [{ limit: 1.5, windowSeconds: 60 }, '/limit'],
    [{ limit: '100', windowSeconds: 60 }, '/limit'],
    [{ limit: 1e9 + 1, windowSeconds: 60 }, '/limit'],
    [{ limit: 10 }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: 0 }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: -1 }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: Infinity }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: Number.NaN }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: 31_536_001 }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: '60' }, '/windowSeconds'],
    [{ limit: 10, windowSeconds: 60, burst: 9 }, '/burst'],
    [{ limit: 10, windowSeconds: 60, burst: 10.5 }, '/burst'],
    [{ limit: 10, windowSeconds: 60, burst: null }, '/burst'],
    [{ limit: 10, windowSeconds: 60, burst: 2e9 }, '/burst'],
    [{ limit: 10, windowSeconds: 60, extra: 1 }, '/extra'],
  ])('rejects %j at %s', (value, sub) => {
    const issues = validateRateLimitPolicy(value, f);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe(`${f}${sub}`);
  });

  it('explains burst below limit', () => {
    expect(validateRateLimitPolicy({ limit: 10, windowSeconds: 60, burst: 9 }, f)[0]?.message).toBe('Must be at least limit (10)');
  });

  it('ignores inherited properties', () => {
    const proto = { limit: 10, windowSeconds: 60 };
    expect(validateRateLimitPolicy(Object.create(proto), f).map((i) => i.field)).toEqual(['/rateLimit/limit', '/rateLimit/windowSeconds']);
  });
});
