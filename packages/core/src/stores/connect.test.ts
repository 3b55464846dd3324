import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
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

  it('connectKeygate refuses a non-redis redisUrl', async () => {
    await expect(connectKeygate({ url: 'memory://', redisUrl: 'http://x' })).rejects.toBeInstanceOf(ConfigError);
  });
});

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);

describe.skipIf(!redis.available || !postgres.available)('connectKeygate with postgres:// and redis:// (live services)', () => {
  it('wires storage, shared limiter and event bus, and closes them all', async () => {
    const schema = uniqueTestName('kgconnect');
    const conn = await connectKeygate({ url: postgres.url, redisUrl: redis.url, schema, config: { hasher: 'sha256' }, failureMode: 'open' });
    try {
      expect(conn.eventBus).toBeDefined();
      const { secret } = await conn.manager.create(admin('t1'), { name: 'wired' });
      expect((await conn.manager.verify(secret)).valid).toBe(true);
    } finally {
      await conn.close();
      const pg = await import('pg');
      const pool = new pg.default.Pool({ connectionString: postgres.url });
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });

  it('createStorage(redis://) works and closes its own client', async () => {
    const storage = await createStorage(redis.url, { prefix: `${uniqueTestName('kgconnect')}:` });
    expect(await storage.usage.summary('none')).toEqual({ requests: 0, errors: 0 });
    await storage.close?.();
  });
});
