import { describe, expect, it } from 'vitest';
import { hashPassword, UserDirectory, verifyPassword } from './users.js';

describe('password hashing', () => {
  it('verifies the password and nothing else; salts differ', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('treats malformed records as a mismatch, without throwing', async () => {
    for (const stored of ['', 'plain', 'bcrypt$x$y', 'scrypt$abc', 'scrypt$abc$short']) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
  });
});

describe('UserDirectory', () => {
  it('signs in the seeded users by email (any case) and password, never exposing the hash', async () => {
    const users = await UserDirectory.seeded('pw-123');
    const user = await users.authenticate(' Admin@Acme.test', 'pw-123');
    expect(user).toMatchObject({ id: 'u_admin', role: 'admin', workspace: { id: 'acme' } });
    expect(JSON.stringify(user)).not.toContain('scrypt');
    expect(await users.authenticate('admin@acme.test', 'wrong')).toBeUndefined();
    expect(await users.authenticate('nobody@acme.test', 'pw-123')).toBeUndefined();
    expect(await users.authenticate(undefined, 'pw-123')).toBeUndefined();
    expect(await users.authenticate('admin@acme.test', 'x'.repeat(5000))).toBeUndefined();
    expect(users.demoLogins().map((l) => l.role)).toEqual(['super_admin', 'admin', 'developer', 'viewer', 'admin']);
  });
});
