/**
 * The page below the header: the loading, no-access and failure states, and
 * the keys table with its filters, rows (cards on narrow screens), empty
 * states and pagination.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { formatDateTime, statusLabel } from '../format.js';
import { creditsLabel } from '../key-edits.js';
import { identityNameOf, type KeyListState, type ListFilter } from '../key-list-controller.js';
import { fill } from '../strings.js';
import type { ApiKey, KeyStatus, Permission } from '../types.js';
import { alertBanner, type ViewContext } from './context.js';
import { renderIdentityLink } from './identity-link.js';

const STATUSES: readonly KeyStatus[] = ['active', 'disabled', 'revoked', 'expired'];

/** Permissions that change keys: without any of them the page is read-only. */
const WRITE_PERMISSIONS: readonly Permission[] = ['keys:create', 'keys:rotate', 'keys:delete', 'keys:revoke', 'keys:update'];

/** What the table's controls do. `opener` is the button pressed, to return focus to. */
export interface KeyTableActions {
  retry(): void;
  filter(patch: Partial<ListFilter>): void;
  loadMore(): void;
  reveal(key: ApiKey): void;
  details(key: ApiKey, opener: EventTarget | null): void;
  regenerate(key: ApiKey, opener: EventTarget | null): void;
  confirm(kind: 'revoke' | 'delete', key: ApiKey, opener: EventTarget | null): void;
  identity(identityId: string, opener: EventTarget | null): void;
}

/** The page body for the list's phase. */
export function renderKeyList(ctx: ViewContext, list: KeyListState, actions: KeyTableActions): TemplateResult {
  const s = ctx.s;
  switch (list.phase) {
    case 'loading':
      return html`<div class="state" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>${s.loading}</div>`;
    case 'forbidden':
      return html`<div class="state" role="alert" part="error">
          <p class="state-title">${s.forbidden}</p>
          <p class="muted">${s.forbiddenHint}</p>
        </div>`;
    case 'error':
      return html`<div class="state" role="alert" part="error">
          <p class="state-title">${list.loadError}</p>
          <button type="button" part="button" @click=${() => actions.retry()}>${s.retry}</button>
        </div>`;
    case 'ready':
      return renderTable(ctx, list, actions);
  }
}

function renderTable(ctx: ViewContext, list: KeyListState, actions: KeyTableActions): TemplateResult {
  const s = ctx.s;
  const readOnly = !WRITE_PERMISSIONS.some((p) => ctx.can(p));
  const notice = readOnly ? html`<p class="muted" data-readonly>${s.readOnlyNotice}</p>` : nothing;
  const filtered = list.filter.environment !== '' || list.filter.status !== '';
  const filters = list.keys.length > 0 || filtered ? renderFilters(ctx, list, actions) : nothing;
  if (list.keys.length === 0 && filtered) {
    return html`${notice}${filters}
        <div class="state" part="empty" data-no-matches>
          <p class="state-title">${s.noMatches}</p>
          <button type="button" part="button" data-clear-filters @click=${() => actions.filter({ environment: '', status: '' })}>
            ${s.clearFilters}
          </button>
        </div>
        ${alertBanner(list.listError)}`;
  }
  if (list.keys.length === 0) {
    return html`${notice}
        <div class="state" part="empty">
          <slot name="empty">
            <p class="state-title">${ctx.can('keys:create') ? s.empty : s.emptyReadOnly}</p>
            ${ctx.can('keys:create') ? html`<p class="muted">${s.emptyHint}</p>` : nothing}
          </slot>
        </div>`;
  }
  return html`${notice}${filters}
      <div class="table-wrap" aria-busy=${list.filtering ? 'true' : 'false'}>
        <table part="table" role="table" aria-label=${s.tableCaption}>
          <thead role="rowgroup">
            <tr role="row">
              <th role="columnheader" scope="col">${s.colName}</th>
              <th role="columnheader" scope="col">${s.colKey}</th>
              <th role="columnheader" scope="col">${s.colEnvironment}</th>
              <th role="columnheader" scope="col">${s.colScopes}</th>
              <th role="columnheader" scope="col">${s.colCreated}</th>
              <th role="columnheader" scope="col">${s.colLastUsed}</th>
              <th role="columnheader" scope="col">${s.colExpires}</th>
              <th role="columnheader" scope="col">${s.colStatus}</th>
              <th role="columnheader" scope="col">${s.colActions}</th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            ${repeat(list.keys, (k) => k.id, (k) => renderRow(ctx, list, actions, k))}
          </tbody>
        </table>
      </div>
      ${alertBanner(list.listError)}
      ${list.nextCursor
        ? html`<div class="pager">
            <button type="button" part="button load-more" data-load-more ?disabled=${list.loadingMore} @click=${() => actions.loadMore()}>
              ${list.loadingMore ? s.loadingMore : s.loadMore}
            </button>
          </div>`
        : nothing}`;
}

