/**
 * A process-local {@link CreditStore}: counters in a Map, answered
 * synchronously. Right for one process and tests; several processes need
 * the Redis or PostgreSQL store, or each would grant the whole quota.
 *
 * @module
 */
import { effectiveCredits, nextRefillBoundary } from './credit-refill.js';
import { ValidationError } from './errors.js';
import type { Clock, CreditPolicy, CreditSpend, CreditState, CreditStore } from './types.js';

/** A {@link CreditStore} whose methods return synchronously. */
export interface MemoryCreditStore extends CreditStore {
  spend(bucket: string, cost: number, policy: CreditPolicy): CreditSpend;
  set(bucket: string, remaining: number): void;
  get(bucket: string): CreditState | undefined;
  reset(bucket: string): void;
  refund(bucket: string, amount: number): void;
}

/** The live counters of a memory credit store, for a memory limiter that meters credits with its buckets. */
export interface MemoryCreditBackend {
  buckets: Map<string, CreditState>;
  clock: Clock;
}

// Keyed by the store object, so only stores made here are recognised and nothing is exposed on them.
const backends = new WeakMap<object, MemoryCreditBackend>();

/** The counters behind `store` when it was made by {@link createMemoryCreditStore}; otherwise `undefined`. */
export function memoryCreditBackend(store: unknown): MemoryCreditBackend | undefined {
  return typeof store === 'object' && store !== null ? backends.get(store) : undefined;
}

const systemClock: Clock = { now: () => Date.now() };

/** Throws a {@link ValidationError} unless `n` is a safe integer of at least 0. */
export function assertCreditCount(n: unknown, field: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ValidationError([{ field, message: 'Must be a whole number, 0 or more' }]);
  }
}

/** Throws a {@link ValidationError} for a policy no store can apply. */
export function assertCreditPolicy(policy: CreditPolicy): void {
  if (typeof policy !== 'object' || policy === null) throw new ValidationError([{ field: 'policy', message: 'Must be a credit policy' }]);
  assertCreditCount(policy.initial, 'policy.initial');
  const r = policy.refill;
  if (r === undefined) return;
  const okDay = r.dayOfMonth === undefined || (Number.isInteger(r.dayOfMonth) && r.dayOfMonth >= 1 && r.dayOfMonth <= 31);
  if (typeof r !== 'object' || r === null || (r.interval !== 'daily' && r.interval !== 'monthly') || !okDay) {
    throw new ValidationError([{ field: 'policy.refill', message: 'Must be { interval: "daily" | "monthly", amount, dayOfMonth? 1-31 }' }]);
  }
  assertCreditCount(r.amount, 'policy.refill.amount');
}

/** Creates an in-memory credit store. Buckets are never evicted: one small entry per key or identity with credits. */
export function createMemoryCreditStore(opts: { clock?: Clock } = {}): MemoryCreditStore {
  const clock = opts.clock ?? systemClock;
  const buckets = new Map<string, CreditState>();
  const store: MemoryCreditStore = {
    spend(bucket, cost, policy) {
      assertCreditCount(cost, 'cost');
      assertCreditPolicy(policy);
      const now = clock.now();
      const state = effectiveCredits(buckets.get(bucket), policy, now);
      const allowed = state.remaining >= cost;
      const next = { remaining: allowed ? state.remaining - cost : state.remaining, refilledAt: state.refilledAt };
      buckets.set(bucket, next);
      const result: CreditSpend = { allowed, remaining: next.remaining };
      if (policy.refill !== undefined) result.refillAt = nextRefillBoundary(policy.refill, now);
      return result;
    },
    set(bucket, remaining) {
      assertCreditCount(remaining, 'remaining');
      buckets.set(bucket, { remaining, refilledAt: clock.now() });
    },
    get(bucket) {
      const state = buckets.get(bucket);
      return state === undefined ? undefined : { ...state };
    },
    reset(bucket) {
      buckets.delete(bucket);
    },
    refund(bucket, amount) {
      assertCreditCount(amount, 'amount');
      const state = buckets.get(bucket);
      if (state !== undefined) state.remaining += amount;
    },
  };
  backends.set(store, { buckets, clock });
  return store;
}
