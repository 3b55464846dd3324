import { createClient } from 'redis';
import { afterAll, describe, it } from 'vitest';
import { runCreditStoreConformance } from '../testing/credit-store-suite.js';
import { requireService, uniqueTestName } from '../testing/service-env.js';
import { CREDIT_REFILL_LUA, createRedisCreditStore } from './credit-store.js';
import type { RedisCommandClient } from './redis-client.js';
import { dropPrefix } from '../../test-fixtures/redis-prefix.js';
import { expectRefillBoundariesMatch } from '../../test-fixtures/refill-boundaries.js';

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
    await expectRefillBoundariesMatch(async (now, refill) => {
      const [last, next] = (await client.eval(probe, { keys: [], arguments: [String(now), refill.interval, String(refill.dayOfMonth ?? 1)] })) as number[];
      return [last!, next!];
    });
  });
});
