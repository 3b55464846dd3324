/**
 * The opaque key format: `<prefix>_<keyId>_<secret><checksum>`, e.g.
 * `sk_live_4fT9…(16)_…(32 secret)…(6 checksum)`.
 *
 * - `prefix` says what the key is (`sk_live`, `sk_test`) so people and secret
 *   scanners recognise it.
 * - `keyId` is public and random; the verifier reads the one record with that
 *   id, so verification is a single indexed store read.
 * - `secret` is the entropy (32 base62 chars ≈ 190 bits by default).
 * - `checksum` is CRC32 of everything before it, so typos and truncated keys
 *   are rejected offline, without a store read or a hash (GitHub's scheme).
 *
 * Base62 has no `_`, so the last two underscores split the key unambiguously
 * even though prefixes may contain underscores.
 *
 * @module
 */
import { crc32 } from 'node:zlib';
import { ConfigError } from './errors.js';
import { BASE62_ALPHABET, randomBase62 } from './random.js';

/** Characters in a key id. */
export const KEY_ID_LENGTH = 16;
/** Fewest secret characters a key may have (32 × log2 62 ≈ 190 bits). */
export const MIN_SECRET_LENGTH = 32;
/** Most secret characters a key may have. */
export const MAX_SECRET_LENGTH = 128;
/** Characters of the base62 CRC32 checksum (62^6 > 2^32). */
export const CHECKSUM_LENGTH = 6;
/** Longest allowed prefix. */
export const MAX_PREFIX_LENGTH = 32;
/** Presented strings longer than this are rejected before any other work. */
export const MAX_PRESENTED_KEY_LENGTH = 256;

/** A freshly generated key. `key` is the only copy of the secret: show it once. */
export interface GeneratedKey {
  /** The full presented key. */
  key: string;
  /** The public key id embedded in `key`. */
  keyId: string;
  /** The prefix embedded in `key`. */
  prefix: string;
  /** Last four characters of `key`, for masked display. */
  last4: string;
}

/** The parts of a well-formed key whose checksum matches. */
export interface ParsedKey {
  prefix: string;
  keyId: string;
  secret: string;
  checksum: string;
}

/** Options of {@link generateKey}. */
export interface GenerateKeyOptions {
  /** A valid prefix (see {@link isValidPrefix}), e.g. `sk_live`. */
  prefix: string;
  /** Secret characters; {@link MIN_SECRET_LENGTH} to {@link MAX_SECRET_LENGTH}, default 32. */
  secretLength?: number;
  /** Reuse this key id (rotation keeps a key's id); default: a new random one. */
  keyId?: string;
}

// Lookup table of base62 characters by char code (ASCII only), so the
// alphabet check is one array read per character.
const BASE62_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62_ALPHABET.length; i++) BASE62_VALUE[BASE62_ALPHABET.charCodeAt(i)] = i;

const UNDERSCORE = 0x5f;
const MIN_KEY_LENGTH = 1 + 1 + KEY_ID_LENGTH + 1 + MIN_SECRET_LENGTH + CHECKSUM_LENGTH;

function isBase62Range(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || BASE62_VALUE[c]! < 0) return false;
  }
  return true;
}

function isLowerAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

// Linear scan equivalent to /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/ on s[start, end).
function isPrefixRange(s: string, start: number, end: number): boolean {
  const length = end - start;
  if (length < 1 || length > MAX_PREFIX_LENGTH) return false;
  if (!isLowerAlpha(s.charCodeAt(start))) return false;
  let previousWasUnderscore = false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === UNDERSCORE) {
      if (previousWasUnderscore) return false;
      previousWasUnderscore = true;
    } else if (isLowerAlnum(c)) {
      previousWasUnderscore = false;
    } else {
      return false;
    }
  }
  return !previousWasUnderscore;
}

/**
 * Whether `prefix` is usable as a key prefix: lower case letters and digits,
 * starting with a letter, single underscores between parts, at most
 * {@link MAX_PREFIX_LENGTH} characters (`sk_live`, `kg_staging`). Never throws.
 */
export function isValidPrefix(prefix: unknown): prefix is string {
  return typeof prefix === 'string' && isPrefixRange(prefix, 0, prefix.length);
}

/** Whether `id` is exactly {@link KEY_ID_LENGTH} base62 characters. Never throws. */
export function isValidKeyId(id: unknown): id is string {
  return typeof id === 'string' && id.length === KEY_ID_LENGTH && isBase62Range(id, 0, KEY_ID_LENGTH);
}

