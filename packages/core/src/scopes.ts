/**
 * Scopes: what a key may do, as `resource:action` strings.
 *
 * Grammar (at most {@link MAX_SCOPE_LENGTH} characters):
 *
 * - `resource:action`, each side one or more dot-separated segments of
 *   lowercase letters, digits, `_` and `-` (`billing.invoices:read`);
 * - `resource:*`, every action on exactly that resource;
 * - `*`, everything.
 *
 * A wildcard only ever stands for a whole action: `*:read`, `keys:re*` and
 * `keys:**` are not scopes. `billing:*` does not reach the nested resource
 * `billing.invoices` — nesting is part of the resource name, and matching by
 * prefix is how `keys:*` would end up granting `keysx:read`.
 *
 * @module
 */

import type { FieldIssue } from './errors.js';

/** Longest scope accepted, in characters. */
export const MAX_SCOPE_LENGTH = 64;

/** Most scopes one key may hold. */
export const MAX_SCOPES = 100;

// Each segment is delimited by `.` or `:`, so the engine never has two ways to
// split a string: matching is linear and cannot backtrack catastrophically.
const SEGMENTS = '[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*';
const SCOPE_RE = new RegExp(`^${SEGMENTS}:(?:\\*|${SEGMENTS})$`);

const COLON = 58;
const STAR = 42;

/** Whether `s` is a scope: `resource:action`, `resource:*` or `*`. Never throws. */
export function isValidScope(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  if (s === '*') return true;
  return s.length <= MAX_SCOPE_LENGTH && SCOPE_RE.test(s);
}

/** Whether `scope` is `*` or `resource:*`. Assumes a valid scope. */
function isWildcard(scope: string): boolean {
  return scope.charCodeAt(scope.length - 1) === STAR;
}

/**
 * The grant decision for a `required` scope already known to be valid.
 * An invalid `granted` can never match: equality would make it valid, and a
 * `res:*` grant must share the valid resource of `required`.
 */
function grantsValid(granted: string, required: string): boolean {
  if (granted === '*' || granted === required) return true;
  const gl = granted.length;
  // `res:*`: at least one resource character, then `:*`.
  if (gl < 3 || granted.charCodeAt(gl - 1) !== STAR || granted.charCodeAt(gl - 2) !== COLON) return false;
  const colon = gl - 2;
  // Same resource exactly: `required` has its (only) colon at the same place
  // and the characters before it agree. Comparing in place avoids a substring.
  if (required.length <= colon + 1 || required.charCodeAt(colon) !== COLON) return false;
  for (let i = 0; i < colon; i++) {
    if (granted.charCodeAt(i) !== required.charCodeAt(i)) return false;
  }
  // `keys:*` grants `keys:read` and `keys:*`; a required `*` needs a `*` grant,
  // which the first line handled.
  return true;
}

/**
 * Whether holding `granted` satisfies `required`.
 *
 * `*` grants everything; `res:*` grants `res:<any action>` and `res:*`;
 * anything else only itself. A required wildcard is satisfied only by an
 * equal or broader grant (`keys:read` does not satisfy `keys:*`). An invalid
 * `required` is never granted. Never throws.
 */
export function scopeGrants(granted: string, required: string): boolean {
  if (typeof granted !== 'string' || !isValidScope(required)) return false;
  return grantsValid(granted, required);
}

/**
 * Frozen lists of required scopes found valid. A route passes the same
 * frozen list on every request (`requireApiKey` freezes its scopes), so its
 * scopes are checked once rather than per request; frozen, it cannot change.
 */
const validFrozenLists = new WeakSet<readonly unknown[]>();

/** Whether every scope of `required` is valid, remembered for a frozen list. */
function allValidOnce(required: readonly unknown[]): boolean {
  if (validFrozenLists.has(required)) return true;
  if (!Object.isFrozen(required) || !required.every(isValidScope)) return false;
  validFrozenLists.add(required);
  return true;
}

