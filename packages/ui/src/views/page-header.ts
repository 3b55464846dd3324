/**
 * The top of the page: the title row with the lookup and create buttons,
 * and the live region that announces what an action did.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import type { ViewContext } from './context.js';

/** The title row. The buttons show once the list has loaded, to those allowed to use them. */
export function renderPageHeader(ctx: ViewContext, ready: boolean, openLookup: (e: Event) => void, openCreate: (e: Event) => void): TemplateResult {
  const s = ctx.s;
  return html`<div class="header" part="header">
          <div>
            <h2 class="title" tabindex="-1">${s.title}</h2>
            <p class="subtitle">${s.subtitle}</p>
          </div>
          <div class="actions">
            <slot name="header-actions"></slot>
            ${ready && ctx.can('keys:read')
              ? html`<button type="button" part="button lookup-button" data-lookup @click=${openLookup}>${s.lookupButton}</button>`
              : nothing}
            ${ready && ctx.can('keys:create')
              ? html`<button type="button" class="primary" part="button create-button" data-create @click=${openCreate}>
                  ${s.createButton}
                </button>`
              : nothing}
          </div>
        </div>`;
}

/** What an action did, and how it went. */
export interface StatusMessage {
  text: string;
  kind: 'success' | 'error';
}

/** The live region: a banner, or only announced while a dialog is open (the page behind it is inert). */
export function renderStatusRegion(status: StatusMessage | undefined, modalOpen: boolean): TemplateResult {
  return html`<div class="status" role="status" aria-live="polite" aria-atomic="true">
        ${status && !modalOpen
          ? html`<p class="banner ${status.kind}" part=${status.kind === 'error' ? 'error' : 'status'}>${status.text}</p>`
          : status
            ? html`<span class="visually-hidden">${status.text}</span>`
            : nothing}
      </div>`;
}
