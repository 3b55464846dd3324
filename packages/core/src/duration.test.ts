import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ValidationError } from './errors.js';
import { formatDuration, MAX_DURATION_MS, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [0.5, 500],
    [0.0004, 0],
    [60, 60_000],
    ['0s', 0],
    ['500ms', 500],
    ['1.5ms', 2],
    ['45s', 45_000],
    ['1.5s', 1500],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['90d', 90 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['1000y', MAX_DURATION_MS],
    ['007s', 7000],
  ])('%j -> %d ms', (input, ms) => expect(parseDuration(input, '/ttl')).toBe(ms));

  it.each([
    -1,
    -0.001,
    Number.NaN,
    Infinity,
    -Infinity,
    1e20,
    '10 days',
    ' 10d',
    '10d ',
    '10D',
    '10',
    '',
    'd',
    '.5s',
    '5.s',
    '-1s',
    '+1s',
    '1e9d',
    '1e3s',
    '1h30m',
    '1,5s',
    '０s',
    '1001y',
    '999999999999d',
    `${'9'.repeat(40)}ms`,
    null,
    undefined,
    true,
    {},
    [],
    ['1s'],
  ])('rejects %j', (input) => {
    try {
      parseDuration(input, '/cache/ttl');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const issues = (e as ValidationError).issues;
      expect(issues).toHaveLength(1);
      expect(issues[0]?.field).toBe('/cache/ttl');
      expect(issues[0]?.message).toContain('"90d"');
      expect((e as ValidationError).code).toBe('VALIDATION_FAILED');
    }
  });

  it('rejects the number of seconds just above 1000 years', () => {
    expect(parseDuration(MAX_DURATION_MS / 1000, 'f')).toBe(MAX_DURATION_MS);
    expect(() => parseDuration(MAX_DURATION_MS / 1000 + 1, 'f')).toThrow(ValidationError);
  });

  it('rejects a bigint', () => {
    expect(() => parseDuration(10n, 'f')).toThrow(ValidationError);
  });

  it('is quick on long adversarial strings', () => {
    expect(() => parseDuration(`${'1'.repeat(100_000)}x`, 'f')).toThrow(ValidationError);
  });

  it('property: any formatted whole duration parses back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_DURATION_MS }), (ms) => {
        expect(parseDuration(formatDuration(ms), 'f')).toBe(ms);
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1500, '1500ms'],
    [45_000, '45s'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [36 * 3_600_000, '36h'],
    [90 * 86_400_000, '90d'],
    [14 * 86_400_000, '2w'],
    [365 * 86_400_000, '1y'],
    [-5, '-5ms'],
  ])('%d -> %s', (ms, out) => expect(formatDuration(ms)).toBe(out));
});
