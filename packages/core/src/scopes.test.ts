import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { hasScopes, isValidScope, MAX_SCOPES, scopeGrants, validateScopes } from './scopes.js';

const segment = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const name = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));
const validScope = fc
  .oneof(
    fc.constant('*'),
    name.map((r) => `${r}:*`),
    fc.tuple(name, name).map(([r, a]) => `${r}:${a}`),
  )
  .filter((s) => s.length <= 64);

describe('isValidScope', () => {
  it.each(['keys:read', 'keys:*', '*', 'billing.invoices:read', 'a:b', 'usage_v2:read-all', 'a.b.c:d.e', 'constructor:read', 'k1:r2'])(
    'accepts %j',
    (s) => expect(isValidScope(s)).toBe(true),
  );

  it.each([
    '',
    ':',
    ':*',
    '*:read',
    '*:*',
    'keys:**',
    'keys:re*',
    'keys:*read',
    'keys',
    'keys:',
    ':read',
    'Keys:read',
    'keys:READ',
    'keys:read:more',
    'keys :read',
    ' keys:read',
    'keys:read\n',
    'keys..a:read',
    '.keys:read',
    'keys.:read',
    'keys:.read',
    'ke ys:read',
    'kеys:read', // Cyrillic е
    'keys:reаd', // Cyrillic а
    'ｋeys:read', // full-width k
    '__proto__',
    'keys/read',
    '**',
    `${'a'.repeat(60)}:read`,
  ])('rejects %j', (s) => expect(isValidScope(s)).toBe(false));

  it('rejects non-strings', () => {
    for (const v of [undefined, null, 1, {}, ['keys:read'], Symbol('x')]) expect(isValidScope(v)).toBe(false);
  });

  it('accepts exactly 64 characters and no more', () => {
    const s64 = `${'a'.repeat(59)}:read`;
    expect(s64).toHaveLength(64);
    expect(isValidScope(s64)).toBe(true);
    expect(isValidScope(`a${s64}`)).toBe(false);
  });

  it('handles long adversarial input quickly (no backtracking blow-up)', () => {
    expect(isValidScope(`${'a.'.repeat(10_000)}!`)).toBe(false);
    expect(isValidScope(`${'a'.repeat(100_000)}:read`)).toBe(false);
  });
});

describe('scopeGrants', () => {
  it('grants everything with *', () => {
    expect(scopeGrants('*', 'keys:read')).toBe(true);
    expect(scopeGrants('*', 'keys:*')).toBe(true);
    expect(scopeGrants('*', '*')).toBe(true);
  });

  it('grants a resource wildcard to its actions and itself', () => {
    expect(scopeGrants('keys:*', 'keys:read')).toBe(true);
    expect(scopeGrants('keys:*', 'keys:rotate.now')).toBe(true);
    expect(scopeGrants('keys:*', 'keys:*')).toBe(true);
  });

  it('matches exactly otherwise', () => {
    expect(scopeGrants('keys:read', 'keys:read')).toBe(true);
    expect(scopeGrants('keys:read', 'keys:write')).toBe(false);
    expect(scopeGrants('keys:read', 'keys:readx')).toBe(false);
    expect(scopeGrants('keys:read', 'keys:rea')).toBe(false);
  });

  it('does not satisfy a required wildcard with a narrower grant', () => {
    expect(scopeGrants('keys:read', 'keys:*')).toBe(false);
    expect(scopeGrants('keys:*', '*')).toBe(false);
    expect(scopeGrants('keys:read', '*')).toBe(false);
  });

  it('has no prefix confusion', () => {
    expect(scopeGrants('keys:*', 'keysx:read')).toBe(false);
    expect(scopeGrants('keys:*', 'keys2:read')).toBe(false);
    expect(scopeGrants('key:*', 'keys:read')).toBe(false);
    expect(scopeGrants('keys:*', 'key:read')).toBe(false);
    expect(scopeGrants('keys:*', 'keys.admin:read')).toBe(false);
    expect(scopeGrants('keys.admin:*', 'keys:read')).toBe(false);
    expect(scopeGrants('keys:re', 'keys:read')).toBe(false);
  });

  it('never grants an invalid required scope', () => {
    for (const bad of ['', 'keys:**', 'keys:re*', '*:read', ':*', 'KEYS:read', '__proto__', 'keys:read\n']) {
      expect(scopeGrants('*', bad)).toBe(false);
      expect(scopeGrants('keys:*', bad)).toBe(false);
      expect(scopeGrants(bad, bad)).toBe(false);
    }
    expect(scopeGrants('', '')).toBe(false);
  });

  it('never grants from an invalid granted scope', () => {
    expect(scopeGrants('*:*', 'keys:read')).toBe(false);
    expect(scopeGrants(':*', 'keys:read')).toBe(false);
    expect(scopeGrants('keys:re*', 'keys:read')).toBe(false);
    expect(scopeGrants('KEYS:*', 'keys:read')).toBe(false);
    expect(scopeGrants(undefined as unknown as string, 'keys:read')).toBe(false);
  });

  it('treats prototype-ish names as plain strings', () => {
    expect(scopeGrants('constructor:*', 'constructor:read')).toBe(true);
    expect(scopeGrants('keys:*', 'constructor:read')).toBe(false);
    expect(scopeGrants('__proto__:*', '__proto__:read')).toBe(true);
  });

  it('property: * grants every valid scope and every valid scope grants itself', () => {
    fc.assert(
      fc.property(validScope, (s) => {
        expect(isValidScope(s)).toBe(true);
        expect(scopeGrants('*', s)).toBe(true);
        expect(scopeGrants(s, s)).toBe(true);
      }),
    );
  });

  it('property: a resource wildcard grants exactly the actions of its own resource', () => {
    fc.assert(
      fc.property(name, name, name, (r1, r2, a) => {
        fc.pre(`${r2}:${a}`.length <= 64 && `${r1}:*`.length <= 64);
        expect(scopeGrants(`${r1}:*`, `${r2}:${a}`)).toBe(r1 === r2);
      }),
    );
  });
});

