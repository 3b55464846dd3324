/**
 * The key lookup (whoami) dialog: paste a key, see which key it is. The
 * pasted key is never part of the state this view renders.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { formatDateTime, statusLabel } from '../format.js';
import { creditsLabel } from '../key-edits.js';
import type { LookupState } from '../key-lookup-controller.js';
import { renderModal } from '../modal.js';
import { fill } from '../strings.js';
import type { ApiKey } from '../types.js';
import { prop, type DialogContext } from './context.js';

/** What the lookup dialog shows and does. */
export interface LookupDialogHost extends DialogContext {
  readonly lookup: Readonly<LookupState>;
  identityName(identityId: string): string;
  /** Reads the key from `#lookup-key` and looks it up. */
  submit(e: Event): void;
  openDetails(key: ApiKey): void;
}

/** The lookup dialog. */
export function renderLookupDialog(host: LookupDialogHost): TemplateResult {
  const { s, lookup: l } = host;
  const body = html`<form id="lookup-form" novalidate autocomplete="off" @submit=${(e: Event) => host.submit(e)}>
        <div class="field">
          <label for="lookup-key">${s.lookupLabel}</label>
          <input id="lookup-key" type="text" part="input" class="mono" autocomplete="off" autocapitalize="off" spellcheck="false"
            data-autofocus aria-invalid=${l.inputError ? 'true' : 'false'}
            aria-describedby=${l.inputError ? 'lookup-hint err-lookup' : 'lookup-hint'} />
          <p class="hint" id="lookup-hint">${s.lookupHint}</p>
          ${l.inputError ? html`<p class="field-error" id="err-lookup" data-error-for="lookup">${l.inputError}</p>` : nothing}
        </div>
      </form>
      <div role="status" aria-live="polite" data-lookup-result>
        ${l.busy ? html`<p class="muted"><span class="spinner" aria-hidden="true"></span>${s.lookingUp}</p>` : nothing}
        ${l.notFound ? html`<p class="banner error" part="error" data-lookup-not-found>${s.lookupNotFound}</p>` : nothing}
        ${l.error ? html`<p class="banner error" part="error">${l.error}</p>` : nothing}
        ${l.result ? renderLookupResult(host, l.result) : nothing}
      </div>`;
  const footer = html`<button type="button" part="button" @click=${host.close}>${s.close}</button>
      <button type="submit" form="lookup-form" class="primary" part="button" data-lookup-submit ?disabled=${Boolean(l.busy)}>
        ${l.busy ? s.lookingUp : s.lookupSubmit}
      </button>`;
  return renderModal({ id: 'whoami', title: s.lookupTitle, body, footer, onClose: host.close, closeLabel: s.close, describedBy: 'lookup-hint' });
}

function renderLookupResult(host: LookupDialogHost, k: ApiKey): TemplateResult {
  const { s, locale: loc } = host;
  return html`<p class="banner success" data-lookup-found>${fill(s.lookupFound, { name: k.name })}</p>
      <dl class="props" data-lookup-key>
        ${prop(s.fieldName, k.name)}
        ${prop(s.colKey, html`<code>${k.maskedKey}</code>`)}
        ${prop(s.fieldId, html`<code>${k.id}</code>`)}
        ${prop(s.colEnvironment, k.environment)}
        ${prop(s.colStatus, html`<span class="badge ${k.status}">${statusLabel(k.status, s)}</span>`)}
        ${prop(s.colScopes, k.scopes.length > 0 ? k.scopes.join(', ') : s.noScopes)}
        ${k.credits ? prop(s.creditsTitle, creditsLabel(k.credits, loc, s)) : nothing}
        ${k.identityId ? prop(s.identityTitleShort, host.identityName(k.identityId)) : nothing}
        ${prop(s.colCreated, formatDateTime(k.createdAt, loc, s.unknown))}
        ${prop(s.colExpires, formatDateTime(k.expiresAt, loc, s.never))}
      </dl>
      <button type="button" class="small" part="button" data-lookup-open @click=${() => host.openDetails(k)}>${s.openDetails}</button>`;
}
