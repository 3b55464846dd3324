import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { effectiveCredits, nextRefillBoundary } from './credit-refill.js';
import { AuditLog, type AuditInput } from './audit-log.js';
import { resolveConfig } from './config.js';
import type { ResolvedConfig } from './config-types.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  BackendError,
  ConfigError,
  type FieldIssue,
  ForbiddenError,
  KeygateError,
  KeyNotFoundError,
  LookupLimitedError,
  UnauthenticatedError,
  ValidationError,
} from './errors.js';
import { createArgon2idHasher, createHasherChain, createSha256Hasher, hashForCache, isSlowHash } from './hashing.js';
import { ipMatcherFor, validateCidrs } from './ip-allowlist.js';
import { generateKey, KEY_ID_LENGTH, MAX_PRESENTED_KEY_LENGTH, parseKey } from './key-format.js';
import { normalizeKeyName } from './key-name.js';
import { type ApiKey, isoOrNull, keyStatus, toApiKey } from './key-view.js';
import { decodeJwt } from 'jose';
import { createJwtCodec, type JwtCodec, looksLikeJwt } from './jwt.js';
import type {
  Actor,
  CreateIdentityInput,
  CreateKeyInput,
  CreditInput,
  Identity,
  UpdateIdentityInput,
  IssuedKey,
  KeyManagerOptions,
  ListKeysQuery,
  Logger,
  RotateKeyInput,
  RotatedKeyDelivery,
  TenantPolicy,
  UsageByTag,
  UpdateKeyInput,
  UpdatePolicyInput,
  VerificationEvent,
  VerifyCode,
  VerifyOptions,
  VerifyResult,
} from './manager-types.js';
import { createMemoryCreditStore } from './memory-credit-store.js';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import { createAuthorizer, PERMISSIONS, type Permission } from './rbac.js';
import { randomBase62 } from './random.js';
import {
  createIdentityInputSchema,
  createKeyInputSchema,
  rotateKeyInputSchema,
  updateIdentityInputSchema,
  updateKeyInputSchema,
  updatePolicyInputSchema,
  whoamiInputSchema,
} from './schemas.js';
import { hasScopes, scopeGrants, validateScopes } from './scopes.js';
import { createSecretBox, type SecretBox } from './secret-box.js';
import { encodeCursor } from './stores/cursor.js';
import { createMemoryStorage } from './stores/memory-storage.js';
import { isTagValue, MAX_TAG_VALUE, TAG_NAME } from './stores/tag-usage.js';
import type {
  ActorRef,
  AuditEvent,
  AuditQuery,
  Clock,
  CreditPolicy,
  CreditSpend,
  CreditStore,
  Hasher,
  IdentityRecord,
  InvalidationMessage,
  KeygateStorage,
  KeyRecord,
  MeterBucket,
  MeterCredit,
  MeterOutcome,
  MeterRequest,
  Page,
  RateLimitPolicy,
  RateLimitState,
  RateLimiter,
  TenantSettings,
  UsageBucket,
  UsageSummary,
} from './types.js';
import { utcDay, UsageTracker } from './usage-tracker.js';
import { compileValidator } from './validation.js';
import { type SecretMatch, VerifiedKeyCache } from './verified-key-cache.js';

const validateCreate = compileValidator(createKeyInputSchema);
const validateUpdate = compileValidator(updateKeyInputSchema);
const validateRotate = compileValidator(rotateKeyInputSchema);
const validateCreateIdentity = compileValidator(createIdentityInputSchema);
const validateUpdateIdentity = compileValidator(updateIdentityInputSchema);
const validateWhoami = compileValidator(whoamiInputSchema);
const validateUpdatePolicy = compileValidator(updatePolicyInputSchema);
/** Lookups per actor: enough for a support tool, too few to test many guessed keys. */
const WHOAMI_LIMIT: RateLimitPolicy = { limit: 30, windowSeconds: 60 };
const IDENTITY_PREFIX = 'identity:';

const MAX_METADATA_BYTES = 8192;
/** Tags counted per verification; more would multiply counters per request. */
const MAX_TAGS = 10;
const MAX_GRACE_MS = 30 * 24 * 3600 * 1000;
const MAX_USAGE_DAYS = 366;
const systemClock: Clock = { now: () => Date.now() };

/**
 * The one object a host creates: it issues, verifies and manages API keys.
 *
 * Construction validates the configuration and the supplied dependencies and
 * throws a {@link ConfigError} that names what is wrong. Every management
 * method takes an {@link Actor} and checks its permission; `verify` takes the
 * presented key and returns a result with a stable code.
 */
export class KeyManager {
  readonly config: ResolvedConfig;
  readonly storage: KeygateStorage;
  readonly rateLimiter: RateLimiter;
  /** Usage quotas of keys (`key:<id>`) and identities (`identity:<id>`). */
  readonly creditStore: CreditStore;
  /** Identities by id, for verifications of their keys; evicted like keys. */
  readonly #identities: LRUCache<string, IdentityRecord> | undefined;
  /** Per cached key record, the buckets and credits its last metered verification took (see {@link meterPlan}). */
  readonly #meterPlans = new WeakMap<KeyRecord, MeterPlan>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #hasher: Hasher & { needsRehash(encoded: string): boolean };
  /** Hasher for JWT-mode tokens: they are long, signed and unguessable, so a fast digest fits. */
  readonly #tokenHasher: Hasher;
  readonly #authorizer: ReturnType<typeof createAuthorizer>;
  readonly #cache: VerifiedKeyCache;
  readonly #audit: AuditLog;
  readonly #usage: UsageTracker;
  readonly #secretBox: SecretBox | undefined;
  readonly #jwt: Promise<JwtCodec> | undefined;
  readonly #globalIp: (ip: string | undefined) => boolean;
  readonly #restrictsIp: boolean;
  readonly #checkedTags = new WeakMap<object, ReadonlyArray<[string, string]>>();
  readonly #origin = randomUUID();
  readonly #options: KeyManagerOptions;
  /** Whether `rateLimiter.meter` also spends this credit store's credits (one atomic step per verification). */
  readonly #metersCredits: boolean;
  /** Tag names already warned about, so a host passing bad tags on every call logs once per name. */
  readonly #warnedTags = new Set<string>();
  #unsubscribe: Promise<(() => unknown) | undefined> | undefined;
  #closed = false;

