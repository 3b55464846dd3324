/**
 * JSON Schemas of keygate's inputs. The same objects validate library calls,
 * HTTP bodies and configuration, and feed the OpenAPI document.
 *
 * @module
 */

const durationSchema = {
  description: 'Seconds, or a string with a unit: 500ms, 45s, 30m, 12h, 90d, 2w, 1y.',
  oneOf: [
    { type: 'number', minimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w|y)$', maxLength: 32 },
  ],
} as const;

export const rateLimitPolicySchema = {
  type: 'object',
  description: '`limit` requests per `windowSeconds`, as a token bucket of capacity `burst ?? limit`.',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
    windowSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 31_536_000 },
    burst: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
  },
  required: ['limit', 'windowSeconds'],
  additionalProperties: false,
} as const;

/** Named limits: up to 10, names like `uploads` (`default` is `rateLimit`'s). */
export const rateLimitsSchema = {
  type: 'object',
  description: 'Named token buckets besides the default one; a verification applies those it names.',
  maxProperties: 10,
  propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,31}$', not: { const: 'default' } },
  additionalProperties: rateLimitPolicySchema,
} as const;

/** An identity's named limits: same, but `default` is allowed (an identity has no `rateLimit`). */
export const identityRateLimitsSchema = {
  ...rateLimitsSchema,
  propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,31}$' },
} as const;

/** A usage quota: `initial` credits, an optional refill (UTC), and optionally the counter to set now. */
export const creditInputSchema = {
  type: 'object',
  properties: {
    initial: { type: 'integer', minimum: 0, maximum: 1_000_000_000_000 },
    refill: {
      type: 'object',
      properties: {
        interval: { enum: ['daily', 'monthly'] },
        amount: { type: 'integer', minimum: 1, maximum: 1_000_000_000_000 },
        dayOfMonth: { type: 'integer', minimum: 1, maximum: 31 },
      },
      required: ['interval', 'amount'],
      additionalProperties: false,
    },
    remaining: { type: 'integer', minimum: 0, maximum: 1_000_000_000_000, description: 'Sets the live counter now.' },
  },
  required: ['initial'],
  additionalProperties: false,
} as const;

