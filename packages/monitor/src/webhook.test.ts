import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '@keygate/core';
import { recordingLogger, startWebhookReceiver } from './test-helpers.js';
import { createWebhookNotifier } from './webhook.js';

const secret = 'whsec_test_0123456789';
const notification: Notification = {
  type: 'alert.raised',
  tenantId: 'acme',
  keyId: 'AAAAAAAAAAAAAAAA',
  subject: 'Revoked key used',
  text: 'Someone presented a revoked key.',
  data: { id: '01JALERTID0000000000000000', rule: 'revoked_key_use' },
};
const noWait = async () => undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('createWebhookNotifier', () => {
  it('POSTs signed JSON that the receiver can verify', async () => {
    const receiver = await startWebhookReceiver(secret);
    closers.push(receiver.close);
    const hook = createWebhookNotifier({ url: receiver.url, secret, sleep: noWait });
    const result = await hook.deliver(notification);
    expect(result).toMatchObject({ delivered: true, attempts: 1, status: 200, deliveryId: '01JALERTID0000000000000000' });
    const [call] = receiver.calls;
    expect(call!.signatureValid).toBe(true);
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.headers['keygate-delivery']).toBe('01JALERTID0000000000000000');
    expect(call!.headers['keygate-event']).toBe('alert.raised');
    expect(call!.json).toMatchObject({ id: '01JALERTID0000000000000000', type: 'alert.raised', tenantId: 'acme', keyId: 'AAAAAAAAAAAAAAAA', subject: 'Revoked key used' });
    expect(call!.body).not.toContain(secret);
  });

  it('retries 5xx and 429 with backoff, re-signing, and keeps the delivery id', async () => {
    const receiver = await startWebhookReceiver(secret, [503, 429, 500]);
    closers.push(receiver.close);
    const delays: number[] = [];
    const hook = createWebhookNotifier({ url: receiver.url, secret, baseDelayMs: 100, maxDelayMs: 250, random: () => 0.999, sleep: async (ms) => void delays.push(ms) });
    const result = await hook.deliver(notification);
    expect(result).toMatchObject({ delivered: true, attempts: 4, status: 200 });
    expect(receiver.calls.map((c) => c.signatureValid)).toEqual([true, true, true, true]);
    expect(new Set(receiver.calls.map((c) => c.headers['keygate-delivery'])).size).toBe(1);
    // Exponential growth, capped by maxDelayMs.
    expect(delays).toEqual([99, 199, 249]);
  });

  it('does not retry a 4xx: the receiver refused the delivery', async () => {
    const receiver = await startWebhookReceiver(secret, [400]);
    closers.push(receiver.close);
    const logger = recordingLogger();
    const hook = createWebhookNotifier({ url: receiver.url, secret, sleep: noWait, logger });
    expect(await hook.deliver(notification)).toMatchObject({ delivered: false, attempts: 1, status: 400 });
    expect(receiver.calls).toHaveLength(1);
    expect(logger.errors[0]!.message).toMatch(/webhook delivery failed/);
  });

  it('gives up after maxAttempts and never throws from send()', async () => {
    const receiver = await startWebhookReceiver(secret, [502, 502, 502, 502]);
    closers.push(receiver.close);
    const logger = recordingLogger();
    const hook = createWebhookNotifier({ url: receiver.url, secret, maxAttempts: 3, sleep: noWait, logger });
    expect(await hook.deliver(notification)).toMatchObject({ delivered: false, attempts: 3, status: 502 });
    await expect(hook.send(notification)).resolves.toBeUndefined();
    expect(logger.errors.some((e) => JSON.stringify(e).includes(secret))).toBe(false);
  });

  it('retries a timeout and a refused connection', async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      // The first request hangs past the deadline; the next is answered.
      if (hits === 1) return;
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const hook = createWebhookNotifier({ url, secret, timeoutMs: 200, sleep: noWait });
    expect(await hook.deliver(notification)).toMatchObject({ delivered: true, attempts: 2, status: 204 });

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = createWebhookNotifier({ url: deadUrl, secret, maxAttempts: 2, sleep: noWait, logger: recordingLogger() });
    expect(await dead.deliver(notification)).toMatchObject({ delivered: false, attempts: 2 });
  });

  it('refuses a bad URL or a short secret at construction', () => {
    expect(() => createWebhookNotifier({ url: 'not a url', secret })).toThrow(TypeError);
    expect(() => createWebhookNotifier({ url: 'ftp://example.com/', secret })).toThrow(TypeError);
    expect(() => createWebhookNotifier({ url: 'https://example.com/', secret: 'short' })).toThrow(/16 characters/);
  });
});
