/**
 * The rate limits section of the details dialog: the default limit and the
 * named ones, and their editor (one row a limit; row 0 is the default).
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { blankLimitRow, policyLabel, type LimitRow } from '../key-edits.js';
import { fill } from '../strings.js';
import type { ApiKey } from '../types.js';
import { editAttrs, editButtons, editError, editFormError, type EditorHost } from './editor-parts.js';

/** The rate limits section: the limits, or their editor. */
export function renderLimitsSection(host: EditorHost, k: ApiKey, canEdit: boolean): TemplateResult {
  const { s, locale, edit } = host;
  const defaultLabel = k.rateLimit === null ? s.noLimit : k.rateLimit ? policyLabel(k.rateLimit, locale, s) : s.defaultLimit;
  const content =
    edit?.section === 'limits'
      ? renderLimitsEditor(host, k, edit.rows)
      : html`<ul class="limits" data-limits-view>
            <li><span class="chip mono">${s.limitDefault}</span> <span>${defaultLabel}</span></li>
            ${Object.entries(k.rateLimits ?? {}).map(
              ([name, p]) => html`<li data-limit=${name}><span class="chip mono">${name}</span> <span>${policyLabel(p, locale, s)}</span></li>`,
            )}
          </ul>`;
  return html`<section aria-labelledby="limits-title" data-section="limits">
      <div class="section-head">
        <h3 id="limits-title">${s.rateLimitsTitle}</h3>
        ${canEdit && !edit
          ? html`<button type="button" class="small" part="button" data-edit="limits" aria-label=${fill(s.editLabel, { section: s.rateLimitsTitle })}
              @click=${() => host.start('limits', k)}>${s.edit}</button>`
          : nothing}
      </div>
      ${content}
    </section>`;
}

function renderLimitsEditor(host: EditorHost, k: ApiKey, rows: LimitRow[]): TemplateResult {
  const s = host.s;
  // The rows as they are now, not as rendered: several events may arrive before the next render.
  const current = (): LimitRow[] | undefined => (host.edit?.section === 'limits' ? host.edit.rows : undefined);
  const setRow = (index: number, patch: Partial<LimitRow>): void => {
    const now = current();
    if (now) host.patch({ rows: now.map((r, i) => (i === index ? { ...r, ...patch } : r)) });
  };
  const input = (i: number, field: 'limit' | 'window' | 'burst', label: string, min: string): TemplateResult => {
    const a = editAttrs(host, `${i}.${field}`);
    return html`<div class="lr-cell">
        <label class="hint" for="lr-${i}-${field}">${label}</label>
        <input id="lr-${i}-${field}" type="number" min=${min} step="any" inputmode="numeric" part="input" .value=${rows[i]![field]}
          aria-invalid=${a.invalid} aria-describedby=${a.describedBy}
          @input=${(e: Event) => setRow(i, { [field]: (e.target as HTMLInputElement).value })} />
        ${editError(host, `${i}.${field}`)}
      </div>`;
  };
  const remove = (i: number): void => {
    const now = current();
    // Errors are keyed by row index; after a removal they would point at the wrong rows.
    if (now) host.patch({ rows: now.filter((_, j) => j !== i), errors: {} });
  };
  const add = (): void => {
    const now = current();
    if (!now) return;
    host.patch({ rows: [...now, blankLimitRow()] });
    host.focusAfterRender(`#lr-${now.length}-name`);
  };
  return html`<form class="editor" data-edit-form="limits" novalidate @submit=${(e: Event) => host.save(e, k)}>
      ${editFormError(host)}
      ${rows.map((row, i) => {
        const na = editAttrs(host, `${i}.name`);
        return html`<div class="limit-row" role="group" aria-label=${i === 0 ? s.limitDefault : row.name || s.limitName} data-limit-row=${i}>
          <div class="lr-cell lr-name">
            ${i === 0
              ? html`<span class="hint">${s.limitName}</span><span class="chip mono" data-default-row>${s.limitDefault}</span>`
              : html`<label class="hint" for="lr-${i}-name">${s.limitName}</label>
                  <input id="lr-${i}-name" type="text" part="input" class="mono" autocomplete="off" spellcheck="false" .value=${row.name}
                    aria-invalid=${na.invalid} aria-describedby=${na.describedBy}
                    @input=${(e: Event) => setRow(i, { name: (e.target as HTMLInputElement).value })} />
                  ${editError(host, `${i}.name`)}`}
          </div>
          ${input(i, 'limit', s.limitRequests, '1')} ${input(i, 'window', s.limitWindow, '1')} ${input(i, 'burst', s.limitBurst, '1')}
          <div class="lr-remove">
            ${i > 0
              ? html`<button type="button" class="icon-button small" part="button" data-remove-limit=${i}
                  aria-label=${fill(s.removeLimit, { name: row.name || String(i) })} @click=${() => remove(i)}><span aria-hidden="true">×</span></button>`
              : nothing}
          </div>
        </div>`;
      })}
      <p class="hint" id="limits-hint">${s.limitsHint}</p>
      ${editError(host, 'limits')}
      <div class="actions">
        ${editButtons(host)}
        <button type="button" class="small" part="button" data-add-limit ?disabled=${rows.length > 10} @click=${add}>${s.addLimit}</button>
      </div>
    </form>`;
}
