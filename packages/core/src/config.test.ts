import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';

const fields = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => i.field);
  }
  throw new Error('expected a ConfigError');
};

describe('resolveConfig', () => {
  it('fills the documented defaults', () => {
    const c = resolveConfig();
    expect(c).toMatchObject({
      enabled: true,
      keyExpirationMs: null,
      hmacAlgorithm: 'SHA256',
      tokenType: 'opaque',
      rotationIntervalMs: null,
      rotationGraceMs: 0,
      secretLength: 32,
      storeSecretsServerSide: false,
      allowedIpRange: [],
      auditLevel: 'basic',
      rateLimitThreshold: CONFIG_DEFAULTS.rateLimitThreshold,
      hasher: 'sha256',
      environments: { live: 'sk_live', test: 'sk_test' },
      defaultEnvironment: 'live',
      cache: { ttlMs: 30_000, maxEntries: 10_000 },
      usageFlushMs: 1000,
    });
  });

  it('accepts every option of the seed table, with durations in seconds or with units', () => {
    const c = resolveConfig({
      enabled: false,
      keyExpirationTime: '90d',
      hmacAlgorithm: 'SHA512',
      tokenType: 'opaque',
      rotationInterval: 7_776_000,
      secretLength: 48,
      storeSecretsServerSide: true,
      masterKeys: [{ id: 'm1', key: Buffer.alloc(32).toString('base64') }],
      allowedIpRange: ['10.0.0.0/8', '2001:db8::/32'],
      auditLevel: 'verbose',
      rateLimitThreshold: { limit: 10, windowSeconds: 1, burst: 20 },
    });
    expect(c.keyExpirationMs).toBe(90 * 86_400_000);
    expect(c.rotationIntervalMs).toBe(90 * 86_400_000);
    expect(c.secretLength).toBe(48);
    expect(c.rateLimitThreshold).toEqual({ limit: 10, windowSeconds: 1, burst: 20 });
  });

  it('names each bad field', () => {
    expect(fields(() => resolveConfig({ secretLength: 31 }))).toEqual(['/secretLength']);
    expect(fields(() => resolveConfig({ hmacAlgorithm: 'MD5' as never }))).toEqual(['/hmacAlgorithm']);
    expect(fields(() => resolveConfig({ keyExpirationTime: '-1d' }))).toContain('/keyExpirationTime');
    expect(fields(() => resolveConfig({ rateLimitThreshold: { limit: 0, windowSeconds: 1 } }))).toContain('/rateLimitThreshold/limit');
    expect(fields(() => resolveConfig({ allowedIpRange: ['10.0.0.0/33'] })).some((f) => f.startsWith('/allowedIpRange'))).toBe(true);
    expect(fields(() => resolveConfig({ unknownOption: 1 } as never))).toEqual(['/unknownOption']);
    expect(fields(() => resolveConfig({ pepper: 'short' }))).toEqual(['/pepper']);
    expect(fields(() => resolveConfig({ defaultEnvironment: 'staging' }))).toEqual(['/defaultEnvironment']);
    expect(fields(() => resolveConfig({ environments: { live: 'Bad Prefix' } }))).toEqual(['/environments/live']);
    expect(fields(() => resolveConfig({ storeSecretsServerSide: true }))).toEqual(['/masterKeys']);
    expect(fields(() => resolveConfig({ scopes: [{ name: 'NOT A SCOPE' }] }))).toEqual(['/scopes/0/name']);
    expect(fields(() => resolveConfig({ roles: { admin: ['keys:fly'] } })).some((f) => f.startsWith('/roles'))).toBe(true);
    expect(fields(() => resolveConfig({ rotationGracePeriod: '31d' }))).toEqual(['/rotationGracePeriod']);
  });

  it('puts every problem in the message, so a start-up log says what to fix', () => {
    expect(() => resolveConfig({ secretLength: 8, auditLevel: 'loud' as never })).toThrow(/\/secretLength.*\/auditLevel|\/auditLevel.*\/secretLength/);
  });
});
