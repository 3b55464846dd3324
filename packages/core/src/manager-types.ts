import type { KeygateConfig } from './config-types.js';
import type { AuditHook } from './audit-log.js';
import type { ApiKey, KeyStatus } from './key-view.js';
import type {
  ActorRef,
  Awaitable,
  Clock,
  CreditPolicy,
  CreditStore,
  EventBus,
  KeygateStorage,
  Notifier,
  RateLimitPolicy,
  RateLimitState,
} from './types.js';

/**
 * Who is calling a management operation, as the host knows them. The host
 * decides the role (from its own users and sessions); keygate decides what
 * the role may do.
 */
export interface Actor {
  id: string;
  tenantId: string;
  /** One role or several; permissions are their union. */
  role?: string | readonly string[];
  /**
   * Explicit permissions instead of a role, e.g. an API key acting on the
   * management API carries its `keys:*` scopes here. Wildcards as in scopes.
   */
  permissions?: readonly string[];
  type?: ActorRef['type'];
  /** Request context, copied into audit events. */
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/** Input of {@link KeyManager.create}. */
export interface CreateKeyInput {
  /** Required; trimmed; 1 to 32 characters. */
  name: string;
  /** One of the configured environments; default `defaultEnvironment`. */
  environment?: string;
  scopes?: string[];
  /** ISO 8601, epoch ms, or `null` for never. Default: now + `keyExpirationTime`, or never. */
  expiresAt?: string | number | null;
  /** Lifetime from now, instead of `expiresAt`. */
  expiresIn?: number | string;
  ipAllowlist?: string[];
  /** The key's own limit; `null` for none; absent: `rateLimitThreshold`. */
  rateLimit?: RateLimitPolicy | null;
  metadata?: Record<string, unknown>;
  /** The host's user or service the key acts for. */
  ownerId?: string;
  /** Whether `rotateDue()` rotates this key. Default: true when `rotationInterval` is set. */
  autoRotate?: boolean;
  /** Named limits besides the default one (`rateLimit`), applied when a verification names them. */
  rateLimits?: Record<string, RateLimitPolicy>;
  /** Usage quota; `remaining` starts the counter elsewhere than `initial`. */
  credits?: CreditInput | null;
  /** Links the key to an existing identity of the tenant. */
  identityId?: string;
  /** Links the key to the tenant's identity with this external id, creating it if needed (instead of `identityId`). */
  externalId?: string;
}

/** A credit policy as written in create and update inputs. */
export interface CreditInput extends CreditPolicy {
  /** Sets the live counter now (audited); default: `initial` on first use. */
  remaining?: number;
}

/** Input of {@link KeyManager.update}: any subset. */
export interface UpdateKeyInput {
  name?: string;
  scopes?: string[];
  expiresAt?: string | number | null;
  ipAllowlist?: string[];
  rateLimit?: RateLimitPolicy | null;
  metadata?: Record<string, unknown>;
  enabled?: boolean;
  autoRotate?: boolean;
  /** Replaces the named limits; `null` removes them. */
  rateLimits?: Record<string, RateLimitPolicy> | null;
  /** Replaces the credit policy (and with `remaining`, the counter); `null` removes the quota. */
  credits?: CreditInput | null;
  /** Sets the live credit counter only, keeping the policy. Audited as `key.credits_set`. */
  remaining?: number;
  /** Links to another identity of the tenant; `null` unlinks. */
  identityId?: string | null;
}

/** Input of {@link KeyManager.createIdentity}. */
export interface CreateIdentityInput {
  /** The host's id for the user, team or customer; unique in the tenant; 1 to 128 characters. */
  externalId: string;
  metadata?: Record<string, unknown>;
  /** Shared named limits; `default` applies to every verification of every key of the identity. */
  rateLimits?: Record<string, RateLimitPolicy>;
  credits?: CreditInput | null;
}

/** Input of {@link KeyManager.updateIdentity}: any subset. */
export interface UpdateIdentityInput {
  metadata?: Record<string, unknown>;
  rateLimits?: Record<string, RateLimitPolicy> | null;
  credits?: CreditInput | null;
  /** Sets the shared credit counter only. */
  remaining?: number;
}

/** What keygate shows of an identity. Times are ISO 8601. */
export interface Identity {
  id: string;
  tenantId: string;
  externalId: string;
  metadata: Record<string, unknown>;
  rateLimits: Record<string, RateLimitPolicy>;
  /** The quota policy and, when read from the credit store, the credits left now. */
  credits?: CreditPolicy & { remaining?: number; refillAt?: string };
  createdAt: string;
  updatedAt: string;
}

/** Input of {@link KeyManager.updatePolicy}: any subset; `null` removes a bound. Durations as `expiresIn`. */
export interface UpdatePolicyInput {
  minLifetime?: number | string | null;
  maxLifetime?: number | string | null;
  requireExpiry?: boolean;
}

/** A tenant's key expiry policy, as keygate shows it. Durations like `90d`; times ISO 8601. */
export interface TenantPolicy {
  /** Shortest lifetime a key expiry may have, or `null`. */
  minLifetime: string | null;
  /** Longest lifetime, and the one keys created without an expiry get, or `null`. */
  maxLifetime: string | null;
  /** Whether every key must expire (true whenever `maxLifetime` is set). */
  requireExpiry: boolean;
  /** Last change, or `null` when never set. */
  updatedAt: string | null;
}

/** Input of {@link KeyManager.rotate}. */
export interface RotateKeyInput {
  /** How long the old secret keeps working. Default `rotationGracePeriod`. At most 30 days. */
  gracePeriod?: number | string;
}

/** A key with its secret: returned once, by create and rotate. */
export interface IssuedKey {
  key: ApiKey;
  /** The full key to give to the client. Shown once unless server-side storage is on. */
  secret: string;
}

/** Filters of {@link KeyManager.list}. */
export interface ListKeysQuery {
  environment?: string;
  status?: KeyStatus;
  /** 1 to 100; default 20. */
  limit?: number;
  cursor?: string;
}

/** Stable verification outcomes. */
export type VerifyCode =
  | 'VALID'
  | 'INVALID_FORMAT'
  | 'NOT_FOUND'
  | 'EXPIRED'
  | 'REVOKED'
  | 'DISABLED'
  | 'INSUFFICIENT_SCOPE'
  | 'IP_NOT_ALLOWED'
  | 'RATE_LIMITED'
  /** The key's (or its identity's) credits are spent: the quota, not the rate. */
  | 'USAGE_EXCEEDED';

/** A named limit a verification applies, and what one call costs in it. */
export interface LimitRequest {
  /** A name of the key's (or identity's) `rateLimits`, or `default`. */
  name: string;
  /** Tokens taken; default 1. */
  cost?: number;
}

/** Options of {@link KeyManager.verify}. */
export interface VerifyOptions {
  /** Scopes the route needs. */
  scopes?: readonly string[];
  /** `all` (default): every scope; `any`: at least one. */
  scopeMode?: 'all' | 'any';
  /**
   * Client address, as the host's trusted-proxy setting sees it; or a
   * function returning it, called only when an allowlist, an audit event or
   * an observer needs the address (Express's `req.ip` is costly to compute).
   */
  ip?: string | (() => string | undefined);
  /** Tokens this call takes from the key's bucket. Default 1. */
  cost?: number;
  /**
   * Named limits this call also applies (the `default` one always applies;
   * naming it here sets its cost). A name the key and its identity lack
   * applies nothing.
   */
  limits?: readonly LimitRequest[];
  /** Credits this call spends when the key or its identity has a quota. Default 1; 0 checks without spending. */
  creditCost?: number;
  /**
   * `record` (default): count the request in usage now, as an error unless
   * valid. `defer`: the caller will call {@link KeyManager.recordRequest}
   * when it knows the response status (the HTTP middleware does).
   */
  usage?: 'record' | 'defer';
  userAgent?: string;
  requestId?: string;
  /**
   * Labels this verification is counted under in usage, so reports can
   * group by them (`usageByTag`, `GET /{id}/usage?groupBy=route`), e.g.
   * `{ route: '/weather', region: 'eu' }`. At most 10; names
   * `^[a-z][a-z0-9_]{0,31}$`; values 1 to 64 characters without control
   * characters. Invalid tags are dropped with a logged warning; they never
   * fail the verification. Keep values few (route patterns, not raw URLs):
   * every distinct value is a counter per key and day.
   */
  tags?: Readonly<Record<string, string>>;
}

/** Usage of one key grouped by one verification tag: the answer of {@link KeyManager.usageByTag}. */
export interface UsageByTag {
  keyId: string;
  from: string;
  to: string;
  /** The tag grouped by. */
  groupBy: string;
  /** One group per value seen in the range, most requests first; `days` lists the days with use. */
  groups: Array<{ value: string; requests: number; errors: number; days: Array<{ day: string; requests: number; errors: number }> }>;
}

/** Outcome of a verification. Never an exception for a bad key. */
export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  /**
   * The key's public data, present only when the presented secret matched
   * (so VALID, and INSUFFICIENT_SCOPE, IP_NOT_ALLOWED, RATE_LIMITED,
   * EXPIRED, REVOKED, DISABLED). Never for INVALID_FORMAT or NOT_FOUND.
   */
  key?: ApiKey;
  /** Bucket state after this call, when a limit applies. */
  rateLimit?: RateLimitState;
  /** Policy of that bucket. */
  rateLimitPolicy?: RateLimitPolicy;
  /** Name of the limit in `rateLimit`: the one denying, else the closest to running out. */
  rateLimitName?: string;
  /** Credits left after this call (the scarcer of key and identity), when a quota applies. */
  credits?: { remaining: number; refillAt?: number };
  /** Milliseconds to wait, for RATE_LIMITED, and for USAGE_EXCEEDED when a refill is scheduled. */
  retryAfterMs?: number;
  /** Scopes the route asked for and the key lacks, for INSUFFICIENT_SCOPE. */
  missingScopes?: string[];
}

