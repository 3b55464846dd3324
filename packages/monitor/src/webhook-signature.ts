import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA-256>`. */
export const SIGNATURE_HEADER = 'Keygate-Signature';

/** Default tolerance between the signed time and the receiver's clock: 5 minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The `Keygate-Signature` value for `body` sent at `unixSeconds`: an
 * HMAC-SHA-256 with `secret` over `${t}.${body}`. Signing the time with the
 * body lets the receiver refuse old deliveries replayed later.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Options of {@link verifyWebhookSignature}. */
export interface VerifySignatureOptions {
  /** Largest accepted difference between `t` and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Receiver's time in milliseconds; default `Date.now()`. */
  now?: number;
}

const HEX_64 = /^[0-9a-f]{64}$/;

/**
 * Whether `header` is a valid signature of the raw `body` with `secret`,
 * made within the tolerance. Compares in constant time. Returns `false` (never
 * throws) for a missing, malformed, forged or stale signature. Several `v1=`
 * entries are allowed, so a sender can sign with an old and a new secret
 * while they are rotated.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | string[] | undefined,
  body: string | Buffer,
  options: VerifySignatureOptions = {},
): boolean {
  if (typeof header !== 'string' || header.length > 4096 || typeof secret !== 'string' || secret === '') return false;
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (name === 'v1' && HEX_64.test(value)) candidates.push(value);
  }
  if (t === undefined || candidates.length === 0) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  let ok = false;
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) ok = true;
  }
  return ok;
}
