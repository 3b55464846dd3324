/**
 * Shapes of the keygate HTTP API as the UI sees them (see the HTTP contract).
 * Kept here rather than imported from `@keygate/core` so that the browser
 * bundle does not depend on the server package.
 *
 * @module
 */

/** Where a key stands now. */
export type KeyStatus = 'active' | 'disabled' | 'revoked' | 'expired';

/** A rate limit policy. */
export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
  burst?: number;
}

/** When credits refill (UTC): daily at 00:00, or monthly on `dayOfMonth` (default 1). A refill sets the counter to `amount`. */
export interface CreditRefill {
  interval: 'daily' | 'monthly';
  amount: number;
  dayOfMonth?: number;
}

/** A usage quota, and (from `GET /{id}`, PATCH, whoami) the credits left now. */
export interface Credits {
  initial: number;
  refill?: CreditRefill;
  /** Credits left now; absent in list items. */
  remaining?: number;
  /** Next refill (ISO 8601), when a refill is scheduled. */
  refillAt?: string;
}

/** A usage quota as written in create and update bodies. */
export interface CreditInput {
  initial: number;
  refill?: CreditRefill;
  /** Sets the live counter now. */
  remaining?: number;
}

/** The public view of a key: never the secret. Times are ISO 8601. */
export interface ApiKey {
  id: string;
  tenantId: string;
  ownerId?: string;
  createdBy?: string;
  name: string;
  environment: string;
  prefix: string;
  maskedKey: string;
  tokenType: string;
  status: KeyStatus;
  enabled: boolean;
  scopes: string[];
  ipAllowlist: string[];
  rateLimit?: RateLimitPolicy | null;
  /** Named limits besides the default one (`rateLimit`). */
  rateLimits?: Record<string, RateLimitPolicy>;
  /** Usage quota. */
  credits?: Credits;
  /** The identity whose shared limits and credits also apply. */
  identityId?: string;
  metadata: Record<string, unknown>;
  autoRotate: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  previousKeyExpiresAt?: string;
  revealable: boolean;
  /** Present when the server includes it in lists; otherwise the UI asks `GET /{id}`. */
  lastUsedAt?: string | null;
}

/** `GET /{id}`: a key with its usage totals. */
export interface ApiKeyDetail extends ApiKey {
  usage: { requests: number; errors: number; lastUsedAt: string | null };
}

/** A key and its secret, from create and regenerate. */
export interface IssuedKey {
  key: ApiKey;
  secret: string;
}

/** One page of a cursor-paginated list. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** `GET /meta`: what the acting user may do and what the host offers. */
export interface Meta {
  actor: { id: string; tenantId: string; type: string };
  permissions: string[];
  environments: { name: string; prefix: string }[];
  defaultEnvironment: string;
  scopes: { name: string; description?: string }[];
  tokenType: string;
  storeSecretsServerSide: boolean;
  rotationGracePeriodSeconds: number;
  maxNameLength: number;
  defaultRateLimit: { limit: number; windowSeconds: number } | null;
}

/** One day of usage. */
export interface UsageDay {
  day: string;
  requests: number;
  errors: number;
}

/** `GET /{id}/usage`. */
export interface Usage {
  keyId: string;
  from: string;
  to: string;
  days: UsageDay[];
}

/** One audited fact about a key. */
export interface AuditEvent {
  id: string;
  action: string;
  at: string;
  tenantId: string;
  keyId?: string;
  actor?: { id: string; type: string; role?: string };
  ip?: string;
  userAgent?: string;
  requestId?: string;
  outcome?: string;
  details?: Record<string, unknown>;
}

/** Body of `POST` (create). */
export interface CreateKeyInput {
  name: string;
  environment?: string;
  scopes?: string[];
  expiresAt?: string | null;
  expiresIn?: string | number;
  ipAllowlist?: string[];
  rateLimit?: RateLimitPolicy | null;
  rateLimits?: Record<string, RateLimitPolicy>;
  credits?: CreditInput | null;
  /** Links the key to the tenant's identity with this external id (created if needed). */
  externalId?: string;
  identityId?: string;
}

/** Body of `PATCH /{id}`: any subset. */
export interface UpdateKeyInput {
  name?: string;
  enabled?: boolean;
  rateLimit?: RateLimitPolicy | null;
  /** Replaces the named limits; `null` removes them. */
  rateLimits?: Record<string, RateLimitPolicy> | null;
  /** Replaces the quota (and with `remaining`, the counter); `null` removes it. */
  credits?: CreditInput | null;
  /** Sets the credit counter only. */
  remaining?: number;
  identityId?: string | null;
}

/** `GET /identities/{id}`: the host's user, team or customer whose keys share limits and credits. */
export interface Identity {
  id: string;
  tenantId: string;
  externalId: string;
  metadata: Record<string, unknown>;
  rateLimits: Record<string, RateLimitPolicy>;
  credits?: Credits;
  createdAt: string;
  updatedAt: string;
}

/** Permissions the UI checks (from `GET /meta`). */
export type Permission =
  | 'keys:create'
  | 'keys:read'
  | 'keys:update'
  | 'keys:rotate'
  | 'keys:revoke'
  | 'keys:delete'
  | 'keys:reveal'
  | 'audit:read'
  | 'usage:read';
