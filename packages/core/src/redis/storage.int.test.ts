import KeyvRedis from '@keyv/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { KeyManager } from '../manager.js';
import { createRedisRateLimiter } from './rate-limiter.js';
import { createKeyvStorage } from '../stores/keyv-storage.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { runStorageConformance } from '../testing/store-suite.js';
import type { RedisCommandClient } from './redis-client.js';
import { createRedisStorage } from './storage.js';
import { dropPrefix } from '../../test-fixtures/redis-prefix.js';

const redis = await requireService('redis');

/** Deletes every key under `prefix`, then closes the client. */
async function dropAndClose(client: ReturnType<typeof createClient>, prefix: string): Promise<void> {
  await dropPrefix(client, prefix);
  await client.close();
}

describe.skipIf(!redis.available)('Redis storage (live Redis)', () => {
  runStorageConformance('createRedisStorage', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const prefix = `${uniqueTestName('kgtest')}:`;
    return { storage: createRedisStorage({ client: client as unknown as RedisCommandClient, prefix }), cleanup: () => dropAndClose(client, prefix) };
  });

  runStorageConformance('createKeyvStorage over @keyv/redis', async () => {
    const namespace = uniqueTestName('kgkeyv');
    const adapter = new KeyvRedis(redis.url);
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    return {
      storage: createKeyvStorage({ store: adapter, namespace }),
      cleanup: async () => {
        await adapter.disconnect();
        await dropAndClose(client, namespace);
      },
    };
  });

  it('spends credits in Redis for managers built on it without a creditStore, metered or not (two clients, as two processes)', async () => {
    const clients = [createClient({ url: redis.url }), createClient({ url: redis.url })];
    for (const c of clients) {
      c.on('error', () => undefined);
      await c.connect();
    }
    const [one, two] = clients.map((c) => c as unknown as RedisCommandClient) as [RedisCommandClient, RedisCommandClient];
    const prefix = `${uniqueTestName('kgtest')}:`;
    const admin = { id: 'admin', tenantId: 'acme', role: 'admin' as const };
    // The first meters limits and credits in one script (limiter on the storage's client); the second spends credits on their own.
    const managers = [
      new KeyManager({ storage: createRedisStorage({ client: one, prefix }), rateLimiter: createRedisRateLimiter({ client: one, prefix: `${prefix}rl:` }) }),
      new KeyManager({ storage: createRedisStorage({ client: two, prefix }) }),
    ];
    try {
      const { secret } = await managers[0]!.create(admin, { name: 'metered', credits: { initial: 5 }, rateLimit: { limit: 1000, windowSeconds: 60 } });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => managers[i % 2]!.verify(secret)));
      expect(results.filter((r) => r.valid)).toHaveLength(5);
      expect(results.filter((r) => r.code === 'USAGE_EXCEEDED')).toHaveLength(7);
      expect(await managers[1]!.creditStore.get(`key:${results.find((r) => r.valid)!.key!.id}`)).toMatchObject({ remaining: 0 });
    } finally {
      await Promise.all(managers.map((m) => m.close()));
      await clients[1]!.close();
      await dropAndClose(clients[0]!, prefix);
    }
  });
});

describe('createRedisStorage construction', () => {
  it('refuses a client without sendCommand and a bad prefix', () => {
    expect(() => createRedisStorage({ client: { get: () => 1 } as never })).toThrow(ConfigError);
    expect(() => createRedisStorage({ client: { sendCommand: async () => 1 }, prefix: 'a b' })).toThrow(ConfigError);
  });
});
