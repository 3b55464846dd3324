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
}

/** Body of `PATCH /{id}`. */
export interface UpdateKeyInput {
  name?: string;
  enabled?: boolean;
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
