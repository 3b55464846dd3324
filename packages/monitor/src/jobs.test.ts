import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createMemoryStorage, type Actor, type ApiKey, type RotatedKeyDelivery } from '@keygate/core';
import { requireService, uniqueTestName } from '@keygate/core/testing';
import { type ClaimStore, createMemoryClaimStore, createRedisClaimStore } from './claim-store.js';
import { createMonitor, type Monitor } from './monitor.js';
import { startSmtpServer, testManager } from './test-helpers.js';

const admin: Actor = { id: 'u1', tenantId: 'acme', role: 'admin' };
const DAY = 86_400_000;
const quiet = { warn: () => undefined, error: () => undefined };
const closers: Array<() => unknown> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/**
 * One shared storage, and `runners` instances (each its own KeyManager and
 * monitor, as separate processes would have) sharing `claims` for each.
 */
async function cluster(claimsFor: (i: number) => ClaimStore, runners = 2, config: Record<string, unknown> = {}) {
  const smtp = await startSmtpServer();
  closers.push(smtp.close);
  const storage = createMemoryStorage();
  let now = Date.UTC(2026, 0, 10, 12);
  const deliveries: RotatedKeyDelivery[] = [];
  const instances: Array<{ monitor: Monitor; manager: ReturnType<typeof testManager>['manager'] }> = [];
  for (let i = 0; i < runners; i++) {
    const monitor = createMonitor({
      claims: claimsFor(i),
      clock: { now: () => now },
      logger: quiet,
      jobs: {
        tenants: ['acme'],
        reminders: {
          mailer: { transport: smtp.transport, from: 'keygate@example.test' },
          recipientFor: (key: ApiKey) => (key.ownerId ? `${key.ownerId}@example.test` : undefined),
          remindBeforeMs: 14 * DAY,
          repeatAfterMs: 7 * DAY,
        },
      },
    });
    const t = testManager({ storage, config: { rotationInterval: '90d', ...config }, hooks: { ...monitor.hooks, onRotated: (d) => void deliveries.push(d) } });
    // All instances share one clock, as real hosts share wall time.
    (t.clock as { now: () => number }).now = () => now;
    monitor.attach(t.manager);
    closers.push(() => monitor.close());
    instances.push({ monitor, manager: t.manager });
  }
  return { smtp, instances, deliveries, advance: (ms: number) => (now += ms), manager: instances[0]!.manager };
}

describe('rotation reminders', () => {
  it('two runners at once send one reminder, again only after the repeat period, and none after rotation', async () => {
    const shared = createMemoryClaimStore({ clock: { now: () => Date.now() } });
    const c = await cluster(() => shared, 2, { rotationInterval: '90d' });
    const { key } = await c.manager.create(admin, { name: 'billing', ownerId: 'alice', autoRotate: false });
    await c.manager.create(admin, { name: 'no-owner', autoRotate: false });

    c.advance(70 * DAY); // not yet within 14 days of the due date
    let runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.reminders!.sent)).toEqual([]);

    c.advance(7 * DAY); // 77 days: within the reminder window
    runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.reminders!.sent)).toEqual([key.id]);
    expect(runs.reduce((n, r) => n + r.reminders!.alreadySent, 0)).toBe(1);
    expect(runs[0]!.reminders!.noRecipient).toBe(1);
    const [mail] = await c.smtp.waitFor(1);
    expect(mail!.to).toEqual(['alice@example.test']);
    expect(mail!.subject).toContain('"billing" is due for rotation on 2026-04-10');
    expect(mail!.raw).toContain(key.maskedKey.slice(-4));

    // Runs later in the same period send nothing.
    c.advance(3 * DAY);
    runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.reminders!.sent)).toEqual([]);

    // Still not rotated a week after the first reminder: one more.
    c.advance(4 * DAY);
    runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.reminders!.sent)).toEqual([key.id]);

    // Rotated: the new secret starts a fresh 90-day cycle.
    await c.manager.rotate(admin, key.id);
    c.advance(8 * DAY);
    runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.reminders!.sent)).toEqual([]);
    expect(c.smtp.messages).toHaveLength(2);
    expect(await c.instances[0]!.monitor.prometheus()).toMatch(/keygate_rotation_reminders_sent_total \d/);
  });

  it('a failed send releases the claim, so the next run tries again', async () => {
    const shared = createMemoryClaimStore();
    const c = await cluster(() => shared, 1);
    await c.manager.create(admin, { name: 'billing', ownerId: 'bob', autoRotate: false });
    c.advance(80 * DAY);
    await c.smtp.close();
    const failed = await c.instances[0]!.monitor.runJobs();
    expect(failed.reminders!.failed).toHaveLength(1);
    expect(failed.reminders!.sent).toHaveLength(0);
    // The period's claim was given back: whoever runs next may send it.
    expect(await shared.claim(`reminder:${(await c.manager.list(admin)).items[0]!.id}:${Date.UTC(2026, 0, 10, 12)}:0`, 1000)).toBe(true);
  });
});