  constructor(options: KeyManagerOptions = {}) {
    this.#options = options;
    this.config = resolveConfig(options.config);
    this.storage = options.storage ?? createMemoryStorage();
    this.rateLimiter = options.rateLimiter ?? createMemoryRateLimiter(options.clock ? { clock: options.clock } : {});
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? console;
    this.creditStore = options.creditStore ?? this.storage.credits ?? this.#processCredits(options.clock);
    checkDependencies(options, this.storage, this.rateLimiter);
    this.#metersCredits = typeof this.rateLimiter.meter === 'function' && this.rateLimiter.sharesCreditsWith?.(this.creditStore) === true;

    const c = this.config;
    const sha = createSha256Hasher({ digest: c.hmacAlgorithm, ...(c.pepper ? { pepper: c.pepper } : {}) });
    const argon = createArgon2idHasher({ ...c.argon2, ...(c.pepper ? { pepper: c.pepper } : {}) });
    this.#hasher = c.hasher === 'argon2id' ? createHasherChain(argon, sha) : createHasherChain(sha, argon);
    this.#tokenHasher = sha;
    this.#authorizer = createAuthorizer(c.roles);
    this.#cache = new VerifiedKeyCache({ ttlMs: c.cache.ttlMs, maxEntries: c.cache.maxEntries });
    this.#identities = c.cache.ttlMs > 0 ? new LRUCache({ max: c.cache.maxEntries, ttl: c.cache.ttlMs }) : undefined;
    const onError = (context: string) => (error: unknown) =>
      this.#logger.error(`keygate: ${context} failed`, { error: error instanceof Error ? error.message : String(error) });
    this.#audit = new AuditLog(
      this.storage.audit,
      c.auditLevel,
      this.#clock,
      options.hooks?.onAudit ? [options.hooks.onAudit] : [],
      onError('audit write'),
      c.usageFlushMs,
    );
    this.#usage = new UsageTracker(this.storage.usage, c.usageFlushMs, onError('usage write'));
    this.#secretBox = c.storeSecretsServerSide ? createSecretBox(c.masterKeys) : undefined;
    if (c.tokenType === 'jwt' && c.jwt) {
      this.#jwt = createJwtCodec(c.jwt, { clock: this.#clock });
      // Surface bad key material early in logs; calls that need the codec rethrow it.
      this.#jwt.catch(onError('JWT key import'));
    }
    this.#globalIp = ipMatcherFor(c.allowedIpRange);
    this.#restrictsIp = c.allowedIpRange.length > 0;
    if (options.eventBus) {
      const bus = options.eventBus;
      this.#unsubscribe = Promise.resolve(bus.subscribe((m) => this.#onInvalidation(m))).catch((error: unknown) => {
        onError('event bus subscribe')(error);
        return undefined;
      });
    }
  }

  // ---------------------------------------------------------------- verify

  /**
   * Checks a presented key. Never throws for a bad key: the result carries a
   * stable code. Throws a `KeygateError` only when a backend fails
   * (`STORAGE_UNAVAILABLE`), which is not a verdict on the key.
   */
  verify(presented: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    // Not async: returning #verify's promise as is saves the extra promise hops an async wrapper adds.
    const observe = this.#options.hooks?.onVerification;
    if (observe !== undefined) return this.#observed(presented, options, observe);
    const result = this.#verify(presented, options);
    return result instanceof Promise ? result : Promise.resolve(result);
  }

  async #observed(presented: string, options: VerifyOptions, observe: (event: VerificationEvent) => void): Promise<VerifyResult> {
    const started = performance.now();
    const result = await this.#verify(presented, options);
    const event: VerificationEvent = { code: result.code, durationMs: performance.now() - started, at: this.#clock.now() };
    const claimed = result.key?.id ?? (typeof presented === 'string' ? claimedKeyId(presented) : undefined);
    if (claimed !== undefined) event.claimedKeyId = claimed;
    if (result.key !== undefined) event.tenantId = result.key.tenantId;
    const ip = clientIp(options);
    if (ip !== undefined) event.ip = ip;
    try {
      observe(event);
    } catch (error) {
      this.#logger.error('keygate: onVerification hook failed', { error: error instanceof Error ? error.message : String(error) });
    }
    return result;
  }

  /**
   * Like {@link verify}, but answers synchronously when everything it needs
   * is in memory (an opaque key in the verified-key cache, in-memory limits),
   * and with a Promise otherwise. Hot middleware uses it to skip the promise
   * hops that would cost more than the check itself.
   */
  verifyAwaitable(presented: string, options: VerifyOptions = {}): VerifyResult | Promise<VerifyResult> {
    return this.#options.hooks?.onVerification === undefined ? this.#verify(presented, options) : this.verify(presented, options);
  }

  /**
   * The in-memory credit store a manager falls back to. On shared storage it
   * warns once, at the first spend: every process then counts its own quota.
   */
  #processCredits(clock: Clock | undefined): CreditStore {
    const store = createMemoryCreditStore(clock ? { clock } : {});
    if (this.storage.shared !== true) return store;
    const logger = this.#logger;
    let warned = false;
    return Object.assign(Object.create(store) as CreditStore, {
      spend(bucket: string, cost: number, policy: CreditPolicy) {
        if (!warned) {
          warned = true;
          logger.warn(
            'keygate: credits are counted per process: the storage is shared, but no creditStore was given, so each process grants the whole quota. Pass creditStore (createRedisCreditStore, createPostgresCreditStore) to spend from one balance.',
          );
        }
        return store.spend(bucket, cost, policy);
      },
    });
  }

  #verify(presented: string, options: VerifyOptions): VerifyResult | Promise<VerifyResult> {
    if (!this.config.enabled) return { valid: false, code: 'DISABLED' };
    if (typeof presented !== 'string') return this.#reject('INVALID_FORMAT', undefined, options);
    if (this.#jwt !== undefined && looksLikeJwt(presented)) return this.#verifyJwt(presented, this.#clock.now(), options);
    if (presented.length > MAX_PRESENTED_KEY_LENGTH) return this.#reject('INVALID_FORMAT', undefined, options);
    // A cached key is found by its hash alone: that hash only matches a key string that parsed and verified before.
    const presentedHash = hashForCache(presented);
    const hit = this.#cache.find(presentedHash);
    if (hit !== undefined) return this.#checkState(hit.entry.record, hit.entry.view, hit.match, undefined, options);
    const parsed = parseKey(presented);
    if (parsed === undefined) return this.#reject('INVALID_FORMAT', undefined, options);
    return this.#verifyCold(presented, parsed.keyId, presentedHash, false, this.#clock.now(), options);
  }

  async #verifyJwt(presented: string, now: number, options: VerifyOptions): Promise<VerifyResult> {
    const presentedHash = hashForCache(presented);
    // A token seen and fully checked before is in the cache; skip the signature check then.
    const hit = this.#cache.find(presentedHash);
    if (hit !== undefined) return this.#checkState(hit.entry.record, hit.entry.view, hit.match, now, options);
    const outcome = await (await this.#jwt!).verify(presented);
    if (!outcome.ok) return this.#reject(outcome.reason === 'EXPIRED' ? 'EXPIRED' : 'INVALID_FORMAT', undefined, options);
    return this.#verifyCold(presented, outcome.keyId, presentedHash, true, now, options);
  }

  /** The store read and hash check of a key not in the cache, then the same state checks. */
  async #verifyCold(presented: string, keyId: string, presentedHash: string, isJwt: boolean, now: number, options: VerifyOptions): Promise<VerifyResult> {
    const found = await this.#verifySecret(presented, keyId, isJwt, now, options);
    if ('code' in found) return found;
    const { record, match } = found;
    const view = toApiKey(record, now);
    this.#cache.remember(record, view, presentedHash, match);
    return this.#checkState(record, view, match, now, options);
  }

  /**
   * Counts a request whose key verified (`usage: 'defer'`) once the host's
   * response `status` is known, as an error when >= 400, and tells the
   * `onResponse` hook. What the HTTP middleware calls when the response ends.
   */
  recordResponse(key: Pick<ApiKey, 'id' | 'tenantId'>, status: number, tags?: Readonly<Record<string, string>>): void {
    this.recordRequest(key, status >= 400, tags);
    const observe = this.#options.hooks?.onResponse;
    if (observe === undefined) return;
    try {
      observe({ keyId: key.id, tenantId: key.tenantId, status, at: this.#clock.now() });
    } catch (error) {
      this.#logger.error('keygate: onResponse hook failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  recordRequest(key: Pick<ApiKey, 'id' | 'tenantId'>, isError: boolean, tags?: Readonly<Record<string, string>>): void {
    const now = this.#clock.now();
    this.#usage.record(key.id, key.tenantId, isError, now);
    if (tags !== undefined) this.#recordTags(key.id, key.tenantId, tags, isError, now);
  }

  #recordTags(keyId: string, tenantId: string, tags: Readonly<Record<string, string>>, isError: boolean, now: number): void {
    // Middleware passes the same frozen tags object for every request of a route: check it once.
    const cacheable = tags !== null && typeof tags === 'object' && Object.isFrozen(tags);
    let valid: ReadonlyArray<[string, string]> | undefined = cacheable ? this.#checkedTags.get(tags) : undefined;
    if (valid === undefined) {
      valid = this.#validTags(tags);
      // Frozen, the usage tracker may remember the counters of this array (it stays the same for the route).
      if (cacheable) this.#checkedTags.set(tags, Object.freeze(valid));
    }
    if (valid.length > 0) this.#usage.recordTags(keyId, tenantId, valid, isError, now);
  }

  /** The tags stores accept, at most 10; the rest are dropped with a warning (once per tag name, so bad input cannot flood logs). */
  #validTags(tags: Readonly<Record<string, string>>): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    if (tags === null || typeof tags !== 'object') {
      this.#warnTag('(tags)', 'tags must be an object of strings');
      return out;
    }
    for (const name of Object.keys(tags)) {
      const value = tags[name];
      if (!TAG_NAME.test(name)) this.#warnTag(name.slice(0, 40), 'tag names must match ^[a-z][a-z0-9_]{0,31}$');
      else if (!isTagValue(value)) this.#warnTag(name, `tag values must be 1 to ${MAX_TAG_VALUE} characters without control characters`);
      else if (out.length === MAX_TAGS) this.#warnTag(name, `at most ${MAX_TAGS} tags are counted per verification`);
      else out.push([name, value]);
    }
    return out;
  }

  #warnTag(name: string, problem: string): void {
    if (this.#warnedTags.has(name) || this.#warnedTags.size >= 100) return;
    this.#warnedTags.add(name);
    this.#logger.warn(`keygate: verification tag dropped: ${problem}`, { tag: name });
  }

  async #verifySecret(
    presented: string,
    keyId: string,
    isJwt: boolean,
    now: number,
    options: VerifyOptions,
  ): Promise<{ record: KeyRecord; match: SecretMatch } | VerifyResult> {
    if (this.#cache.isMissing(keyId)) return this.#reject('NOT_FOUND', undefined, options);
    const record = await this.#load(keyId);
    if (record === undefined) {
      this.#cache.rememberMissing(keyId);
      return this.#reject('NOT_FOUND', undefined, options);
    }
    // Only a slow hash needs a guard: guessing secrets for one key id must not burn argon2 CPU. A cheap
    // digest is checked every time, so an attacker can never lock the owner out. An exhausted budget
    // answers NOT_FOUND, like a wrong secret, so it tells nobody that the id exists.
    const failBucket = `fail:${keyId}`;
    const guarded = !isJwt && isSlowHash(record.hash);
    if (guarded && (await this.rateLimiter.consume(failBucket, this.config.failedVerificationLimit, 0)).remaining < 1) {
      return this.#reject('NOT_FOUND', record, options);
    }
    const hasher = isJwt ? this.#tokenHasher : this.#hasher;
    let match: SecretMatch | undefined;
    if (await hasher.verify(presented, record.hash)) match = 'current';
    else if (
      record.previousHash !== undefined &&
      record.previousHashExpiresAt !== undefined &&
      now < record.previousHashExpiresAt &&
      (await hasher.verify(presented, record.previousHash))
    ) {
      match = 'previous';
    }
    if (match === undefined) {
      if (guarded) await this.rateLimiter.consume(failBucket, this.config.failedVerificationLimit, 1);
      // Same answer as a missing key: whoever holds no valid secret learns nothing about the id.
      return this.#reject('NOT_FOUND', record, options);
    }
    if (match === 'current' && !isJwt && this.#hasher.needsRehash(record.hash)) {
      void this.#upgradeHash(record, presented);
    }
    return { record, match };
  }

  /** `now` may be left out (a cache hit): the clock is read only for a key that can expire, which most keys cannot. */
  #checkState(record: KeyRecord, view: ApiKey, match: SecretMatch, now: number | undefined, options: VerifyOptions): Promise<VerifyResult> | VerifyResult {
    if (match === 'previous' && (now ??= this.#clock.now()) >= (record.previousHashExpiresAt ?? 0)) return this.#reject('EXPIRED', record, options, {}, view);
    if (record.revokedAt !== null) return this.#reject('REVOKED', record, options, {}, view);
    if (!record.enabled) return this.#reject('DISABLED', record, options, {}, view);
    if (record.expiresAt !== null && (now ??= this.#clock.now()) >= record.expiresAt) return this.#reject('EXPIRED', record, options, {}, view);
    if (this.#restrictsIp || record.ipAllowlist.length > 0) {
      const ip = clientIp(options);
      if (!this.#globalIp(ip) || (record.ipAllowlist.length > 0 && !ipMatcherFor(record.ipAllowlist)(ip))) {
        return this.#reject('IP_NOT_ALLOWED', record, options, {}, view);
      }
    }
    const required = options.scopes;
    if (required !== undefined && required.length > 0 && !hasScopes(record.scopes, required, options.scopeMode ?? 'all')) {
      const missingScopes = required.filter((s) => !record.scopes.some((g) => scopeGrants(g, s)));
      return this.#reject('INSUFFICIENT_SCOPE', record, options, { missingScopes }, view);
    }
    // Named limits, quotas and identities take the general path; a key with just a default limit stays on this one.
    if (record.rateLimits !== undefined || record.credits !== undefined || record.identityId !== undefined || options.limits !== undefined) {
      return this.#meter(record, view, options);
    }
    const policy = record.rateLimit === undefined ? this.config.rateLimitThreshold : record.rateLimit;
    if (policy === null) return this.#accept(record, view, options);
    const limited = this.rateLimiter.consume(`key:${record.id}`, policy, options.cost ?? 1);
    return limited instanceof Promise
      ? limited.then((state) => this.#limited(state, policy, record, view, options))
      : this.#limited(limited, policy, record, view, options);
  }

  #limited(state: RateLimitState, policy: RateLimitPolicy, record: KeyRecord, view: ApiKey, options: VerifyOptions): VerifyResult {
    if (!state.allowed) {
      return this.#reject('RATE_LIMITED', record, options, { rateLimit: state, rateLimitPolicy: policy, retryAfterMs: state.retryAfterMs }, view);
    }
    const result = this.#accept(record, view, options);
    result.rateLimit = state;
    result.rateLimitPolicy = policy;
    return result;
  }

  /**
   * Every limit and quota that applies: the key's default limit, the named
   * limits the call asks for, the same of the key's identity, then credits.
   * With a limiter that meters (and shares state with the credit store) it is
   * one atomic step, one round trip on Redis: all taken or nothing. Otherwise
   * see {@link KeyManager.#take}.
   */
  async #meter(record: KeyRecord, view: ApiKey, options: VerifyOptions): Promise<VerifyResult> {
    const identity = record.identityId === undefined ? undefined : await this.#identity(record.identityId);
    let plan = this.#meterPlans.get(record);
    if (plan === undefined || !plan.fits(identity, options)) {
      plan = meterPlan(record, identity, options, this.config.rateLimitThreshold);
      this.#meterPlans.set(record, plan);
    }
    const { names, request } = plan;
    const buckets = request.buckets;
    if (buckets.length === 0 && request.credits!.length === 0) return this.#accept(record, view, options);

    const outcome = await this.#take(request);
    const states = outcome.buckets;
    let denied = -1;
    let closest = -1;
    for (let i = 0; i < states.length; i++) {
      const state = states[i]!;
      if (!state.allowed) {
        if (denied < 0 || state.retryAfterMs > states[denied]!.retryAfterMs) denied = i;
      } else if (closest < 0 || state.remaining / state.limit < states[closest]!.remaining / states[closest]!.limit) closest = i;
    }
    if (denied >= 0) {
      const state = states[denied]!;
      const policy = buckets[denied]!.policy;
      return this.#reject('RATE_LIMITED', record, options, { rateLimit: state, rateLimitPolicy: policy, rateLimitName: names[denied]!, retryAfterMs: state.retryAfterMs }, view);
    }
    const extra: Partial<VerifyResult> = closest < 0 ? {} : { rateLimit: states[closest]!, rateLimitPolicy: buckets[closest]!.policy, rateLimitName: names[closest]! };
    const spent = scarcest(outcome.credits);
    if (spent !== undefined && !spent.allowed) return this.#usageExceeded(record, view, options, spent, extra);
    const result = this.#accept(record, view, options);
    Object.assign(result, extra);
    if (spent !== undefined) result.credits = creditInfo(spent);
    return result;
  }

  /**
   * Takes the buckets and credits of one verification. A limiter that meters
   * credits of this store does all of it in one atomic step. Otherwise the
   * buckets go first (one `meter` call when the limiter has it, else parallel
   * `consume` calls, where a call denied by one bucket may have taken tokens
   * from the others), and only when they all admit are the credits spent one
   * by one; when one is refused, those already spent are refunded
   * (best-effort: {@link CreditStore.refund}, logged when it fails or is
   * missing). Tokens taken for a call then refused for credits stay taken.
   */
  async #take(request: MeterRequest): Promise<MeterOutcome> {
    const { buckets } = request;
    const credits = request.credits!;
    try {
      if (this.#metersCredits) {
        if (credits.length > 0 || buckets.length > 1) return await this.rateLimiter.meter!(request, this.creditStore);
      }
      let states: RateLimitState[] = [];
      if (buckets.length === 1) {
        const b = buckets[0]!;
        states = [await this.rateLimiter.consume(b.bucket, b.policy, b.cost)];
      } else if (buckets.length > 1 && this.rateLimiter.meter !== undefined) {
        states = (await this.rateLimiter.meter({ buckets })).buckets;
      } else if (buckets.length > 1) {
        states = await Promise.all(buckets.map((b) => this.rateLimiter.consume(b.bucket, b.policy, b.cost)));
      }
      if (states.some((state) => !state.allowed)) return { allowed: false, buckets: states, credits: [] };
      const spends = credits.length === 0 ? [] : await this.#spendEach(credits);
      return { allowed: spends.every((spend) => spend.allowed), buckets: states, credits: spends };
    } catch (error) {
      if (error instanceof KeygateError) throw error;
      throw new BackendError('STORAGE_UNAVAILABLE', 'The rate limiter or credit store is unavailable', { cause: error });
    }
  }

  /** Spends each credit in turn; on a refusal, refunds the ones already spent and stops. */
  async #spendEach(credits: readonly MeterCredit[]): Promise<CreditSpend[]> {
    const spends: CreditSpend[] = [];
    for (const c of credits) {
      const spend = await this.creditStore.spend(c.bucket, c.cost, c.policy);
      spends.push(spend);
      if (spend.allowed) continue;
      for (let i = 0; i < spends.length - 1; i++) {
        const undo = credits[i]!;
        if (undo.cost === 0) continue;
        try {
          if (this.creditStore.refund === undefined) throw new Error('the credit store has no refund()');
          await this.creditStore.refund(undo.bucket, undo.cost);
          spends[i]!.remaining += undo.cost;
        } catch (error) {
          this.#logger.warn('keygate: credits spent for a refused call could not be refunded', {
            bucket: undo.bucket,
            credits: undo.cost,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      break;
    }
    return spends;
  }

  #usageExceeded(record: KeyRecord, view: ApiKey, options: VerifyOptions, credits: CreditSpend, extra: Partial<VerifyResult>): VerifyResult {
    const more: Partial<VerifyResult> = { ...extra, credits: creditInfo(credits) };
    if (credits.refillAt !== undefined) more.retryAfterMs = Math.max(1, credits.refillAt - this.#clock.now());
    return this.#reject('USAGE_EXCEEDED', record, options, more, view);
  }

  /** An identity for verification: cached like keys, evicted by its invalidations. Missing (deleted): no shared limits. */
  async #identity(id: string): Promise<IdentityRecord | undefined> {
    const cached = this.#identities?.get(id);
    if (cached !== undefined) return cached;
    const found = await this.#store(() => this.storage.identities.get(id));
    if (found !== undefined) this.#identities?.set(id, found);
    return found;
  }

  #accept(record: KeyRecord, view: ApiKey, options: VerifyOptions): VerifyResult {
    if (options.usage !== 'defer') {
      const now = this.#clock.now();
      this.#usage.record(record.id, record.tenantId, false, now);
      if (options.tags !== undefined) this.#recordTags(record.id, record.tenantId, options.tags, false, now);
    }
    if (this.#audit.wantsVerification(true)) {
      this.#audit.recordVerification(this.#verificationEvent('key.verified', 'VALID', record, options));
    }
    return { valid: true, code: 'VALID', key: view };
  }

  #reject(
    code: Exclude<VerifyCode, 'VALID'>,
    record: KeyRecord | undefined,
    options: VerifyOptions,
    extra: Partial<VerifyResult> = {},
    view?: ApiKey,
  ): VerifyResult {
    // Counted against the key only once its secret matched; a wrong secret is not the key owner's traffic.
    if (view !== undefined && record !== undefined && options.usage !== 'defer') {
      const now = this.#clock.now();
      this.#usage.record(record.id, record.tenantId, true, now);
      if (options.tags !== undefined) this.#recordTags(record.id, record.tenantId, options.tags, true, now);
    }
    if (this.#audit.wantsVerification(false) && record !== undefined) {
      this.#audit.recordVerification(this.#verificationEvent('key.verification_failed', code, record, options));
    }
    const result: VerifyResult = { valid: false, code, ...extra };
    if (view !== undefined) result.key = view;
    return result;
  }

  #verificationEvent(action: AuditEvent['action'], outcome: VerifyCode, record: KeyRecord, options: VerifyOptions): AuditInput {
    const event: AuditInput = { action, tenantId: record.tenantId, keyId: record.id, outcome };
    const ip = clientIp(options);
    if (ip !== undefined) event.ip = ip;
    if (options.userAgent !== undefined) event.userAgent = options.userAgent;
    if (options.requestId !== undefined) event.requestId = options.requestId;
    return event;
  }

  async #upgradeHash(record: KeyRecord, presented: string): Promise<void> {
    try {
      const fresh = await this.#load(record.id);
      if (fresh === undefined || fresh.hash !== record.hash) return;
      await this.#write({ ...fresh, hash: await this.#hasher.hash(presented) }, 'updated');
    } catch (error) {
      this.#logger.warn('keygate: hash upgrade failed', { keyId: record.id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  // ------------------------------------------------------------ management

  /** Issues a new key. The returned secret is shown this once (unless server-side storage is on). */
  async create(actor: Actor, input: CreateKeyInput): Promise<IssuedKey> {
    this.#authorize(actor, 'keys:create');
    const now = this.#clock.now();
    const issues = withoutName(validateCreate(input));
    if (issues.length > 0) throw new ValidationError(issues);
    const name = this.#name(input.name, issues);
    const environment = input.environment ?? this.config.defaultEnvironment;
    const prefix = Object.hasOwn(this.config.environments, environment) ? this.config.environments[environment] : undefined;
    if (prefix === undefined) {
      issues.push({ field: '/environment', message: `must be one of: ${Object.keys(this.config.environments).join(', ')}` });
    }
    const scopes = input.scopes ?? [];
    issues.push(...validateScopes(scopes, this.config.scopes, '/scopes'));
    const ipAllowlist = input.ipAllowlist ?? [];
    issues.push(...validateCidrs(ipAllowlist, '/ipAllowlist'));
    let expiresAt: number | null;
    const expiryIssues = issues.length;
    if (input.expiresIn !== undefined) {
      if (input.expiresAt !== undefined) issues.push({ field: '/expiresIn', message: 'cannot be combined with expiresAt' });
      expiresAt = now + this.#duration(input.expiresIn, '/expiresIn', issues);
    } else if (input.expiresAt !== undefined) {
      expiresAt = this.#expiry(input.expiresAt, now, issues);
    } else {
      expiresAt = this.config.keyExpirationMs === null ? null : now + this.config.keyExpirationMs;
    }
    if (issues.length === expiryIssues) {
      const settings = await this.#tenantSettings(actor.tenantId);
      const given = input.expiresIn !== undefined || input.expiresAt !== undefined;
      if (settings !== undefined) expiresAt = expiryWithinPolicy(settings, expiresAt, given, now, input.expiresIn !== undefined ? '/expiresIn' : '/expiresAt', issues);
    }
    this.#checkMetadata(input.metadata, issues);
    if (input.identityId !== undefined && input.externalId !== undefined) issues.push({ field: '/externalId', message: 'cannot be combined with identityId' });
    if (input.credits?.remaining !== undefined) this.#authorize(actor, 'keys:update');
    if (issues.length > 0 || prefix === undefined) throw new ValidationError(issues);
    const identity = await this.#linkIdentity(actor, input, now);

    const record: KeyRecord = {
      id: '',
      tenantId: actor.tenantId,
      name,
      environment,
      prefix,
      last4: '',
      tokenType: this.config.tokenType,
      hash: '',
      scopes: [...scopes],
      ipAllowlist: [...ipAllowlist],
      metadata: structuredClone(input.metadata ?? {}),
      enabled: true,
      createdAt: now,
      updatedAt: now,
      expiresAt,
      revokedAt: null,
      rotatedAt: null,
      autoRotate: input.autoRotate ?? this.config.rotationIntervalMs !== null,
      version: 1,
      createdBy: actor.id,
    };
    if (input.ownerId !== undefined) record.ownerId = input.ownerId;
    if (input.rateLimit !== undefined) record.rateLimit = input.rateLimit === null ? null : { ...input.rateLimit };
    if (input.rateLimits !== undefined) record.rateLimits = structuredClone(input.rateLimits);
    if (input.credits !== undefined && input.credits !== null) record.credits = creditPolicyOf(input.credits);
    if (identity !== undefined) record.identityId = identity.id;
    const secret = await this.#issueSecret(record);
    if (input.credits?.remaining !== undefined) await this.#setCredits(`key:${record.id}`, input.credits.remaining);
    await this.#store(() => this.storage.keys.put(record));
    await this.#audit.record({ ...this.#actorContext(actor, 'key.created', record), details: { name, environment, scopes: record.scopes } });
    return { key: toApiKey(record, now), secret };
  }

  /** One key of the actor's tenant. */
  async get(actor: Actor, id: string): Promise<ApiKey> {
    this.#authorize(actor, 'keys:read');
    return this.#withCredits(await this.#owned(actor, id));
  }

  /** Keys of the actor's tenant, newest first, with a cursor for the next page. */
  async list(actor: Actor, query: ListKeysQuery = {}): Promise<Page<ApiKey>> {
    this.#authorize(actor, 'keys:read');
    const limit = pageLimit(query.limit);
    const now = this.#clock.now();
    const items: ApiKey[] = [];
    let cursor = query.cursor;
    // A status filter is applied here (status depends on the time), so one page may need several store pages.
    for (;;) {
      const page = await this.#store(() =>
        this.storage.keys.list({
          tenantId: actor.tenantId,
          limit: query.status ? 100 : limit,
          ...(query.environment !== undefined ? { environment: query.environment } : {}),
          ...(cursor !== undefined ? { cursor } : {}),
        }),
      );
      for (const record of page.items) {
        if (query.status === undefined || keyStatus(record, now) === query.status) items.push(toApiKey(record, now));
        if (items.length === limit) {
          const more = record !== page.items[page.items.length - 1] || page.nextCursor !== undefined;
          return more ? { items, nextCursor: this.#cursorAfter(record) } : { items };
        }
      }
      if (page.nextCursor === undefined) return { items };
      cursor = page.nextCursor;
    }
  }

  /** Changes a key's mutable fields. */
  async update(actor: Actor, id: string, input: UpdateKeyInput): Promise<ApiKey> {
    this.#authorize(actor, 'keys:update');
    const issues = withoutName(validateUpdate(input));
    if (issues.length > 0) throw new ValidationError(issues);
    const record = await this.#owned(actor, id);
    const now = this.#clock.now();
    if (record.revokedAt !== null) throw new KeygateError('KEY_REVOKED', 'A revoked key cannot be changed');
    const next: KeyRecord = { ...record };
    const changed: string[] = [];
    if (input.name !== undefined) {
      next.name = this.#name(input.name, issues);
      changed.push('name');
    }
    if (input.scopes !== undefined) {
      issues.push(...validateScopes(input.scopes, this.config.scopes, '/scopes'));
      next.scopes = [...input.scopes];
      changed.push('scopes');
    }
    if (input.ipAllowlist !== undefined) {
      issues.push(...validateCidrs(input.ipAllowlist, '/ipAllowlist'));
      next.ipAllowlist = [...input.ipAllowlist];
      changed.push('ipAllowlist');
    }
    if (input.expiresAt !== undefined) {
      const before = issues.length;
      next.expiresAt = this.#expiry(input.expiresAt, now, issues);
      const settings = issues.length === before ? await this.#tenantSettings(actor.tenantId) : undefined;
      if (settings !== undefined) next.expiresAt = expiryWithinPolicy(settings, next.expiresAt, true, now, '/expiresAt', issues);
      changed.push('expiresAt');
    }
    if (input.rateLimit !== undefined) {
      next.rateLimit = input.rateLimit === null ? null : { ...input.rateLimit };
      changed.push('rateLimit');
    }
    if (input.metadata !== undefined) {
      this.#checkMetadata(input.metadata, issues);
      next.metadata = structuredClone(input.metadata);
      changed.push('metadata');
    }
    if (input.enabled !== undefined) {
      next.enabled = input.enabled;
      changed.push('enabled');
    }
    if (input.autoRotate !== undefined) {
      next.autoRotate = input.autoRotate;
      changed.push('autoRotate');
    }
    const remaining = applyMeteringUpdate(next, input, changed);
    if (remaining !== undefined && next.credits === undefined) issues.push({ field: '/remaining', message: 'needs a credit policy on the key (credits)' });
    if (input.identityId !== undefined) {
      if (input.identityId === null) delete next.identityId;
      else {
        const linked = await this.#store(() => this.storage.identities.get(input.identityId as string));
        if (linked === undefined || linked.tenantId !== actor.tenantId) issues.push({ field: '/identityId', message: 'no such identity in this tenant' });
        else next.identityId = linked.id;
      }
      changed.push('identityId');
    }
    if (issues.length > 0) throw new ValidationError(issues);
    next.updatedAt = now;
    if (changed.length > 0 || remaining === undefined) {
      await this.#write(next, 'updated');
      await this.#audit.record({ ...this.#actorContext(actor, 'key.updated', next), details: { changed, enabled: next.enabled } });
    }
    if (remaining !== undefined) {
      await this.#setCredits(`key:${next.id}`, remaining);
      await this.#audit.record({ ...this.#actorContext(actor, 'key.credits_set', next), details: { remaining } });
    }
    return this.#withCredits(next);
  }

  /**
   * Issues a new secret for the key (same id). The old secret keeps working
   * for `gracePeriod` (default `rotationGracePeriod`), as Stripe's roll does.
   */
  async rotate(actor: Actor, id: string, input: RotateKeyInput = {}): Promise<IssuedKey> {
    this.#authorize(actor, 'keys:rotate');
    const issues = validateRotate(input);
    if (issues.length > 0) throw new ValidationError(issues);
    const graceMs = input.gracePeriod === undefined ? this.config.rotationGraceMs : this.#duration(input.gracePeriod, '/gracePeriod', issues);
    if (graceMs > MAX_GRACE_MS) issues.push({ field: '/gracePeriod', message: 'must be at most 30 days' });
    if (issues.length > 0) throw new ValidationError(issues);
    const record = await this.#owned(actor, id);
    if (record.revokedAt !== null) throw new KeygateError('KEY_REVOKED', 'A revoked key cannot be rotated');
    const issued = await this.#rotateRecord(record, graceMs);
    await this.#audit.record({ ...this.#actorContext(actor, 'key.rotated', record), details: { gracePeriodSeconds: graceMs / 1000 } });
    return issued;
  }

  /** Revokes a key at once, everywhere; the record stays for the audit trail. */
  async revoke(actor: Actor, id: string): Promise<ApiKey> {
    this.#authorize(actor, 'keys:revoke');
    const record = await this.#owned(actor, id);
    const now = this.#clock.now();
    if (record.revokedAt !== null) return toApiKey(record, now);
    const next: KeyRecord = { ...record, revokedAt: now, updatedAt: now };
    delete next.previousHash;
    delete next.previousHashExpiresAt;
    delete next.encryptedSecret;
    await this.#write(next, 'revoked');
    await this.#audit.record(this.#actorContext(actor, 'key.revoked', next));
    return toApiKey(next, now);
  }

  /** Deletes a key at once, everywhere. Its id is never issued again, so it can never verify again. */
  async delete(actor: Actor, id: string): Promise<void> {
    this.#authorize(actor, 'keys:delete');
    const record = await this.#owned(actor, id);
    await this.#store(() => this.storage.keys.delete(record.id));
    await this.#invalidate(record.id, 'deleted', -1);
    await this.#store(() => this.storage.usage.forget(record.id));
    if (record.credits !== undefined) await this.#store(() => this.creditStore.reset(`key:${record.id}`));
    await this.#audit.record({ ...this.#actorContext(actor, 'key.deleted', record), details: { name: record.name } });
  }

  /** The full key again. Only with `storeSecretsServerSide`; audited. */
  async reveal(actor: Actor, id: string): Promise<string> {
    this.#authorize(actor, 'keys:reveal');
    const record = await this.#owned(actor, id);
    if (this.#secretBox === undefined || record.encryptedSecret === undefined) {
      throw new KeygateError('SECRET_NOT_STORED', 'This key was shown once at creation and is not stored; rotate it to get a new one');
    }
    const secret = this.#secretBox.open(record.encryptedSecret, record.id);
    await this.#audit.record(this.#actorContext(actor, 'key.revealed', record));
    return secret;
  }

  // ---------------------------------------------------------------- policy

  /** The actor's tenant's key expiry policy. Needs `policy:read` or `keys:read`. */
  async getPolicy(actor: Actor): Promise<TenantPolicy> {
    this.#authorizeAny(actor, ['policy:read', 'keys:read']);
    return policyView(await this.#tenantSettings(actor.tenantId));
  }

  /**
   * Changes the tenant's key expiry policy: the shortest and longest
   * lifetimes new expiries may have (enforced by create and update, not by
   * rotation, which keeps a key's expiry), and whether keys must expire.
   * Absent fields stay; `null` removes a bound. Needs `policy:manage`;
   * audited as `policy.updated`.
   */
  async updatePolicy(actor: Actor, input: UpdatePolicyInput): Promise<TenantPolicy> {
    this.#authorize(actor, 'policy:manage');
    const issues = validateUpdatePolicy(input);
    if (issues.length > 0) throw new ValidationError(issues);
    const current = await this.#tenantSettings(actor.tenantId);
    const now = this.#clock.now();
    const next: TenantSettings = { tenantId: actor.tenantId, updatedAt: now, updatedBy: actor.id, version: (current?.version ?? 0) + 1 };
    const bound = (value: number | string | null | undefined, field: string, kept: number | undefined): number | undefined => {
      if (value === undefined) return kept;
      if (value === null) return undefined;
      const ms = this.#duration(value, field, issues);
      if (ms <= 0) issues.push({ field, message: 'must be longer than 0' });
      return ms;
    };
    const min = bound(input.minLifetime, '/minLifetime', current?.minLifetimeMs);
    const max = bound(input.maxLifetime, '/maxLifetime', current?.maxLifetimeMs);
    if (min !== undefined && max !== undefined && min > max) issues.push({ field: '/minLifetime', message: `must not be longer than maxLifetime (${formatDuration(max)})` });
    if (issues.length > 0) throw new ValidationError(issues);
    if (min !== undefined) next.minLifetimeMs = min;
    if (max !== undefined) next.maxLifetimeMs = max;
    const requireExpiry = input.requireExpiry ?? current?.requireExpiry;
    if (requireExpiry !== undefined) next.requireExpiry = requireExpiry;
    await this.#store(() => this.storage.tenants.put(next));
    const view = policyView(next);
    const changed = (['minLifetime', 'maxLifetime', 'requireExpiry'] as const).filter((f) => input[f] !== undefined);
    const ref: ActorRef = { id: actor.id, type: actor.type ?? 'user' };
    if (actor.role !== undefined) ref.role = Array.isArray(actor.role) ? actor.role.join(',') : (actor.role as string);
    const event: AuditInput = { action: 'policy.updated', tenantId: actor.tenantId, actor: ref, details: { changed, minLifetime: view.minLifetime, maxLifetime: view.maxLifetime, requireExpiry: view.requireExpiry } };
    if (actor.ip !== undefined) event.ip = actor.ip;
    if (actor.userAgent !== undefined) event.userAgent = actor.userAgent;
    if (actor.requestId !== undefined) event.requestId = actor.requestId;
    await this.#audit.record(event);
    return view;
  }

  #tenantSettings(tenantId: string): Promise<TenantSettings | undefined> {
    return this.#store(() => this.storage.tenants.get(tenantId));
  }

  // ------------------------------------------------------------ identities

  /**
   * Creates an identity (a user, team or customer of the host) whose limits
   * and credits its keys share. An `externalId` the tenant already has
   * answers CONFLICT. Needs `keys:create`: identities are part of key
   * management, so role tables keep meaning what they meant.
   */
  async createIdentity(actor: Actor, input: CreateIdentityInput): Promise<Identity> {
    this.#authorize(actor, 'keys:create');
    const issues = validateCreateIdentity(input);
    this.#checkMetadata(input?.metadata, issues);
    if (issues.length > 0) throw new ValidationError(issues);
    const now = this.#clock.now();
    const record = this.#newIdentity(actor.tenantId, input, now);
    const stored = await this.#store(() => this.storage.identities.insert(record));
    if (stored.id !== record.id) throw new KeygateError('CONFLICT', 'An identity with this externalId exists in the tenant');
    if (input.credits?.remaining !== undefined) await this.#setCredits(`${IDENTITY_PREFIX}${record.id}`, input.credits.remaining);
    await this.#audit.record(this.#identityEvent(actor, 'identity.created', record, { externalId: record.externalId }));
    return this.#identityView(record);
  }

  /** One identity of the actor's tenant, with its credits left. */
  async getIdentity(actor: Actor, id: string): Promise<Identity> {
    this.#authorize(actor, 'keys:read');
    return this.#identityView(await this.#ownedIdentity(actor, id));
  }

  /** The tenant's identity with this external id. */
  async findIdentity(actor: Actor, externalId: string): Promise<Identity> {
    this.#authorize(actor, 'keys:read');
    const found = typeof externalId === 'string' ? await this.#store(() => this.storage.identities.findByExternalId(actor.tenantId, externalId)) : undefined;
    if (found === undefined) throw new KeygateError('NOT_FOUND', 'Identity not found');
    return this.#identityView(found);
  }

  /** Identities of the actor's tenant, newest first. */
  async listIdentities(actor: Actor, query: { limit?: number; cursor?: string } = {}): Promise<Page<Identity>> {
    this.#authorize(actor, 'keys:read');
    const page = await this.#store(() =>
      this.storage.identities.list({ tenantId: actor.tenantId, limit: pageLimit(query.limit), ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) }),
    );
    const items = await Promise.all(page.items.map((r) => this.#identityView(r)));
    return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
  }

  /** Changes an identity's metadata, shared limits or credits. */
  async updateIdentity(actor: Actor, id: string, input: UpdateIdentityInput): Promise<Identity> {
    this.#authorize(actor, 'keys:update');
    const issues = validateUpdateIdentity(input);
    this.#checkMetadata(input?.metadata, issues);
    if (issues.length > 0) throw new ValidationError(issues);
    const record = await this.#ownedIdentity(actor, id);
    const next: IdentityRecord = { ...record, updatedAt: this.#clock.now(), version: record.version + 1 };
    const changed: string[] = [];
    if (input.metadata !== undefined) {
      next.metadata = structuredClone(input.metadata);
      changed.push('metadata');
    }
    const remaining = applyMeteringUpdate(next, input, changed);
    if (remaining !== undefined && next.credits === undefined) throw new ValidationError([{ field: '/remaining', message: 'needs a credit policy on the identity (credits)' }]);
    await this.#store(() => this.storage.identities.put(next));
    await this.#invalidateIdentity(next.id, next.version);
    if (remaining !== undefined) await this.#setCredits(`${IDENTITY_PREFIX}${next.id}`, remaining);
    await this.#audit.record(this.#identityEvent(actor, 'identity.updated', next, { changed, ...(remaining !== undefined ? { remaining } : {}) }));
    return this.#identityView(next);
  }

  /** Deletes an identity. Its keys keep working with their own limits; the shared ones stop applying. */
  async deleteIdentity(actor: Actor, id: string): Promise<void> {
    this.#authorize(actor, 'keys:delete');
    const record = await this.#ownedIdentity(actor, id);
    await this.#store(() => this.storage.identities.delete(record.id));
    await this.#invalidateIdentity(record.id, -1);
    await this.#store(() => this.creditStore.reset(`${IDENTITY_PREFIX}${record.id}`));
    await this.#audit.record(this.#identityEvent(actor, 'identity.deleted', record, { externalId: record.externalId }));
  }

  /**
   * What a presented key is (support tools, "paste a key" boxes): its public
   * data, if the secret matches and the key is in the actor's tenant; any
   * other key is not found. Needs `keys:read`; at most 30 lookups per actor
   * per minute (RATE_LIMITED error beyond); audited as `key.looked_up`.
   */
  async whoami(actor: Actor, presented: string): Promise<ApiKey> {
    this.#authorize(actor, 'keys:read');
    const issues = validateWhoami({ key: presented });
    if (issues.length > 0) throw new ValidationError(issues);
    const budget = await this.rateLimiter.consume(`whoami:${actor.tenantId}:${actor.id}`, WHOAMI_LIMIT, 1);
    if (!budget.allowed) throw new LookupLimitedError(budget.retryAfterMs);
    const now = this.#clock.now();
    let keyId: string | undefined;
    let isJwt = false;
    if (this.#jwt !== undefined && looksLikeJwt(presented)) {
      const outcome = await (await this.#jwt).verify(presented);
      if (outcome.ok) {
        keyId = outcome.keyId;
        isJwt = true;
      }
    } else keyId = parseKey(presented)?.keyId;
    const record = keyId === undefined ? undefined : await this.#load(keyId);
    const hasher = isJwt ? this.#tokenHasher : this.#hasher;
    const matches =
      record !== undefined &&
      record.tenantId === actor.tenantId &&
      ((await hasher.verify(presented, record.hash)) ||
        (record.previousHash !== undefined && (record.previousHashExpiresAt ?? 0) > now && (await hasher.verify(presented, record.previousHash))));
    if (!matches) throw new KeyNotFoundError();
    await this.#audit.record(this.#actorContext(actor, 'key.looked_up', record));
    return this.#withCredits(record);
  }

  /** Requests and errors per UTC day in `[from, to]` (`YYYY-MM-DD`; default: the last 30 days), every day present. */
  async usage(actor: Actor, id: string, range: { from?: string; to?: string } = {}): Promise<UsageBucket[]> {
    this.#authorize(actor, 'usage:read');
    const record = await this.#owned(actor, id);
    const days = dayRange(range, this.#clock.now());
    await this.#usage.flush();
    const stored = await this.#store(() => this.storage.usage.range(record.id, days[0]!, days[days.length - 1]!));
    const byDay = new Map(stored.map((b) => [b.day, b]));
    return days.map((day) => byDay.get(day) ?? { day, requests: 0, errors: 0 });
  }

  /**
   * The key's usage in `[from, to]` (as {@link KeyManager.usage}) grouped by
   * the verification tag `tag` (e.g. `route`): one group per value, most
   * requests first, with the days that had use. Verifications without the
   * tag are not in any group.
   */
  async usageByTag(actor: Actor, id: string, query: { from?: string; to?: string; tag: string }): Promise<UsageByTag> {
    this.#authorize(actor, 'usage:read');
    if (typeof query?.tag !== 'string' || !TAG_NAME.test(query.tag)) {
      throw new ValidationError([{ field: '/groupBy', message: 'must be a tag name: a lower-case letter, then up to 31 lower-case letters, digits or _' }]);
    }
    const record = await this.#owned(actor, id);
    const days = dayRange(query, this.#clock.now());
    const from = days[0]!;
    const to = days[days.length - 1]!;
    await this.#usage.flush();
    const buckets = await this.#store(() => this.storage.usage.rangeByTag(record.id, query.tag, from, to));
    const groups = new Map<string, UsageByTag['groups'][number]>();
    for (const b of buckets) {
      let group = groups.get(b.value);
      if (group === undefined) groups.set(b.value, (group = { value: b.value, requests: 0, errors: 0, days: [] }));
      group.requests += b.requests;
      group.errors += b.errors;
      group.days.push({ day: b.day, requests: b.requests, errors: b.errors });
    }
    const sorted = [...groups.values()].sort((a, b) => b.requests - a.requests || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    for (const g of sorted) g.days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    return { keyId: record.id, from, to, groupBy: query.tag, groups: sorted };
  }

  /** Totals over the key's life. */
  async usageSummary(actor: Actor, id: string): Promise<UsageSummary> {
    this.#authorize(actor, 'usage:read');
    const record = await this.#owned(actor, id);
    await this.#usage.flush();
    return this.#store(() => this.storage.usage.summary(record.id));
  }

  /** The tenant's audit log, newest first; `keyId` narrows it to one key. */
  async auditLog(actor: Actor, query: Omit<AuditQuery, 'tenantId' | 'limit'> & { limit?: number } = {}): Promise<Page<AuditEvent>> {
    this.#authorize(actor, 'audit:read');
    await this.#audit.flush();
    return this.#store(() => this.storage.audit.query({ ...query, tenantId: actor.tenantId, limit: pageLimit(query.limit) }));
  }

  /** Permissions the actor holds, for UIs that hide controls. */
  permissionsOf(actor: Actor): Permission[] {
    if (actor.permissions !== undefined) {
      const held = actor.permissions;
      return PERMISSIONS.filter((p) => held.some((h) => typeof h === 'string' && scopeGrants(h, p)));
    }
    return [...this.#authorizer.permissionsOf(actor.role)];
  }

  /**
   * Rotates every key of `tenantIds` whose `autoRotate` is on and whose
   * last rotation is `rotationInterval` ago, keeping the old secret valid for
   * the grace period and handing each new secret to `hooks.onRotated`.
   */
  async rotateDue(tenantIds: readonly string[]): Promise<{ rotated: string[] }> {
    const interval = this.config.rotationIntervalMs;
    if (interval === null) return { rotated: [] };
    const deliver = this.#options.hooks?.onRotated;
    if (deliver === undefined) {
      throw new ConfigError('rotateDue() needs hooks.onRotated: without it the new secrets would be lost', [
        { field: 'hooks.onRotated', message: 'is required for automated rotation' },
      ]);
    }
    const now = this.#clock.now();
    const rotated: string[] = [];
    for (const tenantId of tenantIds) {
      let cursor: string | undefined;
      do {
        const page = await this.#store(() => this.storage.keys.list({ tenantId, limit: 100, ...(cursor ? { cursor } : {}) }));
        for (const record of page.items) {
          if (!record.autoRotate || keyStatus(record, now) !== 'active') continue;
          if (now - (record.rotatedAt ?? record.createdAt) < interval) continue;
          const issued = await this.#rotateRecord(record, this.config.rotationGraceMs);
          const system: ActorRef = { id: 'keygate:rotation', type: 'system' };
          await this.#audit.record({ action: 'key.rotated', tenantId, keyId: record.id, actor: system, details: { automated: true } });
          const delivery: RotatedKeyDelivery = { key: issued.key, secret: issued.secret };
          if (issued.key.previousKeyExpiresAt) delivery.previousKeyExpiresAt = issued.key.previousKeyExpiresAt;
          await deliver(delivery);
          rotated.push(record.id);
        }
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    }
    return { rotated };
  }

  /** Writes pending usage and audit events. */
  async flush(): Promise<void> {
    await Promise.all([this.#usage.flush(), this.#audit.flush()]);
  }

  /** Flushes and stops background work. Does not close storage the host passed in. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#usage.close(), this.#audit.close()]);
    const unsubscribe = await this.#unsubscribe;
    await unsubscribe?.();
  }

  // --------------------------------------------------------------- helpers

  /** Passes when the actor holds any of `permissions`; otherwise throws for the first. */
  #authorizeAny(actor: Actor, permissions: readonly Permission[]): void {
    for (let i = 0; i < permissions.length - 1; i++) {
      try {
        this.#authorize(actor, permissions[i]!);
        return;
      } catch (error) {
        if (!(error instanceof ForbiddenError)) throw error;
      }
    }
    try {
      this.#authorize(actor, permissions[permissions.length - 1]!);
    } catch (error) {
      if (error instanceof ForbiddenError) throw new ForbiddenError(permissions[0]!);
      throw error;
    }
  }

  #authorize(actor: Actor, permission: Permission): void {
    if (!this.config.enabled) throw new KeygateError('DISABLED', 'keygate is disabled by configuration');
    if (actor === null || typeof actor !== 'object' || typeof actor.id !== 'string' || typeof actor.tenantId !== 'string' || !actor.tenantId) {
      throw new UnauthenticatedError('An actor with an id and a tenantId is required');
    }
    if (actor.permissions !== undefined) {
      if (!actor.permissions.some((p) => typeof p === 'string' && scopeGrants(p, permission))) throw new ForbiddenError(permission);
      return;
    }
    this.#authorizer.assert(actor.role, permission);
  }

  /** The record if it exists in the actor's tenant; otherwise not found, so other tenants' ids do not leak. */
  async #owned(actor: Actor, id: string): Promise<KeyRecord> {
    if (typeof id !== 'string' || id.length !== KEY_ID_LENGTH || !/^[0-9A-Za-z]+$/.test(id)) throw new KeyNotFoundError();
    const record = await this.#load(id);
    if (record === undefined || record.tenantId !== actor.tenantId) throw new KeyNotFoundError();
    return record;
  }

  async #ownedIdentity(actor: Actor, id: string): Promise<IdentityRecord> {
    if (typeof id !== 'string' || id.length !== KEY_ID_LENGTH || !/^[0-9A-Za-z]+$/.test(id)) throw new KeygateError('NOT_FOUND', 'Identity not found');
    const record = await this.#store(() => this.storage.identities.get(id));
    if (record === undefined || record.tenantId !== actor.tenantId) throw new KeygateError('NOT_FOUND', 'Identity not found');
    return record;
  }

  #newIdentity(tenantId: string, input: CreateIdentityInput, now: number): IdentityRecord {
    const record: IdentityRecord = {
      id: randomBase62(KEY_ID_LENGTH),
      tenantId,
      externalId: input.externalId,
      metadata: structuredClone(input.metadata ?? {}),
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (input.rateLimits !== undefined) record.rateLimits = structuredClone(input.rateLimits);
    if (input.credits !== undefined && input.credits !== null) record.credits = creditPolicyOf(input.credits);
    return record;
  }

  /** The identity a new key links to: by id (must be the tenant's), or by external id (created when new). */
  async #linkIdentity(actor: Actor, input: CreateKeyInput, now: number): Promise<IdentityRecord | undefined> {
    if (input.identityId !== undefined) {
      const found = await this.#store(() => this.storage.identities.get(input.identityId!));
      if (found === undefined || found.tenantId !== actor.tenantId) throw new ValidationError([{ field: '/identityId', message: 'no such identity in this tenant' }]);
      return found;
    }
    if (input.externalId === undefined) return undefined;
    const existing = await this.#store(() => this.storage.identities.findByExternalId(actor.tenantId, input.externalId!));
    if (existing !== undefined) return existing;
    const created = this.#newIdentity(actor.tenantId, { externalId: input.externalId }, now);
    const stored = await this.#store(() => this.storage.identities.insert(created));
    if (stored.id === created.id) await this.#audit.record(this.#identityEvent(actor, 'identity.created', stored, { externalId: stored.externalId, auto: true }));
    return stored;
  }

  async #identityView(record: IdentityRecord): Promise<Identity> {
    const view: Identity = {
      id: record.id,
      tenantId: record.tenantId,
      externalId: record.externalId,
      metadata: structuredClone(record.metadata),
      rateLimits: structuredClone(record.rateLimits ?? {}),
      createdAt: isoOrNull(record.createdAt)!,
      updatedAt: isoOrNull(record.updatedAt)!,
    };
    if (record.credits !== undefined) view.credits = await this.#creditsNow(`${IDENTITY_PREFIX}${record.id}`, record.credits);
    return view;
  }

  /** The key's view with its credits left now (a read of the credit store) when it has a quota. */
  async #withCredits(record: KeyRecord): Promise<ApiKey> {
    const view = toApiKey(record, this.#clock.now());
    if (record.credits !== undefined) view.credits = await this.#creditsNow(`key:${record.id}`, record.credits);
    return view;
  }

  async #creditsNow(bucket: string, policy: CreditPolicy): Promise<NonNullable<ApiKey['credits']>> {
    const now = this.#clock.now();
    const state = effectiveCredits(await this.#store(() => this.creditStore.get(bucket)), policy, now);
    const out: NonNullable<ApiKey['credits']> = { ...structuredClone(policy), remaining: state.remaining };
    if (policy.refill !== undefined) out.refillAt = isoOrNull(nextRefillBoundary(policy.refill, now))!;
    return out;
  }

  #setCredits(bucket: string, remaining: number): Promise<void> {
    return this.#store(() => this.creditStore.set(bucket, remaining));
  }

  async #invalidateIdentity(id: string, version: number): Promise<void> {
    this.#identities?.delete(id);
    if (this.#options.eventBus === undefined) return;
    try {
      // Identities share the key invalidation channel, under a prefix no key id can have (ids are base62).
      await this.#options.eventBus.publish({ keyId: `${IDENTITY_PREFIX}${id}`, reason: 'updated', version, origin: this.#origin });
    } catch (error) {
      this.#logger.error('keygate: invalidation publish failed; other instances may use the old identity until their cache TTL ends', {
        identityId: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #identityEvent(actor: Actor, action: AuditEvent['action'], record: IdentityRecord, details: Record<string, unknown>): AuditInput {
    const ref: ActorRef = { id: actor.id, type: actor.type ?? 'user' };
    if (actor.role !== undefined) ref.role = Array.isArray(actor.role) ? actor.role.join(',') : (actor.role as string);
    const event: AuditInput = { action, tenantId: record.tenantId, actor: ref, details: { identityId: record.id, ...details } };
    if (actor.ip !== undefined) event.ip = actor.ip;
    if (actor.userAgent !== undefined) event.userAgent = actor.userAgent;
    if (actor.requestId !== undefined) event.requestId = actor.requestId;
    return event;
  }

  #load(id: string): Promise<KeyRecord | undefined> {
    return this.#store(() => this.storage.keys.get(id));
  }

  async #store<T>(operation: () => T | Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof KeygateError) throw error;
      throw new BackendError('STORAGE_UNAVAILABLE', 'The key store is unavailable', { cause: error });
    }
  }

  async #write(record: KeyRecord, reason: InvalidationMessage['reason']): Promise<void> {
    record.version += 1;
    await this.#store(() => this.storage.keys.put(record));
    await this.#invalidate(record.id, reason, record.version);
  }

  async #invalidate(keyId: string, reason: InvalidationMessage['reason'], version: number): Promise<void> {
    this.#cache.evict(keyId);
    if (this.#options.eventBus === undefined) return;
    try {
      await this.#options.eventBus.publish({ keyId, reason, version, origin: this.#origin });
    } catch (error) {
      // The write is done; other instances fall back to their cache TTL. Say so loudly.
      this.#logger.error('keygate: invalidation publish failed; other instances may accept this key until their cache TTL ends', {
        keyId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #onInvalidation(message: InvalidationMessage): void {
    if (message.origin === this.#origin) return;
    if (message.keyId.startsWith(IDENTITY_PREFIX)) {
      this.#identities?.delete(message.keyId.slice(IDENTITY_PREFIX.length));
      return;
    }
    this.#cache.evict(message.keyId);
  }

  async #issueSecret(record: KeyRecord): Promise<string> {
    let secret: string;
    if (record.tokenType === 'jwt') {
      if (!record.id) record.id = randomBase62(KEY_ID_LENGTH);
      const codec = await this.#jwtCodec();
      secret = await codec.sign({
        keyId: record.id,
        tenantId: record.tenantId,
        environment: record.environment,
        scopes: record.scopes,
        expiresAt: record.expiresAt,
        ...(record.ownerId !== undefined ? { subject: record.ownerId } : {}),
      });
      record.hash = await this.#tokenHasher.hash(secret);
    } else {
      // Rotation keeps the id, so URLs, usage and audit history stay attached to the key.
      const generated = generateKey({
        prefix: record.prefix,
        secretLength: this.config.secretLength,
        ...(record.id ? { keyId: record.id } : {}),
      });
      record.id = generated.keyId;
      secret = generated.key;
      record.hash = await this.#hasher.hash(secret);
    }
    record.last4 = secret.slice(-4);
    if (this.#secretBox !== undefined) record.encryptedSecret = this.#secretBox.seal(secret, record.id);
    return secret;
  }

  async #rotateRecord(record: KeyRecord, graceMs: number): Promise<IssuedKey> {
    const now = this.#clock.now();
    const next: KeyRecord = { ...record, rotatedAt: now, updatedAt: now };
    if (graceMs > 0) {
      next.previousHash = record.hash;
      next.previousHashExpiresAt = now + graceMs;
      next.previousLast4 = record.last4;
    } else {
      delete next.previousHash;
      delete next.previousHashExpiresAt;
      delete next.previousLast4;
    }
    const secret = await this.#issueSecret(next);
    await this.#write(next, 'rotated');
    return { key: toApiKey(next, now), secret };
  }

  async #jwtCodec(): Promise<JwtCodec> {
    if (this.#jwt === undefined) throw new ConfigError('tokenType "jwt" needs the jwt option', [{ field: '/jwt', message: 'is required' }]);
    return this.#jwt;
  }

  #name(value: unknown, issues: FieldIssue[]): string {
    const result = normalizeKeyName(value);
    if ('issue' in result) {
      issues.push(result.issue);
      return '';
    }
    return result.name;
  }

  #duration(value: number | string, field: string, issues: FieldIssue[]): number {
    try {
      return parseDuration(value, field);
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
      return 0;
    }
  }

  #expiry(value: string | number | null, now: number, issues: FieldIssue[]): number | null {
    if (value === null) return null;
    const at = typeof value === 'number' ? value : Date.parse(value);
    if (!Number.isFinite(at) || (typeof value === 'string' && !/^\d{4}-\d{2}-\d{2}T/.test(value))) {
      issues.push({ field: '/expiresAt', message: 'must be an ISO 8601 date-time, epoch milliseconds or null' });
      return null;
    }
    if (at <= now) issues.push({ field: '/expiresAt', message: 'must be in the future' });
    return at;
  }

  #checkMetadata(metadata: unknown, issues: FieldIssue[]): void {
    if (metadata === undefined) return;
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(metadata));
    } catch {
      issues.push({ field: '/metadata', message: 'must be JSON-serialisable' });
      return;
    }
    if (size > MAX_METADATA_BYTES) {
      issues.push({ field: '/metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` });
      return;
    }
    const forbidden = prototypeKeyIn(metadata);
    if (forbidden !== undefined) issues.push({ field: '/metadata', message: `must not contain the key "${forbidden}" (prototype pollution)` });
  }

  #actorContext(actor: Actor, action: AuditEvent['action'], record: KeyRecord): AuditInput {
    const ref: ActorRef = { id: actor.id, type: actor.type ?? 'user' };
    if (actor.role !== undefined) ref.role = Array.isArray(actor.role) ? actor.role.join(',') : (actor.role as string);
    const event: AuditInput = { action, tenantId: record.tenantId, keyId: record.id, actor: ref };
    if (actor.ip !== undefined) event.ip = actor.ip;
    if (actor.userAgent !== undefined) event.userAgent = actor.userAgent;
    if (actor.requestId !== undefined) event.requestId = actor.requestId;
    return event;
  }

  #cursorAfter(record: KeyRecord): string {
    return encodeCursor({ at: record.createdAt, id: record.id });
  }
}

