import KeyvRedis from '@keyv/redis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createKeyvStorage } from '../stores/keyv-storage.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { runStorageConformance } from '../testing/store-suite.js';
import type { RedisCommandClient } from './redis-client.js';
import { createRedisStorage } from './storage.js';

const redis = await requireService('redis');

/** Deletes every key under `prefix`, then closes the client. */
async function dropPrefix(client: ReturnType<typeof createClient>, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
  for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
  await client.close();
}

describe.skipIf(!redis.available)('Redis storage (live Redis)', () => {
  runStorageConformance('createRedisStorage', async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    const prefix = `${uniqueTestName('kgtest')}:`;
    return { storage: createRedisStorage({ client: client as unknown as RedisCommandClient, prefix }), cleanup: () => dropPrefix(client, prefix) };
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
        await dropPrefix(client, namespace);
      },
    };
  });
});

describe('createRedisStorage construction', () => {
  it('refuses a client without sendCommand and a bad prefix', () => {
    expect(() => createRedisStorage({ client: { get: () => 1 } as never })).toThrow(ConfigError);
    expect(() => createRedisStorage({ client: { sendCommand: async () => 1 }, prefix: 'a b' })).toThrow(ConfigError);
  });
});