/**
 * Whether `granted` satisfies `required`: every one of them (`all`) or at
 * least one (`any`). An empty `required` list is satisfied in both modes,
 * since nothing is asked for. Invalid required scopes are never satisfied;
 * non-array inputs give `false`. Never throws, and allocates nothing beyond remembering a frozen list once.
 */
export function hasScopes(granted: readonly string[], required: readonly string[], mode: 'all' | 'any'): boolean {
  if (!Array.isArray(required) || !Array.isArray(granted)) return false;
  const n = required.length;
  if (n === 0) return true;
  const any = mode === 'any';
  if (!any && mode !== 'all') return false;
  const g = granted.length;
  const valid = allValidOnce(required);
  for (let r = 0; r < n; r++) {
    const req: unknown = required[r];
    let ok = false;
    if (valid || isValidScope(req)) {
      for (let i = 0; i < g; i++) {
        const have: unknown = granted[i];
        if (typeof have === 'string' && grantsValid(have, req as string)) {
          ok = true;
          break;
        }
      }
    }
    if (any && ok) return true;
    if (!any && !ok) return false;
  }
  return !any;
}

/** Shows a value inside a message: quoted, control characters escaped, bounded. */
function show(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : typeof value;
  const cut = value.length > MAX_SCOPE_LENGTH ? `${value.slice(0, MAX_SCOPE_LENGTH)}…` : value;
  return JSON.stringify(cut);
}

/** Lists catalogue names for a message, bounded so a large catalogue stays readable. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown}, … (${names.length - 20} more)` : shown;
}

/**
 * Problems with a scope list from a request or config; empty when fine.
 *
 * The list must be an array of at most {@link MAX_SCOPES} valid, distinct
 * scopes. With a `catalogue` (the host's declared scopes), each scope must be
 * named in it, or be a `resource:*` wildcard that covers at least one
 * catalogue entry. The lone `*` is accepted only when the catalogue itself
 * lists `*`, or when there is no catalogue: a host that declares its scopes
 * decides whether all-powerful keys exist.
 *
 * @param scopes - the untrusted value
 * @param catalogue - allowed scopes; `undefined` accepts any valid scope
 * @param field - JSON pointer of the list, for issue `field`s
 */
export function validateScopes(
  scopes: unknown,
  catalogue?: readonly { name: string }[],
  field = '/scopes',
): FieldIssue[] {
  if (!Array.isArray(scopes)) return [{ field, message: 'Must be an array of scope strings' }];
  if (scopes.length > MAX_SCOPES) {
    return [{ field, message: `At most ${MAX_SCOPES} scopes are allowed; got ${scopes.length}` }];
  }
  const issues: FieldIssue[] = [];
  const names = catalogue?.map((c) => c.name);
  const known = names ? new Set(names) : undefined;
  const seen = new Set<string>();
  scopes.forEach((scope: unknown, i) => {
    const at = `${field}/${i}`;
    if (!isValidScope(scope)) {
      issues.push({
        field: at,
        message:
          `Invalid scope ${show(scope)}; expected "resource:action", "resource:*" or "*" ` +
          `using lowercase letters, digits, "_", "-" and "." (at most ${MAX_SCOPE_LENGTH} characters)`,
      });
      return;
    }
    const s = scope as string;
    if (seen.has(s)) {
      issues.push({ field: at, message: `Duplicate scope ${show(s)}` });
      return;
    }
    seen.add(s);
    if (!known || !names || known.has(s)) return;
    if (s === '*') {
      issues.push({ field: at, message: `Scope "*" is not allowed; the configured scopes do not include "*"` });
      return;
    }
    if (isWildcard(s) && names.some((n) => isValidScope(n) && grantsValid(s, n))) return;
    issues.push({
      field: at,
      message: isWildcard(s)
        ? `Wildcard scope ${show(s)} matches no configured scope; allowed: ${listNames(names)}`
        : `Unknown scope ${show(s)}; allowed: ${listNames(names)}`,
    });
  });
  return issues;
}
