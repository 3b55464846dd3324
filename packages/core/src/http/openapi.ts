/**
 * The OpenAPI 3.1 document of the management API, generated from the same
 * input schemas the handler validates with (`schemas.ts`) plus the response
 * schemas below, so the document cannot drift from the behaviour.
 *
 * @module
 */
import { MAX_KEY_NAME_LENGTH } from '../key-name.js';
import {
  createIdentityInputSchema,
  createKeyInputSchema,
  rateLimitPolicySchema,
  rotateKeyInputSchema,
  updateIdentityInputSchema,
  updateKeyInputSchema,
  updatePolicyInputSchema,
  whoamiInputSchema,
} from '../schemas.js';
import { MANAGEMENT_ROUTES, type RouteName } from './routes.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const isoTime = { type: 'string', format: 'date-time' } as const;
const isoTimeOrNull = { type: ['string', 'null'], format: 'date-time' } as const;

/** A credit policy with, when read from the credit store, the credits left and the next refill. */
/** Requests and errors of one UTC day, as the usage routes return them. */
const dayBucketSchema = {
  type: 'object',
  properties: { day: { type: 'string', format: 'date' }, requests: { type: 'integer' }, errors: { type: 'integer' } },
  required: ['day', 'requests', 'errors'],
  additionalProperties: false,
} as const;

const creditsViewSchema = {
  type: 'object',
  properties: {
    initial: { type: 'integer', minimum: 0 },
    refill: {
      type: 'object',
      properties: { interval: { enum: ['daily', 'monthly'] }, amount: { type: 'integer' }, dayOfMonth: { type: 'integer' } },
      required: ['interval', 'amount'],
    },
    remaining: { type: 'integer', minimum: 0 },
    refillAt: isoTime,
  },
  required: ['initial'],
  additionalProperties: false,
} as const;

const apiKeySchema = {
  type: 'object',
  description: 'A key as keygate shows it: never the secret, never its hash.',
  properties: {
    id: { type: 'string', pattern: '^[0-9A-Za-z]{16}$' },
    tenantId: { type: 'string' },
    ownerId: { type: 'string' },
    createdBy: { type: 'string' },
    name: { type: 'string', minLength: 1, maxLength: MAX_KEY_NAME_LENGTH },
    environment: { type: 'string' },
    prefix: { type: 'string' },
    maskedKey: { type: 'string' },
    tokenType: { enum: ['opaque', 'jwt'] },
    status: { enum: ['active', 'disabled', 'revoked', 'expired'] },
    enabled: { type: 'boolean' },
    scopes: { type: 'array', items: { type: 'string' } },
    ipAllowlist: { type: 'array', items: { type: 'string' } },
    rateLimit: { oneOf: [ref('RateLimitPolicy'), { type: 'null' }] },
    rateLimits: { type: 'object', additionalProperties: ref('RateLimitPolicy') },
    credits: ref('Credits'),
    identityId: { type: 'string', pattern: '^[0-9A-Za-z]{16}$' },
    metadata: { type: 'object' },
    autoRotate: { type: 'boolean' },
    createdAt: isoTime,
    updatedAt: isoTime,
    expiresAt: isoTimeOrNull,
    revokedAt: isoTimeOrNull,
    rotatedAt: isoTimeOrNull,
    previousKeyExpiresAt: isoTime,
    revealable: { type: 'boolean' },
  },
  required: [
    'id', 'tenantId', 'name', 'environment', 'prefix', 'maskedKey', 'tokenType', 'status', 'enabled', 'scopes',
    'ipAllowlist', 'metadata', 'autoRotate', 'createdAt', 'updatedAt', 'expiresAt', 'revokedAt', 'rotatedAt', 'revealable',
  ],
  additionalProperties: false,
} as const;

