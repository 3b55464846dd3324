/**
 * Role-based access to key management: which roles may create, read, rotate,
 * revoke… keys. Per the PRD only Super Admins and Admins manage keys; the
 * other default roles read.
 *
 * A role's list may use scope wildcards: `keys:*` is every `keys:` permission
 * and `*` is all of them (matching by {@link scopeGrants}).
 *
 * @module
 */

import { ConfigError, ForbiddenError, type FieldIssue } from './errors.js';
import { isValidScope, scopeGrants } from './scopes.js';

/** Every permission keygate checks. */
export const PERMISSIONS = [
  'keys:create',
  'keys:read',
  'keys:update',
  'keys:rotate',
  'keys:revoke',
  'keys:delete',
  'keys:reveal',
  'audit:read',
  'usage:read',
  'policy:read',
  'policy:manage',
] as const;

/** One of {@link PERMISSIONS}. */
export type Permission = (typeof PERMISSIONS)[number];

/** Roles used when the host configures none. */
export const DEFAULT_ROLES: Record<string, Permission[]> = {
  super_admin: [...PERMISSIONS],
  admin: [...PERMISSIONS],
  developer: ['keys:read', 'usage:read', 'audit:read', 'policy:read'],
  viewer: ['keys:read', 'usage:read', 'policy:read'],
};

/** Permission checks for a fixed role table. */
export interface Authorizer {
  /** Union of the permissions of `roles` (a new set each call); unknown roles add nothing. */
  permissionsOf(roles: string | readonly string[] | undefined): ReadonlySet<Permission>;
  /** Whether any of `roles` has `permission`. */
  can(roles: string | readonly string[] | undefined, permission: Permission): boolean;
  /** Throws {@link ForbiddenError} unless one of `roles` has `permission`. */
  assert(roles: string | readonly string[] | undefined, permission: Permission): void;
}

const NONE: ReadonlySet<Permission> = new Set();

/** The permissions one role entry stands for (a name or a wildcard). */
function expand(entry: string): Permission[] {
  return PERMISSIONS.filter((p) => scopeGrants(entry, p));
}

/**
 * Builds an {@link Authorizer} for a role table (role name to permission
 * names or wildcards). Only the table's own properties count: a role named
 * `__proto__`, `constructor` or `toString` has no permissions unless the
 * table defines it.
 *
 * @throws ConfigError when the table fails {@link validateRoles}
 */
export function createAuthorizer(roles: Record<string, readonly string[]>): Authorizer {
  const issues = validateRoles(roles);
  if (issues.length > 0) throw new ConfigError('Invalid roles', issues);
  const table = new Map<string, ReadonlySet<Permission>>();
  for (const role of Object.keys(roles)) {
    table.set(role, new Set(roles[role]!.flatMap(expand)));
  }

  const of = (role: unknown): ReadonlySet<Permission> =>
    (typeof role === 'string' ? table.get(role) : undefined) ?? NONE;

  const can = (r: string | readonly string[] | undefined, permission: Permission): boolean => {
    if (typeof r === 'string') return of(r).has(permission);
    if (!Array.isArray(r)) return false;
    for (const role of r) if (of(role).has(permission)) return true;
    return false;
  };

  return {
    permissionsOf(r) {
      // A fresh set each time: `ReadonlySet` is only a type, and a caller's
      // cast-and-add must not grant a role anything.
      const all = new Set<Permission>();
      if (typeof r === 'string') for (const p of of(r)) all.add(p);
      else if (Array.isArray(r)) for (const role of r) for (const p of of(role)) all.add(p);
      return all;
    },
    can,
    assert(r, permission) {
      if (!can(r, permission)) throw new ForbiddenError(permission);
    },
  };
}

/** Escapes a JSON pointer token (RFC 6901). */
function pointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Problems with a role table from config; empty when fine. Role names are
 * 1 to 64 characters; each maps to an array of permission names from
 * {@link PERMISSIONS} or wildcards that cover at least one (`keys:*`, `*`).
 */
export function validateRoles(value: unknown, field = '/roles'): FieldIssue[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field, message: 'Must be an object mapping role names to permission lists' }];
  }
  const issues: FieldIssue[] = [];
  const table = value as Record<string, unknown>;
  for (const role of Object.keys(table)) {
    const at = `${field}/${pointerToken(role)}`;
    if (role.length === 0 || role.length > 64) {
      issues.push({ field: at, message: 'Role names must be 1 to 64 characters' });
      continue;
    }
    const list = table[role];
    if (!Array.isArray(list)) {
      issues.push({ field: at, message: `Permissions of role "${role}" must be an array of permission names` });
      continue;
    }
    list.forEach((entry: unknown, i) => {
      if (typeof entry === 'string' && isValidScope(entry) && expand(entry).length > 0) return;
      const shown = typeof entry === 'string' ? JSON.stringify(entry.slice(0, 64)) : typeof entry;
      issues.push({
        field: `${at}/${i}`,
        message: `Unknown permission ${shown} for role "${role}"; allowed: ${PERMISSIONS.join(', ')}, or wildcards such as keys:* and *`,
      });
    });
  }
  return issues;
}
