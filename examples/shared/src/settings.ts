/**
 * What an example host reads from its environment, in one place, with the
 * defaults that let `npm start` work on a fresh machine.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the embedded default storage lives: `examples/.data/` (gitignored). */
export const DATA_DIR = fileURLToPath(new URL('../../.data/', import.meta.url));

/** Settings of one example host. */
export interface HostSettings {
  /** Shown in page titles and the start banner, e.g. `Express`. */
  framework: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** keygate storage URL: `sqlite://…` by default, `postgres://…` with `DATABASE_URL`. */
  storageUrl: string;
  /** Redis for the fleet-wide rate limiter and cache invalidation, from `REDIS_URL`. */
  redisUrl?: string;
  /** PostgreSQL schema of keygate's tables, from `KEYGATE_PG_SCHEMA`; default `public`. */
  pgSchema?: string;
  /** Password of every seeded demo user. */
  demoPassword: string;
  /** Key that signs session cookies; random per start unless `SESSION_SECRET` is set. */
  sessionSecret?: string;
}

/** Environment variables the examples read. */
export type Env = Record<string, string | undefined>;

/**
 * Reads `PORT` (default 3000), `HOST` (default `127.0.0.1`: only this machine), `STORAGE_URL`
 * (any keygate storage URL; wins), `DATABASE_URL` (PostgreSQL), `REDIS_URL`,
 * `KEYGATE_PG_SCHEMA`, `DEMO_PASSWORD` and `SESSION_SECRET`. Without a database URL the keys live
 * in `examples/.data/<app>.sqlite`, so they survive a restart.
 */
export function readSettings(framework: string, app: string, env: Env = process.env): HostSettings {
  const port = env['PORT'] === undefined || env['PORT'] === '' ? 3000 : Number(env['PORT']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env['PORT']}"`);
  const storageUrl = env['STORAGE_URL'] || env['DATABASE_URL'] || `sqlite://${path.join(DATA_DIR, `${app}.sqlite`)}`;
  if (storageUrl.startsWith('sqlite://')) mkdirSync(path.dirname(storageUrl.slice('sqlite://'.length)), { recursive: true });
  return {
    framework,
    port,
    host: env['HOST'] || '127.0.0.1',
    storageUrl,
    ...(env['REDIS_URL'] ? { redisUrl: env['REDIS_URL'] } : {}),
    ...(env['KEYGATE_PG_SCHEMA'] ? { pgSchema: env['KEYGATE_PG_SCHEMA'] } : {}),
    demoPassword: env['DEMO_PASSWORD'] || 'keygate-demo',
    ...(env['SESSION_SECRET'] ? { sessionSecret: env['SESSION_SECRET'] } : {}),
  };
}

/** A connection URL fit for a log line: the password replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
