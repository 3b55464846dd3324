/**
 * An identity's dialog: its external id, the credits and rate limits its
 * keys share, its metadata and its keys on the current page, with a way
 * back to the key it was opened from.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { formatDateTime } from '../format.js';
import type { IdentityState } from '../identity-controller.js';
import { creditsLabel, policyLabel, refillLabel } from '../key-edits.js';
import { renderModal } from '../modal.js';
import { fill } from '../strings.js';
import type { ApiKey } from '../types.js';
import { alertBanner, loadingLine, prop, type DialogContext } from './context.js';

/** What the identity dialog shows and does. */
export interface IdentityDialogHost extends DialogContext {
  readonly identityId: string;
  /** The key whose details it was opened from, if any. */
  readonly back: ApiKey | undefined;
  readonly identity: Readonly<IdentityState>;
  /** The listed keys (those of this identity are named). */
  readonly keys: readonly ApiKey[];
  identityName(identityId: string): string;
  openDetails(key: ApiKey): void;
}

/** The identity dialog. */
export function renderIdentityDialog(host: IdentityDialogHost): TemplateResult {
  const { s, locale: loc, back, identityId } = host;
  const { data, error } = host.identity;
  const keys = host.keys.filter((k) => k.identityId === identityId);
  const limits = Object.entries(data?.rateLimits ?? {});
  const meta = Object.keys(data?.metadata ?? {}).length > 0 ? JSON.stringify(data!.metadata, null, 2) : undefined;
  const body = html`
      ${alertBanner(error)}
      ${!data && !error ? loadingLine(s.loadingDetails) : nothing}
      ${data
        ? html`<dl class="props" data-identity-details>
            ${prop(s.identityExternalId, html`<code>${data.externalId}</code>`)}
            ${prop(s.fieldId, html`<code>${data.id}</code>`)}
            ${prop(
              s.identitySharedCredits,
              data.credits
                ? html`<span data-identity-credits>${creditsLabel(data.credits, loc, s)}</span><br /><span class="muted">${refillLabel(data.credits.refill, loc, s)}</span>`
                : s.noCredits,
            )}
            ${prop(
              s.identitySharedLimits,
              limits.length > 0
                ? html`<ul class="limits" data-identity-limits>
                    ${limits.map(([name, p]) => html`<li><span class="chip mono">${name}</span> ${policyLabel(p, loc, s)}</li>`)}
                  </ul>`
                : s.noLimit,
            )}
            ${prop(s.identityMetadata, meta ? html`<pre part="code" data-identity-metadata>${meta}</pre>` : s.noMetadata)}
            ${prop(s.colCreated, formatDateTime(data.createdAt, loc, s.unknown))}
            ${keys.length > 0 ? prop(s.identityKeys, keys.map((k) => k.name).join(', ')) : nothing}
          </dl>`
        : nothing}`;
  const footer = html`${back
      ? html`<button type="button" part="button" data-back @click=${() => host.openDetails(back)}>${fill(s.backToKey, { name: back.name })}</button>`
      : nothing}
      <span class="spacer"></span>
      <button type="button" class="primary" part="button" data-close @click=${host.close}>${s.close}</button>`;
  return renderModal({
    id: 'identity',
    title: fill(s.identityTitle, { name: data?.externalId ?? host.identityName(identityId) }),
    body,
    footer,
    onClose: host.close,
    closeLabel: s.close,
  });
}
