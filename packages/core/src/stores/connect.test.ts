import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors.js';
import { createMemoryCreditStore, memoryCreditBackend } from '../memory-credit-store.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { connectKeygate, createStorage } from './connect.js';

const admin = (tenantId: string) => ({ id: 'admin', tenantId, role: 'admin' }) as const;

describe('createStorage', () => {
  it('refuses unknown schemes and malformed URLs without echoing the URL', async () => {
    await expect(createStorage('mysql://user:hunter2@db/x')).rejects.toBeInstanceOf(ConfigError);
    await expect(createStorage('mysql://user:hunter2@db/x')).rejects.not.toThrow(/hunter2/);
    await expect(createStorage('no-scheme')).rejects.toBeInstanceOf(ConfigError);
    await expect(createStorage('sqlite://')).rejects.toBeInstanceOf(ConfigError);
  });

  it('memory:// gives working in-process storage', async () => {
    const storage = await createStorage('memory://');
    expect(await storage.keys.get('nope')).toBeUndefined();
  });

  it('sqlite:// keeps keys across a restart (a new connection on the same file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-connect-'));
    const url = `sqlite://${join(dir, 'keygate.sqlite')}`;
    try {
      const first = await connectKeygate({ url, config: { hasher: 'sha256' } });
      const { key, secret } = await first.manager.create(admin('t1'), { name: 'survives' });
      await first.close();
      const second = await connectKeygate({ url, config: { hasher: 'sha256' } });
      expect((await second.manager.verify(secret)).valid).toBe(true);
      expect((await second.manager.list(admin('t1'))).items.map((k) => k.id)).toEqual([key.id]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sqlite:// keeps credits in the file: a restart does not hand the quota out again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-connect-'));
    const url = `sqlite://${join(dir, 'keygate.sqlite')}`;
    try {
      const first = await connectKeygate({ url, config: { hasher: 'sha256' } });
      const { key, secret } = await first.manager.create(admin('t1'), { name: 'quota', credits: { initial: 3 }, rateLimit: null });
      expect((await first.manager.verify(secret)).credits?.remaining).toBe(2);
      expect((await first.manager.verify(secret)).credits?.remaining).toBe(1);
      await first.close();
      const second = await connectKeygate({ url, config: { hasher: 'sha256' } });
      expect(await second.creditStore.get(`key:${key.id}`)).toMatchObject({ remaining: 1 });
      expect((await second.manager.verify(secret)).code).toBe('VALID');
      expect((await second.manager.verify(secret)).code).toBe('USAGE_EXCEEDED');
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('memory:// keeps credits in this process', async () => {
    const conn = await connectKeygate({ url: 'memory://', config: { hasher: 'sha256' } });
    expect(memoryCreditBackend(conn.creditStore)).toBeDefined();
    await conn.close();
  });

  it('connectKeygate uses a creditStore the host passes', async () => {
    const creditStore = createMemoryCreditStore();
    const conn = await connectKeygate({ url: 'memory://', creditStore, config: { hasher: 'sha256' } });
    expect(conn.creditStore).toBe(creditStore);
    await conn.close();
  });

  it('connectKeygate refuses a non-redis redisUrl', async () => {
    await expect(connectKeygate({ url: 'memory://', redisUrl: 'http://x' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('connectKeygate closes the storage it opened when the manager refuses an option', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keygate-connect-'));
    const disconnect = vi.spyOn(KeyvSqlite.prototype, 'disconnect');
    try {
      await expect(connectKeygate({ url: `sqlite://${join(dir, 'k.sqlite')}`, creditStore: {} as never })).rejects.toBeInstanceOf(ConfigError);
      expect(disconnect).toHaveBeenCalledTimes(1);
    } finally {
      disconnect.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);

describe.skipIf(!postgres.available)('connectKeygate with postgres:// and no Redis (live PostgreSQL)', () => {
  it('spends credits in PostgreSQL, in the storage\'s schema and table prefix, seen by every instance', async () => {
    const schema = uniqueTestName('kgconnect');
    const options = { url: postgres.url, schema, tablePrefix: 'kgc_', config: { hasher: 'sha256' as const } };
    const [one, two] = await Promise.all([connectKeygate(options), connectKeygate(options)]);
    try {
      const { key, secret } = await one.manager.create(admin('t1'), { name: 'quota', credits: { initial: 3 }, rateLimit: null });
      expect((await one.manager.verify(secret)).credits?.remaining).toBe(2);
      expect((await two.manager.verify(secret)).credits?.remaining).toBe(1);
      expect((await one.manager.verify(secret)).code).toBe('VALID');
      expect((await two.manager.verify(secret)).code).toBe('USAGE_EXCEEDED');
      const pg = await import('pg');
      const pool = new pg.default.Pool({ connectionString: postgres.url });
      try {
        const { rows } = await pool.query(`SELECT remaining FROM "${schema}"."kgc_credits" WHERE bucket = $1`, [`key:${key.id}`]);
        expect(rows.map((r) => Number(r.remaining))).toEqual([0]);
      } finally {
        await pool.end();
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
      await dropSchema(schema);
    }
  });
});

async function dropSchema(schema: string): Promise<void> {
  const pg = await import('pg');
  const pool = new pg.default.Pool({ connectionString: postgres.url });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
}

describe.skipIf(!redis.available || !postgres.available)('connectKeygate with postgres:// and redis:// (live services)', () => {
  it('wires storage, shared limiter and event bus, and closes them all', async () => {
    const schema = uniqueTestName('kgconnect');
    const conn = await connectKeygate({ url: postgres.url, redisUrl: redis.url, schema, config: { hasher: 'sha256' }, failureMode: 'open' });
    try {
      expect(conn.eventBus).toBeDefined();
      // Credits in Redis, metered by the limiter in the same step as the buckets.
      expect(conn.rateLimiter.sharesCreditsWith?.(conn.creditStore)).toBe(true);
      const { secret } = await conn.manager.create(admin('t1'), { name: 'wired' });
      expect((await conn.manager.verify(secret)).valid).toBe(true);
    } finally {
      await conn.close();
      await dropSchema(schema);
    }
  });

  it('createStorage(redis://) works and closes its own client', async () => {
    const storage = await createStorage(redis.url, { prefix: `${uniqueTestName('kgconnect')}:` });
    expect(await storage.usage.summary('none')).toEqual({ requests: 0, errors: 0 });
    await storage.close?.();
  });
});
