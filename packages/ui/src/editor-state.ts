/**
 * The state of the details dialog's editors (name, credits, rate limits):
 * the section being edited with its raw values and errors, how edits merge
 * into it, the PATCH body it stands for, and which of its fields a
 * problem+json pointer belongs to. No DOM.
 *
 * @module
 */

import { validateName } from './format.js';
import {
  creditsField,
  creditsForm,
  creditsUpdate,
  limitRows,
  limitsField,
  limitsUpdate,
  type CreditsForm,
  type EditErrors,
  type LimitRow,
} from './key-edits.js';
import type { Strings } from './strings.js';
import type { ApiKey, UpdateKeyInput } from './types.js';

/** The section of the details dialog being edited, with its raw values and errors. */
export type EditState =
  | { section: 'name'; name: string; errors: EditErrors }
  | { section: 'credits'; form: CreditsForm; errors: EditErrors }
  | { section: 'limits'; rows: LimitRow[]; errors: EditErrors };

/** A section of the details dialog that can be edited. */
export type EditSection = EditState['section'];

/** A change to the open editor: the values of its section, and its errors. */
export interface EditPatch {
  name?: string;
  form?: Partial<CreditsForm>;
  rows?: LimitRow[];
  errors?: EditErrors;
}

/** The editor of `section`, prefilled from the key. */
export function startEdit(section: EditSection, key: ApiKey): EditState {
  if (section === 'name') return { section, name: key.name, errors: {} };
  if (section === 'credits') return { section, form: creditsForm(key.credits), errors: {} };
  return { section, rows: limitRows(key), errors: {} };
}

/** The editor with a patch applied; a patch's values for other sections are ignored. */
export function patchEdit(e: EditState, patch: EditPatch): EditState {
  if (e.section === 'name') return { ...e, name: patch.name ?? e.name, errors: patch.errors ?? e.errors };
  if (e.section === 'credits') return { ...e, form: { ...e.form, ...patch.form }, errors: patch.errors ?? e.errors };
  return { ...e, rows: patch.rows ?? e.rows, errors: patch.errors ?? e.errors };
}

/** The PATCH body of the open editor, or its fields' errors. */
export function editUpdate(edit: EditState, key: ApiKey, maxName: number, s: Strings): { input?: UpdateKeyInput; errors: EditErrors } {
  if (edit.section === 'name') {
    const error = validateName(edit.name, maxName, s);
    return error ? { errors: { name: error } } : { input: { name: edit.name.trim() }, errors: {} };
  }
  if (edit.section === 'credits') return creditsUpdate(edit.form, key.credits, s);
  return limitsUpdate(edit.rows, key, s);
}

/** The field of the open editor a problem+json pointer belongs to, if any. */
export function editFieldOf(edit: EditState, pointer: string): string | undefined {
  if (edit.section === 'name') return pointer === '/name' ? 'name' : undefined;
  if (edit.section === 'credits') return creditsField(pointer);
  return limitsField(pointer, edit.rows);
}
