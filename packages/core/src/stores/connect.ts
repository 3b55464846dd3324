/**
 * Storage and a ready KeyManager from connection URLs, for hosts that do
 * not want to wire clients by hand:
 *
 * | URL                              | storage                                      |
 * | -------------------------------- | -------------------------------------------- |
 * | `memory://`                      | in-process (lost on restart)                 |
 * | `sqlite://path/file.sqlite`      | keyv + `@keyv/sqlite` on a local file; no server, survives restarts (development, examples, one process) |
 * | `redis://…`, `rediss://…`        | {@link createRedisStorage}                   |
 * | `postgres://…`, `postgresql://…` | {@link createPostgresStorage}                |
 *
 * Where {@link connectKeygate} keeps credits (usage quotas), unless the
 * host passes its own `creditStore`:
 *
 * | storage URL      | with `redisUrl` | without `redisUrl`                              |
 * | ---------------- | --------------- | ----------------------------------------------- |
 * | `redis://…`      | Redis           | Redis (the storage URL)                         |
 * | `postgres://…`   | Redis           | PostgreSQL: same pool, schema and table prefix  |
 * | `sqlite://…`     | Redis           | the SQLite file (table `keygate_credits`)       |
 * | `memory://`      | Redis           | this process only (lost on restart)             |
 *
 * `redis` and `pg` are loaded only when a URL needs them, so hosts install
 * just the client they use.
 *
 * @module
 */
import { BackendError, ConfigError } from '../errors.js';
import { KeyManager } from '../manager.js';
import type { KeyManagerOptions, Logger } from '../manager-types.js';
import { createMemoryRateLimiter } from '../memory-rate-limiter.js';
import { createPostgresStorage } from '../postgres/storage.js';
import { createRedisCreditStore } from '../redis/credit-store.js';
import { createRedisEventBus, type RedisEventBus } from '../redis/event-bus.js';
import { createRedisRateLimiter, type RateLimiterFailureMode } from '../redis/rate-limiter.js';
import type { RedisPubSubClient } from '../redis/redis-client.js';
import { createRedisStorage } from '../redis/storage.js';
import { ThrottledLog } from '../redis/throttled-log.js';
import type { CreditStore, KeygateStorage, RateLimiter } from '../types.js';
import { createKeyvStorage } from './keyv-storage.js';
import { createMemoryStorage } from './memory-storage.js';
import { createSqliteCreditStore } from './sqlite-credit-store.js';

/** Options of {@link createStorage}. */
export interface CreateStorageOptions {
  /** Redis key prefix (redis URLs). Default `keygate:`. */
  prefix?: string;
  /** Schema (postgres URLs). Default `public`. */
  schema?: string;
  /** Table prefix (postgres URLs). Default `keygate_`. */
  tablePrefix?: string;
  /** Where connection errors go (throttled). Default `console`. */
  logger?: Logger;
}

/** The scheme of a URL, without revealing the rest of it in errors (it may hold a password). */
function schemeOf(url: unknown): string {
  if (typeof url !== 'string') throw new ConfigError('createStorage: url must be a string', [{ field: 'url', message: 'must be a string' }]);
  const match = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (match === null) throw new ConfigError('createStorage: url must start with a scheme, e.g. postgres://', [{ field: 'url', message: 'must start with scheme://' }]);
  return match[1]!.toLowerCase();
}

/** Connects a node-redis client that logs its connection errors (throttled) instead of crashing the process. */
async function connectRedis(url: string, logger: Logger): Promise<RedisPubSubClient & { close(): Promise<unknown> }> {
  const { createClient } = await import('redis');
  const log = new ThrottledLog(logger, 10_000);
  const client = createClient({ url });
  client.on('error', (error: unknown) => log.failure('keygate: Redis connection error', error));
  client.on('ready', () => log.recovered('keygate: Redis connection ready again'));
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw new BackendError('STORAGE_UNAVAILABLE', 'Could not connect to Redis', { cause: error });
  }
  return client as unknown as RedisPubSubClient & { close(): Promise<unknown> };
}

/**
 * Opens the storage a URL names. The returned storage owns the connection
 * it opened: `close()` releases it. SQLite, Redis and PostgreSQL storage also
 * keep credits (`storage.credits`), shared by every process on the database.
 *
 * @throws ConfigError for an unknown scheme or a bad option; BackendError
 *   (`STORAGE_UNAVAILABLE`) when the server cannot be reached.
 */
