/**
 * A key's details dialog: its properties (name editable), credits and rate
 * limits (editable), usage charts, audit trail, and the actions on the key.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { formatDateTime, statusLabel } from '../format.js';
import type { DetailsState } from '../key-details-controller.js';
import { renderModal } from '../modal.js';
import { fill } from '../strings.js';
import type { ApiKey, ApiKeyDetail, AuditEvent } from '../types.js';
import { alertBanner, loadingLine, prop, type ViewContext } from './context.js';
import { renderCreditsSection } from './credits-editor.js';
import type { EditorHost } from './editor-parts.js';
import { renderIdentityLink } from './identity-link.js';
import { renderLimitsSection } from './limits-editor.js';
import { renderNameCell } from './rename-editor.js';

/** What the details dialog shows and does. */
export interface DetailsDialogHost extends EditorHost {
  /** The key as listed; replaced by the loaded detail once it arrives. */
  readonly key: ApiKey;
  readonly details: Readonly<DetailsState>;
  identityName(identityId: string): string;
  openIdentity(identityId: string, back: ApiKey, opener: EventTarget | null): void;
  toggleEnabled(key: ApiKey): void;
  regenerate(key: ApiKey): void;
  delete(key: ApiKey): void;
  loadAudit(id: string, cursor: string | undefined): void;
}

/** The details dialog. */
export function renderDetailsDialog(host: DetailsDialogHost): TemplateResult {
  const { s, locale: loc, details: d } = host;
  const k: ApiKey | ApiKeyDetail = d.key ?? host.key;
  const usage = d.key?.usage;
  const canEdit = host.can('keys:update') && k.status !== 'revoked';
  const body = html`
      ${alertBanner(d.keyError)}
      ${alertBanner(host.modalError)}
      <dl class="props" data-details>
        ${prop(s.fieldName, renderNameCell(host, k, canEdit))}
        ${prop(s.fieldId, html`<code>${k.id}</code>`)}
        ${prop(s.colKey, html`<code>${k.maskedKey}</code>`)}
        ${prop(s.colEnvironment, k.environment)}
        ${prop(s.colStatus, html`<span class="badge ${k.status}">${statusLabel(k.status, s)}</span>`)}
        ${prop(s.colScopes, k.scopes.length > 0 ? k.scopes.join(', ') : s.noScopes)}
        ${prop(s.fieldIpAllowlist, k.ipAllowlist.length > 0 ? k.ipAllowlist.join(', ') : s.anyIp)}
        ${k.identityId
          ? prop(
              s.identityTitleShort,
              renderIdentityLink(s, k.identityId, host.identityName(k.identityId), (opener) => host.openIdentity(k.identityId!, k, opener), 'inline'),
            )
          : nothing}
        ${prop(s.colCreated, formatDateTime(k.createdAt, loc, s.unknown))}
        ${k.createdBy ? prop(s.fieldCreatedBy, k.createdBy) : nothing}
        ${prop(s.fieldUpdated, formatDateTime(k.updatedAt, loc, s.unknown))}
        ${prop(s.colExpires, formatDateTime(k.expiresAt, loc, s.never))}
        ${k.rotatedAt ? prop(s.fieldRotated, formatDateTime(k.rotatedAt, loc, s.unknown)) : nothing}
        ${k.previousKeyExpiresAt ? prop(s.fieldPreviousExpires, formatDateTime(k.previousKeyExpiresAt, loc, s.unknown)) : nothing}
        ${usage
          ? html`${prop(s.colLastUsed, formatDateTime(usage.lastUsedAt, loc, s.neverUsed))}
            ${prop(s.fieldRequests, usage.requests.toLocaleString(loc))} ${prop(s.fieldErrors, usage.errors.toLocaleString(loc))}`
          : nothing}
      </dl>
      ${renderCreditsSection(host, k, canEdit)}
      ${renderLimitsSection(host, k, canEdit)}
      ${host.can('usage:read') ? renderUsageSection(host, d) : nothing}
      ${host.can('audit:read') ? renderAuditSection(host, d, k.id) : nothing}`;
  const live = k.status !== 'revoked';
  const footer = html`
      ${host.can('keys:update') && live
        ? html`<button type="button" part="button" data-action="toggle" ?disabled=${host.busy} @click=${() => host.toggleEnabled(k)}>
            ${k.enabled ? s.disable : s.enable}
          </button>`
        : nothing}
      ${host.can('keys:rotate') && live
        ? html`<button type="button" part="button" @click=${() => host.regenerate(k)}>${s.regenerate}</button>`
        : nothing}
      ${host.can('keys:delete')
        ? html`<button type="button" class="danger-outline" part="button" @click=${() => host.delete(k)}>${s.delete}</button>`
        : nothing}
      <span class="spacer"></span>
      <button type="button" class="primary" part="button" data-close @click=${host.close}>${s.close}</button>`;
  return renderModal({
    id: 'details',
    title: fill(s.detailsTitle, { name: k.name }),
    body,
    footer,
    onClose: host.close,
    closeLabel: s.close,
    size: 'wide',
  });
}

