/**
 * Identities, credits and hash upgrades on the real shared backends: two
 * KeyManager instances (as two app hosts) over Redis and over PostgreSQL.
 */
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KeyManager } from './manager.js';
import type { Actor } from './manager-types.js';
import { createPostgresCreditStore } from './postgres/credit-store.js';
import { createPostgresStorage } from './postgres/storage.js';
import { createRedisCreditStore } from './redis/credit-store.js';
import { createRedisRateLimiter } from './redis/rate-limiter.js';
import type { RedisCommandClient } from './redis/redis-client.js';
import { createRedisStorage } from './redis/storage.js';
import { requireService, uniqueTestName } from './testing/service-env.js';
import type { CreditStore, KeygateStorage } from './types.js';
import { dropPrefix } from '../test-fixtures/redis-prefix.js';

const [redis, postgres] = await Promise.all([requireService('redis'), requireService('postgres')]);
const admin: Actor = { id: 'u-admin', tenantId: 'acme', role: 'admin' };
const quiet = { warn: () => undefined, error: () => undefined };
/** Every limiter of this file writes under it, so each suite's cleanup finds the buckets. */
const limiterPrefix = `${uniqueTestName('kgmeterrl')}:`;

function behaviours(label: string, backend: () => Promise<{ storage: KeygateStorage; credits: CreditStore; client: RedisCommandClient }>) {
  // Each test makes its own limiter prefix, so both managers of a test share it.
  const pair = async () => {
    const { storage, credits, client } = await backend();
    const rateLimiter = createRedisRateLimiter({ client, prefix: `${limiterPrefix}${uniqueTestName('rl')}:`, logger: quiet });
    return [0, 1].map(() => new KeyManager({ storage, creditStore: credits, rateLimiter, logger: quiet, config: { hasher: 'sha256' } }));
  };

  it(`${label}: an identity's shared limit holds across its keys and two instances`, async () => {
    const [one, two] = await pair();
    const identity = await one!.createIdentity(admin, { externalId: uniqueTestName('cus'), rateLimits: { default: { limit: 10, windowSeconds: 3600 } } });
    const keys = await Promise.all([1, 2, 3].map((i) => one!.create(admin, { name: `k${i}`, identityId: identity.id, rateLimit: null })));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? one! : two!).verify(keys[i % 3]!.secret)));
    expect(results.filter((r) => r.valid)).toHaveLength(10);
    expect(results.filter((r) => r.code === 'RATE_LIMITED')).toHaveLength(50);
  });

  it(`${label}: an identity's credits are spent exactly once across its keys and two instances`, async () => {
    const [one, two] = await pair();
    const externalId = uniqueTestName('cus');
    const a = await one!.create(admin, { name: 'a', externalId, rateLimit: null });
    const b = await two!.create(admin, { name: 'b', externalId, rateLimit: null });
    expect(a.key.identityId).toBe(b.key.identityId);
    await one!.updateIdentity(admin, a.key.identityId!, { credits: { initial: 15 } });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one! : two!).verify(i % 3 ? a.secret : b.secret)));
    expect(results.filter((r) => r.valid)).toHaveLength(15);
    expect(results.filter((r) => r.code === 'USAGE_EXCEEDED')).toHaveLength(25);
    expect((await one!.getIdentity(admin, a.key.identityId!)).credits?.remaining).toBe(0);
  });

  it(`${label}: sha256 keys are rehashed with argon2id, and argon2id keys when memoryCost grows`, async () => {
    const { storage, credits, client } = await backend();
    const rateLimiter = createRedisRateLimiter({ client, prefix: `${limiterPrefix}${uniqueTestName('rl')}:`, logger: quiet });
    const make = (config: ConstructorParameters<typeof KeyManager>[0] extends infer O ? O extends { config?: infer C } ? C : never : never) =>
      new KeyManager({ storage, creditStore: credits, rateLimiter, logger: quiet, config });
    const { key, secret } = await make({ hasher: 'sha256' }).create(admin, { name: 'old' });
    expect((await make({ hasher: 'argon2id' }).verify(secret)).code).toBe('VALID');
    await vi.waitFor(async () => expect((await storage.keys.get(key.id))!.hash).toContain('$argon2id$'), { timeout: 5000 });
    expect((await storage.keys.get(key.id))!.hash).toContain('m=19456');
    expect((await make({ hasher: 'argon2id', argon2: { memoryCost: 24576 } }).verify(secret)).code).toBe('VALID');
    await vi.waitFor(async () => expect((await storage.keys.get(key.id))!.hash).toContain('m=24576'), { timeout: 5000 });
    expect((await make({ hasher: 'argon2id', argon2: { memoryCost: 24576 } }).verify(secret)).code).toBe('VALID');
  });
}

describe.skipIf(!redis.available)('metering on Redis', () => {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  const connected = client.connect();
  const prefix = `${uniqueTestName('kgmeter')}:`;
  afterAll(async () => {
    await connected;
    await dropPrefix(client, prefix);
    await dropPrefix(client, limiterPrefix);
    await client.close();
  });
  behaviours('Redis storage + credits', async () => {
    await connected;
    const c = client as unknown as RedisCommandClient;
    return { storage: createRedisStorage({ client: c, prefix }), credits: createRedisCreditStore({ client: c, prefix: `${prefix}cr:` }), client: c };
  });
});

describe.skipIf(!redis.available || !postgres.available)('metering on PostgreSQL', () => {
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  const connected = client.connect();
  const schema = uniqueTestName('kgmeter');
  const pool = new pg.Pool({ connectionString: postgres.url });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
    await connected;
    await dropPrefix(client, limiterPrefix);
    await client.close();
  });
  behaviours('PostgreSQL storage + credits', async () => {
    await connected;
    return { storage: createPostgresStorage({ pool, schema }), credits: createPostgresCreditStore({ pool, schema }), client: client as unknown as RedisCommandClient };
  });
});