export async function createStorage(url: string, options: CreateStorageOptions = {}): Promise<KeygateStorage> {
  const scheme = schemeOf(url);
  const logger = options.logger ?? console;
  switch (scheme) {
    case 'memory':
      return createMemoryStorage();
    case 'sqlite': {
      const path = url.slice('sqlite://'.length);
      if (path.length === 0) throw new ConfigError('createStorage: sqlite:// needs a file path, e.g. sqlite://./data/keygate.sqlite', [{ field: 'url', message: 'needs a file path' }]);
      const { default: KeyvSqlite } = await import('@keyv/sqlite');
      const store = new KeyvSqlite(`sqlite://${path}`);
      const storage = createKeyvStorage({ store });
      return { ...storage, credits: createSqliteCreditStore({ query: store.query }), close: () => store.disconnect() };
    }
    case 'redis':
    case 'rediss': {
      const client = await connectRedis(url, logger);
      return createRedisStorage({ client, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}), onClose: async () => void (await client.close()) });
    }
    case 'postgres':
    case 'postgresql': {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: url });
      const log = new ThrottledLog(logger, 10_000);
      // An idle client's error would otherwise be an unhandled 'error' event and end the process.
      pool.on('error', (error) => log.failure('keygate: PostgreSQL idle connection error', error));
      const names = {
        ...(options.schema !== undefined ? { schema: options.schema } : {}),
        ...(options.tablePrefix !== undefined ? { tablePrefix: options.tablePrefix } : {}),
      };
      try {
        const storage = createPostgresStorage({ pool, ...names, onClose: () => pool.end() });
        await storage.ready();
        return storage;
      } catch (error) {
        await pool.end().catch(() => undefined);
        throw error;
      }
    }
    default:
      throw new ConfigError(`createStorage: unsupported scheme "${scheme}"; use memory, sqlite, redis or postgres`, [
        { field: 'url', message: 'scheme must be memory, sqlite, redis, rediss, postgres or postgresql' },
      ]);
  }
}

/** Options of {@link connectKeygate}: where things live, plus any KeyManager option. */
export interface ConnectKeygateOptions extends Omit<KeyManagerOptions, 'storage' | 'rateLimiter' | 'eventBus'>, CreateStorageOptions {
  /** Storage URL (see {@link createStorage}). */
  url: string;
  /**
   * Redis for the shared rate limiter, credits and cross-instance
   * invalidation. Defaults to `url` when that is a redis URL. Without Redis
   * the limiter is per-process and there is no invalidation: fine for one
   * process only. Credits then live in the storage's database (postgres,
   * sqlite), or in this process for `memory://`.
   */
  redisUrl?: string;
  /** Rate limiter behaviour while Redis is down. Default `closed`. */
  failureMode?: RateLimiterFailureMode;
}

/** What {@link connectKeygate} made; `close()` releases all of it. */
export interface KeygateConnection {
  manager: KeyManager;
  storage: KeygateStorage;
  rateLimiter: RateLimiter;
  /** Where credits are spent: the host's `creditStore`, else Redis, else the storage's database, else this process (see the module table). */
  creditStore: CreditStore;
  eventBus?: RedisEventBus;
  /** Flushes the manager, then closes the bus, the storage and the Redis connection. */
  close(): Promise<void>;
}

/**
 * Storage, rate limiter, event bus and KeyManager from URLs: the one-call
 * set-up for running keygate on several instances.
 *
 * ```ts
 * const { manager, close } = await connectKeygate({ url: process.env.DATABASE_URL!, redisUrl: process.env.REDIS_URL });
 * ```
 */
export async function connectKeygate(options: ConnectKeygateOptions): Promise<KeygateConnection> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('connectKeygate: options must be an object', [{ field: 'options', message: 'must be an object' }]);
  const { url, redisUrl, failureMode, prefix, schema, tablePrefix, ...managerOptions } = options;
  const logger = options.logger ?? console;
  const redisTarget = redisUrl ?? (/^rediss?:\/\//i.test(url) ? url : undefined);
  if (redisTarget !== undefined && !/^rediss?:\/\//i.test(redisTarget)) {
    throw new ConfigError('connectKeygate: redisUrl must be a redis:// or rediss:// URL', [{ field: 'redisUrl', message: 'must be a redis URL' }]);
  }
  const storage = await createStorage(url, {
    logger,
    ...(prefix !== undefined ? { prefix } : {}),
    ...(schema !== undefined ? { schema } : {}),
    ...(tablePrefix !== undefined ? { tablePrefix } : {}),
  });
  let client: Awaited<ReturnType<typeof connectRedis>> | undefined;
  let eventBus: RedisEventBus | undefined;
  let manager: KeyManager;
  try {
    if (redisTarget !== undefined) client = await connectRedis(redisTarget, logger);
    const rateLimiter: RateLimiter = client
      ? createRedisRateLimiter({ client, logger, ...(failureMode !== undefined ? { failureMode } : {}) })
      : createMemoryRateLimiter(options.clock ? { clock: options.clock } : {});
    eventBus = client ? createRedisEventBus({ client, logger }) : undefined;
    // Credits must be spent atomically by every instance: in Redis when there is one (its limiter then meters
    // buckets and credits in one step), else in the storage's database (the manager's default, storage.credits).
    const creditStore = managerOptions.creditStore ?? (client ? createRedisCreditStore({ client }) : undefined);
    manager = new KeyManager({ ...managerOptions, storage, rateLimiter, ...(eventBus ? { eventBus } : {}), ...(creditStore ? { creditStore } : {}) });
  } catch (error) {
    // A bad option found by the manager must not leave the pool or the Redis connection holding the process open.
    await eventBus?.close().catch(() => undefined);
    await Promise.resolve(storage.close?.()).catch(() => undefined);
    await client?.close().catch(() => undefined);
    throw error;
  }
  return {
    manager,
    storage,
    rateLimiter: manager.rateLimiter,
    creditStore: manager.creditStore,
    ...(eventBus ? { eventBus } : {}),
    async close() {
      await manager.close();
      await eventBus?.close();
      await storage.close?.();
      await client?.close();
    },
  };
}
