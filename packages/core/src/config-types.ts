import type { RateLimitPolicy, TokenType } from './types.js';

/** A duration: seconds as a number, or a string with a unit (`90d`, `12h`, `30m`, `45s`, `500ms`). */
export type Duration = number | string;

/** How much the audit log records. */
export type AuditLevel = 'basic' | 'detailed' | 'verbose';

/** A scope the host declares, shown in the UI's picker. */
export interface ScopeDefinition {
  name: string;
  description?: string;
}

/** A master key for server-side secret storage: 32 bytes, base64. */
export interface MasterKey {
  id: string;
  key: string;
}

/** JWT mode settings. Keys are PEM strings or JWK objects; `HS*` takes a shared secret of at least 32 bytes. */
export interface JwtConfig {
  algorithm: 'EdDSA' | 'ES256' | 'ES384' | 'RS256' | 'PS256' | 'HS256' | 'HS384' | 'HS512';
  /** Private key (PEM / JWK) or, for HS*, the shared secret. */
  privateKey: string | Record<string, unknown>;
  /** Public key (PEM / JWK); not used for HS*. */
  publicKey?: string | Record<string, unknown>;
  /** Key id written in the header and required on verification. */
  kid?: string;
  issuer?: string;
  audience?: string;
}

/**
 * keygate configuration. Every field is optional; defaults follow the PRD
 * and OWASP guidance. Validated with ajv at construction: a bad field throws
 * a `ConfigError` that names it.
 */
export interface KeygateConfig {
  /** Master switch: when false, every verification fails with DISABLED and management calls throw. Default true. */
  enabled?: boolean;
  /** Default lifetime of a new key; `null` for none (the PRD's 100-year tokens). Default `null`. */
  keyExpirationTime?: Duration | null;
  /** HMAC digest used by the sha256 hasher family. Default `SHA256`. */
  hmacAlgorithm?: 'SHA256' | 'SHA384' | 'SHA512';
  /** Default `opaque`. */
  tokenType?: TokenType;
  /** Age after which `rotateDue()` rotates a key; `null` disables automated rotation. Default `null`. */
  rotationInterval?: Duration | null;
  /** How long the old secret keeps working after a rotation, by default. Default `0` (immediate). */
  rotationGracePeriod?: Duration;
  /** Characters of base62 secret in a new key; at least 32 (190 bits). Default 32. */
  secretLength?: number;
  /** Keep an AES-256-GCM sealed copy of each key so it can be revealed again. Needs `masterKeys`. Default false. */
  storeSecretsServerSide?: boolean;
  /** Master keys for `storeSecretsServerSide`; the first seals, all open. */
  masterKeys?: MasterKey[];
  /** CIDR blocks every key is limited to, on top of each key's own allowlist. Default: anywhere. */
  allowedIpRange?: string[];
  /** Default `basic`. */
  auditLevel?: AuditLevel;
  /** Default rate limit of a key without its own; `null` for none. Default 100 per 60 s. */
  rateLimitThreshold?: RateLimitPolicy | null;
  /** Hasher for new keys. Default `sha256` (HMAC when `pepper` is set). */
  hasher?: 'sha256' | 'argon2id';
  /** Server-side secret mixed into sha256 hashes (HMAC key). At least 16 characters. */
  pepper?: string;
  /** argon2id cost; defaults are OWASP's: 19 MiB, 2 passes, 1 lane. */
  argon2?: { memoryCost?: number; timeCost?: number; parallelism?: number };
  /** Environment name to key prefix. Default `{ live: 'sk_live', test: 'sk_test' }`. */
  environments?: Record<string, string>;
  /** Environment of a key created without one. Default: the first of `environments`. */
  defaultEnvironment?: string;
  /** Scopes a key may be granted; when set, others are rejected. */
  scopes?: ScopeDefinition[];
  /** Role name to permissions. Default: super_admin and admin manage, developer and viewer read. */
  roles?: Record<string, string[]>;
  /** JWT mode keys; required when `tokenType` is `jwt`. */
  jwt?: JwtConfig;
  /** Verified-key cache. Default 30 s, 10,000 entries. `ttl: 0` disables it. */
  cache?: { ttl?: Duration; maxEntries?: number };
  /** Limit on failed verifications per key id, so guessing secrets cannot burn CPU. Default 10 per 60 s. */
  failedVerificationLimit?: RateLimitPolicy;
  /** How often batched usage counts are written. Default 1 s. */
  usageFlushInterval?: Duration;
}

/** Configuration after defaults, with durations in milliseconds. */
export interface ResolvedConfig {
  enabled: boolean;
  keyExpirationMs: number | null;
  hmacAlgorithm: 'SHA256' | 'SHA384' | 'SHA512';
  tokenType: TokenType;
  rotationIntervalMs: number | null;
  rotationGraceMs: number;
  secretLength: number;
  storeSecretsServerSide: boolean;
  masterKeys: MasterKey[];
  allowedIpRange: string[];
  auditLevel: AuditLevel;
  rateLimitThreshold: RateLimitPolicy | null;
  hasher: 'sha256' | 'argon2id';
  pepper?: string;
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  environments: Record<string, string>;
  defaultEnvironment: string;
  scopes?: ScopeDefinition[];
  roles: Record<string, string[]>;
  jwt?: JwtConfig;
  cache: { ttlMs: number; maxEntries: number };
  failedVerificationLimit: RateLimitPolicy;
  usageFlushMs: number;
}
