/**
 * Token-bucket arithmetic, free of storage: the in-memory limiter uses it
 * directly and the Redis script mirrors it line for line, so both agree.
 *
 * A bucket holds up to `capacity = burst ?? limit` tokens and refills
 * continuously at `limit / windowSeconds` tokens per second. Its state is the
 * token count at `updatedAt`; a bucket never seen starts full.
 *
 * @module
 */

import { ValidationError, type FieldIssue } from './errors.js';
import type { RateLimitPolicy, RateLimitState } from './types.js';

/** A bucket's stored state: `tokens` (possibly fractional) as of `updatedAt` (epoch ms). */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** Largest `limit` and `burst` accepted. */
export const MAX_RATE_LIMIT = 1_000_000_000;

/** Longest window accepted: one year, in seconds. */
export const MAX_WINDOW_SECONDS = 31_536_000;

/**
 * Token counts this close to a whole number are taken as that number.
 * Refills add `elapsed * limit / windowMs`, which is rarely exact in binary;
 * without snapping, a million 1 ms refills of 1e-6 tokens sum to 0.9999999999
 * and the token that is due is refused. A millionth of a token is far below
 * anything a caller can observe.
 */
const SNAP = 1e-6;

/** Capacity and refill rate (tokens per millisecond) of a policy's bucket. */
export function bucketShape(policy: RateLimitPolicy): { capacity: number; refillPerMs: number } {
  return { capacity: policy.burst ?? policy.limit, refillPerMs: policy.limit / (policy.windowSeconds * 1000) };
}

function snap(tokens: number): number {
  const whole = Math.round(tokens);
  return Math.abs(tokens - whole) < SNAP ? whole : tokens;
}

/**
 * Refills the bucket for the time elapsed since `state.updatedAt`, then takes
 * `cost` tokens if that many are there. Pure: returns the new state to store
 * and the outcome to report.
 *
 * - A clock that goes backwards adds nothing, and `updatedAt` keeps the later
 *   time, so the same interval is never credited twice.
 * - Stored tokens above capacity (the policy shrank) are cut to capacity; a
 *   corrupt count (negative, NaN) is treated as a new, full bucket.
 * - A denied call takes nothing; `retryAfterMs` is the wait until `cost`
 *   tokens are there (at least 1 ms).
 * - A `cost` above capacity can never pass. It is denied, takes nothing, and
 *   `retryAfterMs` is the time a bucket takes to fill from empty: a finite
 *   back-off, so clients neither spin nor wait forever.
 * - `cost` 0 takes nothing and is always allowed (a peek).
 * - `remaining` is the whole tokens left; `resetAt` is when the bucket will be
 *   full again (the current time when it already is).
 *
 * Validate policies from people with {@link validateRateLimitPolicy}; this
 * only refuses ones the arithmetic cannot handle.
 *
 * @throws ValidationError when `cost` is negative or not finite, or the policy is
 *   not positive and finite
 */
export function takeTokens(
  state: BucketState | undefined,
  policy: RateLimitPolicy,
  cost: number,
  now: number,
): { state: BucketState; result: RateLimitState } {
  if (!(cost >= 0) || cost === Infinity) {
    throw new ValidationError([{ field: 'cost', message: 'Must be a finite number of tokens, 0 or more' }]);
  }
  const capacity = policy.burst ?? policy.limit;
  const limit = policy.limit;
  const windowMs = policy.windowSeconds * 1000;
  // Cheap sanity only; a policy that slips through would yield NaN or
  // Infinity, and a limiter must not silently admit or block everything.
  if (!(limit > 0) || !(windowMs > 0) || !(capacity > 0) || limit === Infinity || windowMs === Infinity || capacity === Infinity) {
    throw new ValidationError([{ field: 'policy', message: 'Invalid rate-limit policy; limit, windowSeconds and burst must be positive and finite' }]);
  }

  let tokens: number;
  let at: number;
  if (state === undefined || !(state.tokens >= 0) || !Number.isFinite(state.updatedAt)) {
    tokens = capacity;
    at = now;
  } else {
    tokens = state.tokens;
    at = state.updatedAt;
    if (now > at) {
      // Multiply before dividing: one rounding instead of two.
      tokens += ((now - at) * limit) / windowMs;
      at = now;
    }
    tokens = tokens >= capacity ? capacity : snap(tokens);
  }

  const allowed = cost <= tokens;
  if (allowed) tokens = snap(tokens - cost);

  let retryAfterMs = 0;
  if (!allowed) {
    const missing = cost > capacity ? capacity : cost - tokens;
    retryAfterMs = Math.max(1, Math.ceil((missing * windowMs) / limit));
  }
  const resetAt = at + (tokens >= capacity ? 0 : Math.ceil(((capacity - tokens) * windowMs) / limit));

  return {
    state: { tokens, updatedAt: at },
    result: { allowed, limit: capacity, remaining: Math.floor(tokens), resetAt, retryAfterMs },
  };
}

const POLICY_KEYS = new Set(['limit', 'windowSeconds', 'burst']);

/**
 * Problems with a rate-limit policy from a request or config; empty when fine.
 *
 * `limit`: whole number 1 to 1e9. `windowSeconds`: number above 0, at most one
 * year. `burst` (optional): whole number from `limit` to 1e9. No other
 * properties.
 */
export function validateRateLimitPolicy(value: unknown, field: string): FieldIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field, message: 'Must be an object like { "limit": 100, "windowSeconds": 60 }' }];
  }
  const issues: FieldIssue[] = [];
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!POLICY_KEYS.has(key)) {
      issues.push({ field: `${field}/${key}`, message: `Unknown property; allowed: limit, windowSeconds, burst` });
    }
  }
  const limit = Object.hasOwn(v, 'limit') ? v['limit'] : undefined;
  const limitOk = Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= MAX_RATE_LIMIT;
  if (!limitOk) {
    issues.push({ field: `${field}/limit`, message: `Must be a whole number from 1 to ${MAX_RATE_LIMIT}` });
  }
  const windowSeconds = Object.hasOwn(v, 'windowSeconds') ? v['windowSeconds'] : undefined;
  if (
    typeof windowSeconds !== 'number' ||
    !Number.isFinite(windowSeconds) ||
    windowSeconds <= 0 ||
    windowSeconds > MAX_WINDOW_SECONDS
  ) {
    issues.push({
      field: `${field}/windowSeconds`,
      message: `Must be a number of seconds above 0 and at most ${MAX_WINDOW_SECONDS} (one year)`,
    });
  }
  const burst = Object.hasOwn(v, 'burst') ? v['burst'] : undefined;
  if (burst !== undefined) {
    if (!Number.isInteger(burst) || (burst as number) > MAX_RATE_LIMIT || (burst as number) < 1) {
      issues.push({ field: `${field}/burst`, message: `Must be a whole number up to ${MAX_RATE_LIMIT}` });
    } else if (limitOk && (burst as number) < (limit as number)) {
      issues.push({ field: `${field}/burst`, message: `Must be at least limit (${String(limit)})` });
    }
  }
  return issues;
}
