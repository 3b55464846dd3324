import { describe, expect, it } from 'vitest';
import { normalizeKeyName } from './key-name.js';

const ok = (v: unknown) => {
  const r = normalizeKeyName(v);
  return 'name' in r ? r.name : undefined;
};
const message = (v: unknown) => {
  const r = normalizeKeyName(v);
  return 'issue' in r ? r.issue.message : undefined;
};

describe('normalizeKeyName', () => {
  it('trims and NFC-normalises', () => {
    expect(ok('  prod key \n')).toBe('prod key');
    expect(ok('cafe\u0301')).toBe('café');
  });

  it('counts code points after NFC, so the limit is 32 characters people see', () => {
    expect(ok('x'.repeat(32))).toBeDefined();
    expect(message('x'.repeat(33))).toBe('Token name must be at most 32 characters');
    expect(ok('é'.repeat(32))).toBeDefined();
    expect(ok('e\u0301'.repeat(32))).toBeDefined();
    expect(ok('🔑'.repeat(32))).toBeDefined();
    expect(message('🔑'.repeat(33))).toBe('Token name must be at most 32 characters');
  });

  it('rejects blank, non-string and invisible or direction-changing names', () => {
    for (const v of ['', '   ', '\t\n', undefined, null, 42, {}]) expect(message(v)).toBe('Token name is required');
    for (const v of ['a\u200Bb', '\u202Eevil', 'a\u0000b', 'x\u2066y', 'a\uFEFFb', 'bell\u0007']) {
      expect(message(v)).toMatch(/control, zero-width or text-direction/);
    }
  });
});