/** Builds a {@link KeyManager}; same as `new KeyManager(options)`. */
export function createKeyManager(options: KeyManagerOptions = {}): KeyManager {
  return new KeyManager(options);
}

/** What a credit store must have, whether the host passes it or the storage brings it. */
const CREDIT_STORE_METHODS = ['spend', 'set', 'get', 'reset'];

function checkDependencies(options: KeyManagerOptions, storage: KeygateStorage, limiter: RateLimiter): void {
  const issues: FieldIssue[] = [];
  const need = (obj: unknown, path: string, methods: string[]) => {
    if (obj === null || typeof obj !== 'object') {
      issues.push({ field: path, message: 'must be an object' });
      return;
    }
    for (const m of methods) {
      if (typeof (obj as Record<string, unknown>)[m] !== 'function') issues.push({ field: `${path}.${m}`, message: 'must be a function' });
    }
  };
  need(storage, 'storage', []);
  if (issues.length === 0) {
    need(storage.keys, 'storage.keys', ['get', 'put', 'delete', 'list']);
    need(storage.audit, 'storage.audit', ['append', 'query']);
    need(storage.usage, 'storage.usage', ['increment', 'range', 'summary', 'forget', 'incrementTags', 'rangeByTag']);
    need(storage.identities, 'storage.identities', ['get', 'findByExternalId', 'insert', 'put', 'delete', 'list']);
    need(storage.tenants, 'storage.tenants', ['get', 'put']);
    if (storage.credits !== undefined) need(storage.credits, 'storage.credits', CREDIT_STORE_METHODS);
  }
  need(limiter, 'rateLimiter', ['consume', 'reset']);
  if (options.creditStore !== undefined) need(options.creditStore, 'creditStore', CREDIT_STORE_METHODS);
  if (options.eventBus !== undefined) need(options.eventBus, 'eventBus', ['publish', 'subscribe']);
  if (options.notifier !== undefined) need(options.notifier, 'notifier', ['send']);
  if (options.clock !== undefined) need(options.clock, 'clock', ['now']);
  if (issues.length > 0) {
    throw new ConfigError(`Invalid keygate dependencies: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`, issues);
  }
}

