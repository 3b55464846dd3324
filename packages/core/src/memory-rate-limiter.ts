import { LRUCache } from 'lru-cache';
/**
 * A process-local {@link RateLimiter}: token buckets in a Map, answered
 * synchronously. Right for one process and for tests; several processes need
 * a shared limiter (Redis), or each would grant the full limit.
 *
 * @module
 */

import { ValidationError } from './errors.js';
import { takeTokens, type BucketState } from './token-bucket.js';
import type { Clock, RateLimiter, RateLimitPolicy, RateLimitState } from './types.js';

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
  };
}
