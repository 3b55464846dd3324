/**
 * What the views of `<api-key-manager>` get from the element, and the small
 * pieces of markup several of them share.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import type { Strings } from '../strings.js';
import type { Permission } from '../types.js';

/** What every view reads. */
export interface ViewContext {
  /** The UI texts (defaults merged with the host's overrides). */
  readonly s: Strings;
  /** BCP 47 locale for dates and numbers; `undefined`: the browser's. */
  readonly locale: string | undefined;
  /** Whether the acting user holds a permission (directly or through a wildcard). */
  can(permission: Permission): boolean;
}

/** What dialogs add: the request in flight, the dialog's error, closing and focus. */
export interface DialogContext extends ViewContext {
  /** A request of the dialog is in flight. */
  readonly busy: boolean;
  /** The dialog's last failure, shown as a banner (`''`: none). */
  readonly modalError: string;
  close(): void;
  /** Focuses the first element matching `selector` in the shadow root once the next render is done. */
  focusAfterRender(selector: string): void;
}

/** An error banner that is announced, or nothing for no message. */
export const alertBanner = (message: string | undefined): TemplateResult | typeof nothing =>
  message ? html`<p class="banner error" role="alert" part="error">${message}</p>` : nothing;

/** One term and its value of a `<dl class="props">`. */
export const prop = (label: string, value: unknown): TemplateResult => html`<dt>${label}</dt><dd>${value}</dd>`;

/** A muted "loading" line with a spinner, announced as a status. */
export const loadingLine = (text: string): TemplateResult =>
  html`<p class="muted" role="status"><span class="spinner" aria-hidden="true"></span>${text}</p>`;