/** Requests and error rate per day: two canvases the charts are drawn into once chart.js has loaded. */
function renderUsageSection(ctx: ViewContext, d: Readonly<DetailsState>): TemplateResult {
  const s = ctx.s;
  const days = d.usage ?? [];
  const totalRequests = days.reduce((n, x) => n + x.requests, 0);
  const totalErrors = days.reduce((n, x) => n + x.errors, 0);
  return html`<section aria-labelledby="usage-title">
            <h3 id="usage-title">${s.usageTitle}</h3>
            ${d.usageError
              ? alertBanner(d.usageError)
              : !d.usage
                ? loadingLine(s.chartsLoading)
                : html`${totalRequests === 0 ? html`<p class="muted">${s.noUsage}</p>` : nothing}
                    <div class="charts">
                      <figure class="chart" part="chart" style="margin:0">
                        <h4 id="chart-req-title">${s.requestsPerDay}</h4>
                        <div class="chart-canvas">
                          <canvas data-chart="requests" role="img"
                            aria-label=${fill(s.chartSummary, { label: s.requestsPerDay, total: totalRequests, days: days.length })}></canvas>
                        </div>
                      </figure>
                      <figure class="chart" part="chart" style="margin:0">
                        <h4>${s.errorRate}</h4>
                        <div class="chart-canvas">
                          <canvas data-chart="error-rate" role="img"
                            aria-label=${fill(s.chartSummary, { label: s.fieldErrors, total: totalErrors, days: days.length })}></canvas>
                        </div>
                      </figure>
                    </div>`}
          </section>`;
}

function renderAuditEvent(ctx: ViewContext, ev: AuditEvent): TemplateResult {
  const { s, locale } = ctx;
  return html`<li>
                      <span class="action">${ev.action}</span>
                      <span class="muted"> · ${formatDateTime(ev.at, locale, s.unknown)}</span>
                      ${ev.actor ? html`<span class="muted"> · ${fill(s.auditBy, { actor: ev.actor.role ? `${ev.actor.id} (${ev.actor.role})` : ev.actor.id })}</span>` : nothing}
                      ${ev.ip ? html`<span class="muted"> · ${fill(s.auditFrom, { ip: ev.ip })}</span>` : nothing}
                    </li>`;
}

/** The audit trail, newest first, with "Load more". */
function renderAuditSection(host: DetailsDialogHost, d: Readonly<DetailsState>, id: string): TemplateResult {
  const s = host.s;
  return html`<section aria-labelledby="audit-title">
            <h3 id="audit-title">${s.auditTitle}</h3>
            ${alertBanner(d.auditError)}
            ${d.audit && d.audit.length === 0 ? html`<p class="muted">${s.auditEmpty}</p>` : nothing}
            ${d.audit && d.audit.length > 0
              ? html`<ol class="audit" data-audit>
                  ${d.audit.map((ev) => renderAuditEvent(host, ev))}
                </ol>`
              : nothing}
            ${d.auditLoading ? loadingLine(s.loadingDetails) : nothing}
            ${d.auditCursor && !d.auditLoading
              ? html`<div class="pager"><button type="button" class="small" part="button" @click=${() => host.loadAudit(id, d.auditCursor)}>${s.loadMore}</button></div>`
              : nothing}
          </section>`;
}
