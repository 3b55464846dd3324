/**
 * The check that a backend's own copy of the refill calendar (SQL, Lua)
 * agrees with `credit-refill.ts` on the boundaries around any instant.
 *
 * @module
 */
import { expect } from 'vitest';
import { lastRefillBoundary, nextRefillBoundary } from '../src/credit-refill.js';
import type { CreditRefill } from '../src/types.js';

const REFILLS: CreditRefill[] = [
  { interval: 'daily', amount: 1 },
  { interval: 'monthly', amount: 1 },
  { interval: 'monthly', amount: 1, dayOfMonth: 15 },
  { interval: 'monthly', amount: 1, dayOfMonth: 29 },
  { interval: 'monthly', amount: 1, dayOfMonth: 31 },
];

/** Edges (epoch, leap days, year ends, a non-leap century) and then `random` instants in 2020-2040. */
function instants(random: number): number[] {
  const times = ['1970-01-01T00:00:00Z', '2000-02-29T12:00:00Z', '2023-12-31T23:59:59.999Z', '2024-01-01T00:00:00Z', '2024-02-29T00:00:00Z', '2024-03-15T00:00:00Z', '2100-02-28T10:00:00Z'].map(Date.parse);
  for (let i = 0; i < random; i++) times.push(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 20 * 365 * 86_400_000));
  return times;
}

/** Expects `boundaries(now, refill)` (the backend's last and next boundary) to equal the JavaScript ones for every refill kind. */
export async function expectRefillBoundariesMatch(boundaries: (now: number, refill: CreditRefill) => Promise<[last: number, next: number]>, random = 150): Promise<void> {
  for (const refill of REFILLS) {
    for (const now of instants(random)) {
      expect([now, ...(await boundaries(now, refill))]).toEqual([now, lastRefillBoundary(refill, now), nextRefillBoundary(refill, now)]);
    }
  }
}
