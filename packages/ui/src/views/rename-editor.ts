/**
 * A key's name in the details dialog, with its "Rename" button and inline
 * editor.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { validateName } from '../format.js';
import { fill } from '../strings.js';
import type { ApiKey } from '../types.js';
import { editAttrs, editButtons, editError, editFormError, type EditorHost } from './editor-parts.js';

/** The name, or its editor while it is being renamed. */
export function renderNameCell(host: EditorHost, k: ApiKey, canEdit: boolean): TemplateResult {
  const { s, edit } = host;
  if (edit?.section !== 'name') {
    return html`<span data-name>${k.name}</span>
        ${canEdit && !edit
          ? html`<button type="button" class="link small" part="button" data-edit="name" aria-label=${fill(s.renameLabel, { name: k.name })}
              @click=${() => host.start('name', k)}>${s.rename}</button>`
          : nothing}`;
  }
  const a = editAttrs(host, 'name');
  const onInput = (e: Event): void => {
    const name = (e.target as HTMLInputElement).value;
    const error = validateName(name, host.maxName, s);
    host.patch({ name, errors: error ? { name: error } : {} });
  };
  return html`<form class="inline-edit" data-edit-form="name" novalidate @submit=${(e: Event) => host.save(e, k)}>
      ${editFormError(host)}
      <div class="inline-row">
        <label for="ed-name" class="visually-hidden">${s.fieldName}</label>
        <input id="ed-name" type="text" part="input" autocomplete="off" .value=${edit.name} aria-invalid=${a.invalid}
          aria-describedby=${a.describedBy} @input=${onInput} />
        ${editButtons(host)}
      </div>
      ${editError(host, 'name')}
    </form>`;
}
