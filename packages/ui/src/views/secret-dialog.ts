/**
 * The one-time secret dialog after a key is created or regenerated: the
 * secret with copy and `.env` download, and code examples in tabs.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { codeSnippets, type CodeSnippet } from '../code-snippets.js';
import { renderModal } from '../modal.js';
import type { IssuedKey } from '../types.js';
import type { DialogContext } from './context.js';

/** What the secret dialog shows and does. */
export interface SecretDialogHost extends DialogContext {
  readonly issued: IssuedKey;
  /** Regenerated (not created): another title, no "created" banner. */
  readonly rotated: boolean;
  /** Base URL used in the code examples. */
  readonly baseUrl: string;
  /** The code example shown (read again by the keyboard handler). */
  readonly tab: CodeSnippet['id'];
  /** What the last copy or download did (announced). */
  readonly status: string;
  selectTab(id: CodeSnippet['id']): void;
  copy(text: string): void;
  download(): void;
}

/** The secret dialog. */
export function renderSecretDialog(host: SecretDialogHost): TemplateResult {
  const { s, issued, rotated } = host;
  const snippets = codeSnippets(host.baseUrl, issued.secret);
  const current = snippets.find((x) => x.id === host.tab) ?? snippets[0]!;
  // Arrow keys, Home and End move between the tabs, as the ARIA tabs pattern has it.
  const onTabKey = (e: KeyboardEvent): void => {
    const i = snippets.findIndex((x) => x.id === host.tab);
    let next = i;
    if (e.key === 'ArrowRight') next = (i + 1) % snippets.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + snippets.length) % snippets.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = snippets.length - 1;
    else return;
    e.preventDefault();
    const id = snippets[next]!.id;
    host.selectTab(id);
    host.focusAfterRender(`#tab-${id}`);
  };
  const body = html`
      ${rotated ? nothing : html`<p class="banner success" data-created-message>${s.createdMessage}</p>`}
      <p class="banner warning" id="secret-warning">${s.secretWarning}</p>
      <label class="field" for="secret-value" style="font-weight:600">${s.secretLabel}</label>
      <div class="secret-box">
        <code class="secret" id="secret-value" part="secret" data-secret tabindex="0">${issued.secret}</code>
      </div>
      <div class="actions">
        <button type="button" class="primary" part="button" data-copy data-autofocus @click=${() => host.copy(issued.secret)}>${s.copy}</button>
        <button type="button" part="button" data-download @click=${() => host.download()}>${s.downloadEnv}</button>
      </div>
      <p role="status" aria-live="polite" class="hint" data-secret-status>${host.status}</p>
      <h3>${s.codeExamples}</h3>
      <div class="tabs" role="tablist" aria-label=${s.codeExamples}>
        ${snippets.map(
          (x) => html`<button type="button" role="tab" class="tab" id="tab-${x.id}" aria-controls="panel-code"
            aria-selected=${x.id === current.id ? 'true' : 'false'} tabindex=${x.id === current.id ? '0' : '-1'}
            @keydown=${onTabKey} @click=${() => host.selectTab(x.id)}>${x.label}</button>`,
        )}
      </div>
      <div role="tabpanel" id="panel-code" aria-labelledby="tab-${current.id}">
        <pre part="code" data-snippet=${current.id}><code>${current.code}</code></pre>
        <div class="snippet-actions">
          <button type="button" class="small" part="button" @click=${() => host.copy(current.code)}>${s.copy}</button>
        </div>
      </div>`;
  const footer = html`<button type="button" class="primary" part="button" data-done @click=${host.close}>${s.done}</button>`;
  return renderModal({
    id: 'secret',
    title: rotated ? s.rotatedTitle : s.secretTitle,
    body,
    footer,
    onClose: host.close,
    closeLabel: s.close,
    describedBy: 'secret-warning',
    backdropCloses: false,
  });
}
