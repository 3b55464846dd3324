/**
 * The keys table's data: `/meta` and the pages of keys, the environment and
 * status filters, pagination, revealed secrets, and what list items lack
 * ("last used", credits left, identities' external ids), fetched after the page.
 *
 * @module
 */

import type { ReactiveControllerHost } from 'lit';
import type { ApiAccess } from './api-access.js';
import { ApiError, type ApiClient } from './api-client.js';
import { HostedState } from './hosted-state.js';
import type { ApiKey, KeyStatus, Meta } from './types.js';

/** The list filters (`''`: all). */
export interface ListFilter {
  environment: string;
  status: '' | KeyStatus;
}

/** What the keys table shows. */
export interface KeyListState {
  meta: Meta | undefined;
  keys: ApiKey[];
  nextCursor: string | undefined;
  phase: 'loading' | 'ready' | 'forbidden' | 'error';
  loadError: string;
  loadingMore: boolean;
  listError: string;
  filter: ListFilter;
  /** A filter change is loading; the old page stays on screen meanwhile. */
  filtering: boolean;
  /** Revealed secrets, by key id. */
  revealed: Map<string, string>;
  /** When each key was last used (`null`: never), by key id; missing: unknown. */
  lastUsed: Map<string, string | null>;
  /** External ids of the identities of listed keys, by identity id. */
  identityNames: Map<string, string>;
}

/** What the list needs from its element. */
export interface KeyListOptions extends ApiAccess {
  /** The element's `page-size` as set (untrusted: clamped to 1…100). */
  pageSize(): unknown;
}

/** The identity's external id once known, else its id. */
export const identityNameOf = (list: KeyListState, identityId: string): string => list.identityNames.get(identityId) ?? identityId;

/**
 * Loads and holds the keys table's data; every change renders the host
 * again. It has no part in the host's lifecycle: the host decides when to load.
 */
export class KeyListController extends HostedState<KeyListState> {
  readonly #options: KeyListOptions;
  #generation = 0;

  constructor(host: ReactiveControllerHost & HTMLElement, options: KeyListOptions) {
    super(host, {
      meta: undefined,
      keys: [],
      nextCursor: undefined,
      phase: 'loading',
      loadError: '',
      loadingMore: false,
      listError: '',
      filter: { environment: '', status: '' },
      filtering: false,
      revealed: new Map(),
      lastUsed: new Map(),
      identityNames: new Map(),
    });
    this.#options = options;
  }

