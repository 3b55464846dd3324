import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { KeyManager } from '../manager.js';
import { createMemoryStorage } from '../stores/memory-storage.js';
import { runEventBusConformance } from '../testing/event-bus-suite.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import type { InvalidationMessage } from '../types.js';
import { createRedisEventBus, parseInvalidation } from './event-bus.js';
import type { RedisPubSubClient } from './redis-client.js';

const redis = await requireService('redis');

describe.skipIf(!redis.available)('createRedisEventBus (live Redis)', () => {
  const channel = uniqueTestName('kgtest:inv');
  let client: ReturnType<typeof createClient>;
  const asClient = () => client as unknown as RedisPubSubClient;

  beforeAll(async () => {
    client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
  });

  runEventBusConformance('Redis pub/sub', () => {
    const a = createRedisEventBus({ client: asClient(), channel });
    const b = createRedisEventBus({ client: asClient(), channel });
    return { buses: [a, b], cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
  });

  it('ignores malformed messages on the channel', async () => {
    const bus = createRedisEventBus({ client: asClient(), channel: `${channel}:raw` });
    const got: InvalidationMessage[] = [];
    await bus.subscribe((m) => got.push(m));
    await client.publish(`${channel}:raw`, 'not json');
    await client.publish(`${channel}:raw`, JSON.stringify({ keyId: 'k', reason: 'exploded', version: 1, origin: 'x' }));
    const ok: InvalidationMessage = { keyId: 'k', reason: 'revoked', version: 2, origin: 'x' };
    await bus.publish(ok);
    await expect.poll(() => got.length).toBe(1);
    expect(got).toEqual([ok]);
    await bus.close();
  });

  it('evicts a revoked key from another KeyManager\'s cache', async () => {
    const storage = createMemoryStorage();
    const busA = createRedisEventBus({ client: asClient(), channel: `${channel}:mgr` });
    const busB = createRedisEventBus({ client: asClient(), channel: `${channel}:mgr` });
    const config = { cache: { ttl: '1h' }, hasher: 'sha256' } as const;
    const a = new KeyManager({ storage, eventBus: busA, config: config as never });
    const b = new KeyManager({ storage, eventBus: busB, config: config as never });
    const actor = { id: 'admin', tenantId: uniqueTestName('t'), role: 'admin' } as never;
    const { key, secret } = await a.create(actor, { name: 'bus' });
    expect((await b.verify(secret)).valid).toBe(true);
    await busB.subscribe(() => undefined); // B's subscription is live before the revoke
    await a.revoke(actor, key.id);
    await expect.poll(async () => (await b.verify(secret)).code, { timeout: 1000, interval: 10 }).toBe('REVOKED');
    await Promise.all([a.close(), b.close(), busA.close(), busB.close()]);
  });
});

describe('createRedisEventBus construction and parsing', () => {
  it('needs sendCommand and duplicate', () => {
    expect(() => createRedisEventBus({ client: { sendCommand: async () => 1 } as never })).toThrow(ConfigError);
  });
  it('parses only well-formed invalidations', () => {
    expect(parseInvalidation('{"keyId":"a","reason":"deleted","version":-1,"origin":"o"}')).toEqual({ keyId: 'a', reason: 'deleted', version: -1, origin: 'o' });
    for (const raw of ['', 'null', '[]', '{"keyId":1}', '{"keyId":"a","reason":"deleted","version":"1","origin":"o"}', '{"__proto__":{"keyId":"a"}}']) {
      expect(parseInvalidation(raw)).toBeUndefined();
    }
  });
});
