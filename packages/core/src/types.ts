/**
 * The extension points of keygate and the records that cross them.
 *
 * Every port method may return a value or a Promise (`Awaitable`), so an
 * in-memory implementation answers synchronously and a network one does not,
 * behind one interface. Times are milliseconds since the Unix epoch unless a
 * name says otherwise. "Missing" is always `undefined`, never `null` and never
 * an exception.
 *
 * @module
 */

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** How a key is presented and checked: an opaque random secret, or a signed JWT. */
export type TokenType = 'opaque' | 'jwt';

/**
 * A rate-limit policy as people say it: `limit` requests per `windowSeconds`,
 * enforced as a token bucket of capacity `burst ?? limit` that refills at
 * `limit / windowSeconds` tokens per second.
 */
export interface RateLimitPolicy {
  /** Requests allowed per window; a positive integer. */
  limit: number;
  /** Length of the window in seconds; positive. */
  windowSeconds: number;
  /** Bucket capacity when bursts larger than `limit` are allowed; defaults to `limit`. */
  burst?: number;
}

/** The stored form of a key. The secret itself is never part of it. */
export interface KeyRecord {
  /** Public key id, embedded in the key; unique and never reused. */
  id: string;
  /** Tenant (workspace, organisation) that owns the key. */
  tenantId: string;
  /** The host's user or service the key acts for, when the host says. */
  ownerId?: string;
  /** Who created the key (actor id). */
  createdBy?: string;
  /** 1 to 32 characters, trimmed. */
  name: string;
  /** Environment name, e.g. `live`, `test`, `production`. */
  environment: string;
  /** The key's prefix, e.g. `sk_live`; part of the presented key. */
  prefix: string;
  /** Last four characters of the presented key, for masked display. */
  last4: string;
  /** Opaque keys or JWT. */
  tokenType: TokenType;
  /** Encoded hash of the presented key, self-describing its algorithm (see {@link Hasher}). */
  hash: string;
  /** Hash of the key before the last rotation, valid until `previousHashExpiresAt`. */
  previousHash?: string;
  /** End of the rotation grace window for `previousHash`. */
  previousHashExpiresAt?: number;
  /** Last four characters of the previous key, so people can tell which one still works. */
  previousLast4?: string;
  /** Granted scopes, `resource:action` with `*` wildcards. */
  scopes: string[];
  /** CIDR blocks the key may be used from; empty means anywhere. */
  ipAllowlist: string[];
  /** The key's own rate limit; `null` means none; absent means the configured default. */
  rateLimit?: RateLimitPolicy | null;
  /**
   * Further named token buckets (`uploads`, `search`, ...), each applied when
   * a verification names it (`limits: [{ name }]`). `rateLimit` is the limit
   * named `default` and is never listed here.
   */
  rateLimits?: Record<string, RateLimitPolicy>;
  /**
   * Usage quota policy: how many uses the key starts with and how they
   * refill. The live counter is in the {@link CreditStore} (bucket
   * `key:<id>`), so editing the record never races with spending.
   */
  credits?: CreditPolicy;
  /** The identity (host user, team, customer) whose shared limits and credits also apply. */
  identityId?: string;
  /** Free-form host data; JSON-serialisable. */
  metadata: Record<string, unknown>;
  /** A disabled key does not verify but can be enabled again. */
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  /** `null`: never expires. */
  expiresAt: number | null;
  /** Set once by revoke; a revoked key never verifies again. */
  revokedAt: number | null;
  /** Time of the last rotation; rotation is due `rotationInterval` after `rotatedAt ?? createdAt`. */
  rotatedAt: number | null;
  /** Whether `rotateDue()` may rotate this key automatically. */
  autoRotate?: boolean;
  /** The presented key sealed with the master key (only with `storeSecretsServerSide`). */
  encryptedSecret?: string;
  /** Incremented by every write; lets caches tell stale copies apart. */
  version: number;
}

/** A page of a listing. `nextCursor` is absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** Which keys a listing returns. */
export interface KeyListQuery {
  tenantId: string;
  /** Only keys of this environment. */
  environment?: string;
  /** Page size, 1 to 100. */
  limit: number;
  /** Opaque cursor from a previous page of the same query. */
  cursor?: string;
}