describe('hasScopes', () => {
  const granted = ['keys:read', 'usage:*'];

  it('all: every required scope must be granted', () => {
    expect(hasScopes(granted, ['keys:read', 'usage:read'], 'all')).toBe(true);
    expect(hasScopes(granted, ['keys:read', 'keys:write'], 'all')).toBe(false);
    expect(hasScopes(granted, ['usage:*'], 'all')).toBe(true);
    expect(hasScopes(granted, ['keys:*'], 'all')).toBe(false);
  });

  it('any: one granted required scope suffices', () => {
    expect(hasScopes(granted, ['keys:write', 'usage:read'], 'any')).toBe(true);
    expect(hasScopes(granted, ['keys:write', 'billing:read'], 'any')).toBe(false);
  });

  it('empty required list is satisfied in both modes', () => {
    expect(hasScopes([], [], 'all')).toBe(true);
    expect(hasScopes([], [], 'any')).toBe(true);
    expect(hasScopes(granted, [], 'any')).toBe(true);
  });

  it('empty grant satisfies nothing', () => {
    expect(hasScopes([], ['keys:read'], 'all')).toBe(false);
    expect(hasScopes([], ['keys:read'], 'any')).toBe(false);
  });

  it('* grants all', () => {
    expect(hasScopes(['*'], ['keys:read', 'billing:write', '*'], 'all')).toBe(true);
  });

  it('invalid required scopes are never satisfied', () => {
    expect(hasScopes(['*'], ['keys:read', ''], 'all')).toBe(false);
    expect(hasScopes(['*'], ['', 'keys:read'], 'any')).toBe(true);
    expect(hasScopes(['*'], [''], 'any')).toBe(false);
  });

  it('answers a frozen list (checked once, then remembered) as it answers the same scopes unfrozen', () => {
    const valid = Object.freeze(['keys:read', 'usage:read']);
    const invalid = Object.freeze(['keys:read', 'KEYS:READ']);
    for (let i = 0; i < 2; i++) {
      expect(hasScopes(granted, valid, 'all')).toBe(true);
      expect(hasScopes(['*'], invalid, 'all')).toBe(false);
      expect(hasScopes(['*'], invalid, 'any')).toBe(true);
      expect(hasScopes(['keys:*'], Object.freeze(['keys:', 'keys:*x']), 'any')).toBe(false);
    }
  });

  it('never throws on garbage', () => {
    const garbage: unknown[] = [undefined, null, 1, 'keys:read', {}, [null], [1, {}], [Symbol('x')], ['*', undefined]];
    for (const g of garbage) {
      for (const r of garbage) {
        for (const mode of ['all', 'any', 'bogus', undefined]) {
          expect(() => hasScopes(g as string[], r as string[], mode as 'all')).not.toThrow();
        }
      }
    }
    expect(hasScopes(['keys:read'], ['keys:read'], 'bogus' as 'all')).toBe(false);
    expect(hasScopes(null as unknown as string[], ['keys:read'], 'any')).toBe(false);
  });

  it('property: never throws, and all implies any for non-empty lists', () => {
    const item = fc.oneof(validScope, fc.string(), fc.constant(undefined), fc.integer());
    fc.assert(
      fc.property(fc.array(item), fc.array(item), (g, r) => {
        const all = hasScopes(g as string[], r as string[], 'all');
        const any = hasScopes(g as string[], r as string[], 'any');
        if (r.length > 0 && all) expect(any).toBe(true);
      }),
    );
  });
});

