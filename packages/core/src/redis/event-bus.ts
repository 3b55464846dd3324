/**
 * An {@link EventBus} over Redis pub/sub: a revoke, delete, rotate or update
 * on one process evicts the verified-key cache of every other process,
 * typically within a few milliseconds.
 *
 * Pub/sub is fire-and-forget: a process that is disconnected from Redis when
 * a message is published never receives it. Its cache then stays stale until
 * the entry's TTL ends (`cache.ttl`, 30 s by default), which bounds the
 * window; keep the TTL short where instant revocation matters.
 *
 * @module
 */
import { BackendError, ConfigError } from '../errors.js';
import type { Logger } from '../manager-types.js';
import type { EventBus, InvalidationMessage } from '../types.js';
import {
  assertKeyPrefix,
  assertRedisClient,
  assertTimeout,
  sendWithDeadline,
  type RedisPubSubClient,
  type RedisSubscriberClient,
} from './redis-client.js';
import { ThrottledLog } from './throttled-log.js';

/** Options of {@link createRedisEventBus}. */
export interface RedisEventBusOptions {
  /**
   * A connected node-redis v5 client, used to publish. The bus subscribes on
   * its own connection made with `client.duplicate()` (a subscribed
   * connection cannot run other commands); the host keeps owning `client`.
   */
  client: RedisPubSubClient;
  /** Channel name; every process of one deployment must use the same. Default `keygate:invalidate`. */
  channel?: string;
  /** Deadline of a publish. Default 200 ms. */
  timeoutMs?: number;
  /** Where subscriber connection problems go (throttled). Default `console`. */
  logger?: Logger;
}

/** A Redis pub/sub {@link EventBus} that can release its subscriber connection. */
export interface RedisEventBus extends EventBus {
  publish(message: InvalidationMessage): Promise<void>;
  subscribe(handler: (message: InvalidationMessage) => void): Promise<() => Promise<void>>;
  /** Unsubscribes everything and closes the subscriber connection the bus made. */
  close(): Promise<void>;
}

const REASONS = new Set<string>(['updated', 'rotated', 'revoked', 'deleted']);

/** Parses a message from the channel; anything malformed (another publisher, a bug) is dropped. */
export function parseInvalidation(raw: string): InvalidationMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.keyId !== 'string' || typeof m.reason !== 'string' || !REASONS.has(m.reason)) return undefined;
  if (typeof m.version !== 'number' || !Number.isFinite(m.version) || typeof m.origin !== 'string') return undefined;
  return { keyId: m.keyId, reason: m.reason as InvalidationMessage['reason'], version: m.version, origin: m.origin };
}

/**
 * Creates the bus. Subscribing connects the dedicated subscriber connection
 * on first use; node-redis re-subscribes by itself after a reconnect.
 *
 * @throws ConfigError when the client lacks `sendCommand` or `duplicate`, or an option is invalid.
 */
export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
  const factory = 'createRedisEventBus';
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${factory}: options must be an object`, [{ field: 'options', message: 'must be an object' }]);
  const { client } = options;
  assertRedisClient(client, factory, ['sendCommand', 'duplicate']);
  const channel = assertKeyPrefix(options.channel, 'keygate:invalidate', factory);
  const timeoutMs = assertTimeout(options.timeoutMs, factory);
  const log = new ThrottledLog(options.logger ?? console, 10_000);

  const handlers = new Set<(message: InvalidationMessage) => void>();
  let subscriber: RedisSubscriberClient | undefined;
  let ready: Promise<void> | undefined;
  let closed = false;

  function deliver(raw: string): void {
    const message = parseInvalidation(raw);
    if (message === undefined) return;
    for (const handler of [...handlers]) {
      try {
        handler(Object.freeze({ ...message }));
      } catch {
        // One failing subscriber must not starve the rest.
      }
    }
  }

  function connect(): Promise<void> {
    ready ??= (async () => {
      const sub = client.duplicate();
      sub.on?.('error', (error: unknown) => log.failure('keygate: Redis invalidation subscriber error; caches fall back to their TTL until it reconnects', error));
      subscriber = sub;
      await sub.connect();
      await sub.subscribe(channel, (raw) => deliver(raw));
    })().catch((error: unknown) => {
      ready = undefined;
      const s = subscriber;
      subscriber = undefined;
      s?.destroy?.();
      throw new BackendError('STORAGE_UNAVAILABLE', 'Could not subscribe to Redis invalidations', { cause: error });
    });
    return ready;
  }

  return {
    async publish(message) {
      try {
        await sendWithDeadline(client, ['PUBLISH', channel, JSON.stringify(message)], timeoutMs);
      } catch (error) {
        throw new BackendError('STORAGE_UNAVAILABLE', 'Could not publish the invalidation to Redis', { cause: error });
      }
    },
    async subscribe(handler) {
      if (closed) throw new BackendError('STORAGE_UNAVAILABLE', 'The Redis event bus is closed');
      // Wrapped so subscribing the same function twice yields two subscriptions.
      const subscription = (m: InvalidationMessage) => handler(m);
      handlers.add(subscription);
      try {
        await connect();
      } catch (error) {
        handlers.delete(subscription);
        throw error;
      }
      return async () => {
        handlers.delete(subscription);
      };
    },
    async close() {
      closed = true;
      handlers.clear();
      const sub = subscriber;
      subscriber = undefined;
      ready = undefined;
      if (sub === undefined) return;
      try {
        await sub.unsubscribe(channel);
        await (sub.close?.() ?? sub.quit?.());
      } catch {
        sub.destroy?.();
      }
    },
  };
}
