/**
 * The small part of a Redis client keygate needs, and the two disciplines
 * every Redis call here follows: a command answers within a deadline or
 * fails, and a Lua script is sent by SHA with a fallback to its source.
 *
 * keygate talks to the `redis` v5 client (`@redis/client`, the one
 * `@keyv/redis` uses) through `sendCommand`, so it needs nothing of the
 * client's typed command API and works with any client shaped the same. The
 * rate limiter and the credit store also take an ioredis v5 client, through
 * its `call` ({@link redisCommandClient}).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { BackendError, ConfigError } from '../errors.js';

/** What keygate calls on a Redis client: raw commands (node-redis `sendCommand`); an argument may be binary (a Buffer). */
export interface RedisCommandClient {
  sendCommand(args: ReadonlyArray<string | Buffer>): Promise<unknown>;
  /** node-redis: `false` while disconnected or reconnecting; keygate then fails fast without waiting. */
  readonly isReady?: boolean;
}

/** What keygate calls on an ioredis v5 client: raw commands (`call`) and its connection `status`. */
export interface IORedisCommandClient {
  call(command: string, ...args: Array<string | Buffer>): Promise<unknown>;
  /** ioredis: `'ready'` once connected; anything else and keygate fails fast without waiting. */
  readonly status: string;
}

/** A node-redis v5 client or an ioredis v5 client. */
export type RedisClientLike = RedisCommandClient | IORedisCommandClient;

// ioredis also has a `sendCommand`, taking its own Command objects: `call` with a `status` string tells it apart.
function isIORedis(client: object): client is IORedisCommandClient {
  return typeof (client as IORedisCommandClient).call === 'function' && typeof (client as IORedisCommandClient).status === 'string';
}

// One adapter per ioredis client, so two stores on the same client see the same object.
const adapters = new WeakMap<object, RedisCommandClient>();

/**
 * The {@link RedisCommandClient} to send through for a node-redis client (itself)
 * or an ioredis client (an adapter over `call` and `status`).
 *
 * @throws ConfigError naming the factory when `client` is neither.
 */
export function redisCommandClient(client: unknown, factory: string): RedisCommandClient {
  if (typeof client === 'object' && client !== null) {
    if (isIORedis(client)) {
      const io = client;
      let adapter = adapters.get(io);
      if (adapter === undefined) {
        const call = io.call;
        adapter = {
          // ioredis takes the command name and its arguments as one argument list: no copy of `args`.
          sendCommand: (args) => Reflect.apply(call, io, args) as Promise<unknown>,
          get isReady() {
            return io.status === 'ready';
          },
        };
        adapters.set(io, adapter);
      }
      return adapter;
    }
    if (typeof (client as RedisCommandClient).sendCommand === 'function') return client as RedisCommandClient;
  }
  const message = 'must be a connected node-redis v5 client (sendCommand()) or ioredis v5 client (call())';
  throw new ConfigError(`${factory}: client ${message}`, [{ field: 'client', message }]);
}

/** A client that can also make a dedicated subscriber connection (node-redis `duplicate()`). */
export interface RedisPubSubClient extends RedisCommandClient {
  duplicate(): RedisSubscriberClient;
}

/** The subscriber connection made by `duplicate()`. */
export interface RedisSubscriberClient {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel?: string): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): void;
  on?(event: 'error', listener: (error: unknown) => void): unknown;
  readonly isReady?: boolean;
}

/** Default deadline of one Redis command: long enough for a loaded server, short enough not to stall requests. */
export const DEFAULT_REDIS_TIMEOUT_MS = 200;

/**
 * Checks at construction that `client` has the methods keygate will call.
 *
 * @throws ConfigError naming the factory and the missing methods.
 */
export function assertRedisClient(client: unknown, factory: string, methods: readonly string[] = ['sendCommand']): void {
  if (typeof client !== 'object' || client === null) {
    throw new ConfigError(`${factory}: client must be a connected redis (node-redis v5) client`, [{ field: 'client', message: 'must be a redis client' }]);
  }
  if (isIORedis(client)) {
    const message = 'is an ioredis client; this factory needs a node-redis v5 client (ioredis works for the rate limiter and the credit store)';
    throw new ConfigError(`${factory}: client ${message}`, [{ field: 'client', message }]);
  }
  const missing = methods.filter((m) => typeof (client as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    const message = `is not a node-redis client: missing ${missing.map((m) => `${m}()`).join(', ')}`;
    throw new ConfigError(`${factory}: client ${message}`, [{ field: 'client', message }]);
  }
}

/** Checks a command deadline option. */
export function assertTimeout(value: unknown, factory: string): number {
  if (value === undefined) return DEFAULT_REDIS_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 60_000) {
    throw new ConfigError(`${factory}: timeoutMs must be a whole number of milliseconds from 1 to 60000`, [
      { field: 'timeoutMs', message: 'must be a whole number from 1 to 60000' },
    ]);
  }
  return value;
}

/** A Redis command that did not answer within its deadline. */
export class RedisTimeoutError extends Error {
  override name = 'RedisTimeoutError';
}

/** Redis is known to be disconnected; the command was not sent. */
export class RedisNotReadyError extends Error {
  override name = 'RedisNotReadyError';
}

/** Gets a command's outcome: its error, or its reply. */
export type CommandCallback = (error: unknown, reply?: unknown) => void;

/** A command in flight, linked into the list of those with its deadline length, until its callback is taken. */
interface InFlight {
  /** Deadline, in performance.now() ms. */
  readonly at: number;
  done: CommandCallback | undefined;
  prev: InFlight | undefined;
  next: InFlight | undefined;
}

