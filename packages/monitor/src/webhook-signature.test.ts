import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ id: '01J', type: 'alert.raised' });

describe('webhook signatures', () => {
  it('verifies a fresh signature of the exact body', () => {
    const t = Math.floor(Date.now() / 1000);
    const header = signWebhook(secret, body, t);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, header, body)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body))).toBe(true);
  });

  it('refuses a changed body, another secret, a moved timestamp', () => {
    const t = Math.floor(Date.now() / 1000);
    const header = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body.replace('alert', 'alarm'))).toBe(false);
    expect(verifyWebhookSignature('another-secret-0123', header, body)).toBe(false);
    expect(verifyWebhookSignature(secret, header.replace(`t=${t}`, `t=${t + 1}`), body)).toBe(false);
  });

  it('refuses a replay older than the tolerance, and one from the future', () => {
    const now = Date.now();
    const old = signWebhook(secret, body, Math.floor(now / 1000) - 301);
    expect(verifyWebhookSignature(secret, old, body, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, old, body, { now, toleranceSeconds: 600 })).toBe(true);
    const future = signWebhook(secret, body, Math.floor(now / 1000) + 3600);
    expect(verifyWebhookSignature(secret, future, body, { now })).toBe(false);
  });

  it('accepts any one of several v1 signatures (secret rotation)', () => {
    const t = Math.floor(Date.now() / 1000);
    const other = signWebhook('old-secret-0123456789', body, t).split(',')[1];
    expect(verifyWebhookSignature(secret, `${signWebhook(secret, body, t)},${other}`, body)).toBe(true);
  });

  it('returns false, never throws, for malformed headers', () => {
    for (const h of [undefined, '', 't=1', 'v1=abc', 't=x,v1=' + 'a'.repeat(64), ['t=1'], 't=1,v1=' + 'z'.repeat(64), ','.repeat(10_000)]) {
      expect(verifyWebhookSignature(secret, h as string, body)).toBe(false);
    }
    expect(verifyWebhookSignature('', signWebhook('x', body, 1), body)).toBe(false);
  });
});
