import { LRUCache } from 'lru-cache';
/**
 * A process-local {@link RateLimiter}: token buckets in a Map, answered
 * synchronously. Right for one process and for tests; several processes need
 * a shared limiter (Redis), or each would grant the full limit.
 *
 * @module
 */

import { effectiveCredits, nextRefillBoundary } from './credit-refill.js';
import { ConfigError, ValidationError } from './errors.js';
import { assertCreditCount, assertCreditPolicy, memoryCreditBackend } from './memory-credit-store.js';
import { takeTokens, type BucketState } from './token-bucket.js';
import type { Clock, CreditSpend, CreditState, CreditStore, MeterOutcome, MeterRequest, RateLimiter, RateLimitPolicy, RateLimitState } from './types.js';

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Time source; defaults to `Date.now`. */
  clock?: Clock;
  /** Most buckets kept; the least recently used is forgotten first (it then starts full). Default 100,000. */
  maxBuckets?: number;
}

/** A {@link RateLimiter} whose methods return synchronously. */
export interface MemoryRateLimiter extends RateLimiter {
  consume(bucket: string, policy: RateLimitPolicy, cost?: number): RateLimitState;
  reset(bucket: string): void;
  meter(request: MeterRequest, creditStore?: CreditStore): MeterOutcome;
  sharesCreditsWith(store: CreditStore): boolean;
}

const systemClock: Clock = { now: () => Date.now() };

/**
 * Creates an in-memory token-bucket limiter (see {@link takeTokens} for the
 * arithmetic). Memory is bounded by `maxBuckets`: evicting a bucket forgets
 * what it had spent, so keep the bound well above the number of keys active
 * within one window.
 *
 * @throws ValidationError when `maxBuckets` is not a whole number of at least 1;
 *   `consume` throws one for a bad cost or policy
 */
export function createMemoryRateLimiter(opts: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const clock = opts.clock ?? systemClock;
  const maxBuckets = opts.maxBuckets ?? 100_000;
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1) {
    throw new ValidationError([{ field: 'maxBuckets', message: 'Must be a whole number of at least 1' }]);
  }
  // lru-cache keeps recency in index arrays, so a hot bucket is touched without re-inserting a Map entry,
  // and the state object is updated in place.
  const buckets = new LRUCache<string, BucketState>({ max: maxBuckets });

  return {
    consume(bucket, policy, cost = 1) {
      const previous = buckets.get(bucket);
      const { state, result } = takeTokens(previous, policy, cost, clock.now());
      if (previous === undefined) buckets.set(bucket, state);
      else {
        previous.tokens = state.tokens;
        previous.updatedAt = state.updatedAt;
      }
      return result;
    },
    reset(bucket) {
      buckets.delete(bucket);
    },
    sharesCreditsWith(store) {
      return memoryCreditBackend(store) !== undefined;
    },
    // Synchronous, so nothing can interleave: check everything on scratch copies, then commit all or nothing.
    meter(request, creditStore) {
      const now = clock.now();
      const wanted = request.buckets;
      const scratch = new Map<string, BucketState | undefined>();
      const results: RateLimitState[] = [];
      let allowed = true;
      for (const b of wanted) {
        const before = scratch.has(b.bucket) ? scratch.get(b.bucket) : buckets.get(b.bucket);
        const { state, result } = takeTokens(before, b.policy, b.cost, now);
        results.push(result);
        if (result.allowed) scratch.set(b.bucket, state);
        else allowed = false;
      }
      const credits = request.credits ?? [];
      const spends: CreditSpend[] = [];
      let creditStates: Map<string, CreditState> | undefined;
      if (credits.length > 0) {
        const backend = creditStore === undefined ? undefined : memoryCreditBackend(creditStore);
        if (backend === undefined) {
          throw new ConfigError('meter: credits need a credit store this limiter shares state with (sharesCreditsWith)', [{ field: 'creditStore', message: 'is not a memory credit store' }]);
        }
        const creditNow = backend.clock.now();
        creditStates = new Map();
        for (const c of credits) {
          assertCreditCount(c.cost, 'cost');
          assertCreditPolicy(c.policy);
          const state = creditStates.get(c.bucket) ?? effectiveCredits(backend.buckets.get(c.bucket), c.policy, creditNow);
          const ok = state.remaining >= c.cost;
          const next = { remaining: ok ? state.remaining - c.cost : state.remaining, refilledAt: state.refilledAt };
          creditStates.set(c.bucket, next);
          const spend: CreditSpend = { allowed: ok, remaining: next.remaining };
          if (c.policy.refill !== undefined) spend.refillAt = nextRefillBoundary(c.policy.refill, creditNow);
          spends.push(spend);
          if (!ok) allowed = false;
        }
        if (allowed) for (const [bucket, state] of creditStates) backend.buckets.set(bucket, state);
        else {
          // Nothing is spent, but a new bucket's start and a due refill are kept, as a denied spend keeps them.
          for (let i = 0; i < credits.length; i++) {
            const c = credits[i]!;
            const untouched = effectiveCredits(backend.buckets.get(c.bucket), c.policy, creditNow);
            backend.buckets.set(c.bucket, { ...untouched });
            spends[i]!.remaining = untouched.remaining;
          }
        }
      }
      if (allowed) {
        for (const [bucket, state] of scratch) {
          const previous = buckets.get(bucket);
          if (previous === undefined) buckets.set(bucket, state!);
          else {
            previous.tokens = state!.tokens;
            previous.updatedAt = state!.updatedAt;
          }
        }
      } else {
        // Report every bucket as it stands, untaken.
        for (let i = 0; i < wanted.length; i++) {
          const b = wanted[i]!;
          const own = results[i]!;
          const untouched = takeTokens(buckets.get(b.bucket), b.policy, 0, now).result;
          results[i] = own.allowed ? untouched : { ...untouched, allowed: false, retryAfterMs: own.retryAfterMs };
        }
      }
      return { allowed, buckets: results, credits: spends };
    },
  };
}
