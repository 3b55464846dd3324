/**
 * The confirmations of changes that cannot be undone: regenerate (with the
 * grace period of the current secret), revoke and delete.
 *
 * @module
 */

import { html, type TemplateResult } from 'lit';
import { renderModal } from '../modal.js';
import { fill } from '../strings.js';
import type { ApiKey } from '../types.js';
import { alertBanner, type DialogContext } from './context.js';

/** Grace period choices of the regenerate dialog, in seconds. */
const GRACE_CHOICES = [0, 3600, 86400, 604800] as const;

/** The grace period chosen when the dialog opens: the configured one if offered, else none. */
export const initialGrace = (configured: number): number => ((GRACE_CHOICES as readonly number[]).includes(configured) ? configured : 0);

/** What the regenerate dialog shows and does. */
export interface RegenerateDialogHost extends DialogContext {
  readonly key: ApiKey;
  /** The chosen grace period, in seconds. */
  readonly grace: number;
  setGrace(seconds: number): void;
  submit(): void;
}

/** The regenerate dialog. */
export function renderRegenerateDialog(host: RegenerateDialogHost): TemplateResult {
  const { s, key } = host;
  const labels: Record<number, string> = { 0: s.graceNone, 3600: s.grace1h, 86400: s.grace24h, 604800: s.grace7d };
  const body = html`<p id="regen-text">${s.regenerateText}</p>
      <fieldset>
        <legend>${s.gracePeriodLabel}</legend>
        ${GRACE_CHOICES.map(
          (sec) => html`<label class="check">
            <input type="radio" name="grace" value=${sec} .checked=${host.grace === sec} ?data-autofocus=${host.grace === sec}
              @change=${() => host.setGrace(sec)} />${labels[sec]}
          </label>`,
        )}
      </fieldset>
      ${alertBanner(host.modalError)}`;
  const footer = html`<button type="button" part="button" @click=${host.close}>${s.cancel}</button>
      <button type="button" class="primary" part="button" data-confirm ?disabled=${host.busy} @click=${() => host.submit()}>
        ${host.busy ? s.regenerating : s.regenerateSubmit}
      </button>`;
  return renderModal({
    id: 'regenerate',
    title: fill(s.regenerateTitle, { name: key.name }),
    body,
    footer,
    onClose: host.close,
    closeLabel: s.close,
    describedBy: 'regen-text',
  });
}

/** The revoke or delete confirmation (an alertdialog). */
export function renderConfirmDialog(host: DialogContext, kind: 'delete' | 'revoke', key: ApiKey, confirm: () => void): TemplateResult {
  const s = host.s;
  const body = html`<p id="confirm-text" data-confirm-text>${kind === 'delete' ? s.deleteText : s.revokeText}</p>
      ${alertBanner(host.modalError)}`;
  const footer = html`<button type="button" part="button" data-cancel data-autofocus @click=${host.close}>${s.cancel}</button>
      <button type="button" class="danger" part="button" data-confirm ?disabled=${host.busy} @click=${confirm}>
        ${kind === 'delete' ? s.confirm : s.revoke}
      </button>`;
  return renderModal({
    id: kind,
    title: fill(kind === 'delete' ? s.deleteTitle : s.revokeTitle, { name: key.name }),
    body,
    footer,
    onClose: host.close,
    closeLabel: s.close,
    describedBy: 'confirm-text',
    role: 'alertdialog',
  });
}
