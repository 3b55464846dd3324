/**
 * Hashers for presented keys: SHA-2 (plain or HMAC with a pepper) and
 * argon2id, plus a chain that verifies hashes written under former settings.
 *
 * Keys carry ~190 bits of entropy, so a fast SHA-256 is a sound default (a
 * slow hash defends low-entropy passwords, which keys are not); argon2id is
 * offered for deployments whose policy demands a memory-hard hash.
 *
 * Encoded hashes name their algorithm:
 * - `sha256$<b64url digest>` (also `sha384`, `sha512`)
 * - `hmac-sha256$<pepper fingerprint>$<b64url mac>`
 * - `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (PHC string)
 *
 * @module
 */
import { createHash, createHmac, timingSafeEqual, hash } from 'node:crypto';
import * as argon2 from 'argon2';
import { ConfigError } from './errors.js';
import type { Hasher } from './types.js';

/** SHA-2 variants the sha hasher family supports. */
export type ShaDigest = 'SHA256' | 'SHA384' | 'SHA512';

/** Options of {@link createSha256Hasher}. */
export interface Sha256HasherOptions {
  /**
   * Server-side secret, at least 16 characters. When set the hash is an HMAC
   * keyed with it, so a stolen database alone cannot confirm guesses.
   */
  pepper?: string;
  /** Digest; default `SHA256`. */
  digest?: ShaDigest;
}

/** Options of {@link createArgon2idHasher}. Defaults are OWASP's minimum: 19 MiB, 2 passes, 1 lane. */
export interface Argon2idHasherOptions {
  /** Memory in KiB; at least 19456 (default). */
  memoryCost?: number;
  /** Passes; at least 2 (default). */
  timeCost?: number;
  /** Lanes; at least 1 (default). */
  parallelism?: number;
  /** Server-side secret (at least 16 characters) passed to argon2 as its `secret` input. */
  pepper?: string;
}

/** A hasher that can tell whether a hash it accepts was made with outdated parameters. */
export interface RehashAwareHasher extends Hasher {
  /** Whether `encoded` should be replaced by a fresh hash under the current settings. */
  needsRehash(encoded: string): boolean;
}

/** The SHA-2 hasher: synchronous, deterministic. */
export interface Sha256Hasher extends Hasher {
  hash(key: string): string;
  verify(key: string, encoded: string): boolean;
}

/** The argon2id hasher: asynchronous (runs on libuv's thread pool), salted. */
export interface Argon2idHasher extends RehashAwareHasher {
  hash(key: string): Promise<string>;
  verify(key: string, encoded: string): Promise<boolean>;
}

/** Fewest pepper characters accepted. */
export const MIN_PEPPER_LENGTH = 16;
/** OWASP minimum argon2id memory cost in KiB (19 MiB). */
export const ARGON2_MIN_MEMORY_COST = 19_456;
/** OWASP minimum argon2id passes at {@link ARGON2_MIN_MEMORY_COST}. */
export const ARGON2_MIN_TIME_COST = 2;

const DIGESTS: Record<ShaDigest, { node: string; id: string; bytes: number }> = {
  SHA256: { node: 'sha256', id: 'sha256', bytes: 32 },
  SHA384: { node: 'sha384', id: 'sha384', bytes: 48 },
  SHA512: { node: 'sha512', id: 'sha512', bytes: 64 },
};

function checkPepper(pepper: string | undefined): void {
  if (pepper === undefined) return;
  if (typeof pepper !== 'string' || pepper.length < MIN_PEPPER_LENGTH) {
    throw new ConfigError('Pepper too short', [
      { field: 'pepper', message: `must be a string of at least ${MIN_PEPPER_LENGTH} characters` },
    ]);
  }
}

/**
 * Identifies a pepper without revealing it: the first 8 characters of
 * base64url(SHA-256(pepper)). Written into HMAC encodings so a hash made
 * under another pepper is recognised as foreign, not as a wrong key.
 */
export function pepperFingerprint(pepper: string): string {
  return createHash('sha256').update(pepper, 'utf8').digest('base64url').slice(0, 8);
}

/**
 * A SHA-2 hasher: a plain digest, or an HMAC when a pepper is given.
 * Deterministic (no salt needed: keys are random and high-entropy), so the
 * same key always yields the same encoding. `verify` is synchronous and
 * compares in constant time.
 *
 * @throws ConfigError for a pepper shorter than {@link MIN_PEPPER_LENGTH} or an unknown digest.
 */