/** A rotated key's new secret, handed to the delivery hook by `rotateDue()`. */
export interface RotatedKeyDelivery {
  key: ApiKey;
  secret: string;
  /** When the old secret stops working. */
  previousKeyExpiresAt?: string;
}

/** Logger for background failures. `console` fits. Receives no secrets. */
export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** Everything a host passes to build a {@link KeyManager}. Only `config` is commonly set. */
export interface KeyManagerOptions {
  config?: KeygateConfig;
  /** Default: in-memory storage (lost on restart). */
  storage?: KeygateStorage;
  /** Default: in-memory token buckets. */
  rateLimiter?: import('./types.js').RateLimiter;
  /**
   * Usage quotas. Default: the storage's own (`storage.credits`: PostgreSQL,
   * Redis and SQLite storage share credits through their database), else in
   * memory, per process. A Redis limiter on the Redis storage's client takes
   * buckets and these credits in one script.
   */
  creditStore?: CreditStore;
  /** Cross-instance cache invalidation. Default: none (single process). */
  eventBus?: EventBus;
  notifier?: Notifier;
  clock?: Clock;
  logger?: Logger;
  hooks?: {
    /** Every recorded audit event. */
    onAudit?: AuditHook;
    /** New secrets from automated rotation, for delivery to their owners. */
    onRotated?: (delivery: RotatedKeyDelivery) => Awaitable<void>;
    /**
     * Every verification's outcome, for metrics and alerting. Called
     * synchronously after the result is known; keep it cheap. Errors are logged.
     */
    onVerification?: (event: VerificationEvent) => void;
    /**
     * The host's response status for a request verified with `usage: 'defer'`
     * (what the HTTP middleware reports), so alerting can see the key's host errors.
     */
    onResponse?: (event: ResponseEvent) => void;
  };
}

/** What {@link KeyManagerOptions.hooks.onVerification} receives. Never the key. */
export interface VerificationEvent {
  code: VerifyCode;
  /** The key id the presented key claims (also for failures), when it parsed. */
  claimedKeyId?: string;
  /** Tenant of the key, when its secret matched. */
  tenantId?: string;
  ip?: string;
  /** Wall time of the verification in milliseconds. */
  durationMs: number;
  at: number;
}

/** What {@link KeyManagerOptions.hooks.onResponse} receives. */
export interface ResponseEvent {
  keyId: string;
  tenantId: string;
  /** The host's HTTP status; >= 400 counts as an error in usage. */
  status: number;
  at: number;
}
