/**
 * The credits section of the details dialog: the quota (credits left,
 * refill, next refill), and its editor with "Remove quota".
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { formatDateTime } from '../format.js';
import { creditsLabel, refillLabel, type CreditsForm } from '../key-edits.js';
import { fill, type Strings } from '../strings.js';
import type { ApiKey } from '../types.js';
import { editAttrs, editButtons, editError, editFormError, type EditorHost } from './editor-parts.js';

/** The refill choices (never, daily, monthly) of a `<select>`. */
export function renderRefillOptions(s: Strings, selected: CreditsForm['interval']): TemplateResult[] {
  return (
    [
      ['', s.refillNever],
      ['daily', s.refillDailyOption],
      ['monthly', s.refillMonthlyOption],
    ] as const
  ).map(([v, label]) => html`<option value=${v} ?selected=${selected === v}>${label}</option>`);
}

/** The credits section: the quota, or its editor. */
export function renderCreditsSection(host: EditorHost, k: ApiKey, canEdit: boolean): TemplateResult {
  const { s, locale: loc, edit } = host;
  const c = k.credits;
  let content: TemplateResult;
  if (edit?.section === 'credits') {
    content = renderCreditsEditor(host, k, edit.form);
  } else if (c) {
    content = html`<dl class="props" data-credits-view>
        <dt>${s.creditsLeftLabel}</dt><dd data-credits-left>${creditsLabel(c, loc, s)}</dd>
        <dt>${s.fieldRefill}</dt><dd data-refill>${refillLabel(c.refill, loc, s)}</dd>
        ${c.refillAt ? html`<dt>${s.fieldNextRefill}</dt><dd>${formatDateTime(c.refillAt, loc, s.unknown)}</dd>` : nothing}
      </dl>`;
  } else {
    content = html`<p class="muted" data-credits-view>${s.noCredits}</p>`;
  }
  return html`<section aria-labelledby="credits-title" data-section="credits">
      <div class="section-head">
        <h3 id="credits-title">${s.creditsTitle}</h3>
        ${canEdit && !edit
          ? html`<button type="button" class="small" part="button" data-edit="credits" aria-label=${c ? fill(s.editLabel, { section: s.creditsTitle }) : s.addQuota}
              @click=${() => host.start('credits', k)}>${c ? s.edit : s.addQuota}</button>`
          : nothing}
      </div>
      ${content}
    </section>`;
}

function renderCreditsEditor(host: EditorHost, k: ApiKey, f: CreditsForm): TemplateResult {
  const s = host.s;
  const field = (id: string, key: keyof CreditsForm, label: string, min: number, max?: number): TemplateResult => {
    const a = editAttrs(host, key);
    return html`<div class="field">
          <label for=${id}>${label}</label>
          <input id=${id} type="number" min=${min} max=${max ?? nothing} step="1" inputmode="numeric" part="input" .value=${f[key]}
            aria-invalid=${a.invalid} aria-describedby=${a.describedBy}
            @input=${(e: Event) => host.patch({ form: { [key]: (e.target as HTMLInputElement).value } })} />
          ${editError(host, key)}
        </div>`;
  };
  const ia = editAttrs(host, 'interval');
  return html`<form class="editor" data-edit-form="credits" novalidate @submit=${(e: Event) => host.save(e, k)}>
        ${editFormError(host)}
        <div class="row wrap">
          ${field('ed-remaining', 'remaining', s.creditsLeftLabel, 0)}
          <div class="field">
            <label for="ed-interval">${s.refillLabel}</label>
            <select id="ed-interval" part="input" aria-invalid=${ia.invalid} aria-describedby=${ia.describedBy}
              @change=${(e: Event) => host.patch({ form: { interval: (e.target as HTMLSelectElement).value as CreditsForm['interval'] } })}>
              ${renderRefillOptions(s, f.interval)}
            </select>
            ${editError(host, 'interval')}
          </div>
          ${f.interval ? field('ed-amount', 'amount', s.refillAmountLabel, 1) : nothing}
          ${f.interval === 'monthly' ? field('ed-day', 'dayOfMonth', s.refillDayLabel, 1, 31) : nothing}
        </div>
        <div class="actions">
          ${editButtons(host)}
          ${k.credits
            ? html`<button type="button" class="small danger-outline" part="button" data-remove-quota ?disabled=${host.busy}
                @click=${() => host.removeQuota(k)}>${s.removeQuota}</button>`
            : nothing}
        </div>
      </form>`;
}
