/**
 * Real loopback servers and fixtures for this package's tests: an HTTP
 * webhook receiver that checks signatures, an SMTP server that keeps what
 * arrives, and a KeyManager on a controllable clock. Not exported.
 *
 * @module
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checksum, createKeyManager, createMemoryStorage, type KeyManagerOptions, type KeygateStorage, parseKey } from '@keygate/core';
import { SMTPServer } from 'smtp-server';
import { verifyWebhookSignature } from './webhook-signature.js';

/** Resolves once `predicate` holds, re-checking whenever `changed` fires. */
function waiter<T>(read: () => T[]) {
  const listeners = new Set<() => void>();
  return {
    notify: () => listeners.forEach((l) => l()),
    until(count: number): Promise<T[]> {
      return new Promise((resolve) => {
        const check = () => {
          if (read().length >= count) {
            listeners.delete(check);
            resolve(read());
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** One request the webhook receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  /** Whether the `Keygate-Signature` header checked out against the raw body. */
  signatureValid: boolean;
}

/** An HTTP receiver on 127.0.0.1 that verifies signatures and answers with `statuses` in turn (then 200). */
export async function startWebhookReceiver(secret: string, statuses: number[] = []) {
  const calls: ReceivedWebhook[] = [];
  const w = waiter(() => calls);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signatureValid = verifyWebhookSignature(secret, req.headers['keygate-signature'], body);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        /* recorded as is */
      }
      calls.push({ headers: req.headers, body, json, signatureValid });
      const status = statuses.shift() ?? 200;
      res.writeHead(signatureValid ? status : 401).end();
      w.notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/keygate`,
    calls,
    waitFor: w.until,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One email the SMTP server accepted. */
export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
  subject: string;
}

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that keeps every message. */
export async function startSmtpServer() {
  const messages: ReceivedMail[] = [];
  const w = waiter(() => messages);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (raw += chunk));
      stream.on('end', () => {
        const folded = /^Subject: (.*(?:\r\n[ \t].*)*)/im.exec(raw)?.[1] ?? '';
        const subject = decodeMimeWords(folded.replace(/\r\n[ \t]/g, ' '));
        const from = session.envelope.mailFrom;
        messages.push({ from: from ? from.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), raw, subject });
        callback();
        w.notify();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
    messages,
    waitFor: w.until,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A KeyManager on a clock the test moves, with in-memory storage unless given. */
export function testManager(options: KeyManagerOptions & { start?: number } = {}) {
  let now = options.start ?? Date.UTC(2026, 0, 10, 12);
  const clock = { now: () => now };
  const storage: KeygateStorage = options.storage ?? createMemoryStorage();
  const logger = { warn: () => undefined, error: () => undefined };
  const manager = createKeyManager({ clock, storage, logger, ...options });
  return {
    manager,
    storage,
    clock,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
  };
}

/** Same key id, another secret, valid checksum: a guess only the hash check refuses. */
export function wrongSecret(key: string): string {
  const p = parseKey(key)!;
  const secret = (p.secret[0] === 'a' ? 'b' : 'a') + p.secret.slice(1);
  const body = `${p.prefix}_${p.keyId}_${secret}`;
  return body + checksum(body);
}

/** A quiet logger that remembers errors. */
export function recordingLogger() {
  const errors: Array<{ message: string; details?: Record<string, unknown> }> = [];
  return { errors, warn: () => undefined, error: (message: string, details?: Record<string, unknown>) => errors.push({ message, ...(details ? { details } : {}) }) };
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) as nodemailer writes them in headers. */
function decodeMimeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}
