import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { ApiAccess } from './api-access.js';
import { ApiClient } from './api-client.js';
import { headersConverter } from './attributes.js';
import { copyText } from './clipboard.js';
import { envFile } from './code-snippets.js';
import { createFieldOf, createInput, emptyForm, nameLimit, type CreateForm, type FormErrors } from './create-form.js';
import { downloadText } from './download.js';
import { editFieldOf, editUpdate, patchEdit, startEdit, type EditPatch, type EditSection, type EditState } from './editor-state.js';
import { slug } from './format.js';
import { IdentityController } from './identity-controller.js';
import type { EditErrors } from './key-edits.js';
import { KeyDetailsController } from './key-details-controller.js';
import { identityNameOf, KeyListController } from './key-list-controller.js';
import { KeyLookupController } from './key-lookup-controller.js';
import { ModalFocusController } from './modal.js';
import { errorMessage, isKeyGone, placeProblem } from './problems.js';
import { DEFAULT_STRINGS, fill, mergeStrings, type Strings } from './strings.js';
import { styles } from './styles.js';
import type { ApiKey, IssuedKey, Permission } from './types.js';
import { initialGrace, renderConfirmDialog, renderRegenerateDialog } from './views/confirm-dialogs.js';
import type { DialogContext, ViewContext } from './views/context.js';
import { renderCreateDialog } from './views/create-dialog.js';
import { renderDetailsDialog } from './views/details-dialog.js';
import { renderIdentityDialog } from './views/identity-dialog.js';
import { renderKeyList, type KeyTableActions } from './views/key-table.js';
import { renderLookupDialog } from './views/lookup-dialog.js';
import { renderPageHeader, renderStatusRegion, type StatusMessage } from './views/page-header.js';
import { renderSecretDialog } from './views/secret-dialog.js';

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
    _status: { state: true },
    _modal: { state: true },
    _busy: { state: true },
    _modalError: { state: true },
    _form: { state: true },
    _formErrors: { state: true },
    _grace: { state: true },
    _tab: { state: true },
    _secretStatus: { state: true },
    _edit: { state: true },
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

  declare _status: StatusMessage | undefined;
  declare _modal: ModalState | undefined;
  declare _busy: boolean;
  declare _modalError: string;
  declare _form: CreateForm;
  declare _formErrors: FormErrors;
  declare _grace: number;
  declare _tab: 'curl' | 'javascript' | 'python';
  declare _secretStatus: string;
  declare _edit: EditState | undefined;

  #client: ApiClient | undefined;
  #s: Strings = { ...DEFAULT_STRINGS };
  readonly #access: ApiAccess = {
    client: () => this.#client!,
    message: (error) => errorMessage(error, this.#s),
    can: (permission) => this.#can(permission),
  };
  readonly #list = new KeyListController(this, { ...this.#access, pageSize: () => this.pageSize });
  readonly #details = new KeyDetailsController(this, {
    ...this.#access,
    showing: (id) => this._modal?.kind === 'details' && this._modal.key.id === id,
    chartLabels: () => ({ requests: this.#s.requestsPerDay, errorRate: this.#s.errorRate }),
  });
  readonly #lookup = new KeyLookupController(this, { ...this.#access, strings: () => this.#s });
  readonly #identity = new IdentityController(this, {
    ...this.#access,
    showing: (id) => this._modal?.kind === 'identity' && this._modal.identityId === id,
    loaded: (identity) => this.#list.nameIdentity(identity.id, identity.externalId),
  });
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
    this._busy = false;
    this._modalError = '';
    this._form = emptyForm('');
    this._formErrors = {};
    this._grace = 0;
    this._tab = 'curl';
    this._secretStatus = '';
    this._edit = undefined;
  }

  /** The permissions of the acting user (from `/meta`). */
  get permissions(): readonly string[] {
    return this.#list.state.meta?.permissions ?? [];
  }

  /** Reloads metadata and the first page of keys. */
  async reload(): Promise<void> {
    await this.#list.load();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('strings')) this.#s = mergeStrings(this.strings as Record<string, unknown>);
    if (changed.has('endpoint') || changed.has('headers') || changed.has('credentials') || !this.#client) {
      this.#client = new ApiClient({ endpoint: this.endpoint, headers: this.headers ?? {}, credentials: this.credentials });
      if (this.isConnected) void this.#list.load();
    }
  }

  #can(permission: Permission): boolean {
    const granted = this.permissions;
    return granted.includes(permission) || granted.includes('*') || granted.includes(`${permission.split(':')[0]}:*`);
  }

  get #api(): ApiClient {
    return this.#access.client();
  }

  #message(error: unknown): string {
    return this.#access.message(error);
  }

  #announce(text: string, kind: 'success' | 'error' = 'success'): void {
    // A fresh object each time so that repeating the same words is announced again.
    this._status = { text, kind };
  }

  #emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  #focusAfterRender(selector: string): void {
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(selector)?.focus());
  }

  /* ---------- dialogs ---------- */

  #open(modal: ModalState, opener?: EventTarget | null): void {
    if (this._modal?.kind === 'details' && modal.kind !== 'details') this.#details.destroyCharts();
    this._modal = modal;
    this._busy = false;
    this._modalError = '';
    this._edit = undefined;
    this.#focus.opened(opener as Element | null | undefined);
  }

  #close = (): void => {
    if (this._modal?.kind === 'details') this.#details.destroyCharts();
    this._modal = undefined;
    this._busy = false;
    this._modalError = '';
    this._secretStatus = '';
    this._edit = undefined;
    this.#lookup.reset();
    this.#identity.reset();
    this.#focus.closed();
  };

  /** Sends a dialog's request, one at a time; a failure is shown in the dialog. */
  async #inModal(request: () => Promise<void>): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._modalError = '';
    try {
      await request();
    } catch (error) {
      this._busy = false;
      this._modalError = this.#message(error);
      if (isKeyGone(error)) void this.#list.load();
    }
  }

  async #focusFirstInvalid(): Promise<void> {
    await this.updateComplete;
    const dialog = this.shadowRoot?.querySelector('[aria-modal="true"]');
    const target = dialog?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? dialog?.querySelector<HTMLElement>('.form-error');
    target?.focus();
  }

  /* ---------- create, regenerate, revoke, delete, enable ---------- */

  #openCreate(e: Event): void {
    const meta = this.#list.state.meta;
    this._form = emptyForm(meta?.defaultEnvironment ?? meta?.environments[0]?.name ?? '');
    this._formErrors = {};
    this.#open({ kind: 'create' }, e.currentTarget);
  }

  async #submitCreate(e: Event): Promise<void> {
    e.preventDefault();
    if (this._busy) return;
    const { input, errors } = createInput(this._form, this.#list.state.meta, this.#s);
    if (!input) {
      this._formErrors = { ...errors, form: this.#s.formHasErrors };
      this.#focusFirstInvalid();
      return;
    }
    this._formErrors = {};
    this._busy = true;
    try {
      const issued = await this.#api.create(input);
      this.#list.add(issued.key);
      this.#showSecret(issued, false);
      this.#announce(this.#s.createdMessage);
      this.#emit('key-created', { key: issued.key });
    } catch (error) {
      this._busy = false;
      // Field errors next to their fields, the rest at the top of the form.
      const { errors, form } = placeProblem(error, createFieldOf, this.#message(error));
      this._formErrors = { ...errors, form: form ?? this.#s.formHasErrors };
      this.#focusFirstInvalid();
    }
  }

  #showSecret(issued: IssuedKey, rotated: boolean): void {
    this._tab = 'curl';
    this._secretStatus = '';
    this.#open({ kind: 'secret', issued, rotated });
  }

  #openRegenerate(key: ApiKey, opener: EventTarget | null): void {
    this._grace = initialGrace(this.#list.state.meta?.rotationGracePeriodSeconds ?? 0);
    this.#open({ kind: 'regenerate', key }, opener);
  }

  #submitRegenerate(key: ApiKey): Promise<void> {
    return this.#inModal(async () => {
      const issued = await this.#api.regenerate(key.id, this._grace);
      this.#list.replace(issued.key);
      this.#showSecret(issued, true);
      this.#announce(this.#s.rotatedMessage);
      this.#emit('key-rotated', { key: issued.key });
    });
  }

  #submitDelete(key: ApiKey): Promise<void> {
    return this.#inModal(async () => {
      await this.#api.delete(key.id);
      this.#list.remove(key.id);
      this.#close();
      this.#announce(fill(this.#s.deletedMessage, { name: key.name }));
      this.#emit('key-deleted', { id: key.id, key });
    });
  }

  #submitRevoke(key: ApiKey): Promise<void> {
    return this.#inModal(async () => {
      const revoked = await this.#api.revoke(key.id);
      this.#list.replace(revoked);
      this.#close();
      this.#announce(fill(this.#s.revokedMessage, { name: key.name }));
      this.#emit('key-revoked', { key: revoked });
    });
  }

  #toggleEnabled(key: ApiKey): Promise<void> {
    return this.#inModal(async () => {
      const updated = await this.#api.update(key.id, { enabled: !key.enabled });
      this.#applyUpdated(updated);
      this._busy = false;
      this.#announce(fill(this.#s.updatedMessage, { name: key.name }));
      this.#emit('key-updated', { key: updated });
    });
  }

  /** Puts a key changed by PATCH into the list and the open details. */
  #applyUpdated(updated: ApiKey): void {
    this.#list.replace(updated);
    if (this._modal?.kind === 'details' && this._modal.key.id === updated.id) {
      this._modal = { kind: 'details', key: updated };
      this.#details.updated(updated);
    }
  }

  /* ---------- editing in details: name, credits, rate limits ---------- */

  #startEdit(section: EditSection, key: ApiKey): void {
    this._modalError = '';
    this._edit = startEdit(section, key);
    this.#focusAfterRender('[data-edit-form] input:not([disabled])');
  }

  #cancelEdit(): void {
    const section = this._edit?.section;
    this._edit = undefined;
    this.#focusAfterRender(`[data-edit="${section}"]`);
  }

  #patchEdit(patch: EditPatch): void {
    if (this._edit) this._edit = patchEdit(this._edit, patch);
  }

  /** Validates the open editor, sends the PATCH and shows the API's field errors next to the fields. */
  async #saveEdit(e: Event, key: ApiKey): Promise<void> {
    e.preventDefault();
    const edit = this._edit;
    if (!edit || this._busy) return;
    const s = this.#s;
    const built = editUpdate(edit, key, nameLimit(this.#list.state.meta), s);
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
      this.#focusAfterRender(`[data-edit="${edit.section}"]`);
    } catch (error) {
      this._busy = false;
      // Field errors next to the editor's fields; the rest above the editor.
      const { errors, form } = placeProblem(error, (pointer) => editFieldOf(edit, pointer), this.#message(error));
      this.#patchEdit({ errors: { ...(errors as EditErrors), ...(form ? { form } : {}) } });
      if (isKeyGone(error)) void this.#list.load();
      this.#focusFirstInvalid();
    }
  }

  #removeQuota(key: ApiKey): Promise<void> {
    return this.#inModal(async () => {
      const updated = await this.#api.update(key.id, { credits: null });
      this._busy = false;
      this._edit = undefined;
      this.#applyUpdated(updated);
      this.#announce(fill(this.#s.creditsRemoved, { name: updated.name }));
      this.#emit('key-updated', { key: updated });
    });
  }

  /* ---------- key lookup (whoami) and identities ---------- */

  #openLookup(e: Event): void {
    this.#lookup.reset();
    this.#open({ kind: 'whoami' }, e.currentTarget);
  }

  async #openIdentity(identityId: string, back: ApiKey | undefined, opener: EventTarget | null): Promise<void> {
    this.#identity.reset();
    this.#open({ kind: 'identity', identityId, back }, opener);
    await this.#identity.load(identityId);
  }

  #identityName = (identityId: string): string => identityNameOf(this.#list.state, identityId);

  /* ---------- reveal, the secret's copy and download, details ---------- */

  async #reveal(key: ApiKey): Promise<void> {
    try {
      await this.#list.toggleReveal(key);
    } catch (error) {
      this.#announce(this.#message(error), 'error');
    }
  }

  async #copy(text: string): Promise<void> {
    const ok = await copyText(text, this.shadowRoot!);
    this._secretStatus = ok ? this.#s.copied : this.#s.copyFailed;
  }

  #download(issued: IssuedKey): void {
    const file = `${slug(issued.key.name)}.env`;
    downloadText(this.shadowRoot!, file, envFile(issued.secret, this.envVar));
    this._secretStatus = fill(this.#s.downloaded, { file });
  }

  async #openDetails(key: ApiKey, opener: EventTarget | null): Promise<void> {
    this.#open({ kind: 'details', key }, opener);
    await this.#details.load(key.id);
  }

  /* ---------- rendering ---------- */

  protected override render(): TemplateResult {
    const ctx = this.#context();
    const modalOpen = this._modal !== undefined;
    return html`
      <div class="main" ?inert=${modalOpen} aria-hidden=${modalOpen ? 'true' : nothing}>
        ${renderPageHeader(ctx, this.#list.state.phase === 'ready', (e) => this.#openLookup(e), (e) => this.#openCreate(e))}
        ${renderKeyList(ctx, this.#list.state, this.#tableActions)}
      </div>
      ${renderStatusRegion(this._status, modalOpen)}
      ${this.#renderModal()}
    `;
  }

  #context(): ViewContext {
    return { s: this.#s, locale: this.locale, can: (permission) => this.#can(permission) };
  }

  #dialogContext(): DialogContext {
    return {
      ...this.#context(),
      busy: this._busy,
      modalError: this._modalError,
      close: this.#close,
      focusAfterRender: (selector) => this.#focusAfterRender(selector),
    };
  }

  readonly #tableActions: KeyTableActions = {
    retry: () => void this.#list.load(),
    filter: (patch) => void this.#list.applyFilter(patch),
    loadMore: () => void this.#list.loadMore(),
    reveal: (key) => void this.#reveal(key),
    details: (key, opener) => void this.#openDetails(key, opener),
    regenerate: (key, opener) => this.#openRegenerate(key, opener),
    confirm: (kind, key, opener) => this.#open({ kind, key }, opener),
    identity: (identityId, opener) => void this.#openIdentity(identityId, undefined, opener),
  };

  #renderModal(): TemplateResult | typeof nothing {
    const m = this._modal;
    if (!m) return nothing;
    const el = this;
    switch (m.kind) {
      case 'create':
        return renderCreateDialog({
          ...this.#dialogContext(),
          get form() {
            return el._form;
          },
          errors: this._formErrors,
          meta: this.#list.state.meta,
          edit: (patch, errors) => {
            this._form = { ...this._form, ...patch };
            if (errors) this._formErrors = { ...this._formErrors, ...errors };
          },
          submit: (e) => void this.#submitCreate(e),
        });
      case 'secret':
        return renderSecretDialog({
          ...this.#dialogContext(),
          issued: m.issued,
          rotated: m.rotated,
          baseUrl: this.apiBaseUrl || location.origin,
          get tab() {
            return el._tab;
          },
          status: this._secretStatus,
          selectTab: (id) => (this._tab = id),
          copy: (text) => void this.#copy(text),
          download: () => this.#download(m.issued),
        });
      case 'regenerate':
        return renderRegenerateDialog({
          ...this.#dialogContext(),
          key: m.key,
          grace: this._grace,
          setGrace: (seconds) => (this._grace = seconds),
          submit: () => void this.#submitRegenerate(m.key),
        });
      case 'delete':
      case 'revoke':
        return renderConfirmDialog(this.#dialogContext(), m.kind, m.key, () => void (m.kind === 'delete' ? this.#submitDelete(m.key) : this.#submitRevoke(m.key)));
      case 'details':
        return renderDetailsDialog({
          ...this.#dialogContext(),
          // Read live: several events may come before the next render.
          get edit() {
            return el._edit;
          },
          maxName: nameLimit(this.#list.state.meta),
          start: (section, key) => this.#startEdit(section, key),
          cancel: () => this.#cancelEdit(),
          patch: (patch) => this.#patchEdit(patch),
          save: (e, key) => void this.#saveEdit(e, key),
          removeQuota: (key) => void this.#removeQuota(key),
          key: m.key,
          details: this.#details.state,
          identityName: this.#identityName,
          openIdentity: (identityId, back, opener) => void this.#openIdentity(identityId, back, opener),
          toggleEnabled: (key) => void this.#toggleEnabled(key),
          regenerate: (key) => this.#openRegenerate(key, null),
          delete: (key) => this.#open({ kind: 'delete', key }),
          loadAudit: (id, cursor) => void this.#details.loadAudit(id, cursor),
        });
      case 'whoami':
        return renderLookupDialog({
          ...this.#dialogContext(),
          lookup: this.#lookup.state,
          identityName: this.#identityName,
          submit: (e) => void this.#lookup.submit(e),
          openDetails: (key) => void this.#openDetails(key, null),
        });
      case 'identity':
        return renderIdentityDialog({
          ...this.#dialogContext(),
          identityId: m.identityId,
          back: m.back,
          identity: this.#identity.state,
          keys: this.#list.state.keys,
          identityName: this.#identityName,
          openDetails: (key) => void this.#openDetails(key, null),
        });
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'api-key-manager': ApiKeyManager;
  }
}