const remainingSchema = { type: 'integer', minimum: 0, maximum: 1_000_000_000_000, description: 'Sets the live credit counter.' } as const;
const externalIdSchema = { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' } as const;
const identityIdSchema = { type: 'string', pattern: '^[0-9A-Za-z]{16}$' } as const;

const scopeListSchema = {
  type: 'array',
  maxItems: 100,
  uniqueItems: true,
  items: { type: 'string', maxLength: 64 },
} as const;

const cidrListSchema = {
  type: 'array',
  maxItems: 100,
  items: { type: 'string', maxLength: 64 },
} as const;

const metadataSchema = {
  type: 'object',
  description: 'Free-form JSON the host keeps with the key (at most 50 entries, 8 KiB serialised).',
  maxProperties: 50,
} as const;

const expiresAtSchema = {
  description: 'ISO 8601 date-time or epoch milliseconds; `null` for a key that never expires.',
  oneOf: [{ type: 'string', maxLength: 40 }, { type: 'integer', minimum: 0 }, { type: 'null' }],
} as const;

/** Body of key creation. `name` is further normalised and checked by `key-name.ts`. */
export const createKeyInputSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 1000, description: 'Required; 1 to 32 characters after trimming.' },
    environment: { type: 'string', maxLength: 32 },
    scopes: scopeListSchema,
    expiresAt: expiresAtSchema,
    expiresIn: { ...durationSchema, description: 'Lifetime from now, instead of `expiresAt`.' },
    ipAllowlist: cidrListSchema,
    rateLimit: { oneOf: [rateLimitPolicySchema, { type: 'null' }] },
    metadata: metadataSchema,
    ownerId: { type: 'string', maxLength: 128 },
    autoRotate: { type: 'boolean' },
    rateLimits: rateLimitsSchema,
    credits: { oneOf: [creditInputSchema, { type: 'null' }] },
    identityId: identityIdSchema,
    externalId: { ...externalIdSchema, description: 'Links the key to this identity, creating it if needed.' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

/** Body of a key update: any subset of the mutable fields. */
export const updateKeyInputSchema = {
  type: 'object',
  properties: {
    name: createKeyInputSchema.properties.name,
    scopes: scopeListSchema,
    expiresAt: expiresAtSchema,
    ipAllowlist: cidrListSchema,
    rateLimit: { oneOf: [rateLimitPolicySchema, { type: 'null' }] },
    metadata: metadataSchema,
    enabled: { type: 'boolean' },
    autoRotate: { type: 'boolean' },
    rateLimits: { oneOf: [rateLimitsSchema, { type: 'null' }] },
    credits: { oneOf: [creditInputSchema, { type: 'null' }] },
    remaining: remainingSchema,
    identityId: { oneOf: [identityIdSchema, { type: 'null' }] },
  },
  additionalProperties: false,
} as const;

/** Body of identity creation. */
export const createIdentityInputSchema = {
  type: 'object',
  properties: {
    externalId: externalIdSchema,
    metadata: metadataSchema,
    rateLimits: identityRateLimitsSchema,
    credits: { oneOf: [creditInputSchema, { type: 'null' }] },
  },
  required: ['externalId'],
  additionalProperties: false,
} as const;

/** Body of an identity update. */
export const updateIdentityInputSchema = {
  type: 'object',
  properties: {
    metadata: metadataSchema,
    rateLimits: { oneOf: [identityRateLimitsSchema, { type: 'null' }] },
    credits: { oneOf: [creditInputSchema, { type: 'null' }] },
    remaining: remainingSchema,
  },
  additionalProperties: false,
} as const;

/** Body of a key lookup: the key travels in the body, never in a URL. */
export const whoamiInputSchema = {
  type: 'object',
  properties: { key: { type: 'string', minLength: 1, maxLength: 4096 } },
  required: ['key'],
  additionalProperties: false,
} as const;

/** Body of `PUT /policy`: the tenant's key expiry policy. Absent fields stay; `null` removes a bound. */
export const updatePolicyInputSchema = {
  type: 'object',
  properties: {
    minLifetime: { oneOf: [durationSchema, { type: 'null' }], description: 'Shortest lifetime a key expiry may have; null for none.' },
    maxLifetime: { oneOf: [durationSchema, { type: 'null' }], description: 'Longest lifetime; keys created without an expiry get this one. null for none.' },
    requireExpiry: { type: 'boolean', description: 'Whether every key must expire (implied by maxLifetime).' },
  },
  additionalProperties: false,
} as const;

/** Body of a rotation (regenerate). */
export const rotateKeyInputSchema = {
  type: 'object',
  properties: {
    gracePeriod: { ...durationSchema, description: 'How long the old secret keeps working; 0 ends it at once. At most 30 days.' },
  },
  additionalProperties: false,
} as const;

/** The configuration table of the seed documents, plus keygate's own options. */
export const configSchema = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    keyExpirationTime: { oneOf: [durationSchema, { type: 'null' }] },
    hmacAlgorithm: { enum: ['SHA256', 'SHA384', 'SHA512'] },
    tokenType: { enum: ['opaque', 'jwt'] },
    rotationInterval: { oneOf: [durationSchema, { type: 'null' }] },
    rotationGracePeriod: durationSchema,
    secretLength: { type: 'integer', minimum: 32, maximum: 128 },
    storeSecretsServerSide: { type: 'boolean' },
    masterKeys: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' }, key: { type: 'string' } },
        required: ['id', 'key'],
        additionalProperties: false,
      },
    },
    allowedIpRange: cidrListSchema,
    auditLevel: { enum: ['basic', 'detailed', 'verbose'] },
    rateLimitThreshold: { oneOf: [rateLimitPolicySchema, { type: 'null' }] },
    hasher: { enum: ['sha256', 'argon2id'] },
    pepper: { type: 'string', minLength: 16 },
    argon2: {
      type: 'object',
      properties: {
        memoryCost: { type: 'integer', minimum: 19456 },
        timeCost: { type: 'integer', minimum: 2 },
        parallelism: { type: 'integer', minimum: 1, maximum: 16 },
      },
      additionalProperties: false,
    },
    environments: {
      type: 'object',
      minProperties: 1,
      maxProperties: 20,
      propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,31}$' },
      additionalProperties: { type: 'string' },
    },
    defaultEnvironment: { type: 'string' },
    scopes: {
      type: 'array',
      maxItems: 500,
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, description: { type: 'string', maxLength: 200 } },
        required: ['name'],
        additionalProperties: false,
      },
    },
    roles: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    jwt: {
      type: 'object',
      properties: {
        algorithm: { enum: ['EdDSA', 'ES256', 'ES384', 'RS256', 'PS256', 'HS256', 'HS384', 'HS512'] },
        privateKey: { type: ['string', 'object'] },
        publicKey: { type: ['string', 'object'] },
        kid: { type: 'string', maxLength: 128 },
        issuer: { type: 'string' },
        audience: { type: 'string' },
      },
      required: ['algorithm', 'privateKey'],
      additionalProperties: false,
    },
    cache: {
      type: 'object',
      properties: { ttl: durationSchema, maxEntries: { type: 'integer', minimum: 1, maximum: 10_000_000 } },
      additionalProperties: false,
    },
    failedVerificationLimit: rateLimitPolicySchema,
    usageFlushInterval: durationSchema,
  },
  additionalProperties: false,
} as const;