/**
 * The buckets and credits a metered verification takes, for one key record,
 * identity and call options. Made once and reused while the record and
 * identity stay the same objects (they are replaced, never changed, when
 * updated) and the call asks for the same limits and costs; frozen all the
 * way down, so a limiter may prepare its command once per request object.
 */
interface MeterPlan {
  /** Bucket per take, the limit name it reports under. */
  readonly names: readonly string[];
  readonly request: MeterRequest;
  /** Whether this plan is the one for `identity` and `options`. */
  fits(identity: IdentityRecord | undefined, options: VerifyOptions): boolean;
}

/** Whether a call asks for the same named limits at the same costs as `known` (a copy, so a caller's later change to its own list is seen). */
function sameLimits(known: ReadonlyArray<{ name: string; cost?: number }> | undefined, limits: VerifyOptions['limits']): boolean {
  if (known === undefined || limits === undefined) return known === limits;
  if (known.length !== limits.length) return false;
  for (let i = 0; i < known.length; i++) if (known[i]!.name !== limits[i]!.name || known[i]!.cost !== limits[i]!.cost) return false;
  return true;
}

function meterPlan(record: KeyRecord, identity: IdentityRecord | undefined, options: VerifyOptions, threshold: RateLimitPolicy | null): MeterPlan {
  const { limits, cost, creditCost } = options;
  let defaultCost = cost ?? 1;
  if (limits !== undefined) for (const r of limits) if (r.name === 'default') defaultCost = r.cost ?? 1;
  const names: string[] = [];
  const buckets: MeterBucket[] = [];
  const add = (name: string, bucket: string, policy: RateLimitPolicy | null | undefined, takes: number) => {
    if (policy === null || policy === undefined) return;
    names.push(name);
    buckets.push(Object.freeze({ bucket, policy: Object.freeze({ ...policy }), cost: takes }));
  };
  add('default', `key:${record.id}`, record.rateLimit === undefined ? threshold : record.rateLimit, defaultCost);
  if (identity !== undefined) add('default', `identity:${identity.id}:default`, ownLimit(identity.rateLimits, 'default'), defaultCost);
  if (limits !== undefined) {
    for (const r of limits) {
      if (r.name === 'default') continue;
      add(r.name, `key:${record.id}:${r.name}`, ownLimit(record.rateLimits, r.name), r.cost ?? 1);
      if (identity !== undefined) add(r.name, `identity:${identity.id}:${r.name}`, ownLimit(identity.rateLimits, r.name), r.cost ?? 1);
    }
  }
  const credits: MeterCredit[] = [];
  const spend = (bucket: string, policy: CreditPolicy) => {
    const frozen = Object.freeze(policy.refill === undefined ? { ...policy } : { ...policy, refill: Object.freeze({ ...policy.refill }) });
    credits.push(Object.freeze({ bucket, cost: creditCost ?? 1, policy: frozen }));
  };
  if (record.credits !== undefined) spend(`key:${record.id}`, record.credits);
  if (identity?.credits !== undefined) spend(`${IDENTITY_PREFIX}${identity.id}`, identity.credits);
  const asked = limits?.map(({ name, cost: each }) => ({ name, cost: each }));
  return {
    names: Object.freeze(names),
    request: Object.freeze({ buckets: Object.freeze(buckets), credits: Object.freeze(credits) }),
    fits: (other, o) => other === identity && o.cost === cost && o.creditCost === creditCost && sameLimits(asked, o.limits),
  };
}

