/**
 * The create dialog's form: its raw values, the create body built from
 * them (or the fields' errors), and which field a problem+json pointer
 * belongs to. No DOM.
 *
 * @module
 */

import { expiryInput, parseList, validateName, type ExpiryPreset } from './format.js';
import { createCredits, creditsForm, type CreditsForm } from './key-edits.js';
import type { Strings } from './strings.js';
import type { CreateKeyInput, Meta } from './types.js';

/** The create form's raw values. */
export interface CreateForm {
  name: string;
  environment: string;
  scopes: string[];
  scopesText: string;
  expiry: ExpiryPreset;
  customDate: string;
  ipText: string;
  rateLimit: string;
  rateWindow: string;
  credits: CreditsForm;
  externalId: string;
}

/** Field names of the create form that can carry an error. */
const FORM_FIELDS = ['name', 'environment', 'scopes', 'expiry', 'ipAllowlist', 'rateLimit', 'credits', 'externalId'] as const;

/** A field of the create form that can carry an error. */
export type FormField = (typeof FORM_FIELDS)[number];

/** The create form's errors by field; `form` is the banner at its top. */
export type FormErrors = Partial<Record<FormField | 'form', string>>;

/** An empty form for the given environment. */
export const emptyForm = (environment: string): CreateForm => ({
  name: '',
  environment,
  scopes: [],
  scopesText: '',
  expiry: 'never',
  customDate: '',
  ipText: '',
  rateLimit: '',
  rateWindow: '60',
  credits: creditsForm(undefined),
  externalId: '',
});

/** The longest key name the API takes (from `/meta`). */
export const nameLimit = (meta: Meta | undefined): number => meta?.maxNameLength ?? 32;

/** The form field a problem+json pointer (`/ipAllowlist/0`) belongs to. */
export function createFieldOf(pointer: string): FormField | undefined {
  const head = pointer.replace(/^\//, '').split('/')[0] ?? '';
  if (head === 'expiresAt' || head === 'expiresIn') return 'expiry';
  if (head === 'identityId') return 'externalId';
  return (FORM_FIELDS as readonly string[]).includes(head) ? (head as FormField) : undefined;
}

/** The create body for a form, or its fields' errors. */
export function createInput(f: CreateForm, meta: Meta | undefined, s: Strings): { input?: CreateKeyInput; errors: Partial<Record<FormField, string>> } {
  const errors: Partial<Record<FormField, string>> = {};
  const nameError = validateName(f.name, nameLimit(meta), s);
  if (nameError) errors.name = nameError;
  const expiry = expiryInput(f.expiry, f.customDate);
  if (expiry === 'missing') errors.expiry = s.expiryDateRequired;
  else if (expiry === 'past') errors.expiry = s.expiryDatePast;
  let rateLimit: CreateKeyInput['rateLimit'];
  if (f.rateLimit.trim() !== '') {
    const limit = Number(f.rateLimit);
    if (!Number.isInteger(limit) || limit < 1) errors.rateLimit = s.rateLimitInvalid;
    else rateLimit = { limit, windowSeconds: Number(f.rateWindow) };
  }
  const quota = createCredits(f.credits, s);
  const quotaError = Object.values(quota.errors)[0];
  if (quotaError) errors.credits = quotaError;
  if (Object.keys(errors).length > 0 || typeof expiry === 'string') return { errors };
  const catalogue = (meta?.scopes.length ?? 0) > 0;
  const input: CreateKeyInput = {
    name: f.name.trim(),
    scopes: catalogue ? f.scopes : parseList(f.scopesText),
    ...expiry,
  };
  if (f.environment) input.environment = f.environment;
  const ips = parseList(f.ipText);
  if (ips.length > 0) input.ipAllowlist = ips;
  if (rateLimit) input.rateLimit = rateLimit;
  if (quota.credits) input.credits = quota.credits;
  const externalId = f.externalId.trim();
  if (externalId) input.externalId = externalId;
  return { input, errors };
}