/**
 * Where key records live.
 *
 * Single-record operations only, so a plain key-value store (keyv) can serve
 * them. Listing order is newest first (`createdAt` descending, then `id`
 * descending), stable under concurrent inserts.
 */
export interface KeyStore {
  /** The record with this id, or `undefined`. */
  get(id: string): Awaitable<KeyRecord | undefined>;
  /**
   * Writes the whole record (insert or replace). Atomic per record: a reader
   * sees the old record or the new one, never a mix. Must not lose another
   * record written concurrently by another process.
   */
  put(record: KeyRecord): Awaitable<void>;
  /** Removes the record; `true` if it existed. */
  delete(id: string): Awaitable<boolean>;
  /**
   * A page of the tenant's keys. An unknown or foreign cursor throws a
   * `KeygateError` with code `INVALID_CURSOR`.
   */
  list(query: KeyListQuery): Awaitable<Page<KeyRecord>>;
}

/** What an audit event is about. */
export type AuditAction =
  | 'key.created'
  | 'key.updated'
  | 'key.rotated'
  | 'key.revoked'
  | 'key.deleted'
  | 'key.revealed'
  | 'key.looked_up'
  | 'key.credits_set'
  | 'identity.created'
  | 'identity.updated'
  | 'identity.deleted'
  | 'policy.updated'
  | 'key.verified'
  | 'key.verification_failed'
  | 'alert.raised';

/** Who did something. */
export interface ActorRef {
  id: string;
  type: 'user' | 'api_key' | 'system';
  role?: string;
}

/** One audited fact. Never contains a secret. */
export interface AuditEvent {
  /** Unique, sortable by time (ULID-like). */
  id: string;
  action: AuditAction;
  at: number;
  tenantId: string;
  keyId?: string;
  actor?: ActorRef;
  ip?: string;
  userAgent?: string;
  requestId?: string;
  /** Verification outcome code, for verification events. */
  outcome?: string;
  /** Action-specific facts, e.g. the fields an update changed. */
  details?: Record<string, unknown>;
}

/** Which audit events a query returns, newest first. */
export interface AuditQuery {
  tenantId: string;
  keyId?: string;
  /** Inclusive lower bound on `at`. */
  from?: number;
  /** Exclusive upper bound on `at`. */
  to?: number;
  /** Page size, 1 to 100. */
  limit: number;
  cursor?: string;
}

/** Append-only audit log. */
export interface AuditStore {
  /** Stores the event; never overwrites another. Concurrent appends from several processes all survive. */
  append(event: AuditEvent): Awaitable<void>;
  /** Events newest first. */
  query(query: AuditQuery): Awaitable<Page<AuditEvent>>;
}

/** Counts to add to one key's bucket for one UTC day. */
export interface UsageDelta {
  keyId: string;
  tenantId: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  requests: number;
  errors: number;
  /** Latest use seen in the batch. */
  lastUsedAt: number;
}

/** One key's totals for one UTC day. */
export interface UsageBucket {
  day: string;
  requests: number;
  errors: number;
}

/** Totals over a key's life. */
export interface UsageSummary {
  requests: number;
  errors: number;
  /** `undefined` when never used. */
  lastUsedAt?: number;
}

/** Counts to add for one tag value (e.g. `route` = `/weather`) of one key on one UTC day. */
export interface TagUsageDelta {
  keyId: string;
  tenantId: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Tag name: `^[a-z][a-z0-9_]{0,31}$`. */
  tag: string;
  /** Tag value: 1 to 64 characters. */
  value: string;
  requests: number;
  errors: number;
}

/** One tag value's totals of one key for one UTC day. */
export interface TagUsageBucket {
  day: string;
  value: string;
  requests: number;
  errors: number;
}

