import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { requireService, uniqueTestName } from '@keygate/core/testing';
import { type ClaimStore, createMemoryClaimStore, createRedisClaimStore } from './claim-store.js';

describe('memory claim store', () => {
  it('gives a lease to one caller until it ends or is released', async () => {
    let now = 1_000;
    const claims = createMemoryClaimStore({ clock: { now: () => now } });
    expect(await claims.claim('job', 1000)).toBe(true);
    expect(await claims.claim('job', 1000)).toBe(false);
    expect(await claims.claim('other', 1000)).toBe(true);
    now += 1000;
    expect(await claims.claim('job', 1000)).toBe(true);
    await claims.release('job');
    expect(await claims.claim('job', 1000)).toBe(true);
  });
});

const redis = await requireService('redis');

describe.skipIf(!redis.available)('redis claim store (real Redis)', () => {
  const clients: Array<ReturnType<typeof createClient>> = [];
  const connect = async () => {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  let a: ClaimStore;
  let b: ClaimStore;
  let prefix: string;
  beforeAll(async () => {
    prefix = `${uniqueTestName('kgclaim')}:`;
    a = createRedisClaimStore({ client: await connect(), prefix });
    b = createRedisClaimStore({ client: await connect(), prefix });
  });
  afterAll(async () => {
    const c = clients[0]!;
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(keys);
    await Promise.all(clients.map((x) => x.close()));
  });

  it('exactly one of many concurrent claimants over two connections wins', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('race', 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('sets the lease TTL in Redis', async () => {
    expect(await a.claim('ttl', 30_000)).toBe(true);
    const ttl = await clients[0]!.pTTL(`${prefix}ttl`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
  });

  it('release frees only a lease this store holds', async () => {
    expect(await a.claim('owned', 60_000)).toBe(true);
    await b.release('owned');
    expect(await b.claim('owned', 60_000)).toBe(false);
    await a.release('owned');
    expect(await b.claim('owned', 60_000)).toBe(true);
  });

  it('refuses something that is not a redis client', () => {
    expect(() => createRedisClaimStore({ client: {} as never })).toThrow(TypeError);
  });
});
