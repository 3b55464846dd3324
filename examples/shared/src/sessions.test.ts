import { describe, expect, it } from 'vitest';
import { csrfTokenMatches, parseCookies, serializeCookie, SessionStore } from './sessions.js';

describe('SessionStore', () => {
  it('finds a session by its signed cookie', () => {
    const store = new SessionStore();
    const { session, cookie } = store.create('u1');
    expect(store.get(cookie)).toEqual(session);
  });

  it('refuses a cookie with a forged, missing or truncated signature', () => {
    const store = new SessionStore();
    const { cookie } = store.create('u1');
    const [id, signature] = cookie.split('.') as [string, string];
    for (const forged of [id, `${id}.`, `${id}.${signature.slice(1)}`, `${id}.${'A'.repeat(signature.length)}`, `.${signature}`, '', 'a.b.c']) {
      expect(store.get(forged)).toBeUndefined();
    }
  });

  it("refuses another store's cookie (a different secret)", () => {
    const a = new SessionStore({ secret: 'one secret' });
    const b = new SessionStore({ secret: 'another secret' });
    expect(b.get(a.create('u1').cookie)).toBeUndefined();
  });

  it('accepts a validly signed id only while the session exists', () => {
    const store = new SessionStore({ secret: 's' });
    const { cookie } = store.create('u1');
    store.destroy(cookie);
    expect(store.get(cookie)).toBeUndefined();
  });

  it('ends sessions at their expiry', () => {
    let now = 1_000_000;
    const store = new SessionStore({ ttlMs: 1000, now: () => now });
    const { cookie } = store.create('u1');
    now += 999;
    expect(store.get(cookie)).toBeDefined();
    now += 1;
    expect(store.get(cookie)).toBeUndefined();
  });

  it('keeps at most maxSessions, dropping the oldest', () => {
    const store = new SessionStore({ maxSessions: 2 });
    const first = store.create('u1').cookie;
    const second = store.create('u2').cookie;
    const third = store.create('u3').cookie;
    expect(store.get(first)).toBeUndefined();
    expect(store.get(second)?.userId).toBe('u2');
    expect(store.get(third)?.userId).toBe('u3');
  });

  it('gives every session its own id and CSRF token', () => {
    const store = new SessionStore();
    const a = store.create('u1').session;
    const b = store.create('u1').session;
    expect(a.id).not.toBe(b.id);
    expect(a.csrfToken).not.toBe(b.csrfToken);
    expect(csrfTokenMatches(a, a.csrfToken)).toBe(true);
    expect(csrfTokenMatches(a, b.csrfToken)).toBe(false);
    expect(csrfTokenMatches(a, undefined)).toBe(false);
    expect(csrfTokenMatches(a, [a.csrfToken])).toBe(false);
  });
});

describe('cookies', () => {
  it('parses a Cookie header; the first of duplicate names wins; bad escapes are skipped', () => {
    const cookies = parseCookies('a=1; b="two"; a=3; broken=%E0%A4%A; =x; noeq; c=%20y');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', 'two'],
      ['c', ' y'],
    ]);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('serialises with HttpOnly and SameSite=Lax, Secure on request', () => {
    expect(serializeCookie('s', 'v.1', { maxAgeSeconds: 60 })).toBe('s=v.1; Path=/; HttpOnly; SameSite=Lax; Max-Age=60');
    expect(serializeCookie('s', '', { maxAgeSeconds: 0, secure: true })).toBe('s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure');
  });
});
