import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ApiClient, ApiError } from './api-client.js';
import { headersConverter } from './attributes.js';
import { themeChartColors } from './chart-colors.js';
import type { DashboardCharts } from './charts.js';
import { DASHBOARD_STRINGS, mergeDashboardStrings, type DashboardStrings } from './dashboard-strings.js';
import { dashboardStyles } from './dashboard-styles.js';
import type { TenantReport } from './report-types.js';
import { fill } from './strings.js';
import { styles } from './styles.js';
import type { UsageDay } from './types.js';

/** The ranges offered by the range switch, in days. */
export const DASHBOARD_RANGES = [7, 30, 90] as const;

/** An integer option within bounds, else the fallback (attributes are untrusted text). */
function intWithin(value: unknown, min: number, max: number, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

/** The busiest day of a range (first on ties), or undefined for an empty range. */
function peakOf(days: readonly UsageDay[], score: (d: UsageDay) => number): UsageDay | undefined {
  let best: UsageDay | undefined;
  for (const d of days) if (best === undefined || score(d) > score(best)) best = d;
  return best;
}

/**
 * The usage dashboard of a tenant's API keys: requests and errors per day
 * (charts), error rate, the busiest keys, and key hygiene - keys expiring
 * soon, never used, idle for `not-used-for-days`, and secrets older than the
 * rotation interval - over a selectable range (7, 30 or 90 days). It reads
 * `GET {endpoint}/reports`, which the host serves with `@keygate/monitor`'s
 * `createReports` (the actor needs `usage:read` and `keys:read`).
 *
 * Sits next to `<api-key-manager>` and shares its API: `endpoint`,
 * `headers`, `credentials`, `theme`, `locale`, `strings`, the `--kg-*`
 * custom properties and the common parts.
 *
 * @element api-key-usage-dashboard
 *
 * @fires report-loaded - A report arrived and is shown. `detail: { report }` (a `TenantReport`).
 * @fires report-failed - Loading failed. `detail: { status, code }` (`status` 0: network).
 * @fires range-changed - The person picked another range. `detail: { days }`; the report reloads.
 *
 * @slot header-actions - Extra controls next to the range switch.
 * @slot empty - Replaces the default text shown when the tenant has no keys.
 *
 * @csspart header - The title row.
 * @csspart range - The range switch (a button group).
 * @csspart button - Every button.
 * @csspart stats - The totals row.
 * @csspart stat - One total (requests, errors, error rate, active keys).
 * @csspart chart - A chart's box.
 * @csspart panel - A box of the top keys or a hygiene list.
 * @csspart table - The tables in the panels.
 * @csspart empty - The state shown when the tenant has no keys.
 * @csspart error - Error states, including "no access".
 *
 * @cssprop --kg-color-bg - Background.
 * @cssprop --kg-color-surface - Totals, counters, state boxes.
 * @cssprop --kg-color-text - Text.
 * @cssprop --kg-color-muted - Secondary text, chart axes.
 * @cssprop --kg-color-border - Borders, chart grid lines.
 * @cssprop --kg-color-primary - The selected range, requests in the chart.
 * @cssprop --kg-color-on-primary - Text of the selected range.
 * @cssprop --kg-color-danger - Errors, the error-rate chart, error messages.
 * @cssprop --kg-color-warning-bg - Counters of hygiene lists that need attention.
 * @cssprop --kg-color-warning-text - Text of those counters.
 * @cssprop --kg-focus-ring - Focus indicator (a box-shadow).
 * @cssprop --kg-radius - Corner radius.
 * @cssprop --kg-font-family - Font.
 * @cssprop --kg-font-mono - Monospace font (masked keys).
 * @cssprop --kg-font-size - Base font size.
 * @cssprop --kg-spacing - Outer padding and section gaps.
 */
export class ApiKeyUsageDashboard extends LitElement {
  static override styles = [styles, dashboardStyles];

  static override properties = {
    endpoint: { type: String },
    headers: { attribute: 'headers', converter: headersConverter },
    credentials: { type: String },
    theme: { type: String, reflect: true },
    locale: { type: String },
    days: { type: Number, reflect: true },
    notUsedForDays: { type: Number, attribute: 'not-used-for-days' },
    expiringWithinDays: { type: Number, attribute: 'expiring-within-days' },
    top: { type: Number },
    strings: { attribute: false },
    _phase: { state: true },
    _report: { state: true },
    _refreshing: { state: true },
    _error: { state: true },
  };

  /** Base URL of the keygate management API (the report is `GET {endpoint}/reports`). */
  declare endpoint: string;
  /** Extra request headers (e.g. a CSRF token). Attribute: a JSON object. */
  declare headers: Record<string, string>;
  /** fetch credentials mode. */
  declare credentials: RequestCredentials;
  /** `light`, `dark` or `auto` (follows the system). */
  declare theme: 'light' | 'dark' | 'auto';
  /** BCP 47 locale for numbers and dates; default: the browser's. */
  declare locale: string | undefined;
  /** Days of the range, ending today (1 to 366; the switch offers 7, 30, 90). Changing it reloads. */
  declare days: number;
  /** Idle days before a used key is listed as not used recently (1 to 3650). */
  declare notUsedForDays: number;
  /** Keys expiring within this many days are listed as expiring soon (0 to 3650). */
  declare expiringWithinDays: number;
  /** Rows of the top keys table (1 to 100). */
  declare top: number;
  /** Partial map of texts to override (`DASHBOARD_STRINGS` has the keys). */
  declare strings: Partial<DashboardStrings>;

  declare _phase: 'loading' | 'ready' | 'forbidden' | 'error';
  declare _report: TenantReport | undefined;
  declare _refreshing: boolean;
  declare _error: string;

  #client: ApiClient | undefined;
  #s: DashboardStrings = { ...DASHBOARD_STRINGS };
  #generation = 0;
  #charts: DashboardCharts | undefined;
  #chartedReport: TenantReport | undefined;
  readonly #masked = new WeakMap<TenantReport, Map<string, string>>();

  constructor() {
    super();
    // Defaults here, not as class fields: a class field would shadow Lit's
    // reactive accessor when compiled with [[Define]] semantics.
    this.endpoint = '/api/v1/platform/api-keys';
    this.headers = {};
    this.credentials = 'same-origin';
    this.theme = 'auto';
    this.locale = undefined;
    this.days = 30;
    this.notUsedForDays = 30;
    this.expiringWithinDays = 14;
    this.top = 10;
    this.strings = {};
    this._phase = 'loading';
    this._refreshing = false;
    this._error = '';
  }

  /** The report on screen, if any. */
  get report(): TenantReport | undefined {
    return this._report;
  }

  /** Fetches the report again with the current settings. */
  async reload(): Promise<void> {
    await this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#destroyCharts();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a removal: the charts were destroyed, draw them again.
    this.#chartedReport = undefined;
    if (this.hasUpdated) this.requestUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('strings')) this.#s = mergeDashboardStrings(this.strings as Record<string, unknown>);
    let reload = false;
    if (changed.has('endpoint') || changed.has('headers') || changed.has('credentials') || !this.#client) {
      this.#client = new ApiClient({ endpoint: this.endpoint, headers: this.headers ?? {}, credentials: this.credentials });
      reload = true;
    }
    if (changed.has('days') || changed.has('notUsedForDays') || changed.has('expiringWithinDays') || changed.has('top')) reload = true;
    if (reload && this.isConnected) void this.#load();
  }

  protected override updated(): void {
    const report = this._report;
    if (this._phase === 'ready' && report && report.totals.keys > 0 && report !== this.#chartedReport) {
      this.#chartedReport = report;
      void this.#drawCharts(report);
    }
  }

  #query(): { days: number; notUsedForDays: number; expiringWithinDays: number; top: number } {
    return {
      days: intWithin(this.days, 1, 366, 30),
      notUsedForDays: intWithin(this.notUsedForDays, 1, 3650, 30),
      expiringWithinDays: intWithin(this.expiringWithinDays, 0, 3650, 14),
      top: intWithin(this.top, 1, 100, 10),
    };
  }

  #emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** Words a person can act on, for any failure. */
  #message(error: unknown): string {
    const s = this.#s;
    if (!(error instanceof ApiError)) return fill(s.genericError, { status: 'error' });
    if (error.status === 0) return s.networkError;
    if (error.status === 401) return s.unauthenticated;
    if (error.status === 404) return s.notEnabled;
    if (error.status === 503) return s.serviceUnavailable;
    if (error.detail) return error.detail;
    return fill(s.genericError, { status: error.status });
  }

  async #load(): Promise<void> {
    const generation = ++this.#generation;
    if (this._report && this._phase === 'ready') this._refreshing = true;
    else this._phase = 'loading';
    try {
      const report = await this.#client!.report(this.#query());
      if (generation !== this.#generation) return;
      this._report = report;
      this._phase = 'ready';
      this._refreshing = false;
      this.#emit('report-loaded', { report });
    } catch (error) {
      if (generation !== this.#generation) return;
      this._refreshing = false;
      this._report = undefined;
      this.#destroyCharts();
      const status = error instanceof ApiError ? error.status : -1;
      if (status === 403) {
        this._phase = 'forbidden';
      } else {
        this._phase = 'error';
        this._error = this.#message(error);
      }
      this.#emit('report-failed', { status, code: error instanceof ApiError ? error.code : 'UNKNOWN' });
    }
  }

  #pickRange(days: number): void {
    if (days === this.days) return;
    this.days = days;
    this.#emit('range-changed', { days });
  }

  async #drawCharts(report: TenantReport): Promise<void> {
    // chart.js is loaded here, on first use, as its own chunk (shared with <api-key-manager>).
    const { renderDashboardCharts } = await import('./charts.js');
    await this.updateComplete;
    if (report !== this._report) return;
    const root = this.shadowRoot;
    const traffic = root?.querySelector<HTMLCanvasElement>('canvas[data-chart="traffic"]');
    const rate = root?.querySelector<HTMLCanvasElement>('canvas[data-chart="error-rate"]');
    if (!traffic || !rate) return;
    this.#destroyCharts();
    const s = this.#s;
    this.#charts = renderDashboardCharts(
      traffic,
      rate,
      report.daily,
      { requests: s.legendRequests, errors: s.legendErrors, errorRate: s.chartErrorRateTitle },
      themeChartColors(this),
    );
  }

  #destroyCharts(): void {
    this.#charts?.destroy();
    this.#charts = undefined;
    this.#chartedReport = undefined;
  }

  /* ---------- formatting ---------- */

  #n(value: number): string {
    return value.toLocaleString(this.locale);
  }

  #pct(rate: number): string {
    return new Intl.NumberFormat(this.locale, { style: 'percent', maximumFractionDigits: 1 }).format(rate);
  }

  #date(iso: string | null): string {
    if (!iso) return this.#s.unknown;
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return this.#s.unknown;
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium' }).format(date);
  }

  /** A `YYYY-MM-DD` UTC day in the person's locale. */
  #day(day: string): string {
    const date = new Date(`${day}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) return day;
    return new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
  }

  #daysCount(count: number): string {
    return fill(this.#s.daysCount, { count: this.#n(count) });
  }

  /* ---------- rendering ---------- */

  protected override render(): TemplateResult {
    const s = this.#s;
    const current = this.#query().days;
    const r = this._report;
    return html`
      <div class="header" part="header">
        <div>
          <h2 class="title">${s.title}</h2>
          <p class="subtitle">${s.subtitle}</p>
        </div>
        <div>
          <div class="actions">
            <slot name="header-actions"></slot>
            ${this._phase === 'forbidden' ? nothing : html`<div class="range" role="group" aria-label=${s.rangeLabel} part="range">
              ${DASHBOARD_RANGES.map(
                (d) => html`<button type="button" part="button" data-range=${d} aria-pressed=${d === current ? 'true' : 'false'}
                  aria-label=${fill(s.rangeOptionLabel, { days: d })} @click=${() => this.#pickRange(d)}>
                  ${fill(s.rangeOption, { days: d })}
                </button>`,
              )}
            </div>`}
          </div>
          ${r && this._phase === 'ready'
            ? html`<p class="period muted" data-period>${fill(s.rangeSummary, { from: this.#day(r.from), to: this.#day(r.to) })}</p>`
            : nothing}
        </div>
      </div>
      <div class="status visually-hidden" role="status" aria-live="polite">${this._refreshing ? s.refreshing : ''}</div>
      ${this.#renderBody()}
    `;
  }

  #renderBody(): TemplateResult {
    const s = this.#s;
    switch (this._phase) {
      case 'loading':
        return html`<div class="state" role="status" aria-live="polite" data-loading><span class="spinner" aria-hidden="true"></span>${s.loading}</div>`;
      case 'forbidden':
        return html`<div class="state" role="alert" part="error" data-forbidden>
          <p class="state-title">${s.forbidden}</p>
          <p class="muted">${s.forbiddenHint}</p>
        </div>`;
      case 'error':
        return html`<div class="state" role="alert" part="error" data-error>
          <p class="state-title">${this._error}</p>
          <button type="button" part="button" data-retry @click=${() => void this.#load()}>${s.retry}</button>
        </div>`;
      case 'ready':
        return this.#renderReport(this._report!);
    }
  }

  #renderReport(r: TenantReport): TemplateResult {
    const s = this.#s;
    if (r.totals.keys === 0) {
      return html`<div class="state" part="empty" data-empty>
        <slot name="empty">
          <p class="state-title">${s.empty}</p>
          <p class="muted">${s.emptyHint}</p>
        </slot>
      </div>`;
    }
    const days = r.settings.days;
    return html`<div class="content" aria-busy=${this._refreshing ? 'true' : 'false'} data-report>
      ${r.truncated ? html`<p class="banner warning" data-truncated>${fill(s.truncated, { count: this.#n(r.totals.keys) })}</p>` : nothing}
      <dl class="stats" part="stats">
        <div class="stat" part="stat" data-stat="requests"><dt>${s.statRequests}</dt><dd>${this.#n(r.totals.requests)}</dd></div>
        <div class="stat errors" part="stat" data-stat="errors"><dt>${s.statErrors}</dt><dd>${this.#n(r.totals.errors)}</dd></div>
        <div class="stat" part="stat" data-stat="error-rate"><dt>${s.statErrorRate}</dt><dd>${this.#pct(r.totals.errorRate)}</dd></div>
        <div class="stat" part="stat" data-stat="active-keys">
          <dt>${s.statActiveKeys}</dt>
          <dd>${this.#n(r.totals.activeKeys)}<small>${fill(s.statActiveKeysOf, { total: this.#n(r.totals.keys) })}</small></dd>
        </div>
      </dl>
      ${r.totals.requests === 0 ? html`<p class="muted" data-no-traffic>${fill(s.noTraffic, { days })}</p>` : nothing}
      ${this.#renderCharts(r)}
      <div class="panels">
        ${this.#renderTopKeys(r)}
        ${this.#panel('expiring', s.expiringTitle, fill(s.expiringCaption, { days: r.settings.expiringWithinDays }),
          fill(s.expiringEmpty, { days: r.settings.expiringWithinDays }), [s.colKey, s.colExpires, s.colDaysLeft],
          r.expiringSoon.map((k) => ({ id: k.id, name: k.name, cells: [this.#date(k.expiresAt), k.daysLeft === 0 ? s.daysLeftToday : this.#daysCount(k.daysLeft)] })))}
        ${this.#panel('never-used', s.neverUsedTitle, s.neverUsedCaption, s.neverUsedEmpty, [s.colKey, s.colCreated, s.colAge],
          r.neverUsed.map((k) => ({ id: k.id, name: k.name, cells: [this.#date(k.createdAt), this.#daysCount(k.ageDays)] })))}
        ${this.#panel('idle', fill(s.idleTitle, { days: r.settings.notUsedForDays }), fill(s.idleCaption, { days: r.settings.notUsedForDays }),
          fill(s.idleEmpty, { days: r.settings.notUsedForDays }), [s.colKey, s.colLastUsed, s.colIdle],
          r.notUsedRecently.map((k) => ({ id: k.id, name: k.name, cells: [this.#date(k.lastUsedAt), this.#daysCount(k.daysSinceUse)] })))}
        ${this.#panel('rotation', s.rotationTitle, fill(s.rotationCaption, { days: r.settings.rotationIntervalDays }),
          fill(s.rotationEmpty, { days: r.settings.rotationIntervalDays }), [s.colKey, s.colSecretIssued, s.colAge],
          r.rotationOverdue.map((k) => ({ id: k.id, name: k.name, autoRotate: k.autoRotate, cells: [this.#date(k.secretIssuedAt), this.#daysCount(k.ageDays)] })))}
      </div>
      <p class="footer muted">${fill(s.generatedAt, { time: new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(r.generatedAt)) })}</p>
    </div>`;
  }

  #renderCharts(r: TenantReport): TemplateResult {
    const s = this.#s;
    const days = r.daily.length;
    const busiest = peakOf(r.daily, (d) => d.requests);
    const worst = peakOf(r.daily, (d) => (d.requests > 0 ? d.errors / d.requests : -1));
    const trafficLabel =
      r.totals.requests === 0 || !busiest
        ? fill(s.chartNoData, { days })
        : fill(s.chartTrafficSummary, {
            requests: this.#n(r.totals.requests),
            errors: this.#n(r.totals.errors),
            days,
            peakDay: this.#day(busiest.day),
            peak: this.#n(busiest.requests),
          });
    const rateLabel =
      r.totals.requests === 0 || !worst
        ? fill(s.chartNoData, { days })
        : fill(s.chartErrorRateSummary, {
            rate: this.#pct(r.totals.errorRate),
            days,
            peakRate: this.#pct(worst.requests > 0 ? worst.errors / worst.requests : 0),
            peakDay: this.#day(worst.day),
          });
    return html`<div class="charts">
      <figure class="chart" part="chart">
        <div class="chart-head">
          <h3>${s.chartTrafficTitle}</h3>
          <ul class="legend" aria-hidden="true">
            <li><span class="swatch"></span>${s.legendRequests}</li>
            <li><span class="swatch errors"></span>${s.legendErrors}</li>
          </ul>
        </div>
        <div class="chart-canvas">
          <canvas data-chart="traffic" role="img" aria-label=${trafficLabel}></canvas>
        </div>
      </figure>
      <figure class="chart" part="chart">
        <div class="chart-head"><h3>${s.chartErrorRateTitle}</h3></div>
        <div class="chart-canvas">
          <canvas data-chart="error-rate" role="img" aria-label=${rateLabel}></canvas>
        </div>
      </figure>
    </div>
    <div class="visually-hidden">
      <table data-chart-table>
        <caption>${s.chartTableCaption}</caption>
        <thead>
          <tr><th scope="col">${s.colDay}</th><th scope="col">${s.colRequests}</th><th scope="col">${s.colErrors}</th><th scope="col">${s.colErrorRate}</th></tr>
        </thead>
        <tbody>
          ${r.daily.map(
            (d) => html`<tr>
              <th scope="row">${this.#day(d.day)}</th><td>${this.#n(d.requests)}</td><td>${this.#n(d.errors)}</td>
              <td>${this.#pct(d.requests > 0 ? d.errors / d.requests : 0)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  /** The masked key under a key's name (looked up in the report's key lines, indexed once per report). */
  #keySub(id: string): TemplateResult | typeof nothing {
    const report = this._report;
    if (!report) return nothing;
    let index = this.#masked.get(report);
    if (!index) this.#masked.set(report, (index = new Map(report.keys.map((k) => [k.id, k.maskedKey]))));
    const masked = index.get(id);
    return masked ? html`<span class="key-sub mono">${masked}</span>` : nothing;
  }

  #renderTopKeys(r: TenantReport): TemplateResult {
    const s = this.#s;
    const max = r.topKeys.reduce((m, k) => Math.max(m, k.requests), 0);
    return html`<section class="panel wide" part="panel" data-panel="top-keys" aria-labelledby="panel-top-keys">
      <h3 id="panel-top-keys">${s.topKeysTitle}</h3>
      ${r.topKeys.length === 0
        ? html`<p class="muted">${s.topKeysEmpty}</p>`
        : html`<div class="compact">
            <table part="table">
              <caption class="visually-hidden">${fill(s.topKeysCaption, { days: r.settings.days })}</caption>
              <thead>
                <tr>
                  <th scope="col">${s.colKey}</th><th scope="col" class="num">${s.colRequests}</th>
                  <th scope="col" class="num">${s.colErrors}</th><th scope="col" class="num">${s.colErrorRate}</th>
                </tr>
              </thead>
              <tbody>
                ${r.topKeys.map(
                  (k) => html`<tr data-key-id=${k.id}>
                    <th scope="row">
                      <span class="key-name">${k.name}</span>${this.#keySub(k.id)}
                      <span class="bar" aria-hidden="true" style="width:${max > 0 ? Math.max(2, Math.round((k.requests / max) * 100)) : 0}%"></span>
                    </th>
                    <td class="num">${this.#n(k.requests)}</td>
                    <td class="num">${this.#n(k.errors)}</td>
                    <td class="num">${this.#pct(k.errorRate)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
    </section>`;
  }

  /** A hygiene list: a titled box with a count and a table, or a one-line all-clear. */
  #panel(
    id: string,
    title: string,
    caption: string,
    emptyText: string,
    columns: string[],
    rows: Array<{ id: string; name: string; cells: string[]; autoRotate?: boolean }>,
  ): TemplateResult {
    return html`<section class="panel" part="panel" data-panel=${id} aria-labelledby="panel-${id}">
      <h3 id="panel-${id}">${title} <span class="count ${rows.length > 0 ? 'attention' : ''}" data-count>${this.#n(rows.length)}</span></h3>
      ${rows.length === 0
        ? html`<p class="muted">${emptyText}</p>`
        : html`<div class="compact">
            <table part="table">
              <caption class="visually-hidden">${caption}</caption>
              <thead>
                <tr>${columns.map((c, i) => html`<th scope="col" class=${i === 0 ? '' : 'num'}>${c}</th>`)}</tr>
              </thead>
              <tbody>
                ${rows.map(
                  (row) => html`<tr data-key-id=${row.id}>
                    <th scope="row">
                      <span class="key-name">${row.name}</span>${this.#keySub(row.id)}
                      ${row.autoRotate ? html`<span class="chip" data-auto-rotate>${this.#s.autoRotates}</span>` : nothing}
                    </th>
                    ${row.cells.map((c) => html`<td class="num">${c}</td>`)}
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'api-key-usage-dashboard': ApiKeyUsageDashboard;
  }
}