/** A named limit of `limits`, own properties only (a name like `__proto__` finds nothing). */
function ownLimit(limits: Record<string, RateLimitPolicy> | undefined, name: string): RateLimitPolicy | undefined {
  return limits !== undefined && Object.hasOwn(limits, name) ? limits[name] : undefined;
}

/** The stored policy of a credit input (without the one-off `remaining`). */
function creditPolicyOf(input: CreditInput): CreditPolicy {
  const policy: CreditPolicy = { initial: input.initial };
  if (input.refill !== undefined) policy.refill = { ...input.refill };
  return policy;
}

/** The policy as shown: durations like `90d`, `requireExpiry` true whenever a maximum is set. */
function policyView(settings: TenantSettings | undefined): TenantPolicy {
  return {
    minLifetime: settings?.minLifetimeMs === undefined ? null : formatDuration(settings.minLifetimeMs),
    maxLifetime: settings?.maxLifetimeMs === undefined ? null : formatDuration(settings.maxLifetimeMs),
    requireExpiry: settings?.requireExpiry === true || settings?.maxLifetimeMs !== undefined,
    updatedAt: settings === undefined ? null : isoOrNull(settings.updatedAt),
  };
}

/**
 * A key expiry under the tenant's policy. An expiry the caller gave must lie
 * within [min, max] of now, and may be `null` only when the policy lets keys
 * never expire; a refusal is an issue on `field` naming the allowed range.
 * Without one, the configured default is clamped into the range, and a key
 * that would never expire gets `maxLifetime` (or an issue when the policy
 * requires an expiry but sets no maximum).
 */
