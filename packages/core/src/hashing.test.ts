import { beforeAll, describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { generateKey } from './key-format.js';
import type { Hasher } from './types.js';
import {
  ARGON2_MIN_MEMORY_COST,
  createArgon2idHasher,
  createHasherChain,
  createSha256Hasher,
  hashForCache,
  pepperFingerprint,
} from './hashing.js';

const PEPPER = 'pepper-0123456789abcdef';
const OTHER_PEPPER = 'another-pepper-fedcba9876543210';

const expectConfigError = (fn: () => unknown) => expect(fn).toThrow(expect.objectContaining({ name: 'ConfigError', code: 'CONFIG_INVALID' }));

/** Replaces the character at `index` with a different base62 character. */
function mutateAt(key: string, index: number): string {
  const c = key[index];
  return key.slice(0, index) + (c === 'A' ? 'B' : 'A') + key.slice(index + 1);
}

interface ContractTraits {
  /** Whether two hashes of one key differ (salted) rather than being equal (deterministic). */
  salted: boolean;
  /** Encodings of other hashers or settings that this hasher must neither accept nor verify. */
  foreign: () => Promise<string[]>;
  /** Encodings this hasher claims (by prefix) but that are broken. */
  malformed: (valid: string) => string[];
}

/** The behaviour every Hasher must show; run against each implementation. */
function hasherContract(name: string, make: () => Hasher, traits: ContractTraits): void {
  describe(`${name} (Hasher contract)`, () => {
    const hasher = make();
    const { key } = generateKey({ prefix: 'sk_test' });
    let encoded = '';

    beforeAll(async () => {
      encoded = await hasher.hash(key);
    });

    it('writes an encoding it accepts and that names the algorithm', () => {
      expect(hasher.accepts(encoded)).toBe(true);
      expect(encoded).toContain(hasher.algorithm);
      expect(encoded).not.toContain(key);
    });

    it('verifies the correct key', async () => {
      expect(await hasher.verify(key, encoded)).toBe(true);
    });

    it('rejects a key differing in the first, a middle or the last character', async () => {
      for (const index of [0, Math.floor(key.length / 2), key.length - 1]) {
        expect(await hasher.verify(mutateAt(key, index), encoded)).toBe(false);
      }
    });

    it('rejects the empty string', async () => {
      expect(await hasher.verify('', encoded)).toBe(false);
    });

    it('returns false, without throwing, for malformed encodings', async () => {
      for (const bad of ['', ...traits.malformed(encoded)]) {
        await expect(Promise.resolve().then(() => hasher.verify(key, bad)), JSON.stringify(bad)).resolves.toBe(false);
      }
    });

    it('neither accepts nor verifies foreign encodings', async () => {
      for (const foreign of await traits.foreign()) {
        expect(hasher.accepts(foreign), foreign).toBe(false);
        expect(await hasher.verify(key, foreign), foreign).toBe(false);
      }
    });

    if (traits.salted) {
      it('salts: two hashes of one key differ and both verify', async () => {
        const second = await hasher.hash(key);
        expect(second).not.toBe(encoded);
        expect(await hasher.verify(key, second)).toBe(true);
      });
    } else {
      it('is deterministic: the same key hashes to the same encoding', async () => {
        expect(await hasher.hash(key)).toBe(encoded);
      });
    }
  });
}

// Computed once and shared: argon2 hashes are the slow part of this suite.
let argonEncodingPromise: Promise<string> | undefined;
function someArgonEncoding(): Promise<string> {
  argonEncodingPromise ??= createArgon2idHasher().hash('sk_test_other');
  return argonEncodingPromise;
}

const shaMalformed = (valid: string): string[] => {
  const head = valid.slice(0, valid.lastIndexOf('$') + 1);
  const body = valid.slice(head.length);
  return [
    head,
    head + body.slice(0, -1),
    valid + 'A',
    head + '!'.repeat(body.length),
    head + body.slice(0, -1) + '*',
    head + body + '=',
    valid.replace('$', () => '$$'),
  ];
};

hasherContract('sha256 hasher', () => createSha256Hasher(), {
  salted: false,
  foreign: async () => [
    await someArgonEncoding(),
    createSha256Hasher({ digest: 'SHA512' }).hash('x'),
    createSha256Hasher({ pepper: PEPPER }).hash('x'),
    'sha2560$' + 'A'.repeat(43),
    'SHA256$' + 'A'.repeat(43),
  ],
  malformed: shaMalformed,
});

hasherContract('hmac-sha256 hasher', () => createSha256Hasher({ pepper: PEPPER }), {
  salted: false,
  foreign: async () => [
    await someArgonEncoding(),
    createSha256Hasher().hash('x'),
    // Same algorithm, another pepper: recognised as foreign, not as a mismatch.
    createSha256Hasher({ pepper: OTHER_PEPPER }).hash('x'),
    createSha256Hasher({ pepper: PEPPER, digest: 'SHA384' }).hash('x'),
  ],
  malformed: shaMalformed,
});

hasherContract('argon2id hasher', () => createArgon2idHasher({ memoryCost: ARGON2_MIN_MEMORY_COST }), {
  salted: true,
  foreign: async () => [
    createSha256Hasher().hash('x'),
    createSha256Hasher({ pepper: PEPPER }).hash('x'),
    '$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    '$argon2d$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
  ],
  malformed: (valid) => {
    const parts = valid.split('$'); // ['', 'argon2id', 'v=19', 'm=…,p=…,t=…', salt, hash]
    const [, , version, params, salt, hash] = parts as [string, string, string, string, string, string];
    return [
      '$argon2id$',
      '$argon2id$garbage',
      `$argon2id$${version}$${params}$${salt}`,
      `$argon2id$${version}$${params}$${salt}$`,
      `$argon2id$${version}$${params}$$${hash}`,
      `$argon2id$${version}$${params}$AAAA$${hash}`, // salt too short for argon2
      `$argon2id$${version}$m=abc,p=1,t=2$${salt}$${hash}`,
      `$argon2id$${version}$m=19456,p=1$${salt}$${hash}`,
      `$argon2id$${version}$m=1,p=1,t=1$${salt}$${hash}`, // below argon2's own minimum
      // Costs a tampered record could use to exhaust memory or CPU: refused before hashing.
      `$argon2id$${version}$m=4294967295,p=1,t=2$${salt}$${hash}`,
      `$argon2id$${version}$m=19456,p=1,t=100000$${salt}$${hash}`,
      `$argon2id$${version}$m=19456,p=100000,t=2$${salt}$${hash}`,
      `$argon2id$${version}$t=2,p=1,m=4294967295$${salt}$${hash}`,
      `${valid}${'A'.repeat(600)}`,
      // A correct-looking hash, but of another key.
      `$argon2id$${version}$${params}$${salt}$${hash.slice(0, -2)}${hash.endsWith('AA') ? 'BB' : 'AA'}`,
    ];
  },
});

describe('createSha256Hasher', () => {
  it('encodes <alg>$<b64url digest> without a pepper', () => {
    expect(createSha256Hasher().hash('abc')).toBe(`sha256$${createHash('sha256').update('abc').digest('base64url')}`);
    expect(createSha256Hasher({ digest: 'SHA384' }).algorithm).toBe('sha384');
    expect(createSha256Hasher({ digest: 'SHA512' }).hash('abc')).toBe(
      `sha512$${createHash('sha512').update('abc').digest('base64url')}`,
    );
  });

  it('encodes hmac-<alg>$<pepper fingerprint>$<b64url mac> with a pepper', () => {
    const hasher = createSha256Hasher({ pepper: PEPPER, digest: 'SHA384' });
    expect(hasher.algorithm).toBe('hmac-sha384');
    const encoded = hasher.hash('abc') as string;
    const fp = pepperFingerprint(PEPPER);
    expect(fp).toBe(createHash('sha256').update(PEPPER).digest('base64url').slice(0, 8));
    expect(encoded.startsWith(`hmac-sha384$${fp}$`)).toBe(true);
    expect(encoded).not.toContain(PEPPER);
    expect(hasher.verify('abc', encoded)).toBe(true);
  });

  it('verifies every digest variant synchronously', () => {
    for (const digest of ['SHA256', 'SHA384', 'SHA512'] as const) {
      for (const pepper of [undefined, PEPPER]) {
        const hasher = createSha256Hasher({ digest, pepper });
        const encoded = hasher.hash('sk_key') as string;
        expect(hasher.verify('sk_key', encoded)).toBe(true);
        expect(hasher.verify('sk_kez', encoded)).toBe(false);
      }
    }
  });

  it('a peppered hash does not verify under another pepper, nor without one', () => {
    const encoded = createSha256Hasher({ pepper: PEPPER }).hash('k') as string;
    expect(createSha256Hasher({ pepper: OTHER_PEPPER }).verify('k', encoded)).toBe(false);
    expect(createSha256Hasher().verify('k', encoded)).toBe(false);
  });

  it('throws CONFIG_INVALID for a short pepper or an unknown digest', () => {
    expectConfigError(() => createSha256Hasher({ pepper: 'short' }));
    expectConfigError(() => createSha256Hasher({ pepper: 'x'.repeat(15) }));
    expectConfigError(() => createSha256Hasher({ digest: 'MD5' as never }));
    expectConfigError(() => createSha256Hasher({ digest: 'toString' as never }));
    expect(() => createSha256Hasher({ pepper: 'x'.repeat(16) })).not.toThrow();
  });

  it('never throws on non-string arguments', () => {
    const hasher = createSha256Hasher();
    expect(hasher.verify(undefined as never, 'sha256$x')).toBe(false);
    expect(hasher.verify('k', null as never)).toBe(false);
    expect(hasher.accepts(42 as never)).toBe(false);
  });
});

describe('createArgon2idHasher', () => {
  it('refuses costs below the OWASP minimum', () => {
    expectConfigError(() => createArgon2idHasher({ memoryCost: 19_455 }));
    expectConfigError(() => createArgon2idHasher({ timeCost: 1 }));
    expectConfigError(() => createArgon2idHasher({ parallelism: 0 }));
    expectConfigError(() => createArgon2idHasher({ memoryCost: 20_000.5 }));
    expectConfigError(() => createArgon2idHasher({ pepper: 'short' }));
  });

  it('writes the configured costs and accepts only $argon2id$', async () => {
    const hasher = createArgon2idHasher();
    const encoded = await hasher.hash('k');
    expect(encoded).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(hasher.needsRehash(encoded)).toBe(false);
    expect(createArgon2idHasher({ timeCost: 3 }).needsRehash(encoded)).toBe(true);
    expect(hasher.needsRehash('sha256$abc')).toBe(true);
  });

  it('uses the pepper as argon2 secret: the hash does not verify without it', async () => {
    const peppered = createArgon2idHasher({ pepper: PEPPER });
    const encoded = await peppered.hash('k');
    expect(await createArgon2idHasher().verify('k', encoded)).toBe(false);
    expect(await peppered.verify('k', encoded)).toBe(true);
  });
});

describe('createHasherChain', () => {
  const oldPepper = createSha256Hasher({ pepper: OTHER_PEPPER });
  const primary = createSha256Hasher({ pepper: PEPPER });
  const plain = createSha256Hasher();
  const chain = createHasherChain(primary, oldPepper, plain);

  it('hashes with the primary and reports its algorithm', () => {
    expect(chain.algorithm).toBe('hmac-sha256');
    expect(chain.hash('k')).toBe(primary.hash('k'));
  });

  it('verifies hashes made by any hasher in the chain', async () => {
    for (const hasher of [primary, oldPepper, plain]) {
      const encoded = (await hasher.hash('k')) as string;
      expect(chain.accepts(encoded)).toBe(true);
      expect(await chain.verify('k', encoded)).toBe(true);
      expect(await chain.verify('j', encoded)).toBe(false);
    }
  });

  it('returns false for an encoding no hasher accepts', async () => {
    expect(chain.accepts('md5$abc')).toBe(false);
    expect(await chain.verify('k', 'md5$abc')).toBe(false);
    expect(await chain.verify('k', await someArgonEncoding())).toBe(false);
  });

  it('needsRehash is true for any encoding but the primary one', () => {
    expect(chain.needsRehash(primary.hash('k') as string)).toBe(false);
    expect(chain.needsRehash(oldPepper.hash('k') as string)).toBe(true);
    expect(chain.needsRehash(plain.hash('k') as string)).toBe(true);
  });

  it('falls back from sha256 to argon2id, and asks argon2 about changed costs', async () => {
    const argon = createArgon2idHasher();
    const argonChain = createHasherChain(primary, argon);
    const encoded = await someArgonEncoding();
    expect(await argonChain.verify('sk_test_other', encoded)).toBe(true);
    expect(argonChain.needsRehash(encoded)).toBe(true);

    const upgraded = createHasherChain(createArgon2idHasher({ timeCost: 3 }), primary);
    expect(upgraded.needsRehash(encoded)).toBe(true);
    expect(createHasherChain(argon, primary).needsRehash(encoded)).toBe(false);
  });
});

describe('hashForCache', () => {
  it('is a deterministic SHA-256 that differs per key', () => {
    const a = hashForCache('sk_live_a');
    expect(a).toBe(hashForCache('sk_live_a'));
    expect(a).toHaveLength(32);
    expect(hashForCache('sk_live_b')).not.toBe(a);
    expect(a).toBe(createHash('sha256').update('sk_live_a').digest('binary'));
  });
});