export function createSha256Hasher(opts: Sha256HasherOptions = {}): Sha256Hasher {
  const digestName = opts.digest ?? 'SHA256';
  if (!Object.hasOwn(DIGESTS, digestName)) {
    throw new ConfigError('Unknown digest', [{ field: 'digest', message: 'must be SHA256, SHA384 or SHA512' }]);
  }
  const digest = DIGESTS[digestName];
  const { pepper } = opts;
  checkPepper(pepper);

  const algorithm = pepper === undefined ? digest.id : `hmac-${digest.id}`;
  const head = pepper === undefined ? `${algorithm}$` : `${algorithm}$${pepperFingerprint(pepper)}$`;
  // Unpadded base64url of `bytes` bytes.
  const encodedLength = head.length + Math.ceil((digest.bytes * 4) / 3);

  const mac =
    pepper === undefined
      ? (key: string): Buffer => createHash(digest.node).update(key, 'utf8').digest()
      : (key: string): Buffer => createHmac(digest.node, pepper).update(key, 'utf8').digest();

  return {
    algorithm,
    hash(key: string): string {
      return head + mac(key).toString('base64url');
    },
    accepts(encoded: string): boolean {
      return typeof encoded === 'string' && encoded.startsWith(head);
    },
    verify(key: string, encoded: string): boolean {
      if (typeof key !== 'string' || typeof encoded !== 'string') return false;
      if (encoded.length !== encodedLength || !encoded.startsWith(head)) return false;
      // Node's decoder skips invalid characters, so a malformed encoding
      // decodes to fewer bytes and fails the length check below.
      const expected = Buffer.from(encoded.slice(head.length), 'base64url');
      const actual = mac(key);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}

function checkIntegerAtLeast(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`Invalid argon2 ${field}`, [{ field: `argon2.${field}`, message: `must be an integer of at least ${min}` }]);
  }
}

const ARGON2_HEAD = '$argon2id$';
// A hash from a corrupted or tampered record must not make verification
// allocate unbounded memory or spin: costs above these are refused.
const ARGON2_VERIFY_MAX_MEMORY_KIB = 1_048_576; // 1 GiB
const ARGON2_VERIFY_MAX_TIME_COST = 64;
const ARGON2_VERIFY_MAX_PARALLELISM = 64;
const ARGON2_MAX_ENCODED_LENGTH = 512;
// `$argon2id$v=19$<params>$`; bounded quantifiers, no backtracking blow-up.
const ARGON2_PARAMS = /^\$argon2id\$v=\d{1,3}\$([A-Za-z0-9=,+/]{1,128})\$/;

/** Whether the cost parameters of a PHC string (`m=…,p=…,t=…`, any order) are present and within the limits. */
function argon2CostsWithin(params: string, maxMemory: number, maxTime: number, maxLanes: number): boolean {
  let m = -1;
  let t = -1;
  let p = -1;
  for (const pair of params.split(',')) {
    const value = Number(pair.slice(2));
    if (pair.startsWith('m=')) m = value;
    else if (pair.startsWith('t=')) t = value;
    else if (pair.startsWith('p=')) p = value;
  }
  // NaN fails every comparison, so non-numeric values are refused too.
  return m >= 1 && m <= maxMemory && t >= 1 && t <= maxTime && p >= 1 && p <= maxLanes;
}

/**
 * An argon2id hasher (via the `argon2` package), salted per hash, so two
 * hashes of one key differ and both verify. Each hash or verify takes tens
 * of milliseconds at the defaults: rely on the verified-key cache and on the
 * failed-verification limit in front of it.
 *
 * The returned hasher's `needsRehash` is true for an argon2id hash made with
 * other cost parameters.
 *
 * @throws ConfigError for costs below OWASP's minimum (memoryCost ≥ 19456 KiB,
 *   timeCost ≥ 2, parallelism ≥ 1) or a pepper shorter than 16 characters.
 */
