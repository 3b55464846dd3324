import { LRUCache } from 'lru-cache';
import type { ApiKey } from './key-view.js';
import type { KeyRecord } from './types.js';

/** Which of a key's secrets a presented key matched. */
export type SecretMatch = 'current' | 'previous';

/** A record whose secret was checked, with the presented keys (by hash) that matched it. */
export interface VerifiedEntry {
  record: KeyRecord;
  view: ApiKey;
  /** Cache hashes of the presented keys that matched it, at most two (current and previous); which secret each matched is in its {@link VerifiedHit}. */
  presented: Set<string>;
}

/** What {@link VerifiedKeyCache.find} answers: the entry and which of its secrets the presented key matched. */
export interface VerifiedHit {
  readonly entry: VerifiedEntry;
  readonly match: SecretMatch;
}

/**
 * Verified keys by key id, so a hot key skips the store read and the hash
 * check. Entries hold only hashes of presented keys, never the keys. Keyed
 * by id so that a revoke, delete, rotate or update evicts every presented
 * form of the key at once; a second index by presented-key hash lets a hot
 * request find its entry without parsing the key or checking its checksum
 * (the hash can only match a key string that passed both before).
 */
export class VerifiedKeyCache {
  readonly #entries: LRUCache<string, VerifiedEntry> | undefined;
  readonly #missing: LRUCache<string, true> | undefined;
  /**
   * Presented-key hash → its hit, built once when remembered so that a hot
   * request finds it without allocating; mirrors `#entries` through its
   * dispose hook, so it never outgrows it.
   */
  readonly #byPresented = new Map<string, VerifiedHit>();

  constructor(options: { ttlMs: number; maxEntries: number; negativeTtlMs?: number }) {
    if (options.ttlMs <= 0) return;
    this.#entries = new LRUCache({
      max: options.maxEntries,
      ttl: options.ttlMs,
      ttlAutopurge: false,
      // lru-cache re-reads the clock through a timer every ttlResolution ms; 1 % of the ttl is precise enough and spares a timer per millisecond under load.
      ttlResolution: Math.min(1000, Math.max(1, Math.floor(options.ttlMs / 100))),
      dispose: (entry) => {
        for (const presentedHash of entry.presented) {
          if (this.#byPresented.get(presentedHash)?.entry === entry) this.#byPresented.delete(presentedHash);
        }
      },
    });
    this.#missing = new LRUCache({ max: options.maxEntries, ttl: options.negativeTtlMs ?? Math.min(options.ttlMs, 5000) });
  }

  /** The entry a presented key (by `presentedHash`) already verified against, while it is fresh. */
  find(presentedHash: string): VerifiedHit | undefined {
    const hit = this.#byPresented.get(presentedHash);
    // The id-keyed LRU decides freshness (TTL) and recency; a stale entry is disposed there, which unlinks it here.
    if (hit === undefined || this.#entries?.get(hit.entry.record.id) !== hit.entry) return undefined;
    return hit;
  }

  /** Remembers that `presentedHash` matched `match` of `record`. A newer record version replaces older ones. */
  remember(record: KeyRecord, view: ApiKey, presentedHash: string, match: SecretMatch): void {
    if (this.#entries === undefined) return;
    let entry = this.#entries.get(record.id);
    if (entry === undefined || entry.record.version !== record.version) {
      entry = { record, view, presented: new Set() };
      this.#entries.set(record.id, entry);
    }
    entry.presented.add(presentedHash);
    this.#byPresented.set(presentedHash, { entry, match });
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
    this.#byPresented.clear();
    this.#missing?.clear();
  }
}