  get #api(): ApiClient {
    return this.#options.client();
  }

  /** Loads `/meta` and the first page with the current filters. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.set({ phase: 'loading', listError: '' });
    try {
      const [meta, page] = await Promise.all([this.#api.meta(), this.#api.list(this.#query())]);
      if (generation !== this.#generation) return;
      this.set({ meta, keys: page.items, nextCursor: page.nextCursor, revealed: new Map(), phase: 'ready' });
      this.#fillFromItems(page.items);
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof ApiError && error.status === 403) this.set({ phase: 'forbidden' });
      else this.set({ phase: 'error', loadError: this.#options.message(error) });
    }
  }

  #query(cursor?: string): { limit: number; cursor?: string; environment?: string; status?: string } {
    const { filter } = this.state;
    const query: { limit: number; cursor?: string; environment?: string; status?: string } = { limit: this.#limit() };
    if (cursor) query.cursor = cursor;
    if (filter.environment) query.environment = filter.environment;
    if (filter.status) query.status = filter.status;
    return query;
  }

  #limit(): number {
    const n = Math.trunc(Number(this.#options.pageSize()));
    return Number.isFinite(n) ? Math.min(100, Math.max(1, n)) : 20;
  }

  /** Reloads the first page with the filters changed, keeping the page on screen meanwhile. */
  async applyFilter(patch: Partial<ListFilter>): Promise<void> {
    const generation = ++this.#generation;
    this.set({ filter: { ...this.state.filter, ...patch }, filtering: true, listError: '' });
    try {
      const page = await this.#api.list(this.#query());
      if (generation !== this.#generation) return;
      this.set({ keys: page.items, nextCursor: page.nextCursor, revealed: new Map() });
      this.#fillFromItems(page.items);
    } catch (error) {
      if (generation === this.#generation) this.set({ listError: this.#options.message(error) });
    } finally {
      if (generation === this.#generation) this.set({ filtering: false });
    }
  }

  /** Appends the next page (keys already listed are not repeated). */
  async loadMore(): Promise<void> {
    const { nextCursor, loadingMore } = this.state;
    if (!nextCursor || loadingMore) return;
    this.set({ loadingMore: true, listError: '' });
    try {
      const page = await this.#api.list(this.#query(nextCursor));
      const known = new Set(this.state.keys.map((k) => k.id));
      this.set({ keys: [...this.state.keys, ...page.items.filter((k) => !known.has(k.id))], nextCursor: page.nextCursor });
      this.#fillFromItems(page.items);
    } catch (error) {
      this.set({ listError: this.#options.message(error) });
    } finally {
      this.set({ loadingMore: false });
    }
  }

  /** Puts a new key first (never used yet) and fetches what its create answer lacks. */
  add(key: ApiKey): void {
    this.set({
      keys: [key, ...this.state.keys.filter((k) => k.id !== key.id)],
      lastUsed: new Map(this.state.lastUsed).set(key.id, null),
    });
    // Credits left and the identity's external id are not in the create answer.
    if (key.credits || key.identityId) this.#fillFromItems([key]);
  }

  /** Replaces the listed copy of a key. */
  replace(key: ApiKey): void {
    this.set({ keys: this.state.keys.map((k) => (k.id === key.id ? key : k)) });
  }

  /** Takes a key off the list. */
  remove(id: string): void {
    this.set({ keys: this.state.keys.filter((k) => k.id !== id) });
  }

  /** Remembers an identity's external id. */
  nameIdentity(identityId: string, externalId: string): void {
    this.set({ identityNames: new Map(this.state.identityNames).set(identityId, externalId) });
  }

  /** Shows a key's full secret, or hides it again. Rejects when the API refuses. */
  async toggleReveal(key: ApiKey): Promise<void> {
    if (this.state.revealed.has(key.id)) {
      const next = new Map(this.state.revealed);
      next.delete(key.id);
      this.set({ revealed: next });
      return;
    }
    const secret = await this.#api.reveal(key.id);
    this.set({ revealed: new Map(this.state.revealed).set(key.id, secret) });
  }

  #fillFromItems(items: ApiKey[]): void {
    void this.#fillLastUsed(items);
    void this.#fillIdentityNames(items);
  }

  /**
   * "Last used" is not part of list items in every server version, and the
   * credits left never are (they live in the credit store); ask each key that
   * lacks them, a few at a time.
   */
  async #fillLastUsed(items: ApiKey[]): Promise<void> {
    const missing = items.filter((k) => !('lastUsedAt' in k) || (k.credits !== undefined && k.credits.remaining === undefined));
    const found = new Map<string, string | null>();
    const credits = new Map<string, NonNullable<ApiKey['credits']>>();
    for (const k of items) if ('lastUsedAt' in k) found.set(k.id, k.lastUsedAt ?? null);
    const queue = [...missing];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          const detail = await this.#api.get(next.id);
          if (!found.has(next.id)) found.set(next.id, detail.usage?.lastUsedAt ?? null);
          if (detail.credits) credits.set(next.id, detail.credits);
        } catch {
          // Shown as unknown; the row itself is still usable.
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const merged = new Map(this.state.lastUsed);
    for (const [id, at] of found) merged.set(id, at);
    this.set({ lastUsed: merged });
    // Only where the counter is still unknown: a save made meanwhile has the fresher value.
    if (credits.size > 0) {
      this.set({
        keys: this.state.keys.map((k) => {
          const c = credits.get(k.id);
          return c && k.credits && k.credits.remaining === undefined ? { ...k, credits: c } : k;
        }),
      });
    }
  }

  /** The external ids of the listed keys' identities: one page of `GET /identities`, only when a key has one. */
  async #fillIdentityNames(items: ApiKey[]): Promise<void> {
    const wanted = items.some((k) => k.identityId !== undefined && !this.state.identityNames.has(k.identityId));
    if (!wanted || !this.#options.can('keys:read')) return;
    try {
      const page = await this.#api.identities({ limit: 100 });
      const names = new Map(this.state.identityNames);
      for (const identity of page.items) names.set(identity.id, identity.externalId);
      this.set({ identityNames: names });
    } catch {
      // The identity id is shown instead.
    }
  }
}
