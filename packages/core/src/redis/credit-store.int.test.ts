import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { lastRefillBoundary, nextRefillBoundary } from '../credit-refill.js';
import { runCreditStoreConformance } from '../testing/credit-store-suite.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import type { CreditRefill } from '../types.js';
import { CREDIT_REFILL_LUA, createRedisCreditStore } from './credit-store.js';
import type { RedisCommandClient } from './redis-client.js';
import { dropPrefix } from '../../test-fixtures/redis-prefix.js';

const redis = await requireService('redis');

describe.skipIf(!redis.available)('Redis credit store (live Redis)', () => {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  const prefix = `${uniqueTestName('kgcr')}:`;
  const connected = client.connect();

  afterAll(async () => {
    await connected;
    await dropPrefix(client, prefix);
    await client.close();
  });

  runCreditStoreConformance('createRedisCreditStore', async () => {
    await connected;
    return {
      store: createRedisCreditStore({ client: client as unknown as RedisCommandClient, prefix }),
      // Moves the last refill back as time passing would; `n` (the next boundary after a later `f`) is dropped
      // with it, since the store only ever moves `f` forward and caches `n` on that ground.
      backdate: async (bucket, ms) => {
        await client.hIncrBy(prefix + bucket, 'f', -ms);
        await client.hDel(prefix + bucket, 'n');
      },
    };
  });

  it('computes the same refill boundaries in Lua as in JavaScript', async () => {
    await connected;
    const probe = `${CREDIT_REFILL_LUA}
local lastBoundary, nextBoundary = calendar()
return { lastBoundary(tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])), nextBoundary(tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])) }`;
    const refills: CreditRefill[] = [
      { interval: 'daily', amount: 1 },
      { interval: 'monthly', amount: 1 },
      { interval: 'monthly', amount: 1, dayOfMonth: 15 },
      { interval: 'monthly', amount: 1, dayOfMonth: 29 },
      { interval: 'monthly', amount: 1, dayOfMonth: 31 },
    ];
    const times = ['1970-01-01T00:00:00Z', '2000-02-29T12:00:00Z', '2023-12-31T23:59:59.999Z', '2024-01-01T00:00:00Z', '2024-02-29T00:00:00Z', '2024-03-15T00:00:00Z', '2100-02-28T10:00:00Z'].map(Date.parse);
    for (let i = 0; i < 200; i++) times.push(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 20 * 365 * 86_400_000));
    for (const refill of refills) {
      for (const now of times) {
        const got = (await client.eval(probe, { keys: [], arguments: [String(now), refill.interval, String(refill.dayOfMonth ?? 1)] })) as number[];
        expect([now, ...got]).toEqual([now, lastRefillBoundary(refill, now), nextRefillBoundary(refill, now)]);
      }
    }
  });
});