function expiryWithinPolicy(settings: TenantSettings, expiresAt: number | null, given: boolean, now: number, field: string, issues: FieldIssue[]): number | null {
  const min = settings.minLifetimeMs;
  const max = settings.maxLifetimeMs;
  const required = settings.requireExpiry === true || max !== undefined;
  const range =
    min !== undefined && max !== undefined
      ? `between ${formatDuration(min)} and ${formatDuration(max)} from now`
      : min !== undefined
        ? `at least ${formatDuration(min)} from now`
        : max !== undefined
          ? `at most ${formatDuration(max)} from now`
          : 'set';
  if (expiresAt === null) {
    if (!given && max !== undefined) return now + max;
    if (required) issues.push({ field: given ? field : '/expiresAt', message: `is required by the tenant's key policy: keys must expire, ${range}` });
    return null;
  }
  const lifetime = expiresAt - now;
  if (!given) return now + Math.max(min ?? 0, Math.min(max ?? lifetime, lifetime));
  if ((min !== undefined && lifetime < min) || (max !== undefined && lifetime > max)) {
    issues.push({ field, message: `must be ${range} (the tenant's key policy)` });
  }
  return expiresAt;
}

/** The outcome to report of several credit spends: the first refused, else the one with the fewest left. */
function scarcest(spends: readonly CreditSpend[]): CreditSpend | undefined {
  let pick: CreditSpend | undefined;
  for (const spend of spends) {
    if (!spend.allowed) return spend;
    if (pick === undefined || spend.remaining < pick.remaining) pick = spend;
  }
  return pick;
}

