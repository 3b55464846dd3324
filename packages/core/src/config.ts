import type { KeygateConfig, ResolvedConfig } from './config-types.js';
import { parseDuration } from './duration.js';
import { ConfigError, type FieldIssue, ValidationError } from './errors.js';
import { validateCidrs } from './ip-allowlist.js';
import { isValidPrefix } from './key-format.js';
import { DEFAULT_ROLES, validateRoles } from './rbac.js';
import { configSchema } from './schemas.js';
import { isValidScope } from './scopes.js';
import { compileValidator } from './validation.js';

const validateShape = compileValidator(configSchema);

/** Defaults, in one place so docs and code agree. */
export const CONFIG_DEFAULTS = {
  enabled: true,
  keyExpirationTime: null,
  hmacAlgorithm: 'SHA256',
  tokenType: 'opaque',
  rotationInterval: null,
  rotationGracePeriod: 0,
  secretLength: 32,
  storeSecretsServerSide: false,
  allowedIpRange: [] as string[],
  auditLevel: 'basic',
  rateLimitThreshold: { limit: 100, windowSeconds: 60 },
  hasher: 'sha256',
  argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
  environments: { live: 'sk_live', test: 'sk_test' } as Record<string, string>,
  cache: { ttl: 30, maxEntries: 10_000 },
  failedVerificationLimit: { limit: 10, windowSeconds: 60 },
  usageFlushInterval: 1,
} as const;

const MAX_GRACE_MS = 30 * 24 * 3600 * 1000;

function durationMs(value: unknown, field: string, issues: FieldIssue[]): number {
  try {
    return parseDuration(value, field);
  } catch (error) {
    if (error instanceof ValidationError) {
      issues.push(...error.issues);
      return 0;
    }
    throw error;
  }
}

/**
 * Validates a configuration and fills in defaults.
 *
 * @throws ConfigError naming every bad field, e.g. `/secretLength: must be at least 32`.
 */
export function resolveConfig(input: KeygateConfig = {}): ResolvedConfig {
  const issues = validateShape(input);
  if (issues.length > 0) throw configError(issues);

  const c = { ...CONFIG_DEFAULTS, ...input };
  const environments = input.environments ?? { ...CONFIG_DEFAULTS.environments };
  for (const [env, prefix] of Object.entries(environments)) {
    if (!isValidPrefix(prefix)) {
      issues.push({ field: `/environments/${env}`, message: `prefix "${prefix}" must be lowercase letters, digits and single underscores, like sk_live` });
    }
  }
  const defaultEnvironment = input.defaultEnvironment ?? Object.keys(environments)[0]!;
  if (!Object.hasOwn(environments, defaultEnvironment)) {
    issues.push({ field: '/defaultEnvironment', message: `must be one of the configured environments: ${Object.keys(environments).join(', ')}` });
  }
  if (c.storeSecretsServerSide && !input.masterKeys?.length) {
    issues.push({ field: '/masterKeys', message: 'is required when storeSecretsServerSide is true (32-byte base64 keys)' });
  }
  if (c.tokenType === 'jwt' && !input.jwt) {
    issues.push({ field: '/jwt', message: 'is required when tokenType is "jwt"' });
  }
  issues.push(...validateCidrs(c.allowedIpRange, '/allowedIpRange'));
  input.scopes?.forEach((s, i) => {
    if (!isValidScope(s.name)) issues.push({ field: `/scopes/${i}/name`, message: `"${s.name}" is not a valid scope (resource:action)` });
  });
  const roles = input.roles ?? DEFAULT_ROLES;
  issues.push(...validateRoles(roles, '/roles'));

  const keyExpirationMs = c.keyExpirationTime === null ? null : durationMs(c.keyExpirationTime, '/keyExpirationTime', issues);
  const rotationIntervalMs = c.rotationInterval === null ? null : durationMs(c.rotationInterval, '/rotationInterval', issues);
  const rotationGraceMs = durationMs(c.rotationGracePeriod, '/rotationGracePeriod', issues);
  if (rotationGraceMs > MAX_GRACE_MS) issues.push({ field: '/rotationGracePeriod', message: 'must be at most 30 days' });
  const cacheTtlMs = durationMs(input.cache?.ttl ?? CONFIG_DEFAULTS.cache.ttl, '/cache/ttl', issues);
  const usageFlushMs = durationMs(c.usageFlushInterval, '/usageFlushInterval', issues);
  if (issues.length > 0) throw configError(issues);

  const resolved: ResolvedConfig = {
    enabled: c.enabled,
    keyExpirationMs: keyExpirationMs === 0 ? null : keyExpirationMs,
    hmacAlgorithm: c.hmacAlgorithm,
    tokenType: c.tokenType,
    rotationIntervalMs: rotationIntervalMs === 0 ? null : rotationIntervalMs,
    rotationGraceMs,
    secretLength: c.secretLength,
    storeSecretsServerSide: c.storeSecretsServerSide,
    masterKeys: input.masterKeys ?? [],
    allowedIpRange: [...c.allowedIpRange],
    auditLevel: c.auditLevel,
    rateLimitThreshold: c.rateLimitThreshold,
    hasher: c.hasher,
    argon2: { ...CONFIG_DEFAULTS.argon2, ...input.argon2 },
    environments,
    defaultEnvironment,
    roles,
    cache: { ttlMs: cacheTtlMs, maxEntries: input.cache?.maxEntries ?? CONFIG_DEFAULTS.cache.maxEntries },
    failedVerificationLimit: c.failedVerificationLimit,
    usageFlushMs: Math.max(usageFlushMs, 10),
  };
  if (input.pepper !== undefined) resolved.pepper = input.pepper;
  if (input.scopes !== undefined) resolved.scopes = input.scopes;
  if (input.jwt !== undefined) resolved.jwt = input.jwt;
  return resolved;
}

function configError(issues: FieldIssue[]): ConfigError {
  return new ConfigError(`Invalid keygate configuration: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
}
