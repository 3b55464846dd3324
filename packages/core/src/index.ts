/**
 * @keygate/core: the storage- and framework-agnostic API key engine.
 *
 * Start with {@link createKeyManager}. Extension points (storage, rate
 * limiter, hasher, notifier, event bus, clock) are described in `types.ts`;
 * their conformance suites live in `@keygate/core/testing`.
 *
 * @packageDocumentation
 */
export * from './types.js';
export * from './errors.js';
export type * from './config-types.js';
export type * from './manager-types.js';
export { KeyManager, createKeyManager } from './manager.js';
export { resolveConfig, CONFIG_DEFAULTS } from './config.js';
export {
  createKeyInputSchema,
  updateKeyInputSchema,
  rotateKeyInputSchema,
  rateLimitPolicySchema,
  rateLimitsSchema,
  creditInputSchema,
  createIdentityInputSchema,
  updateIdentityInputSchema,
  whoamiInputSchema,
  updatePolicyInputSchema,
  configSchema,
} from './schemas.js';
export { ajv, compileValidator, toFieldIssues } from './validation.js';
export { type ApiKey, type KeyStatus, keyStatus, maskKey, toApiKey } from './key-view.js';
export { normalizeKeyName, MAX_KEY_NAME_LENGTH } from './key-name.js';
export {
  generateKey,
  parseKey,
  checksum,
  isValidPrefix,
  isValidKeyId,
  keyPattern,
  KEY_REGEX_SOURCE,
  KEY_ID_LENGTH,
  MIN_SECRET_LENGTH,
  MAX_SECRET_LENGTH,
  CHECKSUM_LENGTH,
  type GeneratedKey,
  type ParsedKey,
  type GenerateKeyOptions,
} from './key-format.js';
export { randomBase62, BASE62_ALPHABET } from './random.js';
export {
  createSha256Hasher,
  createArgon2idHasher,
  createHasherChain,
  hashForCache,
  type HasherChain,
  type Sha256HasherOptions,
  type Argon2idHasherOptions,
} from './hashing.js';
export { createSecretBox, type SecretBox } from './secret-box.js';
export { createJwtCodec, looksLikeJwt, type JwtCodec, type JwtVerifyOutcome, type JwtSignClaims } from './jwt.js';
export { isValidScope, scopeGrants, hasScopes, validateScopes, MAX_SCOPE_LENGTH, MAX_SCOPES } from './scopes.js';
export { normalizeIp, validateCidrs, createIpMatcher, ipMatcherFor, type IpMatcher, MAX_IP_LENGTH, MAX_ALLOWLIST_ENTRIES } from './ip-allowlist.js';
export { takeTokens, bucketShape, validateRateLimitPolicy, type BucketState, MAX_RATE_LIMIT, MAX_WINDOW_SECONDS } from './token-bucket.js';
export { createMemoryRateLimiter, type MemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-rate-limiter.js';
export { PERMISSIONS, DEFAULT_ROLES, createAuthorizer, validateRoles, type Authorizer, type Permission } from './rbac.js';
export { parseDuration, formatDuration, MAX_DURATION_MS } from './duration.js';
export { createMemoryStorage } from './stores/memory-storage.js';
export { createKeyvStorage, type KeyvStorageOptions } from './stores/keyv-storage.js';
export { encodeCursor, decodeCursor, paginate, type CursorPosition } from './stores/cursor.js';
export { createMemoryEventBus } from './event-bus.js';
export {
  TAG_NAME,
  MAX_TAG_VALUE,
  isTagValue,
  assertTagUsageDeltas,
  mergeTagUsageDeltas,
  sortTagBuckets,
  assertTenantSettings,
} from './stores/tag-usage.js';
export { createMemoryCreditStore, assertCreditCount, assertCreditPolicy, type MemoryCreditStore } from './memory-credit-store.js';
export { lastRefillBoundary, nextRefillBoundary, effectiveCredits } from './credit-refill.js';
export { AuditLog, type AuditHook, type AuditInput } from './audit-log.js';
export { utcDay } from './usage-tracker.js';
export * from './http/index.js';
export * from './distributed.js';
