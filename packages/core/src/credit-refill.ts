/**
 * Refill arithmetic of credit quotas, shared by the in-memory store and the
 * manager (the Redis and PostgreSQL stores do the same sums server-side, and
 * their tests compare against these functions).
 *
 * @module
 */
import type { CreditPolicy, CreditRefill, CreditState } from './types.js';

const DAY_MS = 86_400_000;

/** Days in month `month` (1 to 12) of `year`. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 00:00 UTC of the refill day in the month of (year, month), clamped to the month's length. */
function monthlyBoundary(year: number, month: number, dayOfMonth: number): number {
  return Date.UTC(year, month - 1, Math.min(dayOfMonth, daysInMonth(year, month)));
}

/** The latest refill boundary at or before `now` (epoch ms). */
export function lastRefillBoundary(refill: CreditRefill, now: number): number {
  if (refill.interval === 'daily') return now - (((now % DAY_MS) + DAY_MS) % DAY_MS);
  const d = new Date(now);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = refill.dayOfMonth ?? 1;
  const here = monthlyBoundary(year, month, day);
  if (here <= now) return here;
  return month === 1 ? monthlyBoundary(year - 1, 12, day) : monthlyBoundary(year, month - 1, day);
}

/** The first refill boundary after `now` (epoch ms). */
export function nextRefillBoundary(refill: CreditRefill, now: number): number {
  if (refill.interval === 'daily') return lastRefillBoundary(refill, now) + DAY_MS;
  const d = new Date(now);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = refill.dayOfMonth ?? 1;
  const here = monthlyBoundary(year, month, day);
  if (here > now) return here;
  return month === 12 ? monthlyBoundary(year + 1, 1, day) : monthlyBoundary(year, month + 1, day);
}

/**
 * What a bucket holds at `now` under `policy`: the stored state with any due
 * refill applied, or the initial allowance for a bucket never seen.
 */
export function effectiveCredits(state: CreditState | undefined, policy: CreditPolicy, now: number): CreditState {
  if (state === undefined) return { remaining: policy.initial, refilledAt: now };
  if (policy.refill !== undefined) {
    const boundary = lastRefillBoundary(policy.refill, now);
    if (state.refilledAt < boundary) return { remaining: policy.refill.amount, refilledAt: boundary };
  }
  return state;
}