function renderFilters(ctx: ViewContext, list: KeyListState, actions: KeyTableActions): TemplateResult {
  const s = ctx.s;
  const f = list.filter;
  const envs = list.meta?.environments ?? [];
  const onEnv = (e: Event): void => actions.filter({ environment: (e.target as HTMLSelectElement).value });
  const onStatus = (e: Event): void => actions.filter({ status: (e.target as HTMLSelectElement).value as ListFilter['status'] });
  return html`<div class="filters" role="group" aria-label=${s.filtersLabel} part="filters">
      <label class="filter">
        <span>${s.filterEnvironment}</span>
        <select part="input" data-filter="environment" @change=${onEnv}>
          <option value="" ?selected=${f.environment === ''}>${s.filterAll}</option>
          ${envs.map((env) => html`<option value=${env.name} ?selected=${f.environment === env.name}>${env.name}</option>`)}
        </select>
      </label>
      <label class="filter">
        <span>${s.filterStatus}</span>
        <select part="input" data-filter="status" @change=${onStatus}>
          <option value="" ?selected=${f.status === ''}>${s.filterAll}</option>
          ${STATUSES.map((st) => html`<option value=${st} ?selected=${f.status === st}>${statusLabel(st, s)}</option>`)}
        </select>
      </label>
      ${list.filtering ? html`<span class="spinner" role="status" aria-label=${s.loadingMore}></span>` : nothing}
    </div>`;
}

function renderRow(ctx: ViewContext, list: KeyListState, actions: KeyTableActions, k: ApiKey): TemplateResult {
  const { s, locale: loc } = ctx;
  const revealed = list.revealed.get(k.id);
  const lastUsed = list.lastUsed.has(k.id) ? formatDateTime(list.lastUsed.get(k.id) ?? null, loc, s.neverUsed) : s.unknown;
  const live = k.status !== 'revoked';
  const identityLink = (identityId: string): TemplateResult =>
    renderIdentityLink(s, identityId, identityNameOf(list, identityId), (opener) => actions.identity(identityId, opener));
  return html`<tr role="row" part="row" data-key-id=${k.id}>
      <td role="cell" class="cell-name" data-label=${s.colName}>
        <span class="key-name">${k.name}</span>
        ${k.credits || k.identityId
          ? html`<div class="key-extras">
              ${k.credits ? html`<span class="chip credits" data-credits>${creditsLabel(k.credits, loc, s)}</span>` : nothing}
              ${k.identityId
                ? html`<span class="identity-ref"><span class="muted">${s.identityTitleShort}:</span> ${identityLink(k.identityId)}</span>`
                : nothing}
            </div>`
          : nothing}
      </td>
      <td role="cell" data-label=${s.colKey}>
        <div>
          ${revealed
            ? html`<code class="revealed" data-revealed>${revealed}</code>`
            : html`<code class="masked">${k.maskedKey}</code>`}
          ${k.revealable && ctx.can('keys:reveal') && live
            ? html`<button type="button" class="link small" part="button" data-action="reveal"
                aria-label=${revealed ? s.hide : fill(s.revealLabel, { name: k.name })}
                aria-pressed=${revealed ? 'true' : 'false'}
                @click=${() => actions.reveal(k)}>${revealed ? s.hide : s.reveal}</button>`
            : nothing}
        </div>
      </td>
      <td role="cell" data-label=${s.colEnvironment}><span class="chip">${k.environment}</span></td>
      <td role="cell" data-label=${s.colScopes}>
        ${k.scopes.length > 0
          ? html`<span class="chips">${k.scopes.map((x) => html`<span class="chip mono">${x}</span>`)}</span>`
          : html`<span class="muted">${s.noScopes}</span>`}
      </td>
      <td role="cell" class="cell-date" data-label=${s.colCreated}><span>${formatDateTime(k.createdAt, loc, s.unknown)}</span></td>
      <td role="cell" class="cell-date" data-label=${s.colLastUsed}><span>${lastUsed}</span></td>
      <td role="cell" class="cell-date" data-label=${s.colExpires}><span>${formatDateTime(k.expiresAt, loc, s.never)}</span></td>
      <td role="cell" data-label=${s.colStatus}>
        <span class="badge ${k.status}" part="status-badge">${statusLabel(k.status, s)}</span>
      </td>
      <td role="cell" class="cell-actions" data-label=${s.colActions}>
        <div class="actions">
          <button type="button" class="small" part="button" data-action="details" aria-label=${fill(s.detailsLabel, { name: k.name })}
            @click=${(e: Event) => actions.details(k, e.currentTarget)}>${s.details}</button>
          ${ctx.can('keys:rotate') && live
            ? html`<button type="button" class="small" part="button" data-action="regenerate" aria-label=${fill(s.regenerateLabel, { name: k.name })}
                @click=${(e: Event) => actions.regenerate(k, e.currentTarget)}>${s.regenerate}</button>`
            : nothing}
          ${ctx.can('keys:revoke') && live
            ? html`<button type="button" class="small danger-outline" part="button" data-action="revoke" aria-label=${fill(s.revokeLabel, { name: k.name })}
                @click=${(e: Event) => actions.confirm('revoke', k, e.currentTarget)}>${s.revoke}</button>`
            : nothing}
          ${ctx.can('keys:delete')
            ? html`<button type="button" class="small danger-outline" part="button" data-action="delete" aria-label=${fill(s.deleteLabel, { name: k.name })}
                @click=${(e: Event) => actions.confirm('delete', k, e.currentTarget)}>${s.delete}</button>`
            : nothing}
        </div>
      </td>
    </tr>`;
}
