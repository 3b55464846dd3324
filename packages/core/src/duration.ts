/**
 * Durations in config and requests: a number of seconds, or a string with a
 * unit (`500ms`, `45s`, `30m`, `12h`, `90d`, `2w`, `1y`).
 *
 * @module
 */

import { ValidationError } from './errors.js';

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
} as const;

/** Longest duration accepted: 1000 years of 365 days, in milliseconds. */
export const MAX_DURATION_MS = 1000 * UNIT_MS.y;

// Each part has one way to match, so there is no backtracking to exploit.
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/;

const MESSAGE =
  'Must be a number of seconds (0 or more) or a string like "500ms", "30s", "15m", "12h", "90d", "2w" or "1y", at most 1000 years';

/**
 * Milliseconds in `value`, rounded to a whole millisecond.
 *
 * Accepts a finite number of seconds, 0 or more, or a string of a decimal
 * number and a unit: `ms`, `s`, `m`, `h`, `d`, `w`, `y` (365 days). No
 * spaces, signs, exponents or compound forms (`1h30m`). At most
 * {@link MAX_DURATION_MS}.
 *
 * @param field - reported in the issue when `value` is invalid
 * @throws ValidationError with one issue for `field` when `value` is invalid
 */
export function parseDuration(value: unknown, field: string): number {
  let ms: number | undefined;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) ms = value * 1000;
  } else if (typeof value === 'string' && value.length <= 32) {
    const m = DURATION_RE.exec(value);
    if (m) ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  }
  if (ms === undefined || !(ms <= MAX_DURATION_MS)) {
    throw new ValidationError([{ field, message: MESSAGE }]);
  }
  return Math.round(ms);
}

const FORMAT_UNITS: readonly [keyof typeof UNIT_MS, number][] = [
  ['y', UNIT_MS.y],
  ['w', UNIT_MS.w],
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
];

/**
 * A short human form of `ms` for messages: the largest unit that divides it
 * exactly (`90d`, `36h`, `1500ms`). Not meant to be parsed back for
 * non-integral inputs; negative or non-finite input is shown as is.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  if (ms === 0) return '0s';
  for (const [unit, size] of FORMAT_UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