/** Per-day usage counters. */
export interface UsageStore {
  /**
   * Adds each delta to its (key, day) bucket and to the key's totals. The
   * addition is atomic per bucket: concurrent batches from several processes
   * sum exactly. `lastUsedAt` keeps the maximum.
   */
  increment(deltas: UsageDelta[]): Awaitable<void>;
  /** Buckets for days in `[fromDay, toDay]` (inclusive, `YYYY-MM-DD`), ascending; days without use are omitted. */
  range(keyId: string, fromDay: string, toDay: string): Awaitable<UsageBucket[]>;
  /** Totals; zeros and no `lastUsedAt` for a key never used. */
  summary(keyId: string): Awaitable<UsageSummary>;
  /**
   * Adds each delta to its (key, tag, value, day) counter; atomic per
   * counter, like {@link UsageStore.increment}.
   */
  incrementTags(deltas: TagUsageDelta[]): Awaitable<void>;
  /**
   * The key's counters of tag `tag` for days in `[fromDay, toDay]`
   * (inclusive), ordered by day, then value; days and values without use are omitted.
   */
  rangeByTag(keyId: string, tag: string, fromDay: string, toDay: string): Awaitable<TagUsageBucket[]>;
  /** Forgets a deleted key's usage, tag counters included. */
  forget(keyId: string): Awaitable<void>;
}

/**
 * A tenant's key policy, set by its admins: the lifetimes new expiries
 * must fall within. Lifetimes are milliseconds; absent means no bound.
 */
export interface TenantSettings {
  tenantId: string;
  /** Shortest lifetime an expiry may give a key (from the time it is set). */
  minLifetimeMs?: number;
  /** Longest lifetime; a key created without an expiry gets this one. */
  maxLifetimeMs?: number;
  /** Whether every key must expire (`expiresAt: null` is refused). Implied by `maxLifetimeMs`. */
  requireExpiry?: boolean;
  updatedAt: number;
  /** Actor id of the last change. */
  updatedBy?: string;
  version: number;
}

/** Where tenant settings live: one record per tenant. */
export interface TenantSettingsStore {
  /** The tenant's settings, or `undefined` when never set. */
  get(tenantId: string): Awaitable<TenantSettings | undefined>;
  /** Writes the whole record (insert or replace), atomically per tenant. */
  put(settings: TenantSettings): Awaitable<void>;
}

/**
 * The host's user, team or customer that several keys belong to. Its rate
 * limits and credits are shared by all of its keys, so creating more keys
 * does not multiply a quota.
 */
export interface IdentityRecord {
  /** keygate's id (16 base62 characters). */
  id: string;
  tenantId: string;
  /** The host's own id for it (user id, customer id); unique within the tenant. */
  externalId: string;
  /** Shared host data, shown with every key of the identity. */
  metadata: Record<string, unknown>;
  /** Named token buckets shared by every key (bucket `identity:<id>:<name>`); `default` applies to every call. */
  rateLimits?: Record<string, RateLimitPolicy>;
  /** Shared usage quota (credit bucket `identity:<id>`). */
  credits?: CreditPolicy;
  createdAt: number;
  updatedAt: number;
  version: number;
}

/**
 * Where identity records live. Listing order is newest first, as for keys.
 * `externalId` is unique per tenant: {@link IdentityStore.insert} is the only
 * way to create, and it never makes a second identity for one external id.
 */
export interface IdentityStore {
  /** The record with this id, or `undefined`. */
  get(id: string): Awaitable<IdentityRecord | undefined>;
  /** The tenant's identity with this external id, or `undefined`. */
  findByExternalId(tenantId: string, externalId: string): Awaitable<IdentityRecord | undefined>;
  /**
   * Stores `record` unless the tenant already has an identity with its
   * `externalId`; returns whichever is stored. Atomic across processes
   * (except on keyv, which has no conditional write: one process only).
   */
  insert(record: IdentityRecord): Awaitable<IdentityRecord>;
  /** Replaces an existing record (same id, tenant and externalId). */
  put(record: IdentityRecord): Awaitable<void>;
  /** Removes it and its external-id entry; `true` if it existed. */
  delete(id: string): Awaitable<boolean>;
  /** A page of the tenant's identities; cursor rules as {@link KeyStore.list}. */
  list(query: { tenantId: string; limit: number; cursor?: string }): Awaitable<Page<IdentityRecord>>;
}

/** Everything keygate persists, as one bundle a host passes in. */
export interface KeygateStorage {
  keys: KeyStore;
  audit: AuditStore;
  usage: UsageStore;
  identities: IdentityStore;
  /** Per-tenant settings (the key expiry policy). */
  tenants: TenantSettingsStore;
  /**
   * Credits kept in the same database, shared by every process using it
   * (PostgreSQL, Redis and SQLite storage provide one). A `KeyManager` given no
   * `creditStore` spends credits here; without it, in memory, per process.
   */
  credits?: CreditStore;
  /**
   * True when other processes may read and write the same data (a database
   * or server behind it). A `KeyManager` on such storage that has to count
   * credits in memory, per process, warns on the first spend: each process
   * would grant the whole quota.
   */
  shared?: boolean;
  /** Releases connections this bundle opened itself; never closes a client the host passed in. */
  close?(): Awaitable<void>;
}

