import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { isKeygateError } from './errors.js';
import { createSecretBox } from './secret-box.js';

const newKey = (): string => randomBytes(32).toString('base64');
const SECRET = 'sk_live_0123456789abcdef_SuperSecretValue1234567890abcdEF';
const AAD = 'keyId0123456789a';

function expectCode(fn: () => unknown, code: 'CONFIG_INVALID' | 'SECRET_NOT_STORED'): unknown {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isKeygateError(caught, code)).toBe(true);
  return caught;
}

function expectNotOpenable(fn: () => unknown): void {
  const error = expectCode(fn, 'SECRET_NOT_STORED') as Error;
  expect(error.message).not.toContain(SECRET);
  expect(error.message).not.toContain('SuperSecret');
}

describe('createSecretBox', () => {
  it('round-trips, with the documented format', () => {
    const box = createSecretBox([{ id: 'mk1', key: newKey() }]);
    const sealed = box.seal(SECRET, AAD);
    expect(sealed).toMatch(/^v1\.mk1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain('SuperSecret');
    expect(box.open(sealed, AAD)).toBe(SECRET);
    for (const text of ['', 'é ünïcødé 🔑', 'x'.repeat(1000)]) expect(box.open(box.seal(text, AAD), AAD)).toBe(text);
  });

  it('seals the same plaintext differently each time (fresh IV)', () => {
    const box = createSecretBox([{ id: 'mk1', key: newKey() }]);
    const a = box.seal(SECRET, AAD);
    const b = box.seal(SECRET, AAD);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(box.open(a, AAD)).toBe(SECRET);
    expect(box.open(b, AAD)).toBe(SECRET);
  });

  it('rotates: seals under the first key, still opens strings sealed under older ones', () => {
    const oldKey = { id: 'mk-2024', key: newKey() };
    const newer = { id: 'mk-2025', key: newKey() };
    const before = createSecretBox([oldKey]).seal(SECRET, AAD);
    const box = createSecretBox([newer, oldKey]);
    const after = box.seal(SECRET, AAD);
    expect(after.split('.')[1]).toBe('mk-2025');
    expect(box.open(before, AAD)).toBe(SECRET);
    expect(box.open(after, AAD)).toBe(SECRET);
    // Once the old key is dropped, its strings no longer open.
    expectNotOpenable(() => createSecretBox([newer]).open(before, AAD));
  });

  it('fails to open with another aad (a sealed secret copied onto another record)', () => {
    const box = createSecretBox([{ id: 'mk1', key: newKey() }]);
    const sealed = box.seal(SECRET, AAD);
    expectNotOpenable(() => box.open(sealed, 'keyId0123456789b'));
    expectNotOpenable(() => box.open(sealed, ''));
  });

  it('fails when the key id is unknown, or names a key with other material', () => {
    const sealed = createSecretBox([{ id: 'mk1', key: newKey() }]).seal(SECRET, AAD);
    expectNotOpenable(() => createSecretBox([{ id: 'mk2', key: newKey() }]).open(sealed, AAD));
    expectNotOpenable(() => createSecretBox([{ id: 'mk1', key: newKey() }]).open(sealed, AAD));
  });

  it('fails when any part is tampered with', () => {
    const box = createSecretBox([
      { id: 'mk1', key: newKey() },
      { id: 'mk2', key: newKey() },
    ]);
    const sealed = box.seal(SECRET, AAD);
    const parts = sealed.split('.');
    const flipLast = (s: string): string => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    const flipFirst = (s: string): string => (s.startsWith('A') ? 'B' : 'A') + s.slice(1);
    const variants: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      for (const change of [flipFirst, flipLast, (s: string) => s + 'A', (s: string) => s.slice(1), () => '', (s: string) => `${s}!`]) {
        const copy = [...parts];
        copy[i] = change(copy[i]!);
        variants.push(copy.join('.'));
      }
    }
    // Spare low bits of the tag's last character: decodes to the same bytes unless rejected as non-canonical.
    const tag = parts[4]!;
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(tag.at(-1)!);
    const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1]!;
    variants.push([...parts.slice(0, 4), tag.slice(0, -1) + sibling].join('.'));
    variants.push('v2' + sealed.slice(2));
    variants.push(parts.slice(0, 4).join('.'));
    variants.push(`${sealed}.extra`);
    variants.push('');
    variants.push('garbage');

    for (const variant of variants) {
      if (variant === sealed) continue;
      expectNotOpenable(() => box.open(variant, AAD));
    }
    // The untampered string still opens.
    expect(box.open(sealed, AAD)).toBe(SECRET);
  });

  it('fails on non-string input without a TypeError', () => {
    const box = createSecretBox([{ id: 'mk1', key: newKey() }]);
    expectNotOpenable(() => box.open(undefined as never, AAD));
    expectNotOpenable(() => box.open(box.seal(SECRET, AAD), null as never));
  });

  it('refuses bad master keys at construction', () => {
    const key = newKey();
    expectCode(() => createSecretBox([]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox(undefined as never), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a', key }, { id: 'a', key: newKey() }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a.b', key }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: '', key }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a', key: randomBytes(16).toString('base64') }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a', key: randomBytes(33).toString('base64') }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a', key: 'not base64 at all!' }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a', key: `${key.slice(0, 10)}*${key.slice(11)}` }]), 'CONFIG_INVALID');
    expectCode(() => createSecretBox([{ id: 'a', key: 42 as never }]), 'CONFIG_INVALID');
    // Unpadded base64 of 32 bytes is fine.
    expect(() => createSecretBox([{ id: 'a', key: key.replace(/=+$/, '') }])).not.toThrow();
  });

  it('does not echo key material in construction errors', () => {
    const bad = randomBytes(16).toString('base64');
    const error = expectCode(() => createSecretBox([{ id: 'a', key: bad }]), 'CONFIG_INVALID') as Error & {
      issues: unknown[];
    };
    expect(JSON.stringify({ message: error.message, issues: error.issues })).not.toContain(bad);
  });
});
