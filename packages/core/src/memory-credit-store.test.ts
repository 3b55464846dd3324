import { describe, expect, it } from 'vitest';
import { effectiveCredits, lastRefillBoundary, nextRefillBoundary } from './credit-refill.js';
import { createMemoryCreditStore } from './memory-credit-store.js';
import { runCreditStoreConformance } from './testing/credit-store-suite.js';

runCreditStoreConformance('memory', () => {
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const store = createMemoryCreditStore({ clock });
  // The memory store has one clock for every bucket: moving it forward is the same as backdating.
  return { store, backdate: (_bucket: string, ms: number) => void (offset += ms) };
});

describe('credit refill boundaries', () => {
  const at = (iso: string) => Date.parse(iso);
  it('daily: midnight UTC before and after', () => {
    expect(lastRefillBoundary({ interval: 'daily', amount: 1 }, at('2024-03-10T13:00:00Z'))).toBe(at('2024-03-10T00:00:00Z'));
    expect(nextRefillBoundary({ interval: 'daily', amount: 1 }, at('2024-03-10T13:00:00Z'))).toBe(at('2024-03-11T00:00:00Z'));
    expect(lastRefillBoundary({ interval: 'daily', amount: 1 }, at('2024-03-10T00:00:00Z'))).toBe(at('2024-03-10T00:00:00Z'));
  });
  it('monthly: the chosen day, clamped to short months, across years', () => {
    const r = { interval: 'monthly' as const, amount: 1, dayOfMonth: 31 };
    expect(lastRefillBoundary(r, at('2024-03-10T00:00:00Z'))).toBe(at('2024-02-29T00:00:00Z'));
    expect(nextRefillBoundary(r, at('2024-03-10T00:00:00Z'))).toBe(at('2024-03-31T00:00:00Z'));
    expect(nextRefillBoundary(r, at('2024-12-31T00:00:00Z'))).toBe(at('2025-01-31T00:00:00Z'));
    expect(lastRefillBoundary({ interval: 'monthly', amount: 1, dayOfMonth: 15 }, at('2024-01-10T00:00:00Z'))).toBe(at('2023-12-15T00:00:00Z'));
    expect(lastRefillBoundary({ interval: 'monthly', amount: 1 }, at('2024-01-01T00:00:00Z'))).toBe(at('2024-01-01T00:00:00Z'));
  });
  it('effectiveCredits applies a due refill only', () => {
    const policy = { initial: 5, refill: { interval: 'daily' as const, amount: 9 } };
    expect(effectiveCredits(undefined, policy, 1000)).toEqual({ remaining: 5, refilledAt: 1000 });
    expect(effectiveCredits({ remaining: 1, refilledAt: at('2024-03-10T01:00:00Z') }, policy, at('2024-03-10T23:00:00Z')).remaining).toBe(1);
    expect(effectiveCredits({ remaining: 1, refilledAt: at('2024-03-09T23:00:00Z') }, policy, at('2024-03-10T01:00:00Z')).remaining).toBe(9);
  });
  it('a fresh memory store never grants more than initial, whatever the clock', () => {
    const store = createMemoryCreditStore({ clock: { now: () => 0 } });
    expect(store.spend('b', 1, { initial: 1 }).allowed).toBe(true);
    expect(store.spend('b', 1, { initial: 1 }).allowed).toBe(false);
  });
});