describe('validateScopes', () => {
  const catalogue = [{ name: 'keys:read' }, { name: 'keys:write' }, { name: 'usage:read' }];

  it('accepts a valid list', () => {
    expect(validateScopes(['keys:read', 'usage:*', '*'])).toEqual([]);
    expect(validateScopes([])).toEqual([]);
  });

  it('rejects non-arrays', () => {
    expect(validateScopes('keys:read')).toEqual([{ field: '/scopes', message: 'Must be an array of scope strings' }]);
    expect(validateScopes(undefined, undefined, '/x')[0]?.field).toBe('/x');
  });

  it('rejects invalid and duplicate scopes with their index', () => {
    const issues = validateScopes(['keys:read', 'Keys:Read', 'keys:read', 7]);
    expect(issues.map((i) => i.field)).toEqual(['/scopes/1', '/scopes/2', '/scopes/3']);
    expect(issues[0]?.message).toContain('Invalid scope "Keys:Read"');
    expect(issues[1]?.message).toBe('Duplicate scope "keys:read"');
    expect(issues[2]?.message).toContain('Invalid scope number');
  });

  it('bounds long values in messages', () => {
    const issues = validateScopes(['x'.repeat(10_000)]);
    expect(issues[0]!.message.length).toBeLessThan(300);
  });

  it('rejects more than the maximum', () => {
    const many = Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `r${i}:read`);
    expect(validateScopes(many)).toEqual([{ field: '/scopes', message: `At most ${MAX_SCOPES} scopes are allowed; got ${MAX_SCOPES + 1}` }]);
    expect(validateScopes(many.slice(0, MAX_SCOPES))).toEqual([]);
  });

  it('with a catalogue, rejects unknown scopes and lists the allowed ones', () => {
    expect(validateScopes(['keys:read', 'billing:write'], catalogue)).toEqual([
      { field: '/scopes/1', message: 'Unknown scope "billing:write"; allowed: keys:read, keys:write, usage:read' },
    ]);
  });

  it('with a catalogue, accepts wildcards that cover an entry', () => {
    expect(validateScopes(['keys:*', 'usage:*'], catalogue)).toEqual([]);
    const issues = validateScopes(['billing:*', 'key:*'], catalogue);
    expect(issues.map((i) => i.field)).toEqual(['/scopes/0', '/scopes/1']);
    expect(issues[0]?.message).toContain('Wildcard scope "billing:*" matches no configured scope');
  });

  it('with a catalogue, accepts * only when the catalogue lists it', () => {
    expect(validateScopes(['*'], catalogue)[0]?.message).toContain('Scope "*" is not allowed');
    expect(validateScopes(['*'], [...catalogue, { name: '*' }])).toEqual([]);
  });

  it('with a catalogue, does not consult prototype properties', () => {
    expect(validateScopes(['constructor:read'], catalogue)).toHaveLength(1);
  });

  it('truncates the allowed list in messages for large catalogues', () => {
    const big = Array.from({ length: 50 }, (_, i) => ({ name: `r${i}:read` }));
    const msg = validateScopes(['x:read'], big)[0]!.message;
    expect(msg).toContain('(30 more)');
  });
});
