import { LRUCache } from 'lru-cache';
import type { ApiKey } from './key-view.js';
import type { KeyRecord } from './types.js';

/** Which of a key's secrets a presented key matched. */
export type SecretMatch = 'current' | 'previous';

/** A record whose secret was checked, with the presented keys (by hash) that matched it. */
export interface VerifiedEntry {
  record: KeyRecord;
  view: ApiKey;
  /** Cache hash of a presented key → which secret it matched. At most two (current and previous). */
  matches: Map<string, SecretMatch>;
}

/**
 * Verified keys by key id, so a hot key skips the store read and the hash
 * check. Entries hold only hashes of presented keys, never the keys. Keyed
 * by id so that a revoke, delete, rotate or update evicts every presented
 * form of the key at once.
 */
export class VerifiedKeyCache {
  readonly #entries: LRUCache<string, VerifiedEntry> | undefined;
  readonly #missing: LRUCache<string, true> | undefined;

  constructor(options: { ttlMs: number; maxEntries: number; negativeTtlMs?: number }) {
    if (options.ttlMs <= 0) return;
    this.#entries = new LRUCache({ max: options.maxEntries, ttl: options.ttlMs, ttlAutopurge: false });
    this.#missing = new LRUCache({ max: options.maxEntries, ttl: options.negativeTtlMs ?? Math.min(options.ttlMs, 5000) });
  }

  /** The entry if `presentedHash` already verified against key `keyId`. */
  lookup(keyId: string, presentedHash: string): { entry: VerifiedEntry; match: SecretMatch } | undefined {
    const entry = this.#entries?.get(keyId);
    if (entry === undefined) return undefined;
    const match = entry.matches.get(presentedHash);
    return match === undefined ? undefined : { entry, match };
  }

  /** Remembers that `presentedHash` matched `match` of `record`. A newer record version replaces older ones. */
  remember(record: KeyRecord, view: ApiKey, presentedHash: string, match: SecretMatch): void {
    if (this.#entries === undefined) return;
    let entry = this.#entries.get(record.id);
    if (entry === undefined || entry.record.version !== record.version) {
      entry = { record, view, matches: new Map() };
      this.#entries.set(record.id, entry);
    }
    entry.matches.set(presentedHash, match);
  }

  /** Whether `keyId` was recently found missing from the store. */
  isMissing(keyId: string): boolean {
    return this.#missing?.get(keyId) === true;
  }

  rememberMissing(keyId: string): void {
    this.#missing?.set(keyId, true);
  }

  /** Drops everything known about a key, positive and negative. */
  evict(keyId: string): void {
    this.#entries?.delete(keyId);
    this.#missing?.delete(keyId);
  }

  clear(): void {
    this.#entries?.clear();
    this.#missing?.clear();
  }
}