function creditInfo(spend: CreditSpend): { remaining: number; refillAt?: number } {
  return spend.refillAt === undefined ? { remaining: spend.remaining } : { remaining: spend.remaining, refillAt: spend.refillAt };
}

/** Drops ajv's generic name issues: `normalizeKeyName` says them in the PRD's words ("Token name is required"). */
function withoutName(issues: FieldIssue[]): FieldIssue[] {
  return issues.filter((issue) => issue.field !== '/name');
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first key named `__proto__`, `constructor` or `prototype` at any depth
 * of `value`. Metadata goes back to hosts, whose deep-merge helpers would
 * turn such keys into prototype pollution; refusing them keeps stored
 * metadata plain data. Iterative, so depth cannot overflow the stack.
 */
function prototypeKeyIn(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === null || typeof current !== 'object') continue;
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (PROTOTYPE_KEYS.has(key)) return key;
      stack.push((current as Record<string, unknown>)[key]);
    }
  }
  return undefined;
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new ValidationError([{ field: '/limit', message: 'must be an integer from 1 to 100' }]);
  }
  return limit;
}

function dayRange(range: { from?: string; to?: string }, now: number): string[] {
  const DAY = 86_400_000;
  const parse = (value: string | undefined, field: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
    if (!Number.isFinite(ms)) throw new ValidationError([{ field, message: 'must be a date, YYYY-MM-DD' }]);
    return ms;
  };
  const to = parse(range.to, '/to', now - (now % DAY));
  const from = parse(range.from, '/from', to - 29 * DAY);
  if (from > to) throw new ValidationError([{ field: '/from', message: 'must not be after to' }]);
  if ((to - from) / DAY + 1 > MAX_USAGE_DAYS) throw new ValidationError([{ field: '/from', message: `range must be at most ${MAX_USAGE_DAYS} days` }]);
  const days: string[] = [];
  for (let t = from; t <= to; t += DAY) days.push(utcDay(t));
  return days;
}

