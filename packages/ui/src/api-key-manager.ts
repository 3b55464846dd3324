import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { ApiClient, ApiError, type FieldError } from './api-client.js';
import { headersConverter } from './attributes.js';
import { codeSnippets, envFile } from './code-snippets.js';
import {
  expiryInput,
  formatDateTime,
  localDay,
  parseList,
  slug,
  statusLabel,
  validateName,
  windowLabel,
  type ExpiryPreset,
} from './format.js';
import {
  blankLimitRow,
  createCredits,
  creditsField,
  creditsForm,
  creditsLabel,
  creditsUpdate,
  limitRows,
  limitsField,
  limitsUpdate,
  refillLabel,
  type CreditsForm,
  type EditErrors,
  type LimitRow,
} from './key-edits.js';
import { ModalFocusController, renderModal } from './modal.js';
import { DEFAULT_STRINGS, fill, mergeStrings, type Strings } from './strings.js';
import { styles } from './styles.js';
import type { UsageCharts } from './charts.js';
import type {
  ApiKey,
  ApiKeyDetail,
  AuditEvent,
  CreateKeyInput,
  Identity,
  IssuedKey,
  KeyStatus,
  Meta,
  Permission,
  RateLimitPolicy,
  UpdateKeyInput,
  UsageDay,
} from './types.js';

/** Which dialog is open. */
type ModalState =
  | { kind: 'create' }
  | { kind: 'secret'; issued: IssuedKey; rotated: boolean }
  | { kind: 'regenerate'; key: ApiKey }
  | { kind: 'delete'; key: ApiKey }
  | { kind: 'revoke'; key: ApiKey }
  | { kind: 'details'; key: ApiKey }
  | { kind: 'whoami' }
  | { kind: 'identity'; identityId: string; back?: ApiKey };

/** The section of the details dialog being edited, with its raw values and errors. */
type EditState =
  | { section: 'name'; name: string; errors: EditErrors }
  | { section: 'credits'; form: CreditsForm; errors: EditErrors }
  | { section: 'limits'; rows: LimitRow[]; errors: EditErrors };

/** The list filters (`''`: all). */
interface ListFilter {
  environment: string;
  status: '' | KeyStatus;
}

/** What the key lookup (whoami) dialog shows. Never the pasted key. */
interface LookupState {
  result?: ApiKey;
  notFound?: boolean;
  error?: string;
  inputError?: string;
  busy?: boolean;
}

/** The identity dialog's data. */
interface IdentityState {
  data?: Identity;
  error?: string;
}

const STATUSES: readonly KeyStatus[] = ['active', 'disabled', 'revoked', 'expired'];

/** The create form's raw values. */
interface CreateForm {
  name: string;
  environment: string;
  scopes: string[];
  scopesText: string;
  expiry: ExpiryPreset;
  customDate: string;
  ipText: string;
  rateLimit: string;
  rateWindow: string;
  credits: CreditsForm;
  externalId: string;
}

/** Loaded parts of the details dialog. */
interface DetailsState {
  key?: ApiKeyDetail;
  keyError?: string;
  usage?: UsageDay[];
  usageError?: string;
  audit?: AuditEvent[];
  auditCursor?: string;
  auditError?: string;
  auditLoading?: boolean;
}

/** Grace period choices of the regenerate dialog, in seconds. */
const GRACE_CHOICES = [0, 3600, 86400, 604800] as const;

/** Field names of the create form that can carry an error. */
const FORM_FIELDS = ['name', 'environment', 'scopes', 'expiry', 'ipAllowlist', 'rateLimit', 'credits', 'externalId'] as const;
type FormField = (typeof FORM_FIELDS)[number];

/**
 * The field problems worth showing. A nullable field's schema is `oneOf [policy, null]`, so a bad
 * policy also fails the `null` branch: that "must be null" says nothing when a real message exists.
 */
function usefulIssues(issues: readonly FieldError[]): readonly FieldError[] {
  const rest = issues.filter((i) => i.message !== 'must be null');
  return rest.length > 0 ? rest : issues;
}

