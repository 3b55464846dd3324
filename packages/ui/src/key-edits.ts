/**
 * Pure helpers of the key editors (credits, rate limits): form values from a
 * key, PATCH bodies from form values, labels, and which form field a
 * problem+json pointer belongs to. No DOM.
 *
 * @module
 */

import { windowLabel } from './format.js';
import { fill, type Strings } from './strings.js';
import type { ApiKey, CreditInput, CreditRefill, Credits, RateLimitPolicy, UpdateKeyInput } from './types.js';

/** Field errors of an editor, by field key (`remaining`, `1.limit`, `form`…). */
export type EditErrors = Record<string, string>;

/* ---------- credits ---------- */

/** The credits editor's raw values (also the create form's optional quota). */
export interface CreditsForm {
  /** Credits left now (in the create form: the starting credits). Empty: no quota. */
  remaining: string;
  interval: '' | 'daily' | 'monthly';
  amount: string;
  dayOfMonth: string;
}

/** The credits editor prefilled from a key's quota (or empty for a key without one). */
export function creditsForm(credits: Credits | undefined): CreditsForm {
  return {
    remaining: credits ? String(credits.remaining ?? credits.initial) : '',
    interval: credits?.refill?.interval ?? '',
    amount: credits?.refill ? String(credits.refill.amount) : '',
    dayOfMonth: credits?.refill?.dayOfMonth !== undefined ? String(credits.refill.dayOfMonth) : '1',
  };
}

const WHOLE = /^\d{1,13}$/;

/**
 * The counter and refill of a credits form, or field errors. Only the shape
 * is checked here (whole numbers); ranges are left to the API, whose
 * messages are shown next to the fields.
 */
