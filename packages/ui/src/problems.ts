/**
 * Failures of the management API as words a person can act on, and the
 * field problems of a problem+json answer placed next to the form fields
 * they belong to. No DOM.
 *
 * @module
 */

import { ApiError, type FieldError } from './api-client.js';
import { fill, type Strings } from './strings.js';

/** Words a person can act on, for any failure. */
export function errorMessage(error: unknown, s: Strings): string {
  if (!(error instanceof ApiError)) return fill(s.genericError, { status: 'error' });
  if (error.status === 0) return s.networkError;
  if (error.status === 401) return s.unauthenticated;
  if (error.status === 403) return s.forbiddenAction;
  if (error.code === 'KEY_NOT_FOUND') return s.notFound;
  if (error.detail) return error.detail;
  if (error.fieldErrors.length > 0) return error.fieldErrors.map((e) => e.message).join(' ');
  if (error.status === 503) return s.serviceUnavailable;
  return fill(s.genericError, { status: error.status });
}

/** Whether the key a request named is gone (the list is stale). */
export const isKeyGone = (error: unknown): boolean => error instanceof ApiError && error.code === 'KEY_NOT_FOUND';

/**
 * The field problems worth showing. A nullable field's schema is `oneOf [policy, null]`, so a bad
 * policy also fails the `null` branch: that "must be null" says nothing when a real message exists.
 */
function usefulIssues(issues: readonly FieldError[]): readonly FieldError[] {
  const rest = issues.filter((i) => i.message !== 'must be null');
  return rest.length > 0 ? rest : issues;
}

/** A failure split into messages by form field and one for the top of the form. */
export interface PlacedProblem<F extends string> {
  /** The first message of each field a problem belongs to. */
  errors: Partial<Record<F, string>>;
  /**
   * For the top of the form: the problems no field takes, or `fallback`
   * when none could be placed at all; `undefined` when every problem sits at a field.
   */
  form: string | undefined;
}

/** Places a failure's field problems with `fieldOf` (a problem+json pointer → a field, or `undefined`). */
export function placeProblem<F extends string>(error: unknown, fieldOf: (pointer: string) => F | undefined, fallback: string): PlacedProblem<F> {
  const errors: Partial<Record<F, string>> = {};
  const leftovers: string[] = [];
  if (error instanceof ApiError) {
    for (const issue of usefulIssues(error.fieldErrors)) {
      const field = fieldOf(issue.field);
      if (field && !errors[field]) errors[field] = issue.message;
      else if (!field) leftovers.push(issue.message);
    }
  }
  if (leftovers.length > 0) return { errors, form: leftovers.join(' ') };
  return { errors, form: Object.keys(errors).length === 0 ? fallback : undefined };
}