/** `value` (an unsigned 32-bit integer) as exactly {@link CHECKSUM_LENGTH} base62 digits, left-padded with `0`. */
function encodeChecksum(value: number): string {
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62_ALPHABET[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * The checksum of a key body (`prefix_keyId_secret`): its CRC32 as
 * {@link CHECKSUM_LENGTH} base62 characters, left-padded with `0`.
 * A typo detector, not a MAC: anyone can compute it.
 */
export function checksum(body: string): string {
  return encodeChecksum(crc32(body));
}

/**
 * A new random key.
 *
 * @throws ConfigError (`CONFIG_INVALID`) for an invalid prefix or secret
 *   length; these come from configuration, not from callers' input.
 */
export function generateKey(opts: GenerateKeyOptions): GeneratedKey {
  const { prefix } = opts;
  const secretLength = opts.secretLength ?? MIN_SECRET_LENGTH;
  if (!isValidPrefix(prefix)) {
    throw new ConfigError('Invalid key prefix', [
      {
        field: 'prefix',
        message: `must match ^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$ and be at most ${MAX_PREFIX_LENGTH} characters`,
      },
    ]);
  }
  if (!Number.isInteger(secretLength) || secretLength < MIN_SECRET_LENGTH || secretLength > MAX_SECRET_LENGTH) {
    throw new ConfigError('Invalid secret length', [
      { field: 'secretLength', message: `must be an integer from ${MIN_SECRET_LENGTH} to ${MAX_SECRET_LENGTH}` },
    ]);
  }
  if (opts.keyId !== undefined && !isValidKeyId(opts.keyId)) {
    throw new ConfigError('Invalid key id', [{ field: 'keyId', message: `must be ${KEY_ID_LENGTH} base62 characters` }]);
  }
  const keyId = opts.keyId ?? randomBase62(KEY_ID_LENGTH);
  const body = `${prefix}_${keyId}_${randomBase62(secretLength)}`;
  const key = body + checksum(body);
  return { key, keyId, prefix, last4: key.slice(-4) };
}

/**
 * Splits and checks a presented key. Returns `undefined` (never throws) for
 * anything that is not a well-formed key with a matching checksum: wrong
 * type, longer than {@link MAX_PRESENTED_KEY_LENGTH}, wrong part lengths,
 * characters outside the alphabet (including whitespace and homoglyphs), a
 * malformed prefix or a checksum mismatch.
 *
 * Runs in time linear in the input, with no regular expression. The secret
 * length accepted is {@link MIN_SECRET_LENGTH}..{@link MAX_SECRET_LENGTH};
 * callers compare the prefix against their configured environments.
 */
export function parseKey(input: unknown): ParsedKey | undefined {
  if (typeof input !== 'string') return undefined;
  const length = input.length;
  if (length > MAX_PRESENTED_KEY_LENGTH || length < MIN_KEY_LENGTH) return undefined;

  const lastUnderscore = input.lastIndexOf('_');
  const tailLength = length - lastUnderscore - 1;
  if (tailLength < MIN_SECRET_LENGTH + CHECKSUM_LENGTH || tailLength > MAX_SECRET_LENGTH + CHECKSUM_LENGTH) {
    return undefined;
  }
  const idStart = lastUnderscore - KEY_ID_LENGTH;
  // The key id is exactly 16 chars, so the separator before it is at a fixed place.
  if (idStart < 2 || input.charCodeAt(idStart - 1) !== UNDERSCORE) return undefined;
  if (!isBase62Range(input, idStart, lastUnderscore)) return undefined;
  if (!isBase62Range(input, lastUnderscore + 1, length)) return undefined;
  if (!isPrefixRange(input, 0, idStart - 1)) return undefined;

  const checksumStart = length - CHECKSUM_LENGTH;
  let presented = 0;
  for (let i = checksumStart; i < length; i++) presented = presented * 62 + BASE62_VALUE[input.charCodeAt(i)]!;
  const body = input.slice(0, checksumStart);
  if (crc32(body) !== presented) return undefined;

  return {
    prefix: input.slice(0, idStart - 1),
    keyId: input.slice(idStart, lastUnderscore),
    secret: input.slice(lastUnderscore + 1, checksumStart),
    checksum: input.slice(checksumStart),
  };
}

const BASE62_CLASS = '[0-9A-Za-z]';
const PREFIX_SOURCE = '[a-z][a-z0-9]*(?:_[a-z0-9]+)*';
const REST_SOURCE = `_${BASE62_CLASS}{${KEY_ID_LENGTH}}_${BASE62_CLASS}{${MIN_SECRET_LENGTH + CHECKSUM_LENGTH},${
  MAX_SECRET_LENGTH + CHECKSUM_LENGTH
}}\\b`;

/**
 * Regular expression source matching keygate keys of any valid prefix inside
 * larger text, for secret scanners (GitHub secret scanning custom patterns,
 * gitleaks, trufflehog). It is bounded by `\b` at both ends and has no flags;
 * compile it with `new RegExp(KEY_REGEX_SOURCE, 'g')` to find every match.
 * Confirm a match with {@link parseKey} (checksum) to drop false positives.
 */
export const KEY_REGEX_SOURCE = `\\b${PREFIX_SOURCE}${REST_SOURCE}`;

/**
 * A regular expression (no flags: not global, not anchored) matching keys
 * with one of `prefixes` inside larger text, or any valid prefix when
 * `prefixes` is absent or empty. Meant for secret scanning; verification uses
 * {@link parseKey}, which does not use a regex.
 *
 * @example
 * keyPattern(['sk_live']).test(logLine) // a live key leaked into a log line?
 * @throws ConfigError for an invalid prefix.
 */
export function keyPattern(prefixes?: string[]): RegExp {
  if (prefixes === undefined || prefixes.length === 0) return new RegExp(KEY_REGEX_SOURCE);
  for (const prefix of prefixes) {
    if (!isValidPrefix(prefix)) {
      throw new ConfigError('Invalid key prefix', [{ field: 'prefixes', message: 'contains an invalid prefix' }]);
    }
  }
  // Valid prefixes hold only [a-z0-9_], so no escaping is needed.
  return new RegExp(`\\b(?:${prefixes.join('|')})${REST_SOURCE}`);
}