/** Response schemas, in JSON Schema 2020-12 as OpenAPI 3.1 takes it. */
export const responseSchemas = {
  RateLimitPolicy: copy(rateLimitPolicySchema),
  Credits: creditsViewSchema,
  ApiKey: apiKeySchema,
  Identity: {
    type: 'object',
    description: 'A user, team or customer of the host whose keys share its limits and credits.',
    properties: {
      id: { type: 'string', pattern: '^[0-9A-Za-z]{16}$' },
      tenantId: { type: 'string' },
      externalId: { type: 'string' },
      metadata: { type: 'object' },
      rateLimits: { type: 'object', additionalProperties: ref('RateLimitPolicy') },
      credits: ref('Credits'),
      createdAt: isoTime,
      updatedAt: isoTime,
    },
    required: ['id', 'tenantId', 'externalId', 'metadata', 'rateLimits', 'createdAt', 'updatedAt'],
    additionalProperties: false,
  },
  IdentityPage: {
    type: 'object',
    properties: { items: { type: 'array', items: ref('Identity') }, nextCursor: { type: 'string' } },
    required: ['items'],
  },
  IssuedKey: {
    type: 'object',
    description: 'A key with its full secret, returned once by create and regenerate.',
    properties: { key: ref('ApiKey'), secret: { type: 'string' } },
    required: ['key', 'secret'],
    additionalProperties: false,
  },
  KeyDetails: {
    ...apiKeySchema,
    description: 'A key with its usage totals.',
    properties: {
      ...apiKeySchema.properties,
      usage: {
        type: 'object',
        properties: { requests: { type: 'integer' }, errors: { type: 'integer' }, lastUsedAt: isoTimeOrNull },
        required: ['requests', 'errors', 'lastUsedAt'],
        additionalProperties: false,
      },
    },
  },
  KeyPage: {
    type: 'object',
    properties: { items: { type: 'array', items: ref('ApiKey') }, nextCursor: { type: 'string' } },
    required: ['items'],
    additionalProperties: false,
  },
  UsageReport: {
    type: 'object',
    properties: {
      keyId: { type: 'string' },
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
      days: { type: 'array', items: dayBucketSchema },
    },
    required: ['keyId', 'from', 'to', 'days'],
    additionalProperties: false,
  },
  UsageByTag: {
    type: 'object',
    description: 'Usage grouped by one verification tag (`groupBy`): totals per tag value over [from, to], with the days that had use.',
    properties: {
      keyId: { type: 'string' },
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
      groupBy: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' },
      groups: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            value: { type: 'string' },
            requests: { type: 'integer' },
            errors: { type: 'integer' },
            days: { type: 'array', items: dayBucketSchema },
          },
          required: ['value', 'requests', 'errors', 'days'],
          additionalProperties: false,
        },
      },
    },
    required: ['keyId', 'from', 'to', 'groupBy', 'groups'],
    additionalProperties: false,
  },
  UsageResponse: { oneOf: [ref('UsageReport'), ref('UsageByTag')] },
  TenantPolicy: {
    type: 'object',
    description: "The tenant's key expiry policy: bounds on the lifetime of new expiries (create and update; rotation keeps a key's expiry).",
    properties: {
      minLifetime: { type: ['string', 'null'], description: 'Shortest lifetime, like `1h`; null for none.' },
      maxLifetime: { type: ['string', 'null'], description: 'Longest lifetime, like `90d`; keys created without an expiry get it. null for none.' },
      requireExpiry: { type: 'boolean', description: 'Whether every key must expire; true whenever maxLifetime is set.' },
      updatedAt: isoTimeOrNull,
    },
    required: ['minLifetime', 'maxLifetime', 'requireExpiry', 'updatedAt'],
    additionalProperties: false,
  },
  AuditEvent: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      action: {
        enum: [
          'key.created', 'key.updated', 'key.rotated', 'key.revoked', 'key.deleted', 'key.revealed', 'key.looked_up', 'key.credits_set',
          'identity.created', 'identity.updated', 'identity.deleted', 'policy.updated', 'key.verified', 'key.verification_failed', 'alert.raised',
        ],
      },
      at: isoTime,
      tenantId: { type: 'string' },
      keyId: { type: 'string' },
      actor: {
        type: 'object',
        properties: { id: { type: 'string' }, type: { enum: ['user', 'api_key', 'system'] }, role: { type: 'string' } },
        required: ['id', 'type'],
      },
      ip: { type: 'string' },
      userAgent: { type: 'string' },
      requestId: { type: 'string' },
      outcome: { type: 'string' },
      details: { type: 'object' },
    },
    required: ['id', 'action', 'at', 'tenantId'],
    additionalProperties: false,
  },
  AuditPage: {
    type: 'object',
    properties: { items: { type: 'array', items: ref('AuditEvent') }, nextCursor: { type: 'string' } },
    required: ['items'],
    additionalProperties: false,
  },
  Secret: { type: 'object', properties: { secret: { type: 'string' } }, required: ['secret'], additionalProperties: false },
  Meta: {
    type: 'object',
    properties: {
      actor: {
        type: 'object',
        properties: { id: { type: 'string' }, tenantId: { type: 'string' }, type: { enum: ['user', 'api_key', 'system'] } },
        required: ['id', 'tenantId', 'type'],
      },
      permissions: { type: 'array', items: { type: 'string' } },
      environments: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, prefix: { type: 'string' } }, required: ['name', 'prefix'] },
      },
      defaultEnvironment: { type: 'string' },
      scopes: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' } }, required: ['name'] },
      },
      tokenType: { enum: ['opaque', 'jwt'] },
      storeSecretsServerSide: { type: 'boolean' },
      rotationGracePeriodSeconds: { type: 'number' },
      maxNameLength: { const: MAX_KEY_NAME_LENGTH },
      defaultRateLimit: {
        oneOf: [
          { type: 'object', properties: { limit: { type: 'integer' }, windowSeconds: { type: 'number' } }, required: ['limit', 'windowSeconds'] },
          { type: 'null' },
        ],
      },
    },
    required: [
      'actor', 'permissions', 'environments', 'defaultEnvironment', 'scopes', 'tokenType', 'storeSecretsServerSide',
      'rotationGracePeriodSeconds', 'maxNameLength', 'defaultRateLimit',
    ],
  },
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; `code` is stable.',
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      code: { type: 'string' },
      errors: {
        type: 'array',
        items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] },
      },
    },
    required: ['type', 'title', 'status', 'code'],
  },
} as const;