/**
 * The commands in flight with one deadline length, oldest first: they join
 * in deadline order, so one timer, set for the oldest, serves them all, and
 * a command that settles just unlinks itself. A timer per command costs the
 * caller more than the rest of its work: Node files and unfiles one each
 * time, and refs and unrefs the loop with it.
 */
interface InFlightList {
  readonly timeoutMs: number;
  head: InFlight | undefined;
  tail: InFlight | undefined;
  timer: NodeJS.Timeout | undefined;
}

const inFlight = new Map<number, InFlightList>();

function inFlightList(timeoutMs: number): InFlightList {
  let list = inFlight.get(timeoutMs);
  if (list === undefined) {
    list = { timeoutMs, head: undefined, tail: undefined, timer: undefined };
    inFlight.set(timeoutMs, list);
  }
  return list;
}

function unlink(list: InFlightList, entry: InFlight): void {
  if (entry.prev === undefined) list.head = entry.next;
  else entry.prev.next = entry.next;
  if (entry.next === undefined) list.tail = entry.prev;
  else entry.next.prev = entry.prev;
  entry.prev = entry.next = undefined;
}

function expire(list: InFlightList): void {
  list.timer = undefined;
  const now = performance.now();
  let entry = list.head;
  while (entry !== undefined && entry.at <= now) {
    settle(list, entry, new RedisTimeoutError(`Redis did not answer within ${list.timeoutMs} ms`));
    entry = list.head;
  }
  // Unref'd: the client's socket keeps the process alive while a command is in flight.
  if (entry !== undefined) list.timer = setTimeout(expire, Math.max(1, Math.ceil(entry.at - now)), list).unref();
}

function settle(list: InFlightList, entry: InFlight, error: unknown, reply?: unknown): void {
  const done = entry.done;
  if (done === undefined) return;
  entry.done = undefined;
  unlink(list, entry);
  done(error, reply);
}

/**
 * Sends one command and calls `done` once within `timeoutMs`, whatever the
 * connection does: a client that is reconnecting would otherwise queue the
 * command and hold the caller until Redis returns. `done` may run before
 * this returns (a client known to be disconnected); it must not throw.
 */
export function sendWithin(client: RedisCommandClient, args: ReadonlyArray<string | Buffer>, timeoutMs: number, done: CommandCallback): void {
  if (client.isReady === false) return done(new RedisNotReadyError('Redis is not connected'));
  const list = inFlightList(timeoutMs);
  const entry: InFlight = { at: performance.now() + timeoutMs, done, prev: list.tail, next: undefined };
  if (list.tail === undefined) list.head = entry;
  else list.tail.next = entry;
  list.tail = entry;
  // Armed for the oldest command; once it settles, the timer fires at most once more for nothing and re-arms for the next.
  list.timer ??= setTimeout(expire, timeoutMs, list).unref();
  // No node-redis `timeout` option: it costs an AbortSignal timer per command (a third of the
  // limiter's throughput). Commands are only sent while the client is ready, so none waits in an
  // offline queue; one already on the wire may still run after we gave up, which can only charge, never admit.
  client.sendCommand(args).then(
    (reply) => settle(list, entry, undefined, reply),
    (error: unknown) => settle(list, entry, error ?? new Error('Redis command failed')),
  );
}

/** The outcome that `start` passes to its callback, as a promise. */
function promised<T>(start: (done: CommandCallback) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, reply) => (error === undefined ? resolve(reply as T) : reject(error))));
}

/** {@link sendWithin} as a promise. */
export function sendWithDeadline<T = unknown>(client: RedisCommandClient, args: ReadonlyArray<string | Buffer>, timeoutMs: number): Promise<T> {
  return promised((done) => sendWithin(client, args, timeoutMs, done));
}

/** A Lua script addressed by its SHA1. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** Prepares a script for {@link evalScript}. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Whether Redis answered that it does not have the script (after a restart or `SCRIPT FLUSH`): send it with EVAL then. */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Sends a script's `EVALSHA` command (`['EVALSHA', script.sha, numkeys, …]`),
 * one round trip when the server has the script cached, and after a
 * `NOSCRIPT` reply (a Redis restart, `SCRIPT FLUSH`) the same with EVAL,
 * which also caches it. The command is not changed: a prepared one may be
 * shared by calls in flight.
 */
export function runScript(client: RedisCommandClient, script: LuaScript, command: ReadonlyArray<string | Buffer>, timeoutMs: number, done: CommandCallback): void {
  sendWithin(client, command, timeoutMs, (error, reply) => {
    if (error === undefined || !isNoScript(error)) return done(error, reply);
    sendWithin(client, ['EVAL', script.source, ...command.slice(2)], timeoutMs, done);
  });
}

/** {@link runScript} for `keys` and `args`, as a promise. */
export function evalScript<T = unknown>(
  client: RedisCommandClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly string[],
  timeoutMs: number,
): Promise<T> {
  return promised((done) => runScript(client, script, ['EVALSHA', script.sha, String(keys.length), ...keys, ...args], timeoutMs, done));
}

/** Wraps a Redis failure as keygate's `STORAGE_UNAVAILABLE`, keeping the cause. */
export function storageUnavailable(error: unknown): BackendError {
  return new BackendError('STORAGE_UNAVAILABLE', 'Redis storage failed', { cause: error });
}

/** Escapes an id for use as one key segment: no `:` survives and distinct ids stay distinct. */
export function keySegment(id: string): string {
  return id.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/** Checks a key prefix option: printable, no spaces, at most `maxLength` characters. */
export function assertKeyPrefix(value: unknown, fallback: string, factory: string, maxLength = 64): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !/^[A-Za-z0-9_.:{}-]+$/.test(value)) {
    const message = `must be 1 to ${maxLength} letters, digits or _ . : { } -`;
    throw new ConfigError(`${factory}: prefix ${message}`, [{ field: 'prefix', message }]);
  }
  return value;
}
