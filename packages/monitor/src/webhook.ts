import type { Logger, Notification, Notifier } from '@keygate/core';
import { eventId } from './ids.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/** Options of {@link createWebhookNotifier}. */
export interface WebhookOptions {
  /** Where to POST. `https:` in production; the body is signed, not encrypted. */
  url: string;
  /** Shared secret for the HMAC signature; at least 16 characters. */
  secret: string;
  /** Most delivery attempts, including the first. Default 5. */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt (full jitter). Default 500 ms. */
  baseDelayMs?: number;
  /** Longest retry delay. Default 30 s. */
  maxDelayMs?: number;
  /** Deadline of one attempt. Default 5 s. */
  timeoutMs?: number;
  /** Extra headers (e.g. a routing key for the receiver). */
  headers?: Record<string, string>;
  /** Default `console`. Never receives the secret, or the URL beyond its origin. */
  logger?: Logger;
  /** For tests: how to wait between attempts. */
  sleep?: (ms: number) => Promise<void>;
  /** For tests: the random source of the jitter, in [0, 1). */
  random?: () => number;
}

/** What happened to one delivery. */
export interface WebhookResult {
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last attempt, when one answered. */
  status?: number;
  /** The delivery id sent in `Keygate-Delivery`, the same on every attempt. */
  deliveryId: string;
}

/** A {@link Notifier} that POSTs signed JSON, and reports how each delivery went. */
export interface WebhookNotifier extends Notifier {
  deliver(notification: Notification): Promise<WebhookResult>;
}

const sleeper = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * Sends notifications as signed JSON webhooks.
 *
 * The body is `{ id, type, tenantId, keyId?, subject, text, data?, sentAt }`.
 * Headers: `Keygate-Signature: t=<unix>,v1=<hex>` (HMAC-SHA-256 over
 * `${t}.${body}`, re-signed on every attempt), `Keygate-Delivery: <id>` (the
 * same on retries, so the receiver can drop duplicates) and
 * `Keygate-Event: <type>`. Network errors, timeouts, 429 and 5xx are retried
 * with exponential backoff and full jitter up to `maxAttempts`; other 4xx
 * and redirects are final (the receiver refused; retrying will not help).
 */
export function createWebhookNotifier(options: WebhookOptions): WebhookNotifier {
  let target: URL;
  try {
    target = new URL(options.url);
  } catch {
    throw new TypeError('createWebhookNotifier: url must be an absolute http(s) URL');
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new TypeError('createWebhookNotifier: url must be http(s)');
  if (typeof options.secret !== 'string' || options.secret.length < 16) {
    throw new TypeError('createWebhookNotifier: secret must be at least 16 characters');
  }
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const logger = options.logger ?? console;
  const sleep = options.sleep ?? sleeper;
  const random = options.random ?? Math.random;
  // Origin only: webhook URLs often carry a secret in the path or query (Slack-style).
  const where = target.origin;

  async function deliver(notification: Notification): Promise<WebhookResult> {
    const deliveryId = typeof notification.data?.id === 'string' ? notification.data.id : eventId(Date.now());
    const body = JSON.stringify({
      id: deliveryId,
      type: notification.type,
      tenantId: notification.tenantId,
      ...(notification.keyId !== undefined ? { keyId: notification.keyId } : {}),
      subject: notification.subject,
      text: notification.text,
      ...(notification.data !== undefined ? { data: notification.data } : {}),
      sentAt: new Date().toISOString(),
    });
    let status: number | undefined;
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const t = Math.floor(Date.now() / 1000);
      let retry: boolean;
      try {
        const response = await fetch(target, {
          method: 'POST',
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            ...options.headers,
            'content-type': 'application/json',
            'user-agent': 'keygate-webhook/1',
            [SIGNATURE_HEADER]: signWebhook(options.secret, body, t),
            'Keygate-Delivery': deliveryId,
            'Keygate-Event': notification.type,
          },
        });
        status = response.status;
        // Drain so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (status >= 200 && status < 300) return { delivered: true, attempts: attempt, status, deliveryId };
        retry = status >= 500 || status === 429 || status === 408;
        lastError = `HTTP ${status}`;
      } catch (error) {
        retry = true;
        status = undefined;
        lastError = error instanceof Error ? error.name : 'error';
      }
      if (!retry || attempt === maxAttempts) {
        logger.error('keygate: webhook delivery failed', { url: where, deliveryId, attempts: attempt, reason: lastError });
        return { delivered: false, attempts: attempt, ...(status !== undefined ? { status } : {}), deliveryId };
      }
      // Full jitter: spreads retries of many senders so a recovering receiver is not hit at once.
      await sleep(Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** (attempt - 1))));
    }
    /* c8 ignore next */
    return { delivered: false, attempts: maxAttempts, deliveryId };
  }

  return {
    deliver,
    async send(notification) {
      await deliver(notification);
    },
  };
}