const OPERATIONS: Record<RouteName, { summary: string; ok: number; schema?: string; request?: string; query?: string[] }> = {
  meta: { summary: 'What the caller may do and how keys are configured (for UIs)', ok: 200, schema: 'Meta' },
  openapi: { summary: 'This document', ok: 200 },
  create: { summary: 'Create a key; the secret is returned once', ok: 201, schema: 'IssuedKey', request: 'CreateKeyInput' },
  list: { summary: "List the tenant's keys, newest first", ok: 200, schema: 'KeyPage', query: ['environment', 'status', 'limit', 'cursor'] },
  get: { summary: 'One key with its usage totals', ok: 200, schema: 'KeyDetails' },
  update: { summary: "Change a key's mutable fields", ok: 200, schema: 'ApiKey', request: 'UpdateKeyInput' },
  delete: { summary: 'Delete a key; it stops working at once', ok: 204 },
  rotate: { summary: 'Issue a new secret for the key, optionally keeping the old one for a grace period', ok: 200, schema: 'IssuedKey', request: 'RotateKeyInput' },
  revoke: { summary: 'Revoke a key; the record is kept', ok: 200, schema: 'ApiKey' },
  reveal: { summary: 'The full key again (server-side secret storage only)', ok: 200, schema: 'Secret' },
  usage: {
    summary: 'Requests and errors per UTC day, every day present; with groupBy, per value of that verification tag (UsageByTag)',
    ok: 200,
    schema: 'UsageResponse',
    query: ['from', 'to', 'groupBy'],
  },
  audit: { summary: "The tenant's audit log, newest first", ok: 200, schema: 'AuditPage', query: ['keyId', 'from', 'to', 'limit', 'cursor'] },
  keyAudit: { summary: "One key's audit log", ok: 200, schema: 'AuditPage', query: ['from', 'to', 'limit', 'cursor'] },
  reports: { summary: "The tenant's usage report (see @keygate/monitor docs/operations.md)", ok: 200, query: ['days', 'notUsedForDays', 'expiringWithinDays', 'top'] },
  whoami: { summary: 'What a key is: its public data, for support tools (the key in the body; rate limited; audited)', ok: 200, schema: 'ApiKey', request: 'WhoamiInput' },
  identities: { summary: "The tenant's identities, newest first", ok: 200, schema: 'IdentityPage', query: ['limit', 'cursor'] },
  createIdentity: { summary: 'Create an identity (409 CONFLICT when its externalId is taken)', ok: 201, schema: 'Identity', request: 'CreateIdentityInput' },
  getIdentity: { summary: 'One identity, with its credits left', ok: 200, schema: 'Identity' },
  updateIdentity: { summary: "Change an identity's metadata, shared limits or credits", ok: 200, schema: 'Identity', request: 'UpdateIdentityInput' },
  deleteIdentity: { summary: 'Delete an identity; its keys keep their own limits', ok: 204 },
  getPolicy: { summary: "The tenant's key expiry policy (needs policy:read or keys:read)", ok: 200, schema: 'TenantPolicy' },
  updatePolicy: { summary: "Change the tenant's key expiry policy (audited as policy.updated)", ok: 200, schema: 'TenantPolicy', request: 'UpdatePolicyInput' },
};