/** Outcome of taking tokens from a bucket. */
export interface RateLimitState {
  allowed: boolean;
  /** Bucket capacity. */
  limit: number;
  /** Whole tokens left after this call. */
  remaining: number;
  /** When the bucket will be full again (epoch ms). */
  resetAt: number;
  /** When denied: milliseconds until `cost` tokens are available; otherwise 0. */
  retryAfterMs: number;
}

/** Token buckets, shared by every process that uses the same limiter. */
export interface RateLimiter {
  /**
   * Atomically refills the bucket named `bucket` for the time elapsed, then
   * takes `cost` tokens if that many are there. A bucket never seen starts
   * full. Denied calls take nothing.
   */
  consume(bucket: string, policy: RateLimitPolicy, cost?: number): Awaitable<RateLimitState>;
  /** Forgets a bucket, so it starts full again. */
  reset(bucket: string): Awaitable<void>;
  /**
   * Optional capability: every bucket of `request.buckets` (and, when
   * `creditStore` is one this limiter {@link RateLimiter.sharesCreditsWith
   * shares state with}, every credit of `request.credits`) checked and taken
   * as ONE atomic step: all are taken when all allow, nothing is taken from
   * any token bucket or credit when one denies. See {@link MeterOutcome}.
   * A limiter without it is driven by sequential `consume` calls.
   */
  meter?(request: MeterRequest, creditStore?: CreditStore): Awaitable<MeterOutcome>;
  /**
   * Optional capability: whether {@link RateLimiter.meter} can also spend the
   * credits of `store`, because both keep their state in one backend (the
   * same Redis client, the same process memory). Asked once, at start.
   */
  sharesCreditsWith?(store: CreditStore): boolean;
}

/** One token bucket of a {@link MeterRequest}. */
export interface MeterBucket {
  bucket: string;
  policy: RateLimitPolicy;
  /** Tokens to take; a finite number, 0 or more. */
  cost: number;
}

/** One credit bucket of a {@link MeterRequest}. */
export interface MeterCredit {
  bucket: string;
  /** Credits to spend; an integer, 0 or more. */
  cost: number;
  policy: CreditPolicy;
}

/** Everything one verification takes: token buckets, then credits. */
export interface MeterRequest {
  buckets: readonly MeterBucket[];
  /** Only with a credit store the limiter shares state with. */
  credits?: readonly MeterCredit[];
}

/**
 * Outcome of {@link RateLimiter.meter}. All or nothing: `allowed` is true
 * only when every bucket and every credit could pay, and only then was
 * anything taken. When one denies, nothing is taken from any token bucket
 * and no credit is spent (a due credit refill, or a new credit bucket's
 * initial allowance, may be stored: that is not a spend).
 */
export interface MeterOutcome {
  allowed: boolean;
  /**
   * One state per requested bucket, in order. `allowed` says whether that
   * bucket alone could pay; `remaining` counts tokens after this call (after
   * the take when `allowed` overall, untouched otherwise).
   */
  buckets: RateLimitState[];
  /**
   * One outcome per requested credit, in order, in the same terms. May be
   * empty when a token bucket denied and the credits could not be read (the
   * backend is down and the limiter answered from its failure mode).
   */
  credits: CreditSpend[];
}

/**
 * When credits refill (UTC): every day at 00:00, or every month at 00:00 on
 * `dayOfMonth` (the month's last day when it is shorter). A refill sets the
 * remaining credits to `amount`; unused credits do not carry over.
 */
export interface CreditRefill {
  interval: 'daily' | 'monthly';
  /** Credits after each refill; a positive integer. */
  amount: number;
  /** For `monthly`: 1 to 31; default 1. */
  dayOfMonth?: number;
}

/** A usage quota: `initial` uses, optionally refilled. */
export interface CreditPolicy {
  /** Credits a bucket starts with the first time it is spent from; a whole number, 0 or more. */
  initial: number;
  refill?: CreditRefill;
}

