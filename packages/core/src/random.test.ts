import { describe, it, expect } from 'vitest';
import { BASE62_ALPHABET, randomBase62 } from './random.js';

describe('randomBase62', () => {
  it('returns exactly the requested number of base62 characters', () => {
    for (const length of [0, 1, 16, 32, 100, 1000]) {
      const s = randomBase62(length);
      expect(s).toHaveLength(length);
      expect(s).toMatch(/^[0-9A-Za-z]*$/);
    }
  });

  it('alphabet has 62 distinct characters', () => {
    expect(new Set(BASE62_ALPHABET).size).toBe(62);
  });

  it('rejects a negative or fractional length', () => {
    expect(() => randomBase62(-1)).toThrow(RangeError);
    expect(() => randomBase62(1.5)).toThrow(RangeError);
    expect(() => randomBase62(Number.NaN)).toThrow(RangeError);
  });

  it('is roughly uniform over 200k characters (each count within ±30% of expectation)', () => {
    const total = 200_000;
    const counts = new Map<string, number>();
    const s = randomBase62(total);
    for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = total / 62;
    // σ ≈ 56 for an expectation of ≈ 3226, so ±30% is ±17σ: cannot flake.
    for (const c of BASE62_ALPHABET) {
      const n = counts.get(c) ?? 0;
      expect(n).toBeGreaterThan(expected * 0.7);
      expect(n).toBeLessThan(expected * 1.3);
    }
    // With `byte % 62` and no rejection, '0'..'7' would each appear 5/256
    // instead of 4/256 of the time: +23%. Averaged over 8 chars (σ ≈ 0.6%), a
    // 10% bound catches that bias and cannot flake.
    let firstEight = 0;
    for (const c of BASE62_ALPHABET.slice(0, 8)) firstEight += counts.get(c) ?? 0;
    expect(firstEight / 8).toBeLessThan(expected * 1.1);
  });
});