describe('automated rotation job', () => {
  it('two runners at once rotate each due key once and deliver each new secret once', async () => {
    const shared = createMemoryClaimStore();
    const c = await cluster(() => shared, 2, { rotationInterval: '30d', rotationGracePeriod: '1h' });
    const a = await c.manager.create(admin, { name: 'auto-a' });
    const b = await c.manager.create(admin, { name: 'auto-b' });
    await c.manager.create(admin, { name: 'manual', autoRotate: false });
    c.advance(31 * DAY);
    const runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    const rotated = runs.flatMap((r) => r.rotation!.rotated).sort();
    expect(rotated).toEqual([a.key.id, b.key.id].sort());
    expect(c.deliveries.map((d) => d.key.id).sort()).toEqual(rotated);
    expect((await c.manager.verify(c.deliveries[0]!.secret)).code).toBe('VALID');
    // Idempotent: running again rotates nothing.
    const again = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(again.flatMap((r) => r.rotation!.rotated)).toEqual([]);
  });

  it('startJobs runs in the background on an unref-ed timer and stops cleanly', async () => {
    const c = await cluster(() => createMemoryClaimStore(), 1, { rotationInterval: '30d' });
    await c.manager.create(admin, { name: 'auto' });
    c.advance(31 * DAY);
    const stop = c.instances[0]!.monitor.startJobs({ intervalMs: 3_600_000 });
    await stop(); // waits for the immediate run
    expect(c.deliveries).toHaveLength(1);
    expect(() => c.instances[0]!.monitor.startJobs({ intervalMs: 10 })).toThrow(/intervalMs/);
  });
});

const redis = await requireService('redis');

describe.skipIf(!redis.available)('jobs with a Redis claim store (real Redis, two connections)', () => {
  const clients: Array<ReturnType<typeof createClient>> = [];
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) {
      const keys = await clients[0]!.keys(`${p}*`);
      if (keys.length) await clients[0]!.del(keys);
    }
    await Promise.all(clients.map((c) => c.close()));
  });
  async function redisClaims(count: number) {
    const prefix = `${uniqueTestName('kgjobs')}:`;
    prefixes.push(prefix);
    const stores: ClaimStore[] = [];
    for (let i = 0; i < count; i++) {
      const client = createClient({ url: redis.url });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      stores.push(createRedisClaimStore({ client, prefix }));
    }
    return stores;
  }

  it('two runners at once send one reminder, not two', async () => {
    const stores = await redisClaims(2);
    const c = await cluster((i) => stores[i]!, 2);
    const { key } = await c.manager.create(admin, { name: 'billing', ownerId: 'carol', autoRotate: false });
    c.advance(80 * DAY);
    const runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.reminders!.sent)).toEqual([key.id]);
    await c.smtp.waitFor(1);
    // A second round from both runners in the same period sends nothing either.
    const again = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(again.flatMap((r) => r.reminders!.sent)).toEqual([]);
    expect(c.smtp.messages).toHaveLength(1);
  });

  it('two runners at once rotate a due key once', async () => {
    const stores = await redisClaims(2);
    const c = await cluster((i) => stores[i]!, 2, { rotationInterval: '30d' });
    const { key } = await c.manager.create(admin, { name: 'auto' });
    c.advance(31 * DAY);
    const runs = await Promise.all(c.instances.map((i) => i.monitor.runJobs()));
    expect(runs.flatMap((r) => r.rotation!.rotated)).toEqual([key.id]);
    expect(c.deliveries).toHaveLength(1);
  });
});
