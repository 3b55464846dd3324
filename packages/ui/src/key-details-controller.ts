/**
 * The data of a key's details dialog: the key with its usage counters, the
 * daily usage (drawn as charts, chart.js loaded on first use) and the audit
 * trail with its pagination. Answers that arrive after the dialog moved on
 * are dropped.
 *
 * @module
 */

import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ApiAccess } from './api-access.js';
import { themeChartColors } from './chart-colors.js';
import { HostedState } from './hosted-state.js';
import type { UsageCharts } from './charts.js';
import type { ApiKey, ApiKeyDetail, AuditEvent, UsageDay } from './types.js';

/** Loaded parts of the details dialog. */
export interface DetailsState {
  key?: ApiKeyDetail;
  keyError?: string;
  usage?: UsageDay[];
  usageError?: string;
  audit?: AuditEvent[];
  auditCursor?: string;
  auditError?: string;
  auditLoading?: boolean;
}

/** What the details need from their element. */
export interface KeyDetailsOptions extends ApiAccess {
  /** Whether the details of key `id` are still on screen. */
  showing(id: string): boolean;
  /** The charts' titles. */
  chartLabels(): { requests: string; errorRate: string };
}

/** Loads and holds what the details dialog shows; every change renders the host again. */
export class KeyDetailsController extends HostedState<DetailsState> implements ReactiveController {
  readonly #options: KeyDetailsOptions;
  #charts: UsageCharts | undefined;

  constructor(host: ReactiveControllerHost & HTMLElement, options: KeyDetailsOptions) {
    super(host, {});
    this.#options = options;
    host.addController(this);
  }

  hostDisconnected(): void {
    this.destroyCharts();
  }

  /** Forgets the last key's data and loads the key, its usage and its audit trail (as permitted). */
  async load(id: string): Promise<void> {
    this.replaceState({});
    const { client, message, can, showing } = this.#options;
    const api = client();
    const tasks: Promise<void>[] = [
      api.get(id).then(
        (detail) => {
          if (showing(id)) this.set({ key: detail });
        },
        (error: unknown) => {
          if (showing(id)) this.set({ keyError: message(error) });
        },
      ),
    ];
    if (can('usage:read')) {
      tasks.push(
        api.usage(id).then(
          async (usage) => {
            if (!showing(id)) return;
            this.set({ usage: usage.days });
            await this.#drawCharts(usage.days);
          },
          (error: unknown) => {
            if (showing(id)) this.set({ usageError: message(error) });
          },
        ),
      );
    }
    if (can('audit:read')) tasks.push(this.loadAudit(id, undefined));
    await Promise.all(tasks);
  }

  /** Loads a page of the audit trail: the first (`cursor` undefined) or the next. */
  async loadAudit(id: string, cursor: string | undefined): Promise<void> {
    this.set({ auditLoading: true, auditError: undefined });
    try {
      const page = await this.#options.client().audit(id, { limit: 20, cursor });
      if (!this.#options.showing(id)) return;
      this.set({ audit: [...(cursor ? (this.state.audit ?? []) : []), ...page.items], auditCursor: page.nextCursor, auditLoading: false });
    } catch (error) {
      this.set({ auditError: this.#options.message(error), auditLoading: false });
    }
  }

  /** Takes a key changed by PATCH, keeping the usage counters (which PATCH does not return). */
  updated(key: ApiKey): void {
    // Not a merge: a removed quota or named limits must not survive from the old copy.
    if (this.state.key) this.set({ key: { ...key, usage: this.state.key.usage } });
  }

  async #drawCharts(days: UsageDay[]): Promise<void> {
    await this.host.updateComplete;
    // chart.js is loaded here, on first use, as its own chunk.
    const { renderUsageCharts } = await import('./charts.js');
    await this.host.updateComplete;
    const root = this.host.shadowRoot;
    const requests = root?.querySelector<HTMLCanvasElement>('canvas[data-chart="requests"]');
    const errors = root?.querySelector<HTMLCanvasElement>('canvas[data-chart="error-rate"]');
    if (!requests || !errors) return;
    this.destroyCharts();
    this.#charts = renderUsageCharts(requests, errors, days, this.#options.chartLabels(), themeChartColors(this.host));
  }

  /** Removes the charts (before their canvases go away). */
  destroyCharts(): void {
    this.#charts?.destroy();
    this.#charts = undefined;
  }
}
