import type { FieldIssue } from './errors.js';

/** Longest name, counted in Unicode code points after NFC normalisation (the PRD's 32 characters). */
export const MAX_KEY_NAME_LENGTH = 32;

// Controls, bidi overrides/isolates (the "Trojan Source" trick) and zero-width characters make a name
// display differently from what it is; a settings table must show what is stored.
const FORBIDDEN = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;

/**
 * Normalises a key name: trims white space, applies NFC, then checks it is
 * 1 to 32 code points with no invisible or direction-changing characters.
 * Combining sequences count per code point, so `é` typed as e + U+0301 and
 * as U+00E9 both count 1 after NFC.
 */
export function normalizeKeyName(value: unknown, field = '/name'): { name: string } | { issue: FieldIssue } {
  if (typeof value !== 'string') return { issue: { field, message: 'Token name is required' } };
  const name = value.normalize('NFC').trim();
  if (name.length === 0) return { issue: { field, message: 'Token name is required' } };
  if (FORBIDDEN.test(name)) {
    return { issue: { field, message: 'Token name must not contain control, zero-width or text-direction characters' } };
  }
  let length = 0;
  for (const _ of name) length++;
  if (length > MAX_KEY_NAME_LENGTH) {
    return { issue: { field, message: `Token name must be at most ${MAX_KEY_NAME_LENGTH} characters` } };
  }
  return { name };
}
