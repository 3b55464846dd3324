/**
 * The keygate configuration of the example hosts: the scopes their API
 * offers, two environments, and a flush interval short enough that a
 * visitor sees a request in the usage chart right after making it.
 *
 * @module
 */
import type { KeygateConfig } from '@keygate/core';

/** Scopes of the host's API, as the "Create API key" dialog lists them. */
export const SCOPES = [
  { name: 'weather:read', description: 'Read forecasts (GET /api/weather)' },
  { name: 'notes:read', description: 'Read the workspace notes (GET /api/notes)' },
  { name: 'notes:write', description: 'Write notes (POST /api/notes)' },
] as const;

/** keygate's configuration for the demo; everything else keeps keygate's defaults. */
export const KEYGATE_CONFIG: KeygateConfig = {
  scopes: SCOPES.map((s) => ({ ...s })),
  environments: { live: 'sk_live', test: 'sk_test' },
  defaultEnvironment: 'test',
  rateLimitThreshold: { limit: 60, windowSeconds: 60 },
  rotationGracePeriod: '1h',
  auditLevel: 'detailed',
  usageFlushInterval: '250ms',
};
