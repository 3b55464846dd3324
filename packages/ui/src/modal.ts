/**
 * Modal dialogs rendered inside the element's shadow root: the markup
 * (role="dialog", aria-modal, aria-labelledby) and a controller that moves
 * focus in, keeps Tab inside, closes on Escape and returns focus to the
 * control that opened the dialog.
 *
 * @module
 */

import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Focusable, visible elements inside `container`, in tab order of the document. */
export function focusableIn(container: Element): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.getClientRects().length > 0 && !el.closest('[inert]'),
  );
}

/** The focused element inside the shadow root (or document) that holds `node`. */
function activeIn(node: Node): Element | null {
  const root = node.getRootNode() as ShadowRoot | Document;
  return root.activeElement;
}

/**
 * Keeps Tab and Shift+Tab inside `dialog` and closes on Escape. Attach to the
 * dialog's keydown.
 */
export function trapKeydown(event: KeyboardEvent, dialog: HTMLElement, onClose: () => void): void {
  if (event.key === 'Escape') {
    event.preventDefault();
    event.stopPropagation();
    onClose();
    return;
  }
  if (event.key !== 'Tab') return;
  const items = focusableIn(dialog);
  if (items.length === 0) {
    event.preventDefault();
    dialog.focus();
    return;
  }
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const active = activeIn(dialog);
  if (event.shiftKey && (active === first || active === dialog || !dialog.contains(active))) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (active === last || !dialog.contains(active))) {
    event.preventDefault();
    first.focus();
  }
}

/** What a modal shows. */
export interface ModalOptions {
  /** Unique id prefix; the title gets `${id}-title`. */
  id: string;
  title: string;
  body: TemplateResult | typeof nothing;
  footer?: TemplateResult | typeof nothing;
  onClose: () => void;
  closeLabel: string;
  /** `wide` for the details view. */
  size?: 'normal' | 'wide';
  /** Id of the element describing the dialog (aria-describedby). */
  describedBy?: string;
  /** Whether a click on the backdrop closes it (not for the one-time secret). Default true. */
  backdropCloses?: boolean;
  /** Role: `alertdialog` for destructive confirmations. */
  role?: 'dialog' | 'alertdialog';
}

/** The markup of a modal dialog with a backdrop. */
export function renderModal(o: ModalOptions): TemplateResult {
  const onBackdrop = (e: MouseEvent): void => {
    if (e.target === e.currentTarget && o.backdropCloses !== false) o.onClose();
  };
  return html`<div class="backdrop" part="backdrop" @click=${onBackdrop}>
    <div
      class="dialog ${o.size === 'wide' ? 'wide' : ''}"
      part="dialog"
      role=${o.role ?? 'dialog'}
      aria-modal="true"
      aria-labelledby="${o.id}-title"
      aria-describedby=${o.describedBy ?? nothing}
      tabindex="-1"
      data-modal=${o.id}
      @keydown=${(e: KeyboardEvent) => trapKeydown(e, e.currentTarget as HTMLElement, o.onClose)}
    >
      <header class="dialog-header" part="dialog-header">
        <h2 id="${o.id}-title" class="dialog-title">${o.title}</h2>
        <button type="button" class="icon-button" part="button close-button" aria-label=${o.closeLabel} @click=${o.onClose}>
          <span aria-hidden="true">×</span>
        </button>
      </header>
      <div class="dialog-body" part="dialog-body">${o.body}</div>
      ${o.footer && o.footer !== nothing ? html`<footer class="dialog-footer" part="dialog-footer">${o.footer}</footer>` : nothing}
    </div>
  </div>`;
}

/**
 * Moves focus into a dialog after it renders and back to its opener after it
 * closes. The opener is kept across dialogs that replace each other (create,
 * then the secret) so focus returns to where the person started.
 */
export class ModalFocusController implements ReactiveController {
  readonly #host: ReactiveControllerHost & HTMLElement;
  readonly #fallback: () => HTMLElement | null | undefined;
  #opener: HTMLElement | undefined;
  #focusDialog = false;
  #restore: HTMLElement | undefined | null = null;

  constructor(host: ReactiveControllerHost & HTMLElement, fallback: () => HTMLElement | null | undefined) {
    this.#host = host;
    this.#fallback = fallback;
    host.addController(this);
  }

  /** A dialog opens (or replaces another); `opener` is kept only if none is held. */
  opened(opener?: Element | null): void {
    if (!this.#opener && opener instanceof HTMLElement) this.#opener = opener;
    this.#focusDialog = true;
    this.#restore = null;
    this.#host.requestUpdate();
  }

  /** The dialog closed: focus goes back to the opener after the next render. */
  closed(): void {
    this.#restore = this.#opener;
    this.#opener = undefined;
    this.#focusDialog = false;
    this.#host.requestUpdate();
  }

  hostUpdated(): void {
    const root = this.#host.shadowRoot;
    if (!root) return;
    if (this.#focusDialog) {
      const dialog = root.querySelector<HTMLElement>('[aria-modal="true"]');
      if (!dialog) return;
      this.#focusDialog = false;
      const target = dialog.querySelector<HTMLElement>('[data-autofocus]') ?? focusableIn(dialog)[0] ?? dialog;
      target.focus();
    } else if (this.#restore !== null) {
      const opener = this.#restore;
      this.#restore = null;
      const target = opener && opener.isConnected && !opener.closest('[inert]') ? opener : this.#fallback();
      target?.focus();
    }
  }
}
