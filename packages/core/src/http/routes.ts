/**
 * The management API's route table, once for every framework, and the
 * matcher that picks a route for a method and a base-relative path.
 *
 * @module
 */
import type { Permission } from '../rbac.js';

/** Names of the management operations. */
export type RouteName =
  | 'meta'
  | 'openapi'
  | 'create'
  | 'list'
  | 'get'
  | 'update'
  | 'delete'
  | 'rotate'
  | 'revoke'
  | 'reveal'
  | 'usage'
  | 'audit'
  | 'keyAudit'
  | 'reports'
  | 'whoami'
  | 'identities'
  | 'createIdentity'
  | 'getIdentity'
  | 'updateIdentity'
  | 'deleteIdentity'
  | 'getPolicy'
  | 'updatePolicy';

/** One route: method, path pattern (`:id` is a key id), and the permission checked before the body is read. */
export interface RouteDefinition {
  name: RouteName;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Segments after the base; `:id` stands for a key id. */
  pattern: readonly string[];
  /** `undefined`: any authenticated actor (meta) or nobody at all (openapi). */
  permission?: Permission;
  /** Whether the route reads a JSON body. */
  body?: 'required' | 'optional';
  /** Served without an actor. */
  public?: boolean;
}

/** Every management route; literal segments win over `:id`. */
export const MANAGEMENT_ROUTES: readonly RouteDefinition[] = [
  { name: 'meta', method: 'GET', pattern: ['meta'] },
  { name: 'openapi', method: 'GET', pattern: ['openapi.json'], public: true },
  { name: 'audit', method: 'GET', pattern: ['audit'], permission: 'audit:read' },
  // Served only when the host passes a `reports` provider (e.g. @keygate/monitor); 404 otherwise.
  { name: 'reports', method: 'GET', pattern: ['reports'], permission: 'usage:read' },
  // The key travels in the body, never in a URL (URLs end up in logs).
  { name: 'whoami', method: 'POST', pattern: ['whoami'], permission: 'keys:read', body: 'required' },
  // Read by anyone with policy:read or keys:read (the manager checks), so custom roles that read keys see the policy too.
  { name: 'getPolicy', method: 'GET', pattern: ['policy'] },
  { name: 'updatePolicy', method: 'PUT', pattern: ['policy'], permission: 'policy:manage', body: 'required' },
  { name: 'identities', method: 'GET', pattern: ['identities'], permission: 'keys:read' },
  { name: 'createIdentity', method: 'POST', pattern: ['identities'], permission: 'keys:create', body: 'required' },
  { name: 'getIdentity', method: 'GET', pattern: ['identities', ':id'], permission: 'keys:read' },
  { name: 'updateIdentity', method: 'PATCH', pattern: ['identities', ':id'], permission: 'keys:update', body: 'required' },
  { name: 'deleteIdentity', method: 'DELETE', pattern: ['identities', ':id'], permission: 'keys:delete' },
  { name: 'create', method: 'POST', pattern: [], permission: 'keys:create', body: 'required' },
  { name: 'list', method: 'GET', pattern: [], permission: 'keys:read' },
  { name: 'get', method: 'GET', pattern: [':id'], permission: 'keys:read' },
  { name: 'update', method: 'PATCH', pattern: [':id'], permission: 'keys:update', body: 'required' },
  { name: 'delete', method: 'DELETE', pattern: [':id'], permission: 'keys:delete' },
  { name: 'rotate', method: 'POST', pattern: [':id', 'regenerate'], permission: 'keys:rotate', body: 'optional' },
  { name: 'revoke', method: 'POST', pattern: [':id', 'revoke'], permission: 'keys:revoke' },
  { name: 'reveal', method: 'POST', pattern: [':id', 'reveal'], permission: 'keys:reveal' },
  { name: 'usage', method: 'GET', pattern: [':id', 'usage'], permission: 'usage:read' },
  { name: 'keyAudit', method: 'GET', pattern: [':id', 'audit'], permission: 'audit:read' },
];

/** What {@link matchRoute} found. */
export type RouteMatch =
  | { kind: 'route'; route: RouteDefinition; id?: string }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'not-found' };

/**
 * Splits a percent-encoded, base-relative path into decoded segments.
 * `undefined` for a path that cannot be decoded (it matches nothing).
 * Empty segments (`//`, a trailing `/`) are dropped.
 */
export function pathSegments(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return segments;
}

function fits(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    // Literal segments are reserved: `/meta` is never a key id.
    if (p === ':id' ? isLiteral(segments[i]!, i) : p !== segments[i]) return false;
  }
  return true;
}

const LITERALS = new Set(MANAGEMENT_ROUTES.filter((r) => r.pattern.length === 1 && r.pattern[0] !== ':id').map((r) => r.pattern[0]!));
function isLiteral(segment: string, index: number): boolean {
  return index === 0 && LITERALS.has(segment);
}

/**
 * The route for `method` and `path`. HEAD is served as GET. The `:id`
 * segment comes back decoded but unchecked: the manager answers 404 for
 * anything that is not a key id, without a store read.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = pathSegments(path);
  if (segments === undefined) return { kind: 'not-found' };
  const wanted = method === 'HEAD' ? 'GET' : method;
  const allow: string[] = [];
  for (const route of MANAGEMENT_ROUTES) {
    if (!fits(route.pattern, segments)) continue;
    if (route.method === wanted) {
      const at = route.pattern.indexOf(':id');
      return at === -1 ? { kind: 'route', route } : { kind: 'route', route, id: segments[at]! };
    }
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
}

/**
 * The base-relative part of `pathname` when it lies under `basePath`
 * (`''` for the base itself), else `undefined`.
 */
export function stripBase(basePath: string, pathname: string): string | undefined {
  if (basePath === '' || basePath === '/') return pathname;
  if (!pathname.startsWith(basePath)) return undefined;
  const rest = pathname.slice(basePath.length);
  return rest === '' || rest.startsWith('/') ? rest : undefined;
}

/** `basePath` without a trailing slash, with a leading one. */
export function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
