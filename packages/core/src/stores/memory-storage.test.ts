import { describe, expect, it } from 'vitest';
import { runStorageConformance } from '../testing/store-suite.js';
import { createMemoryStorage } from './memory-storage.js';

runStorageConformance('memory', () => ({ storage: createMemoryStorage() }));

describe('createMemoryStorage', () => {
  it('answers synchronously', () => {
    const storage = createMemoryStorage();
    expect(storage.keys.get('nope')).toBeUndefined();
    expect(storage.usage.summary('nope')).toEqual({ requests: 0, errors: 0 });
    expect(storage.audit.query({ tenantId: 't', limit: 10 })).toEqual({ items: [] });
  });

  it('keeps separate instances apart', () => {
    const a = createMemoryStorage();
    const b = createMemoryStorage();
    a.usage.increment([{ keyId: 'k', tenantId: 't', day: '2024-01-01', requests: 1, errors: 0, lastUsedAt: 1 }]);
    expect(b.usage.summary('k')).toEqual({ requests: 0, errors: 0 });
  });

  it('rejects a bad usage batch without applying any of it', () => {
    const storage = createMemoryStorage();
    const good = { keyId: 'k', tenantId: 't', day: '2024-01-01', requests: 1, errors: 0, lastUsedAt: 1 };
    expect(() => storage.usage.increment([good, { ...good, day: '2024-13-01' }])).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => storage.usage.increment([{ ...good, requests: -1 }])).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(storage.usage.summary('k')).toEqual({ requests: 0, errors: 0 });
  });

  it('rejects a page size outside 1..100', () => {
    const storage = createMemoryStorage();
    for (const limit of [0, 101, 1.5, Number.NaN]) {
      expect(() => storage.keys.list({ tenantId: 't', limit })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
