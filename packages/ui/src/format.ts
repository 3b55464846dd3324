/**
 * Pure helpers: dates, durations, validation of the create form. No DOM.
 *
 * @module
 */

import { fill, type Strings } from './strings.js';
import type { CreateKeyInput, KeyStatus } from './types.js';

/** A date and time in the person's locale, or `fallback` for null/invalid input. */
export function formatDateTime(iso: string | null | undefined, locale: string | undefined, fallback: string): string {
  if (!iso) return fallback;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return fallback;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The label of a key status. */
export function statusLabel(status: KeyStatus, s: Strings): string {
  switch (status) {
    case 'active':
      return s.statusActive;
    case 'disabled':
      return s.statusDisabled;
    case 'revoked':
      return s.statusRevoked;
    case 'expired':
      return s.statusExpired;
  }
}

/** "minute", "hour"… for a window in seconds; "N seconds" otherwise. */
export function windowLabel(seconds: number, s: Strings): string {
  if (seconds === 1) return s.perSecond;
  if (seconds === 60) return s.perMinute;
  if (seconds === 3600) return s.perHour;
  if (seconds === 86400) return s.perDay;
  return `${seconds} s`;
}

/** The name problem, or undefined when the name is fine. Mirrors the server's rule (trimmed, 1..max). */
export function validateName(name: string, max: number, s: Strings): string | undefined {
  const trimmed = name.trim();
  if (trimmed.length === 0) return s.nameRequired;
  if ([...trimmed].length > max) return fill(s.nameTooLong, { max });
  return undefined;
}

/** Expiration choices of the create form. */
export type ExpiryPreset = 'never' | '7d' | '30d' | '90d' | '1y' | 'custom';

/** Expiration fields of the create body for a preset; `undefined` when a custom date is missing or past. */
export function expiryInput(
  preset: ExpiryPreset,
  customDate: string,
  now: number = Date.now(),
): Pick<CreateKeyInput, 'expiresAt' | 'expiresIn'> | 'missing' | 'past' {
  switch (preset) {
    case 'never':
      return { expiresAt: null };
    case '7d':
    case '30d':
    case '90d':
      return { expiresIn: preset };
    case '1y':
      return { expiresIn: '365d' };
    case 'custom': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(customDate)) return 'missing';
      // The end of the chosen day in the person's time zone: "expires on the 5th" includes the 5th.
      const end = new Date(`${customDate}T23:59:59`);
      if (Number.isNaN(end.getTime())) return 'missing';
      if (end.getTime() <= now) return 'past';
      return { expiresAt: end.toISOString() };
    }
  }
}

/** Splits a textarea of addresses (newlines, commas, spaces) into entries. */
export function parseList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** `YYYY-MM-DD` of a date in local time, for `<input type="date" min>`. */
export function localDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A file-name-safe slug of a key name. */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, 40) || 'api-key';
}
