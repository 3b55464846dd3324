import { describe, it, expect } from 'vitest';
import { ConfigError, ForbiddenError } from './errors.js';
import { createAuthorizer, DEFAULT_ROLES, PERMISSIONS, validateRoles, type Permission } from './rbac.js';

const EXPECTED: Record<string, readonly Permission[]> = {
  super_admin: PERMISSIONS,
  admin: PERMISSIONS,
  developer: ['keys:read', 'usage:read', 'audit:read', 'policy:read'],
  viewer: ['keys:read', 'usage:read', 'policy:read'],
  stranger: [],
};

describe('default roles', () => {
  const auth = createAuthorizer(DEFAULT_ROLES);

  for (const [role, allowed] of Object.entries(EXPECTED)) {
    for (const permission of PERMISSIONS) {
      const expected = allowed.includes(permission);
      it(`${role} ${expected ? 'may' : 'may not'} ${permission}`, () => {
        expect(auth.can(role, permission)).toBe(expected);
        expect(auth.can([role], permission)).toBe(expected);
        expect(auth.permissionsOf(role).has(permission)).toBe(expected);
        if (expected) expect(() => auth.assert(role, permission)).not.toThrow();
        else expect(() => auth.assert(role, permission)).toThrow(ForbiddenError);
      });
    }
  }

  it('only super_admin and admin manage keys', () => {
    const managers = Object.keys(DEFAULT_ROLES).filter((r) => auth.can(r, 'keys:create'));
    expect(managers.sort()).toEqual(['admin', 'super_admin']);
  });

  it('assert throws a FORBIDDEN error naming the permission', () => {
    try {
      auth.assert('viewer', 'keys:revoke');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ForbiddenError);
      expect((e as ForbiddenError).code).toBe('FORBIDDEN');
      expect((e as ForbiddenError).permission).toBe('keys:revoke');
    }
  });
});

describe('createAuthorizer', () => {
  it('supports custom roles', () => {
    const auth = createAuthorizer({ rotator: ['keys:read', 'keys:rotate'] });
    expect([...auth.permissionsOf('rotator')].sort()).toEqual(['keys:read', 'keys:rotate']);
    expect(auth.can('rotator', 'keys:revoke')).toBe(false);
    expect(auth.can('admin', 'keys:read')).toBe(false); // defaults are not merged in
  });

  it('expands wildcard roles', () => {
    const auth = createAuthorizer({ keyops: ['keys:*'], root: ['*'], auditor: ['audit:*', 'usage:read'] });
    expect([...auth.permissionsOf('keyops')].sort()).toEqual(PERMISSIONS.filter((p) => p.startsWith('keys:')).sort());
    expect(auth.permissionsOf('root').size).toBe(PERMISSIONS.length);
    expect([...auth.permissionsOf('auditor')].sort()).toEqual(['audit:read', 'usage:read']);
    expect(auth.can('keyops', 'audit:read')).toBe(false);
  });

  it('gives prototype-ish role names nothing unless configured', () => {
    const auth = createAuthorizer(DEFAULT_ROLES);
    for (const role of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '']) {
      expect(auth.permissionsOf(role).size).toBe(0);
      for (const p of PERMISSIONS) expect(auth.can(role, p)).toBe(false);
    }
    const configured = createAuthorizer(JSON.parse('{"__proto__": ["keys:read"], "constructor": ["usage:read"]}') as Record<string, string[]>);
    expect([...configured.permissionsOf('__proto__')]).toEqual(['keys:read']);
    expect([...configured.permissionsOf('constructor')]).toEqual(['usage:read']);
    expect(configured.can('toString', 'keys:read')).toBe(false);
  });

  it('ignores inherited roles', () => {
    const roles = Object.create({ inherited: ['*'] }) as Record<string, string[]>;
    roles['own'] = ['keys:read'];
    const auth = createAuthorizer(roles);
    expect(auth.can('inherited', 'keys:read')).toBe(false);
    expect(auth.can('own', 'keys:read')).toBe(true);
  });

  it('unions multiple roles', () => {
    const auth = createAuthorizer({ a: ['keys:read'], b: ['audit:read'] });
    expect([...auth.permissionsOf(['a', 'b', 'unknown'])].sort()).toEqual(['audit:read', 'keys:read']);
    expect(auth.can(['unknown', 'b'], 'audit:read')).toBe(true);
    expect(auth.can(['a', 'b'], 'keys:create')).toBe(false);
  });

  it('handles no roles and garbage without throwing', () => {
    const auth = createAuthorizer(DEFAULT_ROLES);
    for (const r of [undefined, [], null, 42, {}, [null, 7, {}]]) {
      expect(auth.permissionsOf(r as string[]).size).toBe(0);
      expect(auth.can(r as string[], 'keys:read')).toBe(false);
      expect(() => auth.assert(r as string[], 'keys:read')).toThrow(ForbiddenError);
    }
  });

  it('permission sets cannot be used to change the table', () => {
    const auth = createAuthorizer({ v: ['keys:read'] });
    (auth.permissionsOf('v') as Set<Permission>).add('keys:delete');
    (auth.permissionsOf(['v']) as Set<Permission>).add('keys:delete');
    (auth.permissionsOf('nobody') as Set<Permission>).add('keys:delete');
    expect(auth.can('v', 'keys:delete')).toBe(false);
    expect(auth.can('nobody', 'keys:delete')).toBe(false);
    expect(auth.permissionsOf('other').size).toBe(0);
  });

  it('throws ConfigError for an invalid table', () => {
    expect(() => createAuthorizer({ x: ['keys:write'] })).toThrow(ConfigError);
  });
});

describe('validateRoles', () => {
  it('accepts the defaults and wildcards', () => {
    expect(validateRoles(DEFAULT_ROLES)).toEqual([]);
    expect(validateRoles({ a: ['*'], b: ['keys:*'], c: [] })).toEqual([]);
  });

  it('rejects unknown permissions with a clear message', () => {
    expect(validateRoles({ ops: ['keys:read', 'keys:write'] })).toEqual([
      {
        field: '/roles/ops/1',
        message:
          'Unknown permission "keys:write" for role "ops"; allowed: keys:create, keys:read, keys:update, keys:rotate, keys:revoke, keys:delete, keys:reveal, audit:read, usage:read, policy:read, policy:manage, or wildcards such as keys:* and *',
      },
    ]);
  });

  it('rejects wildcards that match nothing and malformed entries', () => {
    const issues = validateRoles({ r: ['billing:*', 'KEYS:READ', 7, ''] }, '/cfg/roles');
    expect(issues.map((i) => i.field)).toEqual(['/cfg/roles/r/0', '/cfg/roles/r/1', '/cfg/roles/r/2', '/cfg/roles/r/3']);
    expect(issues[2]?.message).toContain('Unknown permission number');
  });

  it('rejects non-object tables, non-array lists and bad role names', () => {
    expect(validateRoles(['admin'])[0]?.message).toContain('Must be an object');
    expect(validateRoles(null)).toHaveLength(1);
    expect(validateRoles({ a: 'keys:read' })[0]).toEqual({
      field: '/roles/a',
      message: 'Permissions of role "a" must be an array of permission names',
    });
    expect(validateRoles({ '': ['keys:read'] })[0]?.message).toContain('1 to 64');
    expect(validateRoles({ ['x'.repeat(65)]: ['keys:read'] })).toHaveLength(1);
  });

  it('escapes role names in JSON pointers', () => {
    expect(validateRoles({ 'a/b~c': ['nope:x'] })[0]?.field).toBe('/roles/a~1b~0c/0');
  });
});