const QUERY_PARAMETERS: Record<string, object> = {
  environment: { name: 'environment', in: 'query', schema: { type: 'string', maxLength: 32 } },
  status: { name: 'status', in: 'query', schema: { enum: ['active', 'disabled', 'revoked', 'expired'] } },
  limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  cursor: { name: 'cursor', in: 'query', description: 'nextCursor of the previous page', schema: { type: 'string', maxLength: 512 } },
  keyId: { name: 'keyId', in: 'query', schema: { type: 'string', pattern: '^[0-9A-Za-z]{16}$' } },
  from: { name: 'from', in: 'query', description: 'Usage: YYYY-MM-DD; audit: ISO 8601 date-time', schema: { type: 'string' } },
  to: { name: 'to', in: 'query', description: 'Usage: YYYY-MM-DD; audit: ISO 8601 date-time', schema: { type: 'string' } },
  days: { name: 'days', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
  notUsedForDays: { name: 'notUsedForDays', in: 'query', schema: { type: 'integer', minimum: 1, default: 30 } },
  expiringWithinDays: { name: 'expiringWithinDays', in: 'query', schema: { type: 'integer', minimum: 0, default: 14 } },
  top: { name: 'top', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } },
  groupBy: {
    name: 'groupBy',
    in: 'query',
    description: 'A verification tag name (e.g. route, region): usage per value of that tag instead of per day',
    schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' },
  },
};

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

/**
 * The OpenAPI 3.1 document for a handler mounted at `basePath`. Plain JSON;
 * build once and cache.
 */
export function buildOpenApiDocument(options: { basePath: string; title?: string; version?: string; reports?: boolean }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of MANAGEMENT_ROUTES) {
    if (route.name === 'reports' && !options.reports) continue;
    const op = OPERATIONS[route.name];
    const path = options.basePath + route.pattern.map((s) => (s === ':id' ? '/{id}' : `/${s}`)).join('');
    const parameters: object[] = [];
    if (route.pattern.includes(':id')) {
      parameters.push({ name: 'id', in: 'path', required: true, description: 'Key id: 16 letters and digits', schema: { type: 'string', pattern: '^[0-9A-Za-z]{16}$' } });
    }
    for (const q of op.query ?? []) parameters.push(QUERY_PARAMETERS[q]!);
    const responses: Record<string, unknown> = {
      [String(op.ok)]: op.schema
        ? { description: op.summary, content: { 'application/json': { schema: ref(op.schema) } } }
        : { description: route.name === 'openapi' ? 'OpenAPI 3.1 document' : 'Done' },
    };
    if (!route.public) {
      Object.assign(responses, {
        '401': problemResponse('No actor: not signed in and no valid API key'),
        '403': problemResponse('The actor lacks the permission'),
        '503': problemResponse('keygate is disabled or a backend is unavailable'),
      });
      if (route.pattern.includes(':id')) responses['404'] = problemResponse('No such key in your tenant');
      if (route.body) {
        Object.assign(responses, {
          '400': problemResponse('Malformed JSON'),
          '413': problemResponse('Body too large'),
          '415': problemResponse('Body is not application/json'),
        });
      }
      if (route.body || op.query) responses['422'] = problemResponse('Invalid input; `errors` names each field');
      if (op.query?.includes('cursor')) responses['400'] = problemResponse('Invalid cursor (INVALID_CURSOR)');
      if (route.name === 'update' || route.name === 'rotate') responses['409'] = problemResponse('The key is revoked');
      if (route.name === 'reveal') responses['409'] = problemResponse('The secret is not stored (SECRET_NOT_STORED)');
    }
    const operation: Record<string, unknown> = {
      operationId: route.name,
      summary: op.summary,
      ...(route.permission ? { description: `Needs permission \`${route.permission}\`.` } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.request
        ? { requestBody: { required: route.body === 'required', content: { 'application/json': { schema: ref(op.request) } } } }
        : {}),
      responses,
      ...(route.public ? { security: [] } : {}),
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: options.title ?? 'keygate API keys', version: options.version ?? '1' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: {
        CreateKeyInput: copy(createKeyInputSchema),
        UpdateKeyInput: copy(updateKeyInputSchema),
        RotateKeyInput: copy(rotateKeyInputSchema),
        CreateIdentityInput: copy(createIdentityInputSchema),
        UpdateIdentityInput: copy(updateIdentityInputSchema),
        WhoamiInput: copy(whoamiInputSchema),
        UpdatePolicyInput: copy(updatePolicyInputSchema),
        ...copy(responseSchemas),
      },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'session', description: "The host application's own sign-in (getActor)" },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key with keys:* scopes' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
    security: [{ session: [] }, { bearer: [] }, { apiKeyHeader: [] }],
  };
}
