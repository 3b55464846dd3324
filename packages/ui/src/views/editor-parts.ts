/**
 * What the details dialog's editors (name, credits, rate limits) share:
 * their host, errors tied to fields by id, the banner of errors no field
 * takes, and the Save and Cancel buttons.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import type { EditPatch, EditSection, EditState } from '../editor-state.js';
import type { ApiKey } from '../types.js';
import type { DialogContext } from './context.js';

/** What the editors show and do. */
export interface EditorHost extends DialogContext {
  /** The open editor, if any (one at a time), as it is now: event handlers read it again. */
  readonly edit: EditState | undefined;
  /** The longest key name the API takes. */
  readonly maxName: number;
  start(section: EditSection, key: ApiKey): void;
  cancel(): void;
  patch(patch: EditPatch): void;
  save(e: Event, key: ApiKey): void;
  removeQuota(key: ApiKey): void;
}

const errorId = (field: string): string => `err-ed-${field.replace('.', '-')}`;

/** An error of the open editor, tied to its field by id. */
export function editError(host: EditorHost, field: string): TemplateResult | typeof nothing {
  const message = host.edit?.errors[field];
  return message ? html`<p class="field-error" id=${errorId(field)} data-edit-error=${field}>${message}</p>` : nothing;
}

/** `aria-invalid` and `aria-describedby` of an editor's field. */
export function editAttrs(host: EditorHost, field: string): { invalid: 'true' | 'false'; describedBy: string | typeof nothing } {
  const has = Boolean(host.edit?.errors[field]);
  return { invalid: has ? 'true' : 'false', describedBy: has ? errorId(field) : nothing };
}

/** The editor's errors that no field takes. */
export function editFormError(host: EditorHost): TemplateResult | typeof nothing {
  const message = host.edit?.errors['form'];
  return message ? html`<p class="banner error form-error" role="alert" tabindex="-1" part="error" data-edit-error="form">${message}</p>` : nothing;
}

/** Save and Cancel. */
export function editButtons(host: EditorHost): TemplateResult {
  const s = host.s;
  return html`<button type="submit" class="primary small" part="button" data-save ?disabled=${host.busy}>${host.busy ? s.saving : s.save}</button>
      <button type="button" class="small" part="button" data-cancel-edit @click=${() => host.cancel()}>${s.cancel}</button>`;
}