/** The `jti` a JWT claims, without checking anything; only a cache lookup hint. */
function unverifiedJwtId(token: string): string | undefined {
  try {
    const jti = decodeJwt(token).jti;
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}

/** The key id a presented key or JWT claims, unverified; for observers only. */
function claimedKeyId(presented: string): string | undefined {
  return looksLikeJwt(presented) ? unverifiedJwtId(presented) : parseKey(presented)?.keyId;
}

/**
 * Applies an update's metering fields (named limits, credit policy) to a key
 * or an identity; `null` removes one. Returns the credits left the update
 * sets, if any.
 */
function applyMeteringUpdate(
  next: { rateLimits?: Record<string, RateLimitPolicy>; credits?: CreditPolicy },
  input: { rateLimits?: Record<string, RateLimitPolicy> | null; credits?: CreditInput | null; remaining?: number },
  changed: string[],
): number | undefined {
  if (input.rateLimits !== undefined) {
    if (input.rateLimits === null) delete next.rateLimits;
    else next.rateLimits = structuredClone(input.rateLimits);
    changed.push('rateLimits');
  }
  if (input.credits !== undefined) {
    if (input.credits === null) delete next.credits;
    else next.credits = creditPolicyOf(input.credits);
    changed.push('credits');
  }
  return input.remaining ?? input.credits?.remaining;
}

/** The client address of a verification, computing it only now if the caller gave a function. */
function clientIp(options: VerifyOptions): string | undefined {
  return typeof options.ip === 'function' ? options.ip() : options.ip;
}