/** Outcome of {@link CreditStore.spend}. */
export interface CreditSpend {
  /** Whether `cost` credits were taken. */
  allowed: boolean;
  /** Credits left after this call (never below zero). */
  remaining: number;
  /** Next refill (epoch ms), when the policy has one. */
  refillAt?: number;
}

/** A credit bucket's stored state. */
export interface CreditState {
  remaining: number;
  /** When the counter was last started, set or refilled (epoch ms); a refill is due once a boundary passes it. */
  refilledAt: number;
}

/**
 * Usage quotas (credits), shared by every process that uses the same store.
 *
 * Contract: `spend` is one atomic step per bucket: it applies a due refill,
 * then takes `cost` credits if at least that many remain. Concurrent spends
 * from any number of processes never take a credit twice, never lose one and
 * never go below zero: with `n` credits left, exactly `n` spends of cost 1
 * are allowed. A bucket never seen starts at `policy.initial` (refilled at
 * the next boundary, not at once). A denied spend takes nothing. Times come
 * from one clock (the store's: Redis `TIME`, PostgreSQL `now()`), not the
 * callers'.
 */
export interface CreditStore {
  /** Applies a due refill, then takes `cost` (an integer, 0 or more) if available. */
  spend(bucket: string, cost: number, policy: CreditPolicy): Awaitable<CreditSpend>;
  /** Sets the remaining credits (an integer, 0 or more), keeping the refill schedule; creates the bucket if needed. */
  set(bucket: string, remaining: number): Awaitable<void>;
  /** The stored state, or `undefined` for a bucket never spent from or set. No refill is applied. */
  get(bucket: string): Awaitable<CreditState | undefined>;
  /** Forgets the bucket (a deleted key's), so it would start again at `initial`. */
  reset(bucket: string): Awaitable<void>;
  /**
   * Optional: gives back `amount` credits taken by a spend that was then
   * undone (the key's credits, when its identity's spend was refused and the
   * limiter cannot meter both atomically). Best-effort: a refill between the
   * spend and the refund keeps the refund on top. A bucket never seen is left alone.
   */
  refund?(bucket: string, amount: number): Awaitable<void>;
}

/**
 * One-way hashing of presented keys. An encoded hash names its algorithm
 * (`$argon2id$…`, `hmac-sha256$…`), so keys hashed under a former default
 * keep verifying.
 */
export interface Hasher {
  /** Algorithm id written into encoded hashes, e.g. `argon2id`, `hmac-sha256`. */
  readonly algorithm: string;
  /** Encoded hash of `key`. */
  hash(key: string): Awaitable<string>;
  /** Whether `key` hashes to `encoded`; constant time in the secret; `false` (not an error) for a foreign or malformed encoding. */
  verify(key: string, encoded: string): Awaitable<boolean>;
  /** Whether this hasher can read `encoded`. */
  accepts(encoded: string): boolean;
}

/** A message for people (alerts, rotation reminders, new secrets to deliver). */
export interface Notification {
  type: string;
  tenantId: string;
  keyId?: string;
  subject: string;
  text: string;
  data?: Record<string, unknown>;
}

/** Delivers notifications (hook, webhook, email). */
export interface Notifier {
  /** Resolves when delivered or given up; never throws for a delivery failure it has logged. */
  send(notification: Notification): Awaitable<void>;
}

/** A change to a key that other processes must act on. */
export interface InvalidationMessage {
  keyId: string;
  /** What happened; caches evict on any. */
  reason: 'updated' | 'rotated' | 'revoked' | 'deleted';
  /** Record version after the change, or -1 for a delete. */
  version: number;
  /** Id of the process that sent it, so it can skip its own messages. */
  origin: string;
}

/** Fan-out of invalidations between processes (Redis pub/sub, or in-process for tests). */
export interface EventBus {
  /** Sends to every subscriber in every process, including this one. */
  publish(message: InvalidationMessage): Awaitable<void>;
  /** Calls `handler` for each message; returns an unsubscribe function. */
  subscribe(handler: (message: InvalidationMessage) => void): Awaitable<() => Awaitable<void>>;
}

/** Source of the current time, replaceable in tests. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}
