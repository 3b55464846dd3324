import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, KeygateError } from '../errors.js';
import { KeyManager } from '../manager.js';
import { createMemoryCreditStore } from '../memory-credit-store.js';
import { runStorageConformance } from '../testing/store-suite.js';
import type { KeyRecord } from '../types.js';
import { createKeyvStorage } from './keyv-storage.js';

const tempDirs: string[] = [];
async function tempFile(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-keyv-'));
  tempDirs.push(dir);
  return join(dir, name);
}
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

runStorageConformance('keyv (default in-memory Map)', () => ({ storage: createKeyvStorage({}) }));

runStorageConformance('keyv + @keyv/sqlite (temp file)', async () => {
  const store = new KeyvSqlite('sqlite://' + (await tempFile('keygate.sqlite')));
  const storage = createKeyvStorage({ store });
  return {
    storage,
    cleanup: async () => {
      await storage.close?.();
      await store.disconnect();
    },
  };
});

runStorageConformance('keyv (host Keyv over a Map)', () => ({
  storage: createKeyvStorage({ keyv: new Keyv({ store: new Map(), namespace: 'host', throwOnErrors: true }) }),
}));

function key(id: string, tenantId: string, createdAt = 1_000): KeyRecord {
  return {
    id,
    tenantId,
    name: 'k',
    environment: 'live',
    prefix: 'sk_live',
    last4: 'abcd',
    tokenType: 'opaque',
    hash: 'h',
    scopes: [],
    ipAllowlist: [],
    metadata: {},
    enabled: true,
    createdAt,
    updatedAt: createdAt,
    expiresAt: null,
    revokedAt: null,
    rotatedAt: null,
    version: 1,
  };
}