export function parseCredits(form: CreditsForm, s: Strings): { value?: { remaining: number; refill?: CreditRefill }; errors: EditErrors } {
  const errors: EditErrors = {};
  const remaining = form.remaining.trim();
  if (!WHOLE.test(remaining)) errors['remaining'] = s.creditsInvalid;
  let refill: CreditRefill | undefined;
  if (form.interval !== '') {
    const amount = form.amount.trim();
    if (!WHOLE.test(amount)) errors['amount'] = s.refillAmountInvalid;
    refill = { interval: form.interval, amount: Number(amount) };
    if (form.interval === 'monthly') {
      const day = form.dayOfMonth.trim();
      if (!WHOLE.test(day)) errors['dayOfMonth'] = s.refillDayInvalid;
      refill.dayOfMonth = Number(day);
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { value: refill ? { remaining: Number(remaining), refill } : { remaining: Number(remaining) }, errors };
}

/** The create body's `credits` for the create form's quota fields; `undefined` when left empty. */
export function createCredits(form: CreditsForm, s: Strings): { credits?: CreditInput; errors: EditErrors } {
  if (form.remaining.trim() === '' && form.interval === '') return { errors: {} };
  const { value, errors } = parseCredits(form, s);
  if (!value) return { errors };
  const credits: CreditInput = { initial: value.remaining };
  if (value.refill) credits.refill = value.refill;
  return { credits, errors };
}

const sameRefill = (a: CreditRefill | undefined, b: CreditRefill | undefined): boolean =>
  a?.interval === b?.interval && a?.amount === b?.amount && (a?.interval !== 'monthly' || (a?.dayOfMonth ?? 1) === (b?.dayOfMonth ?? 1));

/**
 * The PATCH body for the credits editor: `{ remaining }` when only the
 * counter changes (the policy stays), `{ credits }` with the counter when
 * the quota is new or its refill changes.
 */
export function creditsUpdate(form: CreditsForm, current: Credits | undefined, s: Strings): { input?: UpdateKeyInput; errors: EditErrors } {
  const { value, errors } = parseCredits(form, s);
  if (!value) return { errors };
  if (current && sameRefill(current.refill, value.refill)) return { input: { remaining: value.remaining }, errors };
  const credits: CreditInput = { initial: current?.initial ?? value.remaining, remaining: value.remaining };
  if (value.refill) credits.refill = value.refill;
  return { input: { credits }, errors };
}

/** The credits form field a problem+json pointer belongs to (`/credits/refill/amount` → `amount`). */
export function creditsField(pointer: string): keyof CreditsForm | undefined {
  if (pointer === '/remaining' || pointer === '/credits/remaining' || pointer === '/credits/initial') return 'remaining';
  if (pointer === '/credits/refill/amount') return 'amount';
  if (pointer === '/credits/refill/dayOfMonth') return 'dayOfMonth';
  if (pointer.startsWith('/credits/refill')) return 'interval';
  return undefined;
}

const num = (n: number, locale: string | undefined): string => n.toLocaleString(locale);

/** "1,234 of 5,000 left" (out of the refill amount, else the initial credits), or the quota alone when the counter is unknown. */
export function creditsLabel(credits: Credits, locale: string | undefined, s: Strings): string {
  const total = num(credits.refill?.amount ?? credits.initial, locale);
  return credits.remaining === undefined
    ? fill(s.creditsQuota, { total })
    : fill(s.creditsLeft, { remaining: num(credits.remaining, locale), total });
}

/** "Refills to 5,000 every day at 00:00 UTC", or "No refill". */
export function refillLabel(refill: CreditRefill | undefined, locale: string | undefined, s: Strings): string {
  if (!refill) return s.noRefill;
  const amount = num(refill.amount, locale);
  return refill.interval === 'daily' ? fill(s.refillDaily, { amount }) : fill(s.refillMonthly, { amount, day: refill.dayOfMonth ?? 1 });
}

/* ---------- rate limits ---------- */

/** One row of the rate limits editor. Row 0 is always the default limit (the key's `rateLimit`). */
export interface LimitRow {
  name: string;
  limit: string;
  window: string;
  burst: string;
}

/** Name rule of named limits, as the API's schema has it. */
const LIMIT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

const rowOf = (name: string, p: RateLimitPolicy | null | undefined): LimitRow => ({
  name,
  limit: p ? String(p.limit) : '',
  window: p ? String(p.windowSeconds) : '60',
  burst: p?.burst !== undefined ? String(p.burst) : '',
});

/** The editor's rows for a key: the default limit, then the named ones. */
export function limitRows(key: Pick<ApiKey, 'rateLimit' | 'rateLimits'>): LimitRow[] {
  return [rowOf('default', key.rateLimit), ...Object.entries(key.rateLimits ?? {}).map(([name, p]) => rowOf(name, p))];
}

/** "100 per minute", with ", burst 20" when the policy has a burst. */
export function policyLabel(p: RateLimitPolicy, locale: string | undefined, s: Strings): string {
  const base = fill(s.rateLimitValue, { limit: p.limit.toLocaleString(locale), window: windowLabel(p.windowSeconds, s) });
  return p.burst !== undefined ? `${base}, ${fill(s.burstValue, { burst: p.burst })}` : base;
}

/** A blank named row, for "Add a named limit". */
export const blankLimitRow = (): LimitRow => ({ name: '', limit: '', window: '60', burst: '' });

function policyOf(row: LimitRow, index: number, errors: EditErrors, s: Strings): RateLimitPolicy | undefined {
  const read = (field: 'limit' | 'window' | 'burst', optional: boolean): number | undefined => {
    const text = row[field].trim();
    if (text === '') {
      if (!optional) errors[`${index}.${field}`] = s.limitRequired;
      return undefined;
    }
    const n = Number(text);
    if (!Number.isFinite(n)) errors[`${index}.${field}`] = s.limitNumberInvalid;
    return n;
  };
  const limit = read('limit', false);
  const windowSeconds = read('window', false);
  const burst = read('burst', true);
  if (limit === undefined || windowSeconds === undefined) return undefined;
  return burst === undefined ? { limit, windowSeconds } : { limit, windowSeconds, burst };
}

/**
 * The PATCH body for the rate limits editor, or field errors. Names are
 * checked here (the API's name errors cannot say which row); numbers only
 * for their shape, so that the API's range messages reach the fields.
 * An empty default row means no per-key limit (`null`) for a key that had
 * one, and "unchanged" for a key that had none.
 */
export function limitsUpdate(rows: readonly LimitRow[], key: Pick<ApiKey, 'rateLimit' | 'rateLimits'>, s: Strings): { input?: UpdateKeyInput; errors: EditErrors } {
  const errors: EditErrors = {};
  const input: UpdateKeyInput = {};
  const first = rows[0] ?? rowOf('default', undefined);
  if (first.limit.trim() === '' && first.burst.trim() === '') {
    if (key.rateLimit) input.rateLimit = null;
  } else {
    const policy = policyOf(first, 0, errors, s);
    if (policy) input.rateLimit = policy;
  }
  const named: Record<string, RateLimitPolicy> = {};
  const seen = new Set<string>();
  rows.slice(1).forEach((row, i) => {
    const index = i + 1;
    const name = row.name.trim();
    if (name === '' && row.limit.trim() === '' && row.burst.trim() === '') return;
    if (name === 'default') errors[`${index}.name`] = s.limitNameReserved;
    else if (!LIMIT_NAME.test(name)) errors[`${index}.name`] = s.limitNameInvalid;
    else if (seen.has(name)) errors[`${index}.name`] = s.limitNameTaken;
    seen.add(name);
    const policy = policyOf(row, index, errors, s);
    if (policy && !errors[`${index}.name`]) named[name] = policy;
  });
  if (Object.keys(named).length > 0) input.rateLimits = named;
  else if (key.rateLimits && Object.keys(key.rateLimits).length > 0) input.rateLimits = null;
  if (Object.keys(errors).length > 0) return { errors };
  return { input, errors };
}

const FIELD_OF_POLICY: Record<string, keyof LimitRow> = { limit: 'limit', windowSeconds: 'window', burst: 'burst' };

/**
 * The editor field (`0.limit`, `2.window`, `1.name`) a problem+json pointer
 * belongs to; `limits` for a problem of the named limits as a whole;
 * `undefined` for anything else.
 */
export function limitsField(pointer: string, rows: readonly LimitRow[]): string | undefined {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts[0] === 'rateLimit') return `0.${FIELD_OF_POLICY[parts[1] ?? ''] ?? 'limit'}`;
  if (parts[0] !== 'rateLimits') return undefined;
  if (parts.length < 2) return 'limits';
  const index = rows.findIndex((r, i) => i > 0 && r.name.trim() === parts[1]);
  if (index < 1) return 'limits';
  return `${index}.${parts.length > 2 ? (FIELD_OF_POLICY[parts[2]!] ?? 'limit') : 'name'}`;
}
