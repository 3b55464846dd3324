import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { ApiKey } from './key-view.js';
import type { KeyRecord } from './types.js';
import { VerifiedKeyCache } from './verified-key-cache.js';

// The cache only passes records and views through; their contents do not matter here.
const record = (id: string, version = 1) => ({ id, version }) as unknown as KeyRecord;
const view = {} as ApiKey;

describe('VerifiedKeyCache', () => {
  it('finds an entry by the hash of a presented key that matched, and only by that', () => {
    const cache = new VerifiedKeyCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.remember(record('a'), view, 'hash-current', 'current');
    cache.remember(record('a'), view, 'hash-previous', 'previous');
    expect(cache.find('hash-current')).toMatchObject({ entry: { record: { id: 'a' } }, match: 'current' });
    expect(cache.find('hash-previous')?.match).toBe('previous');
    expect(cache.find('hash-other')).toBeUndefined();
  });

  it('forgets every presented form of a key when the key is evicted', () => {
    const cache = new VerifiedKeyCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.remember(record('a'), view, 'h1', 'current');
    cache.remember(record('a'), view, 'h2', 'previous');
    cache.remember(record('b'), view, 'h3', 'current');
    cache.evict('a');
    expect(cache.find('h1')).toBeUndefined();
    expect(cache.find('h2')).toBeUndefined();
    expect(cache.find('h3')?.entry.record.id).toBe('b');
  });

  it('drops the hashes of an older record version when a newer one is remembered', () => {
    const cache = new VerifiedKeyCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.remember(record('a', 1), view, 'old-secret', 'current');
    cache.remember(record('a', 2), view, 'new-secret', 'current');
    expect(cache.find('old-secret')).toBeUndefined();
    expect(cache.find('new-secret')?.entry.record).toMatchObject({ id: 'a', version: 2 });
  });

  it('stops answering once the ttl has passed', async () => {
    const cache = new VerifiedKeyCache({ ttlMs: 20, maxEntries: 10 });
    cache.remember(record('a'), view, 'h1', 'current');
    expect(cache.find('h1')).toBeDefined();
    await sleep(40);
    expect(cache.find('h1')).toBeUndefined();
  });

  it('keeps at most maxEntries keys: the least recently used key is forgotten, by every hash', () => {
    const cache = new VerifiedKeyCache({ ttlMs: 60_000, maxEntries: 2 });
    cache.remember(record('a'), view, 'ha', 'current');
    cache.remember(record('b'), view, 'hb', 'current');
    expect(cache.find('ha')).toBeDefined(); // a is now more recent than b
    cache.remember(record('c'), view, 'hc', 'current');
    expect(cache.find('hb')).toBeUndefined();
    expect(cache.find('ha')).toBeDefined();
    expect(cache.find('hc')).toBeDefined();
  });

  it('caches nothing with a ttl of 0', () => {
    const cache = new VerifiedKeyCache({ ttlMs: 0, maxEntries: 10 });
    cache.remember(record('a'), view, 'h1', 'current');
    expect(cache.find('h1')).toBeUndefined();
  });
});
