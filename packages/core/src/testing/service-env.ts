/**
 * Real services for integration tests (`*.int.test.ts`): where they are, and
 * what to do when they are not there.
 *
 * Outside CI a missing Redis or PostgreSQL skips the tests that need it,
 * with a loud warning, so a laptop without them can still run the rest.
 * Under `CI=true` a missing service fails the run: CI must never report
 * green for tests it did not run.
 *
 * URLs come from `KEYGATE_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`)
 * and `KEYGATE_TEST_DATABASE_URL` (default
 * `postgres://postgres@127.0.0.1:5432/test`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/** A service the integration tests use. */
export type TestService = 'redis' | 'postgres';

/** Whether a service answered, and where it lives. */
export interface ServiceStatus {
  service: TestService;
  available: boolean;
  /** Connection URL to use (may carry credentials; do not print it). */
  url: string;
  /** Why it is unavailable. */
  reason?: string;
}

const DEFAULT_URLS: Record<TestService, string> = {
  redis: 'redis://127.0.0.1:6379',
  postgres: 'postgres://postgres@127.0.0.1:5432/test',
};

const ENV_VARS: Record<TestService, string> = {
  redis: 'KEYGATE_TEST_REDIS_URL',
  postgres: 'KEYGATE_TEST_DATABASE_URL',
};

const PROBE_TIMEOUT_MS = 2000;

/** The URL integration tests use for `service`. */
export function serviceUrl(service: TestService): string {
  return process.env[ENV_VARS[service]] || DEFAULT_URLS[service];
}

/** True when running under CI (`CI=true` or `CI=1`). */
export function isCi(): boolean {
  const ci = process.env.CI;
  return ci === 'true' || ci === '1';
}

async function probeRedis(url: string): Promise<void> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: PROBE_TIMEOUT_MS, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    if (client.isOpen) await client.close().catch(() => undefined);
  }
}

async function probePostgres(url: string): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

const probes = new Map<TestService, Promise<ServiceStatus>>();

/**
 * Checks that `service` answers. Unavailable outside CI: warns loudly and
 * resolves `{ available: false }` (use it with `describe.skipIf`). Under CI:
 * rejects, so the test file fails.
 */
export function requireService(service: TestService): Promise<ServiceStatus> {
  let probe = probes.get(service);
  if (probe === undefined) {
    const url = serviceUrl(service);
    probe = (service === 'redis' ? probeRedis(url) : probePostgres(url)).then(
      (): ServiceStatus => ({ service, available: true, url }),
      (error: unknown): ServiceStatus => ({ service, available: false, url, reason: error instanceof Error ? error.message : String(error) }),
    );
    probes.set(service, probe);
  }
  return probe.then((status) => {
    if (status.available) return status;
    const what = `${service} integration tests: ${service} is unreachable (${status.reason}); set ${ENV_VARS[service]}`;
    if (isCi()) throw new Error(`FAILING ${what}. Under CI=true a missing service is an error, not a skip.`);
    console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING ${what}\n${'!'.repeat(78)}\n`);
    return status;
  });
}

/** A name no other test run uses: `<label>_<random hex>`, safe as a SQL identifier or key prefix. */
export function uniqueTestName(label: string): string {
  return `${label}_${randomBytes(6).toString('hex')}`;
}
