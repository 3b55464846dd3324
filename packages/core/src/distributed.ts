/**
 * Running keygate on several instances: Redis and PostgreSQL storage, the
 * shared Redis rate limiter, Redis pub/sub invalidation, and URL-based
 * set-up. `redis` and `pg` are optional peer dependencies, loaded only by
 * the code that needs them.
 *
 * @module
 */
export { createRedisStorage, type RedisStorageOptions } from './redis/storage.js';
export { createRedisRateLimiter, TOKEN_BUCKET_LUA, TOKEN_BUCKET_BATCH_LUA, METER_LUA, METER_BATCH_LUA, type RedisRateLimiter, type RedisRateLimiterOptions, type RateLimiterFailureMode } from './redis/rate-limiter.js';
export { createRedisEventBus, parseInvalidation, type RedisEventBus, type RedisEventBusOptions } from './redis/event-bus.js';
export {
  DEFAULT_REDIS_TIMEOUT_MS,
  RedisNotReadyError,
  RedisTimeoutError,
  type RedisCommandClient,
  type IORedisCommandClient,
  type RedisClientLike,
  type RedisPubSubClient,
  type RedisSubscriberClient,
} from './redis/redis-client.js';
export { createPostgresStorage, type PostgresStorage, type PostgresStorageOptions, type PgPoolLike, type PgClientLike } from './postgres/storage.js';
export { migrationStatements, tableNames, type TableNames } from './postgres/migrations.js';
export { createStorage, connectKeygate, type CreateStorageOptions, type ConnectKeygateOptions, type KeygateConnection } from './stores/connect.js';
export { createRedisCreditStore, CREDIT_SPEND_LUA, CREDIT_REFILL_LUA, type RedisCreditStoreOptions } from './redis/credit-store.js';
export { createPostgresCreditStore, refillBoundarySql, type PostgresCreditStoreOptions } from './postgres/credit-store.js';
