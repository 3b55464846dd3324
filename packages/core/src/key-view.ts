import type { CreditPolicy, KeyRecord, RateLimitPolicy, TokenType } from './types.js';

/** Where a key stands now. */
export type KeyStatus = 'active' | 'disabled' | 'revoked' | 'expired';

/** What keygate shows of a key: never the secret, never the hash. Times are ISO 8601. */
export interface ApiKey {
  id: string;
  tenantId: string;
  ownerId?: string;
  createdBy?: string;
  name: string;
  environment: string;
  prefix: string;
  /** Prefix and last four characters, e.g. `sk_live_…a1B2`. */
  maskedKey: string;
  tokenType: TokenType;
  status: KeyStatus;
  enabled: boolean;
  scopes: string[];
  ipAllowlist: string[];
  /** `null`: no limit; absent: the configured default applies. */
  rateLimit?: RateLimitPolicy | null;
  /** Named limits besides the default one. */
  rateLimits?: Record<string, RateLimitPolicy>;
  /** Usage quota; `remaining` (and `refillAt`) when read from the credit store (get, whoami, update). */
  credits?: CreditPolicy & { remaining?: number; refillAt?: string };
  /** The identity whose shared limits and credits also apply. */
  identityId?: string;
  metadata: Record<string, unknown>;
  autoRotate: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  /** While a rotation's grace window runs: when the previous secret stops working. */
  previousKeyExpiresAt?: string;
  /** Whether the full key can be revealed again (server-side secret storage). */
  revealable: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** ISO 8601, or `null` for no time. */
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

/** The key's status at `now`. Revoked wins over disabled, which wins over expired. */
export function keyStatus(record: KeyRecord, now: number): KeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (!record.enabled) return 'disabled';
  if (record.expiresAt !== null && now >= record.expiresAt) return 'expired';
  return 'active';
}

/** The masked form people see in tables and logs. */
export function maskKey(prefix: string, last4: string): string {
  return `${prefix}_…${last4}`;
}

/** The public view of a record. */
export function toApiKey(record: KeyRecord, now: number): ApiKey {
  const view: ApiKey = {
    id: record.id,
    tenantId: record.tenantId,
    name: record.name,
    environment: record.environment,
    prefix: record.prefix,
    maskedKey: maskKey(record.prefix, record.last4),
    tokenType: record.tokenType,
    status: keyStatus(record, now),
    enabled: record.enabled,
    scopes: [...record.scopes],
    ipAllowlist: [...record.ipAllowlist],
    metadata: structuredClone(record.metadata),
    autoRotate: record.autoRotate ?? false,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    expiresAt: isoOrNull(record.expiresAt),
    revokedAt: isoOrNull(record.revokedAt),
    rotatedAt: isoOrNull(record.rotatedAt),
    revealable: record.encryptedSecret !== undefined,
  };
  if (record.ownerId !== undefined) view.ownerId = record.ownerId;
  if (record.createdBy !== undefined) view.createdBy = record.createdBy;
  if (record.rateLimit !== undefined) view.rateLimit = record.rateLimit === null ? null : { ...record.rateLimit };
  if (record.rateLimits !== undefined) view.rateLimits = structuredClone(record.rateLimits);
  if (record.credits !== undefined) view.credits = structuredClone(record.credits);
  if (record.identityId !== undefined) view.identityId = record.identityId;
  if (record.previousHash !== undefined && record.previousHashExpiresAt !== undefined && record.previousHashExpiresAt > now) {
    view.previousKeyExpiresAt = iso(record.previousHashExpiresAt);
  }
  return view;
}
