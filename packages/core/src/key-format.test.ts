import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import {
  CHECKSUM_LENGTH,
  KEY_ID_LENGTH,
  KEY_REGEX_SOURCE,
  MAX_SECRET_LENGTH,
  MIN_SECRET_LENGTH,
  checksum,
  generateKey,
  isValidKeyId,
  isValidPrefix,
  keyPattern,
  parseKey,
} from './key-format.js';

const expectConfigError = (fn: () => unknown) => expect(fn).toThrow(expect.objectContaining({ name: 'ConfigError', code: 'CONFIG_INVALID' }));

describe('isValidPrefix', () => {
  it.each(['sk_live', 'sk_test', 'kg_staging', 'a', 'a1', 'x_1_2', 'a'.repeat(32)])('accepts %s', (p) => {
    expect(isValidPrefix(p)).toBe(true);
  });

  it.each(['', '_', 'sk_', '_sk', 'sk__live', 'Sk_live', '1sk', 'sk-live', 'sk live', 'a'.repeat(33), 'sk_livé', 'ѕk'])(
    'rejects %j',
    (p) => {
      expect(isValidPrefix(p)).toBe(false);
    },
  );

  it('rejects non-strings', () => {
    expect(isValidPrefix(undefined)).toBe(false);
    expect(isValidPrefix(42)).toBe(false);
  });
});

describe('isValidKeyId', () => {
  it('accepts exactly 16 base62 characters', () => {
    expect(isValidKeyId('0123456789abcdEF')).toBe(true);
    expect(isValidKeyId(generateKey({ prefix: 'sk_test' }).keyId)).toBe(true);
  });

  it.each(['', '0123456789abcdE', '0123456789abcdEFG', '0123456789abcd_F', '0123456789abcd F', '0123456789abcdЕF'])(
    'rejects %j',
    (id) => {
      expect(isValidKeyId(id)).toBe(false);
    },
  );

  it('rejects non-strings', () => {
    expect(isValidKeyId(null)).toBe(false);
    expect(isValidKeyId({ length: 16 })).toBe(false);
  });
});

describe('checksum', () => {
  it('is CRC32 of the body in 6 base62 characters, left-padded with 0', () => {
    const body = 'sk_live_0123456789abcdef_' + 'x'.repeat(32);
    const cs = checksum(body);
    expect(cs).toHaveLength(CHECKSUM_LENGTH);
    let value = 0;
    for (const c of cs) value = value * 62 + '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.indexOf(c);
    expect(value).toBe(crc32(body));
  });

  it('pads small values with leading zeros', () => {
    // CRC32 of the empty string is 0.
    expect(checksum('')).toBe('000000');
  });
});

describe('generateKey', () => {
  it('builds <prefix>_<keyId>_<secret><checksum>', () => {
    const g = generateKey({ prefix: 'sk_live' });
    const parts = g.key.split('_');
    expect(parts).toHaveLength(4);
    expect(`${parts[0]}_${parts[1]}`).toBe('sk_live');
    expect(parts[2]).toBe(g.keyId);
    expect(g.keyId).toHaveLength(KEY_ID_LENGTH);
    expect(parts[3]).toHaveLength(MIN_SECRET_LENGTH + CHECKSUM_LENGTH);
    expect(g.prefix).toBe('sk_live');
    expect(g.last4).toBe(g.key.slice(-4));
  });

  it('honours secretLength', () => {
    for (const secretLength of [MIN_SECRET_LENGTH, 48, MAX_SECRET_LENGTH]) {
      const g = generateKey({ prefix: 'kg_staging', secretLength });
      expect(parseKey(g.key)?.secret).toHaveLength(secretLength);
    }
  });

  it('throws CONFIG_INVALID for a bad prefix or secret length', () => {
    expectConfigError(() => generateKey({ prefix: 'SK' }));
    expectConfigError(() => generateKey({ prefix: '' }));
    expectConfigError(() => generateKey({ prefix: 'sk_live', secretLength: 31 }));
    expectConfigError(() => generateKey({ prefix: 'sk_live', secretLength: 129 }));
    expectConfigError(() => generateKey({ prefix: 'sk_live', secretLength: 40.5 }));
  });

  it('produces unique secrets and key ids over 10k generations', () => {
    const secrets = new Set<string>();
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const parsed = parseKey(generateKey({ prefix: 'sk_test' }).key)!;
      secrets.add(parsed.secret);
      ids.add(parsed.keyId);
    }
    expect(secrets.size).toBe(10_000);
    expect(ids.size).toBe(10_000);
  });
});

