/**
 * Cookie sessions for the example hosts: a small in-memory store (sign-ins
 * end when the process restarts; keys do not), a signed, HttpOnly,
 * SameSite=Lax cookie carrying a random session id, and a per-session CSRF
 * token that the API Keys page sends back in `x-csrf-token`.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'demo_session';

/** One signed-in browser. */
export interface Session {
  id: string;
  userId: string;
  /** Sent by the page in `x-csrf-token` on every change it makes. */
  csrfToken: string;
  expiresAt: number;
}

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  /** HMAC key for the cookie signature; random when absent (fine: the store is in memory too). */
  secret?: string;
  /** Session lifetime in milliseconds. Default 8 hours. */
  ttlMs?: number;
  /** Most sessions kept; the oldest go first. Default 10,000. */
  maxSessions?: number;
  now?: () => number;
}

/** Parses a `Cookie` header into name → value; never throws. Later duplicates do not override the first. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || cookies.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      // A malformed escape: not a cookie this host set.
    }
  }
  return cookies;
}

/** Attributes of a `Set-Cookie` header. */
export interface CookieOptions {
  maxAgeSeconds?: number;
  /** Add `Secure` (the request came over HTTPS). */
  secure?: boolean;
}

/** A `Set-Cookie` value: always `Path=/; HttpOnly; SameSite=Lax`. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Sessions in memory, addressed by signed cookies. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.#secret = options.secret !== undefined ? Buffer.from(options.secret, 'utf8') : randomBytes(32);
    this.#ttlMs = options.ttlMs ?? 8 * 60 * 60 * 1000;
    this.#max = options.maxSessions ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds a session lasts, for the cookie's Max-Age. */
  get maxAgeSeconds(): number {
    return this.#ttlMs / 1000;
  }

  /** Starts a session for `userId`; returns it and the cookie value to set. */
  create(userId: string): { session: Session; cookie: string } {
    this.#sweep();
    while (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
    const session: Session = {
      id: randomBytes(24).toString('base64url'),
      userId,
      csrfToken: randomBytes(24).toString('base64url'),
      expiresAt: this.#now() + this.#ttlMs,
    };
    this.#sessions.set(session.id, session);
    return { session, cookie: `${session.id}.${this.#sign(session.id)}` };
  }

  /** The live session a cookie value names, or undefined (unsigned, tampered, unknown or expired). */
  get(cookie: string | undefined): Session | undefined {
    if (cookie === undefined) return undefined;
    const dot = cookie.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const id = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.#sign(id), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** Ends the session a cookie value names, if any. */
  destroy(cookie: string | undefined): void {
    const session = this.get(cookie);
    if (session) this.#sessions.delete(session.id);
  }

  #sign(id: string): string {
    return createHmac('sha256', this.#secret).update(id).digest('base64url');
  }

  #sweep(): void {
    const now = this.#now();
    // Insertion order is creation order, and every session lives equally long.
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt > now) break;
      this.#sessions.delete(id);
    }
  }
}

/** Whether the `x-csrf-token` a request sent matches the session's token (constant time). */
export function csrfTokenMatches(session: Session, sent: string | string[] | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
