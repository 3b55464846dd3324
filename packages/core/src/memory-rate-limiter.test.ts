import { describe, it, expect } from 'vitest';
import { ValidationError } from './errors.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import { createMemoryCreditStore } from './memory-credit-store.js';
import { runMeterConformance } from './testing/meter-suite.js';
import { runRateLimiterConformance } from './testing/rate-limiter-suite.js';
import type { Clock } from './types.js';

function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

runRateLimiterConformance('memory rate limiter (fake clock)', () => {
  const clock = fakeClock();
  return { limiter: createMemoryRateLimiter({ clock }), advance: (ms) => clock.advance(ms) };
});

runRateLimiterConformance('memory rate limiter (real clock)', () => ({ limiter: createMemoryRateLimiter() }));

runMeterConformance('memory rate limiter with memory credits', () => ({ limiter: createMemoryRateLimiter(), creditStore: createMemoryCreditStore() }));

describe('createMemoryRateLimiter', () => {
  const policy = { limit: 3, windowSeconds: 3 }; // one token per second

  it('answers synchronously', () => {
    const r = createMemoryRateLimiter().consume('b', policy);
    expect(r).not.toBeInstanceOf(Promise);
    expect(r.allowed).toBe(true);
  });

  it('admits a burst up to capacity, then denies until the clock refills it', () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ clock });
    expect([1, 2, 3, 4].map(() => limiter.consume('k', policy).allowed)).toEqual([true, true, true, false]);
    const denied = limiter.consume('k', policy);
    expect(denied).toEqual({ allowed: false, limit: 3, remaining: 0, resetAt: clock.now() + 3000, retryAfterMs: 1000 });
    clock.advance(999);
    expect(limiter.consume('k', policy).allowed).toBe(false);
    clock.advance(1);
    expect(limiter.consume('k', policy)).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(60_000);
    expect(limiter.consume('k', policy)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('charges cost and takes nothing on denial', () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ clock });
    expect(limiter.consume('k', policy, 2).remaining).toBe(1);
    expect(limiter.consume('k', policy, 2)).toMatchObject({ allowed: false, remaining: 1, retryAfterMs: 1000 });
    expect(limiter.consume('k', policy, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('rejects a bad cost', () => {
    expect(() => createMemoryRateLimiter().consume('k', policy, -1)).toThrow(ValidationError);
  });

  it('reset forgets a bucket; buckets are independent', () => {
    const limiter = createMemoryRateLimiter({ clock: fakeClock() });
    limiter.consume('a', policy, 3);
    expect(limiter.consume('a', policy).allowed).toBe(false);
    expect(limiter.consume('b', policy).remaining).toBe(2);
    limiter.reset('a');
    expect(limiter.consume('a', policy).remaining).toBe(2);
  });

  it('treats prototype-ish bucket names as plain names', () => {
    const limiter = createMemoryRateLimiter({ clock: fakeClock() });
    for (const name of ['__proto__', 'constructor', 'toString']) {
      expect(limiter.consume(name, policy, 3).allowed).toBe(true);
      expect(limiter.consume(name, policy).allowed).toBe(false);
    }
  });

  it('keeps at most maxBuckets, evicting the least recently used', () => {
    const limiter = createMemoryRateLimiter({ clock: fakeClock(), maxBuckets: 2 });
    limiter.consume('a', policy, 3);
    limiter.consume('b', policy, 3);
    limiter.consume('a', policy, 0); // a is now more recent than b
    limiter.consume('c', policy, 3); // evicts b
    expect(limiter.consume('a', policy).allowed).toBe(false); // a kept its spent state
    expect(limiter.consume('b', policy).remaining).toBe(2); // b was forgotten and starts full (evicts c)
    expect(limiter.consume('c', policy).remaining).toBe(2); // c was evicted in turn
  });

  it('rejects a bad maxBuckets', () => {
    for (const maxBuckets of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMemoryRateLimiter({ maxBuckets })).toThrow(ValidationError);
    }
  });
});
