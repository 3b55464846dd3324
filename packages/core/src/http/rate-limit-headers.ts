/**
 * Rate-limit response headers: the IETF draft's `RateLimit-Policy` and
 * `RateLimit` (draft-ietf-httpapi-ratelimit-headers) and the widespread
 * `X-RateLimit-*` trio, from one bucket state.
 *
 * @module
 */
import type { RateLimitPolicy, RateLimitState } from '../types.js';

/**
 * The five headers for a bucket `state` under `policy` at `now` (epoch ms):
 * `RateLimit-Policy: <limit>;w=<window s>`,
 * `RateLimit: limit=<capacity>, remaining=<n>, reset=<s until full>`,
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch s when full).
 */
export function rateLimitHeaders(state: RateLimitState, policy: RateLimitPolicy, now: number): Record<string, string> {
  const untilFull = state.resetAt > now ? Math.ceil((state.resetAt - now) / 1000) : 0;
  const remaining = state.remaining > 0 ? Math.floor(state.remaining) : 0;
  return {
    'ratelimit-policy': `${policy.limit};w=${Math.ceil(policy.windowSeconds)}`,
    ratelimit: `limit=${state.limit}, remaining=${remaining}, reset=${untilFull}`,
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Math.ceil(state.resetAt / 1000)),
  };
}

/** `Retry-After` in whole seconds, at least 1. */
export function retryAfterSeconds(ms: number | undefined): string {
  return String(Math.max(1, Math.ceil((ms ?? 1000) / 1000)));
}