/** The form field a problem+json pointer (`/ipAllowlist/0`) belongs to. */
function fieldOf(pointer: string): FormField | undefined {
  const head = pointer.replace(/^\//, '').split('/')[0] ?? '';
  if (head === 'expiresAt' || head === 'expiresIn') return 'expiry';
  if (head === 'identityId') return 'externalId';
  return (FORM_FIELDS as readonly string[]).includes(head) ? (head as FormField) : undefined;
}

const emptyForm = (environment: string): CreateForm => ({
  name: '',
  environment,
  scopes: [],
  scopesText: '',
  expiry: 'never',
  customDate: '',
  ipText: '',
  rateLimit: '',
  rateWindow: '60',
  credits: creditsForm(undefined),
  externalId: '',
});

/**
 * The whole "API Keys" settings page as one element: the keys table (with
 * environment and status filters), create, regenerate, revoke, delete,
 * reveal, details with usage charts and the audit trail, editing of a key's
 * name, credits and rate limits, its identity, and a key lookup (whoami). It talks to the keygate management API at `endpoint`; the acting
 * user's permissions come from `GET {endpoint}/meta`.
 *
 * @element api-key-manager
 *
 * @fires key-created - A key was created. `detail: { key }` (public data, never the secret).
 * @fires key-rotated - A key was regenerated. `detail: { key }`.
 * @fires key-revoked - A key was revoked. `detail: { key }`.
 * @fires key-deleted - A key was deleted. `detail: { id, key }`.
 * @fires key-updated - A key was enabled, disabled, renamed, or its credits or rate limits changed. `detail: { key }`.
 *
 * @slot header-actions - Extra controls next to the "Create API key" button.
 * @slot empty - Replaces the default empty-state text.
 *
 * @csspart header - The title row.
 * @csspart create-button - The "Create API key" button.
 * @csspart lookup-button - The "Look up a key" button.
 * @csspart filters - The environment and status filters above the table.
 * @csspart identity-link - A key's identity link (opens the identity).
 * @csspart button - Every button.
 * @csspart table - The keys table.
 * @csspart row - A key's row (a card on narrow screens).
 * @csspart status-badge - A key's status badge.
 * @csspart empty - The empty state.
 * @csspart error - Error states and messages.
 * @csspart load-more - The pagination button.
 * @csspart backdrop - A dialog's backdrop.
 * @csspart dialog - A dialog box.
 * @csspart dialog-header - A dialog's title bar.
 * @csspart dialog-body - A dialog's content.
 * @csspart dialog-footer - A dialog's button row.
 * @csspart input - Text inputs, selects and text areas.
 * @csspart secret - The one-time secret.
 * @csspart code - Code examples.
 * @csspart chart - A usage chart's box.
 *
 * @cssprop --kg-color-bg - Background.
 * @cssprop --kg-color-surface - Table header, chips, empty state.
 * @cssprop --kg-color-text - Text.
 * @cssprop --kg-color-muted - Secondary text.
 * @cssprop --kg-color-border - Borders.
 * @cssprop --kg-color-primary - Primary buttons, links, requests chart.
 * @cssprop --kg-color-on-primary - Text on primary buttons.
 * @cssprop --kg-color-danger - Destructive actions, errors, error-rate chart.
 * @cssprop --kg-color-on-danger - Text on destructive buttons.
 * @cssprop --kg-color-success - Success messages, the active badge.
 * @cssprop --kg-color-warning-bg - Background of the "shown once" warning.
 * @cssprop --kg-color-warning-text - Text of the "shown once" warning.
 * @cssprop --kg-color-code-bg - Background of the secret and code examples.
 * @cssprop --kg-color-backdrop - Dialog backdrop.
 * @cssprop --kg-focus-ring - Focus indicator (a box-shadow).
 * @cssprop --kg-radius - Corner radius.
 * @cssprop --kg-font-family - Font.
 * @cssprop --kg-font-mono - Monospace font.
 * @cssprop --kg-font-size - Base font size.
 * @cssprop --kg-spacing - Outer padding and section gaps.
 * @cssprop --kg-z-index - Stacking order of dialogs.
 */
export class ApiKeyManager extends LitElement {
  static override styles = styles;

  static override properties = {
    endpoint: { type: String },
    apiBaseUrl: { type: String, attribute: 'api-base-url' },
    headers: { attribute: 'headers', converter: headersConverter },
    credentials: { type: String },
    theme: { type: String, reflect: true },
    locale: { type: String },
    pageSize: { type: Number, attribute: 'page-size' },
    envVar: { type: String, attribute: 'env-var' },
    strings: { attribute: false },
    _meta: { state: true },
    _keys: { state: true },
    _nextCursor: { state: true },
    _phase: { state: true },
    _loadError: { state: true },
    _loadingMore: { state: true },
    _listError: { state: true },
    _status: { state: true },
    _modal: { state: true },
    _busy: { state: true },
    _modalError: { state: true },
    _form: { state: true },
    _formErrors: { state: true },
    _grace: { state: true },
    _revealed: { state: true },
    _lastUsed: { state: true },
    _details: { state: true },
    _tab: { state: true },
    _secretStatus: { state: true },
    _filter: { state: true },
    _filtering: { state: true },
    _identityNames: { state: true },
    _edit: { state: true },
    _lookup: { state: true },
    _identity: { state: true },
  };

  /** Base URL of the keygate management API. */
  declare endpoint: string;
  /** Base URL used in the code examples. Default: `location.origin`. */
  declare apiBaseUrl: string;
  /** Extra request headers (e.g. a CSRF token). Attribute: a JSON object. */
  declare headers: Record<string, string>;
  /** fetch credentials mode. */
  declare credentials: RequestCredentials;
  /** `light`, `dark` or `auto` (follows the system). */
  declare theme: 'light' | 'dark' | 'auto';
  /** BCP 47 locale for dates; default: the browser's. */
  declare locale: string | undefined;
  /** Keys per page (1 to 100). */
  declare pageSize: number;
  /** Variable name in the downloaded `.env` file. */
  declare envVar: string;
  /** Partial map of UI texts to override (see docs/ui.md for the keys). */
  declare strings: Partial<Strings>;

  declare _meta: Meta | undefined;
  declare _keys: ApiKey[];
  declare _nextCursor: string | undefined;
  declare _phase: 'loading' | 'ready' | 'forbidden' | 'error';
  declare _loadError: string;
  declare _loadingMore: boolean;
  declare _listError: string;
  declare _status: { text: string; kind: 'success' | 'error' } | undefined;
  declare _modal: ModalState | undefined;
  declare _busy: boolean;
  declare _modalError: string;
  declare _form: CreateForm;
  declare _formErrors: Partial<Record<FormField | 'form', string>>;
  declare _grace: number;
  declare _revealed: Map<string, string>;
  declare _lastUsed: Map<string, string | null>;
  declare _details: DetailsState;
  declare _tab: 'curl' | 'javascript' | 'python';
  declare _secretStatus: string;
  declare _filter: ListFilter;
  declare _filtering: boolean;
  /** External ids of the identities of listed keys, by identity id. */
  declare _identityNames: Map<string, string>;
  declare _edit: EditState | undefined;
  declare _lookup: LookupState;
  declare _identity: IdentityState;

  #client: ApiClient | undefined;
  #s: Strings = { ...DEFAULT_STRINGS };
  #loadGeneration = 0;
  #charts: UsageCharts | undefined;
  readonly #focus = new ModalFocusController(this, () => {
    const root = this.shadowRoot;
    return root?.querySelector<HTMLElement>('[data-create]') ?? root?.querySelector<HTMLElement>('h2.title');
  });

  constructor() {
    super();
    // Defaults here, not as class fields: a class field would shadow Lit's
    // reactive accessor when compiled with [[Define]] semantics.
    this.endpoint = '/api/v1/platform/api-keys';
    this.apiBaseUrl = '';
    this.headers = {};
    this.credentials = 'same-origin';
    this.theme = 'auto';
    this.locale = undefined;
    this.pageSize = 20;
    this.envVar = 'KEYGATE_API_KEY';
    this.strings = {};
    this._keys = [];
    this._phase = 'loading';
    this._loadError = '';
    this._loadingMore = false;
    this._listError = '';
    this._busy = false;
    this._modalError = '';
    this._form = emptyForm('');
    this._formErrors = {};
    this._grace = 0;
    this._revealed = new Map();
    this._lastUsed = new Map();
    this._details = {};
    this._tab = 'curl';
    this._secretStatus = '';
    this._filter = { environment: '', status: '' };
    this._filtering = false;
    this._identityNames = new Map();
    this._edit = undefined;
    this._lookup = {};
    this._identity = {};
  }

  /** The permissions of the acting user (from `/meta`). */
  get permissions(): readonly string[] {
    return this._meta?.permissions ?? [];
  }

  /** Reloads metadata and the first page of keys. */
  async reload(): Promise<void> {
    await this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#destroyCharts();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('strings')) this.#s = mergeStrings(this.strings as Record<string, unknown>);
    if (changed.has('endpoint') || changed.has('headers') || changed.has('credentials') || !this.#client) {
      this.#client = new ApiClient({ endpoint: this.endpoint, headers: this.headers ?? {}, credentials: this.credentials });
      if (this.isConnected) void this.#load();
    }
  }

  #can(permission: Permission): boolean {
    const granted = this.permissions;
    return granted.includes(permission) || granted.includes('*') || granted.includes(`${permission.split(':')[0]}:*`);
  }

  get #api(): ApiClient {
    return this.#client!;
  }

  /** Words a person can act on, for any failure. */
  #message(error: unknown): string {
    const s = this.#s;
    if (!(error instanceof ApiError)) return fill(s.genericError, { status: 'error' });
    if (error.status === 0) return s.networkError;
    if (error.status === 401) return s.unauthenticated;
    if (error.status === 403) return s.forbiddenAction;
    if (error.code === 'KEY_NOT_FOUND') return s.notFound;
    if (error.detail) return error.detail;
    if (error.fieldErrors.length > 0) return error.fieldErrors.map((e) => e.message).join(' ');
    if (error.status === 503) return s.serviceUnavailable;
    return fill(s.genericError, { status: error.status });
  }

  #announce(text: string, kind: 'success' | 'error' = 'success'): void {
    // A fresh object each time so that repeating the same words is announced again.
    this._status = { text, kind };
  }

  #emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  async #load(): Promise<void> {
    const generation = ++this.#loadGeneration;
    this._phase = 'loading';
    this._listError = '';
    try {
      const [meta, page] = await Promise.all([this.#api.meta(), this.#api.list(this.#listQuery())]);
      if (generation !== this.#loadGeneration) return;
      this._meta = meta;
      this._keys = page.items;
      this._nextCursor = page.nextCursor;
      this._revealed = new Map();
      this._phase = 'ready';
      this.#fillFromItems(page.items);
    } catch (error) {
      if (generation !== this.#loadGeneration) return;
      if (error instanceof ApiError && error.status === 403) {
        this._phase = 'forbidden';
      } else {
        this._phase = 'error';
        this._loadError = this.#message(error);
      }
    }
  }

  #listQuery(cursor?: string): { limit: number; cursor?: string; environment?: string; status?: string } {
    const query: { limit: number; cursor?: string; environment?: string; status?: string } = { limit: this.#limit() };
    if (cursor) query.cursor = cursor;
    if (this._filter.environment) query.environment = this._filter.environment;
    if (this._filter.status) query.status = this._filter.status;
    return query;
  }

  /** Reloads the first page with the current filters, keeping the page on screen meanwhile. */
  async #applyFilter(patch: Partial<ListFilter>): Promise<void> {
    this._filter = { ...this._filter, ...patch };
    const generation = ++this.#loadGeneration;
    this._filtering = true;
    this._listError = '';
    try {
      const page = await this.#api.list(this.#listQuery());
      if (generation !== this.#loadGeneration) return;
      this._keys = page.items;
      this._nextCursor = page.nextCursor;
      this._revealed = new Map();
      this.#fillFromItems(page.items);
    } catch (error) {
      if (generation === this.#loadGeneration) this._listError = this.#message(error);
    } finally {
      if (generation === this.#loadGeneration) this._filtering = false;
    }
  }

  #limit(): number {
    const n = Math.trunc(Number(this.pageSize));
    return Number.isFinite(n) ? Math.min(100, Math.max(1, n)) : 20;
  }

  async #loadMore(): Promise<void> {
    if (!this._nextCursor || this._loadingMore) return;
    this._loadingMore = true;
    this._listError = '';
    try {
      const page = await this.#api.list(this.#listQuery(this._nextCursor));
      const known = new Set(this._keys.map((k) => k.id));
      this._keys = [...this._keys, ...page.items.filter((k) => !known.has(k.id))];
      this._nextCursor = page.nextCursor;
      this.#fillFromItems(page.items);
    } catch (error) {
      this._listError = this.#message(error);
    } finally {
      this._loadingMore = false;
    }
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
    const merged = new Map(this._lastUsed);
    for (const [id, at] of found) merged.set(id, at);
    this._lastUsed = merged;
    // Only where the counter is still unknown: a save made meanwhile has the fresher value.
    if (credits.size > 0) {
      this._keys = this._keys.map((k) => {
        const c = credits.get(k.id);
        return c && k.credits && k.credits.remaining === undefined ? { ...k, credits: c } : k;
      });
    }
  }

  /** The external ids of the listed keys' identities: one page of `GET /identities`, only when a key has one. */
  async #fillIdentityNames(items: ApiKey[]): Promise<void> {
    const wanted = items.some((k) => k.identityId !== undefined && !this._identityNames.has(k.identityId));
    if (!wanted || !this.#can('keys:read')) return;
    try {
      const page = await this.#api.identities({ limit: 100 });
      const names = new Map(this._identityNames);
      for (const identity of page.items) names.set(identity.id, identity.externalId);
      this._identityNames = names;
    } catch {
      // The identity id is shown instead.
    }
  }

  #replaceKey(key: ApiKey): void {
    this._keys = this._keys.map((k) => (k.id === key.id ? key : k));
  }

  /* ---------- dialogs ---------- */

  #open(modal: ModalState, opener?: EventTarget | null): void {
    if (this._modal?.kind === 'details' && modal.kind !== 'details') this.#destroyCharts();
    this._modal = modal;
    this._busy = false;
    this._modalError = '';
    this._edit = undefined;
    this.#focus.opened(opener as Element | null | undefined);
  }

  #close = (): void => {
    if (this._modal?.kind === 'details') this.#destroyCharts();
    this._modal = undefined;
    this._busy = false;
    this._modalError = '';
    this._secretStatus = '';
    this._edit = undefined;
    this._lookup = {};
    this._identity = {};
    this.#focus.closed();
  };

  #openCreate(e: Event): void {
    this._form = emptyForm(this._meta?.defaultEnvironment ?? this._meta?.environments[0]?.name ?? '');
    this._formErrors = {};
    this.#open({ kind: 'create' }, e.currentTarget);
  }

  #setForm(patch: Partial<CreateForm>): void {
    this._form = { ...this._form, ...patch };
  }

  #maxName(): number {
    return this._meta?.maxNameLength ?? 32;
  }

  #onNameInput(e: Event): void {
    const name = (e.target as HTMLInputElement).value;
    this.#setForm({ name });
    const error = validateName(name, this.#maxName(), this.#s);
    this._formErrors = { ...this._formErrors, name: error };
  }

  /** The create body, or field errors. */
  #buildCreate(): { input?: CreateKeyInput; errors: Partial<Record<FormField, string>> } {
    const f = this._form;
    const s = this.#s;
    const errors: Partial<Record<FormField, string>> = {};
    const nameError = validateName(f.name, this.#maxName(), s);
    if (nameError) errors.name = nameError;
    const expiry = expiryInput(f.expiry, f.customDate);
    if (expiry === 'missing') errors.expiry = s.expiryDateRequired;
    else if (expiry === 'past') errors.expiry = s.expiryDatePast;
    let rateLimit: CreateKeyInput['rateLimit'];
    if (f.rateLimit.trim() !== '') {
      const limit = Number(f.rateLimit);
      if (!Number.isInteger(limit) || limit < 1) errors.rateLimit = s.rateLimitInvalid;
      else rateLimit = { limit, windowSeconds: Number(f.rateWindow) };
    }
    const quota = createCredits(f.credits, s);
    const quotaError = Object.values(quota.errors)[0];
    if (quotaError) errors.credits = quotaError;
    if (Object.keys(errors).length > 0 || typeof expiry === 'string') return { errors };
    const catalogue = (this._meta?.scopes.length ?? 0) > 0;
    const input: CreateKeyInput = {
      name: f.name.trim(),
      scopes: catalogue ? f.scopes : parseList(f.scopesText),
      ...expiry,
    };
    if (f.environment) input.environment = f.environment;
    const ips = parseList(f.ipText);
    if (ips.length > 0) input.ipAllowlist = ips;
    if (rateLimit) input.rateLimit = rateLimit;
    if (quota.credits) input.credits = quota.credits;
    const externalId = f.externalId.trim();
    if (externalId) input.externalId = externalId;
    return { input, errors };
  }

  async #submitCreate(e: Event): Promise<void> {
    e.preventDefault();
    if (this._busy) return;
    const { input, errors } = this.#buildCreate();
    if (!input) {
      this._formErrors = { ...errors, form: this.#s.formHasErrors };
      this.#focusFirstInvalid();
      return;
    }
    this._formErrors = {};
    this._busy = true;
    try {
      const issued = await this.#api.create(input);
      this._keys = [issued.key, ...this._keys.filter((k) => k.id !== issued.key.id)];
      this._lastUsed = new Map(this._lastUsed).set(issued.key.id, null);
      // Credits left and the identity's external id are not in the create answer.
      if (issued.key.credits || issued.key.identityId) this.#fillFromItems([issued.key]);
      this.#showSecret(issued, false);
      this.#announce(this.#s.createdMessage);
      this.#emit('key-created', { key: issued.key });
    } catch (error) {
      this._busy = false;
      this.#applyProblem(error);
    }
  }

  /** Puts field errors next to their fields and the rest at the top of the form. */
  #applyProblem(error: unknown): void {
    const errors: Partial<Record<FormField | 'form', string>> = {};
    const leftovers: string[] = [];
    if (error instanceof ApiError) {
      for (const issue of usefulIssues(error.fieldErrors)) {
        const field = fieldOf(issue.field);
        if (field && !errors[field]) errors[field] = issue.message;
        else if (!field) leftovers.push(issue.message);
      }
    }
    const placed = Object.keys(errors).length > 0;
    if (!placed || leftovers.length > 0) {
      errors.form = leftovers.length > 0 ? leftovers.join(' ') : this.#message(error);
    } else {
      errors.form = this.#s.formHasErrors;
    }
    this._formErrors = errors;
    this.#focusFirstInvalid();
  }

  async #focusFirstInvalid(): Promise<void> {
    await this.updateComplete;
    const dialog = this.shadowRoot?.querySelector('[aria-modal="true"]');
    const target = dialog?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? dialog?.querySelector<HTMLElement>('.form-error');
    target?.focus();
  }

  #showSecret(issued: IssuedKey, rotated: boolean): void {
    this._tab = 'curl';
    this._secretStatus = '';
    this.#open({ kind: 'secret', issued, rotated });
  }

  async #submitRegenerate(key: ApiKey): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._modalError = '';
    try {
      const issued = await this.#api.regenerate(key.id, this._grace);
      this.#replaceKey(issued.key);
      this.#showSecret(issued, true);
      this.#announce(this.#s.rotatedMessage);
      this.#emit('key-rotated', { key: issued.key });
    } catch (error) {
      this.#failInModal(error);
    }
  }

  async #submitDelete(key: ApiKey): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._modalError = '';
    try {
      await this.#api.delete(key.id);
      this._keys = this._keys.filter((k) => k.id !== key.id);
      this.#close();
      this.#announce(fill(this.#s.deletedMessage, { name: key.name }));
      this.#emit('key-deleted', { id: key.id, key });
    } catch (error) {
      this.#failInModal(error);
    }
  }

  async #submitRevoke(key: ApiKey): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._modalError = '';
    try {
      const revoked = await this.#api.revoke(key.id);
      this.#replaceKey(revoked);
      this.#close();
      this.#announce(fill(this.#s.revokedMessage, { name: key.name }));
      this.#emit('key-revoked', { key: revoked });
    } catch (error) {
      this.#failInModal(error);
    }
  }

  async #toggleEnabled(key: ApiKey): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._modalError = '';
    try {
      const updated = await this.#api.update(key.id, { enabled: !key.enabled });
      this.#applyUpdated(updated);
      this._busy = false;
      this.#announce(fill(this.#s.updatedMessage, { name: key.name }));
      this.#emit('key-updated', { key: updated });
    } catch (error) {
      this.#failInModal(error);
    }
  }

  /** Puts a key changed by PATCH into the list and the open details. */
  #applyUpdated(updated: ApiKey): void {
    this.#replaceKey(updated);
    if (this._modal?.kind === 'details' && this._modal.key.id === updated.id) {
      this._modal = { kind: 'details', key: updated };
      // Not a merge: a removed quota or named limits must not survive from the old copy.
      if (this._details.key) this._details = { ...this._details, key: { ...updated, usage: this._details.key.usage } };
    }
  }

  /* ---------- editing in details: name, credits, rate limits ---------- */

  #startEdit(section: EditState['section'], key: ApiKey): void {
    this._modalError = '';
    if (section === 'name') this._edit = { section, name: key.name, errors: {} };
    else if (section === 'credits') this._edit = { section, form: creditsForm(key.credits), errors: {} };
    else this._edit = { section, rows: limitRows(key), errors: {} };
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>('[data-edit-form] input:not([disabled])')?.focus());
  }

  #cancelEdit(): void {
    const section = this._edit?.section;
    this._edit = undefined;
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(`[data-edit="${section}"]`)?.focus());
  }

  #patchEdit(patch: Partial<{ name: string; form: Partial<CreditsForm>; rows: LimitRow[]; errors: EditErrors }>): void {
    const e = this._edit;
    if (!e) return;
    if (e.section === 'name') this._edit = { ...e, name: patch.name ?? e.name, errors: patch.errors ?? e.errors };
    else if (e.section === 'credits') this._edit = { ...e, form: { ...e.form, ...patch.form }, errors: patch.errors ?? e.errors };
    else this._edit = { ...e, rows: patch.rows ?? e.rows, errors: patch.errors ?? e.errors };
  }

  #setRow(index: number, patch: Partial<LimitRow>): void {
    if (this._edit?.section !== 'limits') return;
    this.#patchEdit({ rows: this._edit.rows.map((r, i) => (i === index ? { ...r, ...patch } : r)) });
  }

  /** Validates the open editor, sends the PATCH and shows the API's field errors next to the fields. */
  async #saveEdit(e: Event, key: ApiKey): Promise<void> {
    e.preventDefault();
    const edit = this._edit;
    if (!edit || this._busy) return;
    const s = this.#s;
    let built: { input?: UpdateKeyInput; errors: EditErrors };
    if (edit.section === 'name') {
      const error = validateName(edit.name, this.#maxName(), s);
      built = error ? { errors: { name: error } } : { input: { name: edit.name.trim() }, errors: {} };
    } else if (edit.section === 'credits') {
      built = creditsUpdate(edit.form, key.credits, s);
    } else {
      built = limitsUpdate(edit.rows, key, s);
    }
    if (!built.input) {
      this.#patchEdit({ errors: built.errors });
      this.#focusFirstInvalid();
      return;
    }
    this._busy = true;
    this._modalError = '';
    try {
      const updated = await this.#api.update(key.id, built.input);
      this._busy = false;
      this._edit = undefined;
      this.#applyUpdated(updated);
      this.#announce(fill(s.updatedMessage, { name: updated.name }));
      this.#emit('key-updated', { key: updated });
      void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(`[data-edit="${edit.section}"]`)?.focus());
    } catch (error) {
      this._busy = false;
      this.#editProblem(error, edit);
    }
  }

  async #removeQuota(key: ApiKey): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._modalError = '';
    try {
      const updated = await this.#api.update(key.id, { credits: null });
      this._busy = false;
      this._edit = undefined;
      this.#applyUpdated(updated);
      this.#announce(fill(this.#s.creditsRemoved, { name: updated.name }));
      this.#emit('key-updated', { key: updated });
    } catch (error) {
      this.#failInModal(error);
    }
  }

  /** Field errors of a failed PATCH next to the editor's fields; the rest above the editor. */
  #editProblem(error: unknown, edit: EditState): void {
    const errors: EditErrors = {};
    const leftovers: string[] = [];
    if (error instanceof ApiError) {
      for (const issue of usefulIssues(error.fieldErrors)) {
        const field =
          edit.section === 'name'
            ? issue.field === '/name' ? 'name' : undefined
            : edit.section === 'credits'
              ? creditsField(issue.field)
              : limitsField(issue.field, edit.rows);
        if (field && !errors[field]) errors[field] = issue.message;
        else if (!field) leftovers.push(issue.message);
      }
    }
    if (Object.keys(errors).length === 0 || leftovers.length > 0) {
      errors['form'] = leftovers.length > 0 ? leftovers.join(' ') : this.#message(error);
    }
    this.#patchEdit({ errors });
    if (error instanceof ApiError && error.code === 'KEY_NOT_FOUND') void this.#load();
    this.#focusFirstInvalid();
  }

  /* ---------- key lookup (whoami) ---------- */

  #openLookup(e: Event): void {
    this._lookup = {};
    this.#open({ kind: 'whoami' }, e.currentTarget);
  }

  /**
   * Looks the pasted key up with `POST /whoami`. The key is read from the
   * input, sent in the body, and the input is cleared: it is never kept in
   * the element's state, put in a URL, an event or the console.
   */
  async #submitLookup(e: Event): Promise<void> {
    e.preventDefault();
    const input = this.shadowRoot?.querySelector<HTMLInputElement>('#lookup-key');
    if (!input || this._lookup.busy) return;
    const presented = input.value.trim();
    input.value = '';
    if (!presented) {
      this._lookup = { inputError: this.#s.lookupRequired };
      input.focus();
      return;
    }
    this._lookup = { busy: true };
    try {
      const key = await this.#api.whoami(presented);
      this._lookup = { result: key };
    } catch (error) {
      this._lookup = error instanceof ApiError && error.code === 'KEY_NOT_FOUND' ? { notFound: true } : { error: this.#message(error) };
    }
    input.focus();
  }

  /* ---------- identity ---------- */

  async #openIdentity(identityId: string, back: ApiKey | undefined, opener: EventTarget | null): Promise<void> {
    this._identity = {};
    this.#open({ kind: 'identity', identityId, back }, opener);
    try {
      const data = await this.#api.identity(identityId);
      if (this._modal?.kind !== 'identity' || this._modal.identityId !== identityId) return;
      this._identity = { data };
      this._identityNames = new Map(this._identityNames).set(data.id, data.externalId);
    } catch (error) {
      if (this._modal?.kind === 'identity' && this._modal.identityId === identityId) this._identity = { error: this.#message(error) };
    }
  }

  #identityName(id: string): string {
    return this._identityNames.get(id) ?? id;
  }

  #failInModal(error: unknown): void {
    this._busy = false;
    this._modalError = this.#message(error);
    if (error instanceof ApiError && error.code === 'KEY_NOT_FOUND') void this.#load();
  }

  async #reveal(key: ApiKey): Promise<void> {
    if (this._revealed.has(key.id)) {
      const next = new Map(this._revealed);
      next.delete(key.id);
      this._revealed = next;
      return;
    }
    try {
      const secret = await this.#api.reveal(key.id);
      this._revealed = new Map(this._revealed).set(key.id, secret);
    } catch (error) {
      this.#announce(this.#message(error), 'error');
    }
  }

  /* ---------- secret: copy and download ---------- */

  async #copy(text: string): Promise<void> {
    const s = this.#s;
    let ok = false;
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = this.#copyFallback(text);
    }
    this._secretStatus = ok ? s.copied : s.copyFailed;
  }

  /** `execCommand('copy')` for browsers or contexts without the async clipboard. */
  #copyFallback(text: string): boolean {
    const active = this.shadowRoot?.activeElement as HTMLElement | null;
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    this.shadowRoot!.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    active?.focus();
    return ok;
  }

  #download(issued: IssuedKey): void {
    const file = `${slug(issued.key.name)}.env`;
    const blob = new Blob([envFile(issued.secret, this.envVar)], { type: 'text/plain' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = file;
    a.rel = 'noopener';
    a.style.display = 'none';
    this.shadowRoot!.appendChild(a);
    a.click();
    a.remove();
    // Late enough for the browser to start the download.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    this._secretStatus = fill(this.#s.downloaded, { file });
  }

  /* ---------- details ---------- */

  async #openDetails(key: ApiKey, opener: EventTarget | null): Promise<void> {
    this._details = {};
    this.#open({ kind: 'details', key }, opener);
    const id = key.id;
    const still = (): boolean => this._modal?.kind === 'details' && this._modal.key.id === id;
    const tasks: Promise<void>[] = [
      this.#api.get(id).then(
        (detail) => {
          if (still()) this._details = { ...this._details, key: detail };
        },
        (error: unknown) => {
          if (still()) this._details = { ...this._details, keyError: this.#message(error) };
        },
      ),
    ];
    if (this.#can('usage:read')) {
      tasks.push(
        this.#api.usage(id).then(
          async (usage) => {
            if (!still()) return;
            this._details = { ...this._details, usage: usage.days };
            await this.#drawCharts(usage.days);
          },
          (error: unknown) => {
            if (still()) this._details = { ...this._details, usageError: this.#message(error) };
          },
        ),
      );
    }
    if (this.#can('audit:read')) tasks.push(this.#loadAudit(id, undefined));
    await Promise.all(tasks);
  }

  async #loadAudit(id: string, cursor: string | undefined): Promise<void> {
    this._details = { ...this._details, auditLoading: true, auditError: undefined };
    try {
      const page = await this.#api.audit(id, { limit: 20, cursor });
      if (this._modal?.kind !== 'details' || this._modal.key.id !== id) return;
      this._details = {
        ...this._details,
        audit: [...(cursor ? (this._details.audit ?? []) : []), ...page.items],
        auditCursor: page.nextCursor,
        auditLoading: false,
      };
    } catch (error) {
      this._details = { ...this._details, auditError: this.#message(error), auditLoading: false };
    }
  }

  async #drawCharts(days: UsageDay[]): Promise<void> {
    await this.updateComplete;
    // chart.js is loaded here, on first use, as its own chunk.
    const { renderUsageCharts } = await import('./charts.js');
    await this.updateComplete;
    const root = this.shadowRoot;
    const requests = root?.querySelector<HTMLCanvasElement>('canvas[data-chart="requests"]');
    const errors = root?.querySelector<HTMLCanvasElement>('canvas[data-chart="error-rate"]');
    if (!requests || !errors) return;
    this.#destroyCharts();
    const style = getComputedStyle(this);
    const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
    this.#charts = renderUsageCharts(
      requests,
      errors,
      days,
      { requests: this.#s.requestsPerDay, errorRate: this.#s.errorRate },
      {
        primary: v('--_primary', '#2557d6'),
        danger: v('--_danger', '#c42b2b'),
        dangerFill: v('--_chart-fill', 'rgba(196,43,43,0.15)'),
        text: v('--_muted', '#566070'),
        grid: v('--_border', '#d5dae1'),
      },
    );
  }

  #destroyCharts(): void {
    this.#charts?.destroy();
    this.#charts = undefined;
  }

  /* ---------- rendering ---------- */

  protected override render(): TemplateResult {
    const s = this.#s;
    const modalOpen = this._modal !== undefined;
    return html`
      <div class="main" ?inert=${modalOpen} aria-hidden=${modalOpen ? 'true' : nothing}>
        <div class="header" part="header">
          <div>
            <h2 class="title" tabindex="-1">${s.title}</h2>
            <p class="subtitle">${s.subtitle}</p>
          </div>
          <div class="actions">
            <slot name="header-actions"></slot>
            ${this._phase === 'ready' && this.#can('keys:read')
              ? html`<button type="button" part="button lookup-button" data-lookup @click=${this.#openLookup}>${s.lookupButton}</button>`
              : nothing}
            ${this._phase === 'ready' && this.#can('keys:create')
              ? html`<button type="button" class="primary" part="button create-button" data-create @click=${this.#openCreate}>
                  ${s.createButton}
                </button>`
              : nothing}
          </div>
        </div>
        ${this.#renderBody()}
      </div>
      <div class="status" role="status" aria-live="polite" aria-atomic="true">
        ${this._status && !modalOpen
          ? html`<p class="banner ${this._status.kind}" part=${this._status.kind === 'error' ? 'error' : 'status'}>${this._status.text}</p>`
          : this._status
            ? html`<span class="visually-hidden">${this._status.text}</span>`
            : nothing}
      </div>
      ${this.#renderModal()}
    `;
  }

  #renderBody(): TemplateResult {
    const s = this.#s;
    switch (this._phase) {
      case 'loading':
        return html`<div class="state" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>${s.loading}</div>`;
      case 'forbidden':
        return html`<div class="state" role="alert" part="error">
          <p class="state-title">${s.forbidden}</p>
          <p class="muted">${s.forbiddenHint}</p>
        </div>`;
      case 'error':
        return html`<div class="state" role="alert" part="error">
          <p class="state-title">${this._loadError}</p>
          <button type="button" part="button" @click=${() => void this.#load()}>${s.retry}</button>
        </div>`;
      case 'ready':
        return this.#renderTable();
    }
  }

  #renderTable(): TemplateResult {
    const s = this.#s;
    const readOnly = !['keys:create', 'keys:rotate', 'keys:delete', 'keys:revoke', 'keys:update'].some((p) => this.#can(p as Permission));
    const notice = readOnly ? html`<p class="muted" data-readonly>${s.readOnlyNotice}</p>` : nothing;
    const filtered = this._filter.environment !== '' || this._filter.status !== '';
    const filters = this._keys.length > 0 || filtered ? this.#renderFilters() : nothing;
    if (this._keys.length === 0 && filtered) {
      return html`${notice}${filters}
        <div class="state" part="empty" data-no-matches>
          <p class="state-title">${s.noMatches}</p>
          <button type="button" part="button" data-clear-filters @click=${() => void this.#applyFilter({ environment: '', status: '' })}>
            ${s.clearFilters}
          </button>
        </div>
        ${this._listError ? html`<p class="banner error" role="alert" part="error">${this._listError}</p>` : nothing}`;
    }
    if (this._keys.length === 0) {
      return html`${notice}
        <div class="state" part="empty">
          <slot name="empty">
            <p class="state-title">${this.#can('keys:create') ? s.empty : s.emptyReadOnly}</p>
            ${this.#can('keys:create') ? html`<p class="muted">${s.emptyHint}</p>` : nothing}
          </slot>
        </div>`;
    }
    return html`${notice}${filters}
      <div class="table-wrap" aria-busy=${this._filtering ? 'true' : 'false'}>
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
            ${repeat(this._keys, (k) => k.id, (k) => this.#renderRow(k))}
          </tbody>
        </table>
      </div>
      ${this._listError ? html`<p class="banner error" role="alert" part="error">${this._listError}</p>` : nothing}
      ${this._nextCursor
        ? html`<div class="pager">
            <button type="button" part="button load-more" data-load-more ?disabled=${this._loadingMore} @click=${() => void this.#loadMore()}>
              ${this._loadingMore ? s.loadingMore : s.loadMore}
            </button>
          </div>`
        : nothing}`;
  }

  #renderFilters(): TemplateResult {
    const s = this.#s;
    const f = this._filter;
    const envs = this._meta?.environments ?? [];
    const onEnv = (e: Event): void => void this.#applyFilter({ environment: (e.target as HTMLSelectElement).value });
    const onStatus = (e: Event): void => void this.#applyFilter({ status: (e.target as HTMLSelectElement).value as ListFilter['status'] });
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
      ${this._filtering ? html`<span class="spinner" role="status" aria-label=${s.loadingMore}></span>` : nothing}
    </div>`;
  }

  /** The identity link of a key: its external id once known, else its id. */
  #identityButton(identityId: string, back: ApiKey | undefined, extraClass = ''): TemplateResult {
    const name = this.#identityName(identityId);
    return html`<button type="button" class="link small ${extraClass}" part="button identity-link" data-identity=${identityId}
      aria-label=${fill(this.#s.showIdentity, { name })}
      @click=${(e: Event) => void this.#openIdentity(identityId, back, e.currentTarget)}>${name}</button>`;
  }

  #renderRow(k: ApiKey): TemplateResult {
    const s = this.#s;
    const loc = this.locale;
    const revealed = this._revealed.get(k.id);
    const lastUsed = this._lastUsed.has(k.id)
      ? formatDateTime(this._lastUsed.get(k.id) ?? null, loc, s.neverUsed)
      : s.unknown;
    const live = k.status !== 'revoked';
    return html`<tr role="row" part="row" data-key-id=${k.id}>
      <td role="cell" class="cell-name" data-label=${s.colName}>
        <span class="key-name">${k.name}</span>
        ${k.credits || k.identityId
          ? html`<div class="key-extras">
              ${k.credits ? html`<span class="chip credits" data-credits>${creditsLabel(k.credits, loc, s)}</span>` : nothing}
              ${k.identityId
                ? html`<span class="identity-ref"><span class="muted">${s.identityTitleShort}:</span> ${this.#identityButton(k.identityId, undefined)}</span>`
                : nothing}
            </div>`
          : nothing}
      </td>
      <td role="cell" data-label=${s.colKey}>
        <div>
          ${revealed
            ? html`<code class="revealed" data-revealed>${revealed}</code>`
            : html`<code class="masked">${k.maskedKey}</code>`}
          ${k.revealable && this.#can('keys:reveal') && live
            ? html`<button type="button" class="link small" part="button" data-action="reveal"
                aria-label=${revealed ? s.hide : fill(s.revealLabel, { name: k.name })}
                aria-pressed=${revealed ? 'true' : 'false'}
                @click=${() => void this.#reveal(k)}>${revealed ? s.hide : s.reveal}</button>`
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
            @click=${(e: Event) => void this.#openDetails(k, e.currentTarget)}>${s.details}</button>
          ${this.#can('keys:rotate') && live
            ? html`<button type="button" class="small" part="button" data-action="regenerate" aria-label=${fill(s.regenerateLabel, { name: k.name })}
                @click=${(e: Event) => this.#openRegenerate(k, e.currentTarget)}>${s.regenerate}</button>`
            : nothing}
          ${this.#can('keys:revoke') && live
            ? html`<button type="button" class="small danger-outline" part="button" data-action="revoke" aria-label=${fill(s.revokeLabel, { name: k.name })}
                @click=${(e: Event) => this.#open({ kind: 'revoke', key: k }, e.currentTarget)}>${s.revoke}</button>`
            : nothing}
          ${this.#can('keys:delete')
            ? html`<button type="button" class="small danger-outline" part="button" data-action="delete" aria-label=${fill(s.deleteLabel, { name: k.name })}
                @click=${(e: Event) => this.#open({ kind: 'delete', key: k }, e.currentTarget)}>${s.delete}</button>`
            : nothing}
        </div>
      </td>
    </tr>`;
  }

  #openRegenerate(key: ApiKey, opener: EventTarget | null): void {
    const configured = this._meta?.rotationGracePeriodSeconds ?? 0;
    this._grace = (GRACE_CHOICES as readonly number[]).includes(configured) ? configured : 0;
    this.#open({ kind: 'regenerate', key }, opener);
  }

  #renderModal(): TemplateResult | typeof nothing {
    const m = this._modal;
    if (!m) return nothing;
    switch (m.kind) {
      case 'create':
        return this.#renderCreate();
      case 'secret':
        return this.#renderSecret(m.issued, m.rotated);
      case 'regenerate':
        return this.#renderRegenerate(m.key);
      case 'delete':
        return this.#renderConfirm('delete', m.key);
      case 'revoke':
        return this.#renderConfirm('revoke', m.key);
      case 'details':
        return this.#renderDetails(m.key);
      case 'whoami':
        return this.#renderLookup();
      case 'identity':
        return this.#renderIdentity(m.identityId, m.back);
    }
  }

  #fieldError(field: FormField): TemplateResult | typeof nothing {
    const message = this._formErrors[field];
    return message ? html`<p class="field-error" id="err-${field}" data-error-for=${field}>${message}</p>` : nothing;
  }

  #describedBy(field: FormField, hint?: string): string | typeof nothing {
    const ids = [hint, this._formErrors[field] ? `err-${field}` : undefined].filter(Boolean);
    return ids.length > 0 ? ids.join(' ') : nothing;
  }

  #renderCreate(): TemplateResult {
    const s = this.#s;
    const f = this._form;
    const meta = this._meta;
    const errs = this._formErrors;
    const max = this.#maxName();
    const envs = meta?.environments ?? [];
    const catalogue = meta?.scopes ?? [];
    const presets: [ExpiryPreset, string][] = [
      ['never', s.expiryNever],
      ['7d', s.expiry7d],
      ['30d', s.expiry30d],
      ['90d', s.expiry90d],
      ['1y', s.expiry1y],
      ['custom', s.expiryCustom],
    ];
    const tomorrow = localDay(new Date(Date.now() + 86_400_000));
    const rl = meta?.defaultRateLimit;
    const body = html`<form id="create-form" novalidate @submit=${(e: Event) => void this.#submitCreate(e)}>
      ${errs.form ? html`<p class="banner error form-error" role="alert" tabindex="-1" part="error">${errs.form}</p>` : nothing}
      <div class="field">
        <label for="f-name">${s.nameLabel}</label>
        <input id="f-name" name="name" type="text" part="input" autocomplete="off" required aria-required="true" data-autofocus
          .value=${f.name} aria-invalid=${errs.name ? 'true' : 'false'} aria-describedby=${this.#describedBy('name', 'hint-name')}
          @input=${this.#onNameInput} />
        <p class="hint" id="hint-name">${fill(s.nameHint, { max })}</p>
        ${this.#fieldError('name')}
      </div>
      ${envs.length > 0
        ? html`<div class="field">
            <label for="f-env">${s.environmentLabel}</label>
            <select id="f-env" part="input" aria-invalid=${errs.environment ? 'true' : 'false'} aria-describedby=${this.#describedBy('environment')}
              @change=${(e: Event) => this.#setForm({ environment: (e.target as HTMLSelectElement).value })}>
              ${envs.map((env) => html`<option value=${env.name} ?selected=${env.name === f.environment}>${env.name} (${env.prefix})</option>`)}
            </select>
            ${this.#fieldError('environment')}
          </div>`
        : nothing}
      ${catalogue.length > 0
        ? html`<fieldset aria-describedby=${this.#describedBy('scopes', 'hint-scopes')}>
            <legend>${s.scopesLabel}</legend>
            <p class="hint" id="hint-scopes">${s.scopesHint}</p>
            <div class="checks">
              ${catalogue.map(
                (scope) => html`<label class="check">
                  <input type="checkbox" value=${scope.name} .checked=${f.scopes.includes(scope.name)}
                    @change=${(e: Event) => {
                      const on = (e.target as HTMLInputElement).checked;
                      this.#setForm({ scopes: on ? [...f.scopes, scope.name] : f.scopes.filter((x) => x !== scope.name) });
                    }} />
                  <span><code>${scope.name}</code>${scope.description ? html`<small>${scope.description}</small>` : nothing}</span>
                </label>`,
              )}
            </div>
            ${this.#fieldError('scopes')}
          </fieldset>`
        : html`<div class="field">
            <label for="f-scopes">${s.scopesLabel}</label>
            <input id="f-scopes" type="text" part="input" .value=${f.scopesText} aria-invalid=${errs.scopes ? 'true' : 'false'}
              aria-describedby=${this.#describedBy('scopes', 'hint-scopes')}
              @input=${(e: Event) => this.#setForm({ scopesText: (e.target as HTMLInputElement).value })} />
            <p class="hint" id="hint-scopes">${s.scopesFreeHint}</p>
            ${this.#fieldError('scopes')}
          </div>`}
      <fieldset aria-describedby=${this.#describedBy('expiry')}>
        <legend>${s.expiryLabel}</legend>
        <div class="presets" role="radiogroup" aria-label=${s.expiryLabel}>
          ${presets.map(
            ([value, label]) => html`<label class="check">
              <input type="radio" name="expiry" value=${value} .checked=${f.expiry === value}
                @change=${() => {
                  this.#setForm({ expiry: value });
                  this._formErrors = { ...this._formErrors, expiry: undefined };
                }} />
              ${label}
            </label>`,
          )}
        </div>
        ${f.expiry === 'custom'
          ? html`<div class="field" style="margin-top:8px">
              <label for="f-date">${s.expiryDateLabel}</label>
              <input id="f-date" type="date" part="input" min=${tomorrow} .value=${f.customDate}
                aria-invalid=${errs.expiry ? 'true' : 'false'} aria-describedby=${this.#describedBy('expiry')}
                @input=${(e: Event) => this.#setForm({ customDate: (e.target as HTMLInputElement).value })} />
            </div>`
          : nothing}
        ${this.#fieldError('expiry')}
      </fieldset>
      <details class="advanced" ?open=${Boolean(errs.ipAllowlist || errs.rateLimit || errs.credits || errs.externalId)}>
        <summary>${s.advanced}</summary>
        <div class="field">
          <label for="f-ips">${s.ipAllowlistLabel}</label>
          <textarea id="f-ips" part="input" rows="3" .value=${f.ipText} aria-invalid=${errs.ipAllowlist ? 'true' : 'false'}
            aria-describedby=${this.#describedBy('ipAllowlist', 'hint-ips')}
            @input=${(e: Event) => this.#setForm({ ipText: (e.target as HTMLTextAreaElement).value })}></textarea>
          <p class="hint" id="hint-ips">${s.ipAllowlistHint}</p>
          ${this.#fieldError('ipAllowlist')}
        </div>
        <fieldset aria-describedby=${this.#describedBy('rateLimit', 'hint-rl')}>
          <legend>${s.rateLimitLabel}</legend>
          <div class="row">
            <div>
              <label for="f-rl" class="hint">${s.rateLimitRequests}</label>
              <input id="f-rl" type="number" min="1" step="1" inputmode="numeric" part="input" .value=${f.rateLimit}
                aria-invalid=${errs.rateLimit ? 'true' : 'false'}
                @input=${(e: Event) => this.#setForm({ rateLimit: (e.target as HTMLInputElement).value })} />
            </div>
            <div>
              <label for="f-rw" class="hint">${s.rateLimitWindow}</label>
              <select id="f-rw" part="input" @change=${(e: Event) => this.#setForm({ rateWindow: (e.target as HTMLSelectElement).value })}>
                ${[
                  ['1', s.perSecond],
                  ['60', s.perMinute],
                  ['3600', s.perHour],
                  ['86400', s.perDay],
                ].map(([v, l]) => html`<option value=${v!} ?selected=${f.rateWindow === v}>${l}</option>`)}
              </select>
            </div>
          </div>
          <p class="hint" id="hint-rl">
            ${rl ? fill(s.rateLimitDefault, { limit: rl.limit, window: windowLabel(rl.windowSeconds, s) }) : s.rateLimitHint}
          </p>
          ${this.#fieldError('rateLimit')}
        </fieldset>
        ${this.#renderCreateCredits()}
        <div class="field">
          <label for="f-identity">${s.identityLabel}</label>
          <input id="f-identity" type="text" part="input" autocomplete="off" spellcheck="false" .value=${f.externalId}
            aria-invalid=${errs.externalId ? 'true' : 'false'} aria-describedby=${this.#describedBy('externalId', 'hint-identity')}
            @input=${(e: Event) => this.#setForm({ externalId: (e.target as HTMLInputElement).value })} />
          <p class="hint" id="hint-identity">${s.identityHint}</p>
          ${this.#fieldError('externalId')}
        </div>
      </details>
    </form>`;
    const footer = html`<button type="button" part="button" @click=${this.#close}>${s.cancel}</button>
      <button type="submit" form="create-form" class="primary" part="button" data-submit ?disabled=${this._busy}>
        ${this._busy ? s.creating : s.createSubmit}
      </button>`;
    return renderModal({ id: 'create', title: s.createTitle, body, footer, onClose: this.#close, closeLabel: s.close, backdropCloses: false });
  }

  /** The create form's optional quota: starting credits and a refill. */
  #renderCreateCredits(): TemplateResult {
    const s = this.#s;
    const c = this._form.credits;
    const invalid = this._formErrors.credits ? 'true' : 'false';
    const set = (patch: Partial<CreditsForm>): void => this.#setForm({ credits: { ...this._form.credits, ...patch } });
    return html`<fieldset aria-describedby=${this.#describedBy('credits', 'hint-credits')} data-create-credits>
      <legend>${s.creditsLabel}</legend>
      <div class="row wrap">
        <div>
          <label for="f-credits" class="hint">${s.creditsTitle}</label>
          <input id="f-credits" type="number" min="0" step="1" inputmode="numeric" part="input" .value=${c.remaining} aria-invalid=${invalid}
            @input=${(e: Event) => set({ remaining: (e.target as HTMLInputElement).value })} />
        </div>
        <div>
          <label for="f-refill" class="hint">${s.refillLabel}</label>
          <select id="f-refill" part="input" @change=${(e: Event) => set({ interval: (e.target as HTMLSelectElement).value as CreditsForm['interval'] })}>
            ${this.#refillOptions(c.interval)}
          </select>
        </div>
        ${c.interval
          ? html`<div>
              <label for="f-refill-amount" class="hint">${s.refillAmountLabel}</label>
              <input id="f-refill-amount" type="number" min="1" step="1" inputmode="numeric" part="input" .value=${c.amount} aria-invalid=${invalid}
                @input=${(e: Event) => set({ amount: (e.target as HTMLInputElement).value })} />
            </div>`
          : nothing}
        ${c.interval === 'monthly'
          ? html`<div>
              <label for="f-refill-day" class="hint">${s.refillDayLabel}</label>
              <input id="f-refill-day" type="number" min="1" max="31" step="1" inputmode="numeric" part="input" .value=${c.dayOfMonth}
                aria-invalid=${invalid} @input=${(e: Event) => set({ dayOfMonth: (e.target as HTMLInputElement).value })} />
            </div>`
          : nothing}
      </div>
      <p class="hint" id="hint-credits">${s.creditsHint}</p>
      ${this.#fieldError('credits')}
    </fieldset>`;
  }

  #refillOptions(selected: CreditsForm['interval']): TemplateResult[] {
    const s = this.#s;
    return (
      [
        ['', s.refillNever],
        ['daily', s.refillDailyOption],
        ['monthly', s.refillMonthlyOption],
      ] as const
    ).map(([v, label]) => html`<option value=${v} ?selected=${selected === v}>${label}</option>`);
  }

  #renderSecret(issued: IssuedKey, rotated: boolean): TemplateResult {
    const s = this.#s;
    const base = this.apiBaseUrl || location.origin;
    const snippets = codeSnippets(base, issued.secret);
    const current = snippets.find((x) => x.id === this._tab) ?? snippets[0]!;
    const onTabKey = (e: KeyboardEvent): void => {
      const i = snippets.findIndex((x) => x.id === this._tab);
      let next = i;
      if (e.key === 'ArrowRight') next = (i + 1) % snippets.length;
      else if (e.key === 'ArrowLeft') next = (i - 1 + snippets.length) % snippets.length;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = snippets.length - 1;
      else return;
      e.preventDefault();
      this._tab = snippets[next]!.id;
      void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(`#tab-${this._tab}`)?.focus());
    };
    const body = html`
      ${rotated ? nothing : html`<p class="banner success" data-created-message>${s.createdMessage}</p>`}
      <p class="banner warning" id="secret-warning">${s.secretWarning}</p>
      <label class="field" for="secret-value" style="font-weight:600">${s.secretLabel}</label>
      <div class="secret-box">
        <code class="secret" id="secret-value" part="secret" data-secret tabindex="0">${issued.secret}</code>
      </div>
      <div class="actions">
        <button type="button" class="primary" part="button" data-copy data-autofocus @click=${() => void this.#copy(issued.secret)}>${s.copy}</button>
        <button type="button" part="button" data-download @click=${() => this.#download(issued)}>${s.downloadEnv}</button>
      </div>
      <p role="status" aria-live="polite" class="hint" data-secret-status>${this._secretStatus}</p>
      <h3>${s.codeExamples}</h3>
      <div class="tabs" role="tablist" aria-label=${s.codeExamples}>
        ${snippets.map(
          (x) => html`<button type="button" role="tab" class="tab" id="tab-${x.id}" aria-controls="panel-code"
            aria-selected=${x.id === current.id ? 'true' : 'false'} tabindex=${x.id === current.id ? '0' : '-1'}
            @keydown=${onTabKey} @click=${() => (this._tab = x.id)}>${x.label}</button>`,
        )}
      </div>
      <div role="tabpanel" id="panel-code" aria-labelledby="tab-${current.id}">
        <pre part="code" data-snippet=${current.id}><code>${current.code}</code></pre>
        <div class="snippet-actions">
          <button type="button" class="small" part="button" @click=${() => void this.#copy(current.code)}>${s.copy}</button>
        </div>
      </div>`;
    const footer = html`<button type="button" class="primary" part="button" data-done @click=${this.#close}>${s.done}</button>`;
    return renderModal({
      id: 'secret',
      title: rotated ? s.rotatedTitle : s.secretTitle,
      body,
      footer,
      onClose: this.#close,
      closeLabel: s.close,
      describedBy: 'secret-warning',
      backdropCloses: false,
    });
  }

  #renderRegenerate(key: ApiKey): TemplateResult {
    const s = this.#s;
    const labels: Record<number, string> = { 0: s.graceNone, 3600: s.grace1h, 86400: s.grace24h, 604800: s.grace7d };
    const body = html`<p id="regen-text">${s.regenerateText}</p>
      <fieldset>
        <legend>${s.gracePeriodLabel}</legend>
        ${GRACE_CHOICES.map(
          (sec) => html`<label class="check">
            <input type="radio" name="grace" value=${sec} .checked=${this._grace === sec} ?data-autofocus=${this._grace === sec}
              @change=${() => (this._grace = sec)} />${labels[sec]}
          </label>`,
        )}
      </fieldset>
      ${this._modalError ? html`<p class="banner error" role="alert" part="error">${this._modalError}</p>` : nothing}`;
    const footer = html`<button type="button" part="button" @click=${this.#close}>${s.cancel}</button>
      <button type="button" class="primary" part="button" data-confirm ?disabled=${this._busy} @click=${() => void this.#submitRegenerate(key)}>
        ${this._busy ? s.regenerating : s.regenerateSubmit}
      </button>`;
    return renderModal({
      id: 'regenerate',
      title: fill(s.regenerateTitle, { name: key.name }),
      body,
      footer,
      onClose: this.#close,
      closeLabel: s.close,
      describedBy: 'regen-text',
    });
  }

  #renderConfirm(kind: 'delete' | 'revoke', key: ApiKey): TemplateResult {
    const s = this.#s;
    const text = kind === 'delete' ? s.deleteText : s.revokeText;
    const body = html`<p id="confirm-text" data-confirm-text>${text}</p>
      ${this._modalError ? html`<p class="banner error" role="alert" part="error">${this._modalError}</p>` : nothing}`;
    const footer = html`<button type="button" part="button" data-cancel data-autofocus @click=${this.#close}>${s.cancel}</button>
      <button type="button" class="danger" part="button" data-confirm ?disabled=${this._busy}
        @click=${() => void (kind === 'delete' ? this.#submitDelete(key) : this.#submitRevoke(key))}>
        ${kind === 'delete' ? s.confirm : s.revoke}
      </button>`;
    return renderModal({
      id: kind,
      title: fill(kind === 'delete' ? s.deleteTitle : s.revokeTitle, { name: key.name }),
      body,
      footer,
      onClose: this.#close,
      closeLabel: s.close,
      describedBy: 'confirm-text',
      role: 'alertdialog',
    });
  }

  /** An error of the details editors, tied to its field by id. */
  #editError(field: string): TemplateResult | typeof nothing {
    const message = this._edit?.errors[field];
    return message
      ? html`<p class="field-error" id="err-ed-${field.replace('.', '-')}" data-edit-error=${field}>${message}</p>`
      : nothing;
  }

  #editAttrs(field: string): { invalid: 'true' | 'false'; describedBy: string | typeof nothing } {
    const has = Boolean(this._edit?.errors[field]);
    return { invalid: has ? 'true' : 'false', describedBy: has ? `err-ed-${field.replace('.', '-')}` : nothing };
  }

  #editFormError(): TemplateResult | typeof nothing {
    const message = this._edit?.errors['form'];
    return message ? html`<p class="banner error form-error" role="alert" tabindex="-1" part="error" data-edit-error="form">${message}</p>` : nothing;
  }

  #editButtons(): TemplateResult {
    const s = this.#s;
    return html`<button type="submit" class="primary small" part="button" data-save ?disabled=${this._busy}>${this._busy ? s.saving : s.save}</button>
      <button type="button" class="small" part="button" data-cancel-edit @click=${() => this.#cancelEdit()}>${s.cancel}</button>`;
  }

  #renderNameCell(k: ApiKey, canEdit: boolean): TemplateResult {
    const s = this.#s;
    const edit = this._edit;
    if (edit?.section !== 'name') {
      return html`<span data-name>${k.name}</span>
        ${canEdit && !edit
          ? html`<button type="button" class="link small" part="button" data-edit="name" aria-label=${fill(s.renameLabel, { name: k.name })}
              @click=${() => this.#startEdit('name', k)}>${s.rename}</button>`
          : nothing}`;
    }
    const a = this.#editAttrs('name');
    const onInput = (e: Event): void => {
      const name = (e.target as HTMLInputElement).value;
      const error = validateName(name, this.#maxName(), s);
      this.#patchEdit({ name, errors: error ? { name: error } : {} });
    };
    return html`<form class="inline-edit" data-edit-form="name" novalidate @submit=${(e: Event) => void this.#saveEdit(e, k)}>
      ${this.#editFormError()}
      <div class="inline-row">
        <label for="ed-name" class="visually-hidden">${s.fieldName}</label>
        <input id="ed-name" type="text" part="input" autocomplete="off" .value=${edit.name} aria-invalid=${a.invalid}
          aria-describedby=${a.describedBy} @input=${onInput} />
        ${this.#editButtons()}
      </div>
      ${this.#editError('name')}
    </form>`;
  }

  #renderCreditsSection(k: ApiKey, canEdit: boolean): TemplateResult {
    const s = this.#s;
    const loc = this.locale;
    const edit = this._edit;
    const c = k.credits;
    let content: TemplateResult;
    if (edit?.section === 'credits') {
      const f = edit.form;
      const field = (id: string, key: keyof CreditsForm, label: string, min: number, max?: number): TemplateResult => {
        const a = this.#editAttrs(key);
        return html`<div class="field">
          <label for=${id}>${label}</label>
          <input id=${id} type="number" min=${min} max=${max ?? nothing} step="1" inputmode="numeric" part="input" .value=${f[key]}
            aria-invalid=${a.invalid} aria-describedby=${a.describedBy}
            @input=${(e: Event) => this.#patchEdit({ form: { [key]: (e.target as HTMLInputElement).value } })} />
          ${this.#editError(key)}
        </div>`;
      };
      const ia = this.#editAttrs('interval');
      content = html`<form class="editor" data-edit-form="credits" novalidate @submit=${(e: Event) => void this.#saveEdit(e, k)}>
        ${this.#editFormError()}
        <div class="row wrap">
          ${field('ed-remaining', 'remaining', s.creditsLeftLabel, 0)}
          <div class="field">
            <label for="ed-interval">${s.refillLabel}</label>
            <select id="ed-interval" part="input" aria-invalid=${ia.invalid} aria-describedby=${ia.describedBy}
              @change=${(e: Event) => this.#patchEdit({ form: { interval: (e.target as HTMLSelectElement).value as CreditsForm['interval'] } })}>
              ${this.#refillOptions(f.interval)}
            </select>
            ${this.#editError('interval')}
          </div>
          ${f.interval ? field('ed-amount', 'amount', s.refillAmountLabel, 1) : nothing}
          ${f.interval === 'monthly' ? field('ed-day', 'dayOfMonth', s.refillDayLabel, 1, 31) : nothing}
        </div>
        <div class="actions">
          ${this.#editButtons()}
          ${c
            ? html`<button type="button" class="small danger-outline" part="button" data-remove-quota ?disabled=${this._busy}
                @click=${() => void this.#removeQuota(k)}>${s.removeQuota}</button>`
            : nothing}
        </div>
      </form>`;
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
              @click=${() => this.#startEdit('credits', k)}>${c ? s.edit : s.addQuota}</button>`
          : nothing}
      </div>
      ${content}
    </section>`;
  }

  #policyLabel(p: RateLimitPolicy): string {
    const s = this.#s;
    const base = fill(s.rateLimitValue, { limit: p.limit.toLocaleString(this.locale), window: windowLabel(p.windowSeconds, s) });
    return p.burst !== undefined ? `${base}, ${fill(s.burstValue, { burst: p.burst })}` : base;
  }

  #renderLimitsSection(k: ApiKey, canEdit: boolean): TemplateResult {
    const s = this.#s;
    const edit = this._edit;
    const defaultLabel = k.rateLimit === null ? s.noLimit : k.rateLimit ? this.#policyLabel(k.rateLimit) : s.defaultLimit;
    const content =
      edit?.section === 'limits'
        ? this.#renderLimitsEditor(k, edit.rows)
        : html`<ul class="limits" data-limits-view>
            <li><span class="chip mono">${s.limitDefault}</span> <span>${defaultLabel}</span></li>
            ${Object.entries(k.rateLimits ?? {}).map(
              ([name, p]) => html`<li data-limit=${name}><span class="chip mono">${name}</span> <span>${this.#policyLabel(p)}</span></li>`,
            )}
          </ul>`;
    return html`<section aria-labelledby="limits-title" data-section="limits">
      <div class="section-head">
        <h3 id="limits-title">${s.rateLimitsTitle}</h3>
        ${canEdit && !edit
          ? html`<button type="button" class="small" part="button" data-edit="limits" aria-label=${fill(s.editLabel, { section: s.rateLimitsTitle })}
              @click=${() => this.#startEdit('limits', k)}>${s.edit}</button>`
          : nothing}
      </div>
      ${content}
    </section>`;
  }

  #renderLimitsEditor(k: ApiKey, rows: LimitRow[]): TemplateResult {
    const s = this.#s;
    const input = (i: number, field: 'limit' | 'window' | 'burst', label: string, min: string): TemplateResult => {
      const a = this.#editAttrs(`${i}.${field}`);
      return html`<div class="lr-cell">
        <label class="hint" for="lr-${i}-${field}">${label}</label>
        <input id="lr-${i}-${field}" type="number" min=${min} step="any" inputmode="numeric" part="input" .value=${rows[i]![field]}
          aria-invalid=${a.invalid} aria-describedby=${a.describedBy}
          @input=${(e: Event) => this.#setRow(i, { [field]: (e.target as HTMLInputElement).value })} />
        ${this.#editError(`${i}.${field}`)}
      </div>`;
    };
    const remove = (i: number): void => {
      if (this._edit?.section !== 'limits') return;
      // Errors are keyed by row index; after a removal they would point at the wrong rows.
      this.#patchEdit({ rows: this._edit.rows.filter((_, j) => j !== i), errors: {} });
    };
    const add = (): void => {
      if (this._edit?.section !== 'limits') return;
      const index = this._edit.rows.length;
      this.#patchEdit({ rows: [...this._edit.rows, blankLimitRow()] });
      void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(`#lr-${index}-name`)?.focus());
    };
    return html`<form class="editor" data-edit-form="limits" novalidate @submit=${(e: Event) => void this.#saveEdit(e, k)}>
      ${this.#editFormError()}
      ${rows.map((row, i) => {
        const na = this.#editAttrs(`${i}.name`);
        return html`<div class="limit-row" role="group" aria-label=${i === 0 ? s.limitDefault : row.name || s.limitName} data-limit-row=${i}>
          <div class="lr-cell lr-name">
            ${i === 0
              ? html`<span class="hint">${s.limitName}</span><span class="chip mono" data-default-row>${s.limitDefault}</span>`
              : html`<label class="hint" for="lr-${i}-name">${s.limitName}</label>
                  <input id="lr-${i}-name" type="text" part="input" class="mono" autocomplete="off" spellcheck="false" .value=${row.name}
                    aria-invalid=${na.invalid} aria-describedby=${na.describedBy}
                    @input=${(e: Event) => this.#setRow(i, { name: (e.target as HTMLInputElement).value })} />
                  ${this.#editError(`${i}.name`)}`}
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
      ${this.#editError('limits')}
      <div class="actions">
        ${this.#editButtons()}
        <button type="button" class="small" part="button" data-add-limit ?disabled=${rows.length > 10} @click=${add}>${s.addLimit}</button>
      </div>
    </form>`;
  }

  #renderLookup(): TemplateResult {
    const s = this.#s;
    const l = this._lookup;
    const body = html`<form id="lookup-form" novalidate autocomplete="off" @submit=${(e: Event) => void this.#submitLookup(e)}>
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
        ${l.result ? this.#renderLookupResult(l.result) : nothing}
      </div>`;
    const footer = html`<button type="button" part="button" @click=${this.#close}>${s.close}</button>
      <button type="submit" form="lookup-form" class="primary" part="button" data-lookup-submit ?disabled=${Boolean(l.busy)}>
        ${l.busy ? s.lookingUp : s.lookupSubmit}
      </button>`;
    return renderModal({ id: 'whoami', title: s.lookupTitle, body, footer, onClose: this.#close, closeLabel: s.close, describedBy: 'lookup-hint' });
  }

  #renderLookupResult(k: ApiKey): TemplateResult {
    const s = this.#s;
    const loc = this.locale;
    const prop = (label: string, value: unknown): TemplateResult => html`<dt>${label}</dt><dd>${value}</dd>`;
    return html`<p class="banner success" data-lookup-found>${fill(s.lookupFound, { name: k.name })}</p>
      <dl class="props" data-lookup-key>
        ${prop(s.fieldName, k.name)}
        ${prop(s.colKey, html`<code>${k.maskedKey}</code>`)}
        ${prop(s.fieldId, html`<code>${k.id}</code>`)}
        ${prop(s.colEnvironment, k.environment)}
        ${prop(s.colStatus, html`<span class="badge ${k.status}">${statusLabel(k.status, s)}</span>`)}
        ${prop(s.colScopes, k.scopes.length > 0 ? k.scopes.join(', ') : s.noScopes)}
        ${k.credits ? prop(s.creditsTitle, creditsLabel(k.credits, loc, s)) : nothing}
        ${k.identityId ? prop(s.identityTitleShort, this.#identityName(k.identityId)) : nothing}
        ${prop(s.colCreated, formatDateTime(k.createdAt, loc, s.unknown))}
        ${prop(s.colExpires, formatDateTime(k.expiresAt, loc, s.never))}
      </dl>
      <button type="button" class="small" part="button" data-lookup-open @click=${() => void this.#openDetails(k, null)}>${s.openDetails}</button>`;
  }

  #renderIdentity(identityId: string, back: ApiKey | undefined): TemplateResult {
    const s = this.#s;
    const loc = this.locale;
    const { data, error } = this._identity;
    const prop = (label: string, value: unknown): TemplateResult => html`<dt>${label}</dt><dd>${value}</dd>`;
    const keys = this._keys.filter((k) => k.identityId === identityId);
    const limits = Object.entries(data?.rateLimits ?? {});
    const meta = Object.keys(data?.metadata ?? {}).length > 0 ? JSON.stringify(data!.metadata, null, 2) : undefined;
    const body = html`
      ${error ? html`<p class="banner error" role="alert" part="error">${error}</p>` : nothing}
      ${!data && !error ? html`<p class="muted" role="status"><span class="spinner" aria-hidden="true"></span>${s.loadingDetails}</p>` : nothing}
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
                    ${limits.map(([name, p]) => html`<li><span class="chip mono">${name}</span> ${this.#policyLabel(p)}</li>`)}
                  </ul>`
                : s.noLimit,
            )}
            ${prop(s.identityMetadata, meta ? html`<pre part="code" data-identity-metadata>${meta}</pre>` : s.noMetadata)}
            ${prop(s.colCreated, formatDateTime(data.createdAt, loc, s.unknown))}
            ${keys.length > 0 ? prop(s.identityKeys, keys.map((k) => k.name).join(', ')) : nothing}
          </dl>`
        : nothing}`;
    const footer = html`${back
        ? html`<button type="button" part="button" data-back @click=${() => void this.#openDetails(back, null)}>${fill(s.backToKey, { name: back.name })}</button>`
        : nothing}
      <span class="spacer"></span>
      <button type="button" class="primary" part="button" data-close @click=${this.#close}>${s.close}</button>`;
    return renderModal({
      id: 'identity',
      title: fill(s.identityTitle, { name: data?.externalId ?? this.#identityName(identityId) }),
      body,
      footer,
      onClose: this.#close,
      closeLabel: s.close,
    });
  }

  #renderDetails(key: ApiKey): TemplateResult {
    const s = this.#s;
    const loc = this.locale;
    const d = this._details;
    const k: ApiKey | ApiKeyDetail = d.key ?? key;
    const usage = d.key?.usage;
    const canEdit = this.#can('keys:update') && k.status !== 'revoked';
    const prop = (label: string, value: unknown): TemplateResult => html`<dt>${label}</dt><dd>${value}</dd>`;
    const days = d.usage ?? [];
    const totalRequests = days.reduce((n, x) => n + x.requests, 0);
    const totalErrors = days.reduce((n, x) => n + x.errors, 0);
    const body = html`
      ${d.keyError ? html`<p class="banner error" role="alert" part="error">${d.keyError}</p>` : nothing}
      ${this._modalError ? html`<p class="banner error" role="alert" part="error">${this._modalError}</p>` : nothing}
      <dl class="props" data-details>
        ${prop(s.fieldName, this.#renderNameCell(k, canEdit))}
        ${prop(s.fieldId, html`<code>${k.id}</code>`)}
        ${prop(s.colKey, html`<code>${k.maskedKey}</code>`)}
        ${prop(s.colEnvironment, k.environment)}
        ${prop(s.colStatus, html`<span class="badge ${k.status}">${statusLabel(k.status, s)}</span>`)}
        ${prop(s.colScopes, k.scopes.length > 0 ? k.scopes.join(', ') : s.noScopes)}
        ${prop(s.fieldIpAllowlist, k.ipAllowlist.length > 0 ? k.ipAllowlist.join(', ') : s.anyIp)}
        ${k.identityId ? prop(s.identityTitleShort, this.#identityButton(k.identityId, k, 'inline')) : nothing}
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
      ${this.#renderCreditsSection(k, canEdit)}
      ${this.#renderLimitsSection(k, canEdit)}
      ${this.#can('usage:read')
        ? html`<section aria-labelledby="usage-title">
            <h3 id="usage-title">${s.usageTitle}</h3>
            ${d.usageError
              ? html`<p class="banner error" role="alert" part="error">${d.usageError}</p>`
              : !d.usage
                ? html`<p class="muted" role="status"><span class="spinner" aria-hidden="true"></span>${s.chartsLoading}</p>`
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
          </section>`
        : nothing}
      ${this.#can('audit:read')
        ? html`<section aria-labelledby="audit-title">
            <h3 id="audit-title">${s.auditTitle}</h3>
            ${d.auditError ? html`<p class="banner error" role="alert" part="error">${d.auditError}</p>` : nothing}
            ${d.audit && d.audit.length === 0 ? html`<p class="muted">${s.auditEmpty}</p>` : nothing}
            ${d.audit && d.audit.length > 0
              ? html`<ol class="audit" data-audit>
                  ${d.audit.map(
                    (ev) => html`<li>
                      <span class="action">${ev.action}</span>
                      <span class="muted"> · ${formatDateTime(ev.at, loc, s.unknown)}</span>
                      ${ev.actor ? html`<span class="muted"> · ${fill(s.auditBy, { actor: ev.actor.role ? `${ev.actor.id} (${ev.actor.role})` : ev.actor.id })}</span>` : nothing}
                      ${ev.ip ? html`<span class="muted"> · ${fill(s.auditFrom, { ip: ev.ip })}</span>` : nothing}
                    </li>`,
                  )}
                </ol>`
              : nothing}
            ${d.auditLoading ? html`<p class="muted" role="status"><span class="spinner" aria-hidden="true"></span>${s.loadingDetails}</p>` : nothing}
            ${d.auditCursor && !d.auditLoading
              ? html`<div class="pager"><button type="button" class="small" part="button" @click=${() => void this.#loadAudit(k.id, d.auditCursor)}>${s.loadMore}</button></div>`
              : nothing}
          </section>`
        : nothing}`;
    const live = k.status !== 'revoked';
    const footer = html`
      ${this.#can('keys:update') && live
        ? html`<button type="button" part="button" data-action="toggle" ?disabled=${this._busy} @click=${() => void this.#toggleEnabled(k)}>
            ${k.enabled ? s.disable : s.enable}
          </button>`
        : nothing}
      ${this.#can('keys:rotate') && live
        ? html`<button type="button" part="button" @click=${() => this.#openRegenerate(k, null)}>${s.regenerate}</button>`
        : nothing}
      ${this.#can('keys:delete')
        ? html`<button type="button" class="danger-outline" part="button" @click=${() => this.#open({ kind: 'delete', key: k })}>${s.delete}</button>`
        : nothing}
      <span class="spacer"></span>
      <button type="button" class="primary" part="button" data-close @click=${this.#close}>${s.close}</button>`;
    return renderModal({
      id: 'details',
      title: fill(s.detailsTitle, { name: k.name }),
      body,
      footer,
      onClose: this.#close,
      closeLabel: s.close,
      size: 'wide',
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'api-key-manager': ApiKeyManager;
  }
}
