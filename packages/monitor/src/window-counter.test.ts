import { describe, expect, it } from 'vitest';
import { WindowCounter } from './window-counter.js';

describe('WindowCounter', () => {
  it('counts events within the window and forgets those that left it', () => {
    const c = new WindowCounter(60_000, { slots: 6 });
    const t0 = 1_000_000_000_000;
    expect(c.add('a', t0)).toBe(1);
    expect(c.add('a', t0 + 10_000)).toBe(2);
    expect(c.add('b', t0 + 10_000)).toBe(1);
    expect(c.count('a', t0 + 30_000)).toBe(2);
    expect(c.count('a', t0 + 75_000)).toBe(0);
    expect(c.add('a', t0 + 200_000, 5)).toBe(5);
  });

  it('keeps at most maxSubjects subjects, dropping the least recently touched', () => {
    const c = new WindowCounter(60_000, { maxSubjects: 3 });
    const t = 1_000_000_000_000;
    c.add('a', t);
    c.add('b', t);
    c.add('c', t);
    c.add('a', t);
    c.add('d', t);
    expect(c.size).toBe(3);
    expect(c.count('b', t)).toBe(0);
    expect(c.count('a', t)).toBe(2);
  });

  it('bounds memory under a flood of distinct subjects', () => {
    const c = new WindowCounter(60_000, { maxSubjects: 100 });
    for (let i = 0; i < 10_000; i++) c.add(`ip-${i}`, 1_000_000_000_000);
    expect(c.size).toBe(100);
  });
});