export function createArgon2idHasher(opts: Argon2idHasherOptions = {}): Argon2idHasher {
  const memoryCost = opts.memoryCost ?? ARGON2_MIN_MEMORY_COST;
  const timeCost = opts.timeCost ?? ARGON2_MIN_TIME_COST;
  const parallelism = opts.parallelism ?? 1;
  checkIntegerAtLeast('memoryCost', memoryCost, ARGON2_MIN_MEMORY_COST);
  checkIntegerAtLeast('timeCost', timeCost, ARGON2_MIN_TIME_COST);
  checkIntegerAtLeast('parallelism', parallelism, 1);
  checkPepper(opts.pepper);

  const secret = opts.pepper === undefined ? undefined : Buffer.from(opts.pepper, 'utf8');
  const hashOptions: argon2.HashOptions & { raw?: false } = { type: argon2.argon2id, memoryCost, timeCost, parallelism };
  const verifyOptions: argon2.VerifyOptions = {};
  if (secret !== undefined) {
    hashOptions.secret = secret;
    verifyOptions.secret = secret;
  }
  const maxMemory = Math.max(ARGON2_VERIFY_MAX_MEMORY_KIB, memoryCost);
  const maxTime = Math.max(ARGON2_VERIFY_MAX_TIME_COST, timeCost);
  const maxLanes = Math.max(ARGON2_VERIFY_MAX_PARALLELISM, parallelism);

  return {
    algorithm: 'argon2id',
    hash(key: string): Promise<string> {
      return argon2.hash(key, hashOptions);
    },
    accepts(encoded: string): boolean {
      return typeof encoded === 'string' && encoded.startsWith(ARGON2_HEAD);
    },
    async verify(key: string, encoded: string): Promise<boolean> {
      if (typeof key !== 'string' || typeof encoded !== 'string') return false;
      if (encoded.length > ARGON2_MAX_ENCODED_LENGTH) return false;
      const params = ARGON2_PARAMS.exec(encoded);
      if (params === null || !argon2CostsWithin(params[1]!, maxMemory, maxTime, maxLanes)) return false;
      try {
        return await argon2.verify(encoded, key, verifyOptions);
      } catch {
        // Malformed PHC strings and out-of-range parameters throw; to the
        // caller they are simply hashes this key does not match.
        return false;
      }
    },
    needsRehash(encoded: string): boolean {
      if (typeof encoded !== 'string' || !encoded.startsWith(ARGON2_HEAD)) return true;
      try {
        return argon2.needsRehash(encoded, { memoryCost, timeCost, parallelism });
      } catch {
        return true;
      }
    },
  };
}

/** A chain of hashers: see {@link createHasherChain}. */
export interface HasherChain extends Hasher {
  /** Whether `encoded` should be replaced by a hash from the primary hasher (algorithm, pepper or costs changed). */
  needsRehash(encoded: string): boolean;
}

function isRehashAware(hasher: Hasher): hasher is RehashAwareHasher {
  return typeof (hasher as Partial<RehashAwareHasher>).needsRehash === 'function';
}

/**
 * Hashes with `primary`; verifies with the first of `primary, ...fallbacks`
 * that accepts the encoding (e.g. the argon2id hasher after switching the
 * default to HMAC, or an HMAC hasher with the previous pepper), and returns
 * `false` when none does. `needsRehash` tells the caller to upgrade a stored
 * hash after a successful verification.
 */
export function createHasherChain(primary: Hasher, ...fallbacks: Hasher[]): HasherChain {
  const hashers = [primary, ...fallbacks];
  const primaryRehash = isRehashAware(primary) ? primary : undefined;

  function pick(encoded: string): Hasher | undefined {
    for (const hasher of hashers) if (hasher.accepts(encoded)) return hasher;
    return undefined;
  }

  return {
    algorithm: primary.algorithm,
    hash: (key) => primary.hash(key),
    accepts: (encoded) => pick(encoded) !== undefined,
    verify(key, encoded) {
      const hasher = pick(encoded);
      return hasher === undefined ? false : hasher.verify(key, encoded);
    },
    needsRehash(encoded) {
      if (!primary.accepts(encoded)) return true;
      return primaryRehash !== undefined && primaryRehash.needsRehash(encoded);
    },
  };
}

/** Whether checking against `encoded` is deliberately slow (argon2), so repeated failures need a guard. */
export function isSlowHash(encoded: string): boolean {
  return encoded.startsWith('$argon2');
}

/**
 * Cache key for a presented key: its SHA-256 digest as a 32-character
 * latin1 string. Lets the verified-key cache be keyed without holding
 * presented secrets in memory. Not a password hash and not printable; only
 * ever compared to other outputs of itself.
 */
export function hashForCache(key: string): string {
  // One-shot crypto.hash skips the Hash object: about 3x faster than createHash on this hot path. 'binary' (latin1)
  // is the cheapest encoding to produce and the shortest Map key: about 10 % less per verification than base64url.
  return hash('sha256', key, 'binary');
}