function configIssue(call: () => unknown): ConfigError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('createKeyvStorage options', () => {
  it('names what is wrong with a store object', () => {
    const error = configIssue(() => createKeyvStorage({ store: { get() {}, clear() {} } as never }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('set()');
    expect(error.message).toContain('delete()');
    expect(error.issues[0]!.field).toBe('store');
  });

  it('rejects a store it cannot list', () => {
    const store = { opts: {}, get: async () => undefined, set: async () => true, delete: async () => true, clear: async () => {}, on: () => store };
    expect(configIssue(() => createKeyvStorage({ store: store as never })).message).toMatch(/cannot list entries/);
  });

  it('rejects bad namespaces and ambiguous combinations', () => {
    for (const namespace of ['', 'a:b', 'x'.repeat(65), 'sp ace']) {
      expect(configIssue(() => createKeyvStorage({ namespace })).issues[0]!.field).toBe('namespace');
    }
    expect(configIssue(() => createKeyvStorage({ store: new Map(), keyv: new Keyv() })).issues[0]!.field).toBe('store');
    expect(configIssue(() => createKeyvStorage({ keyv: new Keyv(), namespace: 'x' })).issues[0]!.field).toBe('namespace');
    expect(configIssue(() => createKeyvStorage({ keyv: {} as never })).issues[0]!.field).toBe('keyv');
    expect(configIssue(() => createKeyvStorage({ keyv: new Keyv({ namespace: 'a:b' }) })).issues[0]!.field).toBe('keyv');
    expect(configIssue(() => createKeyvStorage(null as never)).issues[0]!.field).toBe('options');
  });
});

describe('createKeyvStorage layout and sharing', () => {
  it('stores one entry per record under the documented keys, with tenant ids escaped', async () => {
    const map = new Map<string, unknown>();
    const storage = createKeyvStorage({ store: map });
    await storage.keys.put(key('k1', 'a:b'));
    await storage.audit.append({ id: 'e1', action: 'key.created', at: 1, tenantId: 'a:b' });
    await storage.usage.increment([{ keyId: 'k1', tenantId: 'a:b', day: '2024-01-01', requests: 1, errors: 0, lastUsedAt: 5 }]);
    expect([...map.keys()].sort()).toEqual([
      'keygate:audit:a%3Ab:e1',
      'keygate:keys:k1',
      'keygate:tenant:a%3Ab:k1',
      'keygate:usage:k1',
      'keygate:usage:k1:2024-01-01',
    ]);
  });

  it('keeps two namespaces on one Map apart', async () => {
    const map = new Map();
    const a = createKeyvStorage({ store: map, namespace: 'one' });
    const b = createKeyvStorage({ store: map, namespace: 'two' });
    await a.keys.put(key('ka', 't'));
    await b.keys.put(key('kb', 't'));
    expect((await a.keys.list({ tenantId: 't', limit: 10 })).items.map((k) => k.id)).toEqual(['ka']);
    expect((await b.keys.list({ tenantId: 't', limit: 10 })).items.map((k) => k.id)).toEqual(['kb']);
    expect(await a.keys.get('kb')).toBeUndefined();
  });

  it('lets two "processes" on one sqlite file see each other\'s keys, with no lost writes', async () => {
    const file = await tempFile('shared.sqlite');
    const storeA = new KeyvSqlite({ uri: 'sqlite://' + file, busyTimeout: 10_000 });
    const storeB = new KeyvSqlite({ uri: 'sqlite://' + file, busyTimeout: 10_000 });
    try {
      const a = createKeyvStorage({ store: storeA });
      const b = createKeyvStorage({ store: storeB });
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => a.keys.put(key(`a${i}`, 'shared', 1_000 + i))),
        ...Array.from({ length: 20 }, (_, i) => b.keys.put(key(`b${i}`, 'shared', 2_000 + i))),
      ]);
      for (const storage of [a, b]) {
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await storage.keys.list({ tenantId: 'shared', limit: 15, cursor });
          ids.push(...page.items.map((k) => k.id));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        expect(new Set(ids).size).toBe(40);
      }
    } finally {
      await storeA.disconnect();
      await storeB.disconnect();
    }
  });

  it('close() leaves a store the host passed in open', async () => {
    const store = new KeyvSqlite('sqlite://' + (await tempFile('owned.sqlite')));
    const storage = createKeyvStorage({ store });
    await storage.close?.();
    await storage.keys.put(key('still-open', 't'));
    expect((await storage.keys.get('still-open'))?.id).toBe('still-open');
    await store.disconnect();
  });

  it('reports a failing backend as STORAGE_UNAVAILABLE, not as a missing key', async () => {
    const map = new Map();
    const storage = createKeyvStorage({ store: map });
    await storage.keys.put(key('k', 't'));
    map.get = () => {
      throw new Error('connection reset');
    };
    const error = await Promise.resolve(storage.keys.get('k')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeygateError);
    expect((error as KeygateError).code).toBe('STORAGE_UNAVAILABLE');
  });

  it('refuses records that could not be indexed', async () => {
    const storage = createKeyvStorage();
    await expect(Promise.resolve(storage.keys.put({ ...key('', 't') }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(Promise.resolve(storage.keys.put({ ...key('x', 't'), createdAt: -5 }))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('does not list a record whose index entry is left over from a crash', async () => {
    const map = new Map();
    const storage = createKeyvStorage({ store: map });
    await storage.keys.put(key('gone', 't'));
    map.delete('keygate:keys:gone');
    expect((await storage.keys.list({ tenantId: 't', limit: 10 })).items).toEqual([]);
  });

  it('says whether other processes may share it, and a manager on shared storage warns once when it must count credits per process', async () => {
    expect(createKeyvStorage().shared).toBe(false);
    expect(createKeyvStorage({ keyv: new Keyv() }).shared).toBe(false);
    const store = new KeyvSqlite('sqlite://' + (await tempFile('shared-credits.sqlite')));
    try {
      const shared = createKeyvStorage({ store });
      expect(shared.shared).toBe(true);
      const admin = { id: 'a', tenantId: 't', role: 'admin' as const };
      const warnings: string[] = [];
      const logger = { warn: (message: string) => warnings.push(message), error: () => undefined };
      const perProcess = new KeyManager({ storage: shared, logger });
      const { secret } = await perProcess.create(admin, { name: 'metered', credits: { initial: 3 }, rateLimit: null });
      expect(warnings).toEqual([]);
      for (let i = 0; i < 4; i++) await perProcess.verify(secret);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/credits are counted per process.*creditStore/);
      expect((await perProcess.verify(secret)).code).toBe('USAGE_EXCEEDED');
      await perProcess.close();

      // With a credit store of its own, or on storage only this process holds, there is nothing to warn about.
      const quiet: string[] = [];
      const quietLogger = { warn: (message: string) => quiet.push(message), error: () => undefined };
      for (const manager of [
        new KeyManager({ storage: createKeyvStorage({ store }), creditStore: createMemoryCreditStore(), logger: quietLogger }),
        new KeyManager({ storage: createKeyvStorage(), logger: quietLogger }),
      ]) {
        const key = await manager.create(admin, { name: 'metered', credits: { initial: 1 }, rateLimit: null });
        expect((await manager.verify(key.secret)).valid).toBe(true);
        await manager.close();
      }
      expect(quiet).toEqual([]);
    } finally {
      await store.disconnect();
    }
  });
});