describe('parseKey', () => {
  it('round-trips many generated keys', () => {
    const prefixes = ['sk_live', 'sk_test', 'kg_staging', 'a', 'x1_y2_z3'];
    for (let i = 0; i < 2000; i++) {
      const prefix = prefixes[i % prefixes.length]!;
      const g = generateKey({ prefix, secretLength: MIN_SECRET_LENGTH + (i % 97) });
      const parsed = parseKey(g.key);
      expect(parsed).toBeDefined();
      expect(parsed!.prefix).toBe(prefix);
      expect(parsed!.keyId).toBe(g.keyId);
      expect(`${parsed!.prefix}_${parsed!.keyId}_${parsed!.secret}${parsed!.checksum}`).toBe(g.key);
      expect(parsed!.checksum).toBe(checksum(g.key.slice(0, -CHECKSUM_LENGTH)));
    }
  });

  it('rejects every single-character mutation of a key', () => {
    const replacements = ['0', '9', 'a', 'z', 'A', 'Z', '_', '-', ' ', '\n', 'é', 'а' /* Cyrillic a */, '\u0000'];
    for (const prefix of ['sk_live', 'kg_staging']) {
      const { key } = generateKey({ prefix });
      for (let i = 0; i < key.length; i++) {
        for (const r of replacements) {
          if (key[i] === r) continue;
          const mutated = key.slice(0, i) + r + key.slice(i + 1);
          expect(parseKey(mutated), `position ${i} -> ${JSON.stringify(r)}`).toBeUndefined();
        }
      }
    }
  });

  it('rejects a flipped checksum and a swap of two adjacent characters', () => {
    const { key } = generateKey({ prefix: 'sk_live' });
    const last = key.at(-1)!;
    const flipped = key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    expect(parseKey(flipped)).toBeUndefined();
    // Adjacent transposition inside the secret (when the two chars differ).
    const secretStart = key.lastIndexOf('_') + 1;
    for (let i = secretStart; i < key.length - CHECKSUM_LENGTH - 1; i++) {
      if (key[i] === key[i + 1]) continue;
      const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
      expect(parseKey(swapped)).toBeUndefined();
    }
  });

  it('rejects truncated and extended keys', () => {
    const { key } = generateKey({ prefix: 'sk_live' });
    for (let n = 0; n < key.length; n++) expect(parseKey(key.slice(0, n))).toBeUndefined();
    expect(parseKey(key + 'a')).toBeUndefined();
    expect(parseKey('a' + key)).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a bigint', 42n],
    ['an object', { key: 'sk_live_x' }],
    ['an array', ['sk_live']],
    ['a String object', new String('sk_live')],
    ['empty', ''],
    ['underscore', '_'],
    ['two underscores', '__'],
    ['a_b_c', 'a_b_c'],
    ['many underscores', '_'.repeat(200)],
    ['a 10 kB string', 'a'.repeat(10_000)],
    ['a 10 kB string of underscores and letters', 'sk_'.repeat(3400)],
    ['whitespace', '   \t\n'],
  ])('returns undefined for %s', (_label, input) => {
    expect(parseKey(input)).toBeUndefined();
  });

  it('rejects a valid key with surrounding whitespace or a trailing newline', () => {
    const { key } = generateKey({ prefix: 'sk_live' });
    for (const variant of [`${key}\n`, `${key}\r\n`, ` ${key}`, `${key} `, `\t${key}`, `Bearer ${key}`]) {
      expect(parseKey(variant)).toBeUndefined();
    }
  });

  it('rejects unicode homoglyphs', () => {
    const { key } = generateKey({ prefix: 'sk_live' });
    // Cyrillic ѕ (U+0455) for s, fullwidth low line for the separator.
    expect(parseKey('ѕ' + key.slice(1))).toBeUndefined();
    expect(parseKey(key.replace('_', '\uFF3F'))).toBeUndefined();
    // Decomposed forms and combining marks.
    expect(parseKey(key.slice(0, 10) + '\u0301' + key.slice(10))).toBeUndefined();
  });

  it('rejects secrets outside the allowed length range even with a valid checksum', () => {
    const short = `sk_live_0123456789abcdef_${'x'.repeat(MIN_SECRET_LENGTH - 1)}`;
    expect(parseKey(short + checksum(short))).toBeUndefined();
    const long = `sk_live_0123456789abcdef_${'x'.repeat(MAX_SECRET_LENGTH + 1)}`;
    expect(parseKey(long + checksum(long))).toBeUndefined();
    const badPrefix = `Sk_live_0123456789abcdef_${'x'.repeat(MIN_SECRET_LENGTH)}`;
    expect(parseKey(badPrefix + checksum(badPrefix))).toBeUndefined();
    const longPrefix = `${'a'.repeat(33)}_0123456789abcdef_${'x'.repeat(MIN_SECRET_LENGTH)}`;
    expect(parseKey(longPrefix + checksum(longPrefix))).toBeUndefined();
    const shortId = `sk_live_0123456789abcde_${'x'.repeat(MIN_SECRET_LENGTH)}`;
    expect(parseKey(shortId + checksum(shortId))).toBeUndefined();
  });

  it('accepts a hand-built key with a correct checksum', () => {
    const body = `sk_live_0123456789abcdef_${'x'.repeat(MIN_SECRET_LENGTH)}`;
    expect(parseKey(body + checksum(body))).toEqual({
      prefix: 'sk_live',
      keyId: '0123456789abcdef',
      secret: 'x'.repeat(MIN_SECRET_LENGTH),
      checksum: checksum(body),
    });
  });

  it('never throws on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 })), (s) => {
        const parsed = parseKey(s);
        // A random string essentially never carries a valid checksum; if it
        // ever does, it must at least be well-formed.
        if (parsed !== undefined) expect(isValidKeyId(parsed.keyId)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary values (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(parseKey(v)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on near-keys built from key characters (property)', () => {
    const keyChar = fc.constantFrom(...'sk_liveABC019_'.split(''));
    fc.assert(
      fc.property(fc.array(keyChar, { minLength: 50, maxLength: 200 }), (chars) => {
        parseKey(chars.join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('parses every generated key (property)', () => {
    const prefix = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(?:_[a-z0-9]{1,5}){0,3}$/);
    const secretLength = fc.integer({ min: MIN_SECRET_LENGTH, max: MAX_SECRET_LENGTH });
    fc.assert(
      fc.property(prefix, secretLength, (p, n) => {
        const g = generateKey({ prefix: p, secretLength: n });
        const parsed = parseKey(g.key);
        expect(parsed).toBeDefined();
        expect(parsed!.prefix).toBe(p);
        expect(parsed!.keyId).toBe(g.keyId);
        expect(parsed!.secret).toHaveLength(n);
      }),
      { numRuns: 500 },
    );
  });
});

describe('keyPattern', () => {
  it('finds a key inside text and is not global', () => {
    const { key } = generateKey({ prefix: 'sk_live' });
    const re = keyPattern(['sk_live', 'sk_test']);
    expect(re.global).toBe(false);
    expect(re.flags).toBe('');
    const match = re.exec(`config: API_KEY="${key}" # oops`);
    expect(match?.[0]).toBe(key);
    expect(parseKey(match?.[0])).toBeDefined();
  });

  it('ignores keys of other prefixes', () => {
    const { key } = generateKey({ prefix: 'kg_staging' });
    expect(keyPattern(['sk_live']).test(key)).toBe(false);
    expect(keyPattern(['sk_live']).test(`xsk_live${key.slice('kg_staging'.length)}`)).toBe(false);
  });

  it('matches any valid prefix by default, and KEY_REGEX_SOURCE agrees', () => {
    const keys = ['sk_live', 'kg_staging', 'a', 'x1_y2'].map((prefix) => generateKey({ prefix, secretLength: 64 }).key);
    for (const key of keys) {
      expect(keyPattern().exec(` ${key}\n`)?.[0]).toBe(key);
      expect(keyPattern([]).exec(key)?.[0]).toBe(key);
      expect(new RegExp(KEY_REGEX_SOURCE).exec(`"${key}"`)?.[0]).toBe(key);
    }
    const all = `${keys[0]} and ${keys[1]}`.match(new RegExp(KEY_REGEX_SOURCE, 'g'));
    expect(all).toEqual([keys[0], keys[1]]);
  });

  it('does not match a key whose secret part is too short', () => {
    expect(keyPattern().test(`sk_live_0123456789abcdef_${'x'.repeat(20)}`)).toBe(false);
  });

  it('throws CONFIG_INVALID for an invalid prefix', () => {
    expectConfigError(() => keyPattern(['sk-live']));
    expectConfigError(() => keyPattern(['(a+)+']));
  });
});
