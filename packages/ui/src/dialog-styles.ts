/**
 * Styles of the dialogs: the modal box, form fields, and the one-time
 * secret with its code examples.
 *
 * @module
 */

import { css } from 'lit';

/** Dialogs, forms and the secret. */
export const dialogStyles = css`
  /* dialogs */
  .backdrop {
    position: fixed;
    inset: 0;
    background: var(--_backdrop);
    display: flex;
    align-items: flex-start;
    justify-content: center;
    padding: 5vh 12px;
    overflow-y: auto;
    z-index: var(--kg-z-index, 1000);
  }
  .dialog {
    background: var(--_bg);
    color: var(--_text);
    border-radius: calc(var(--_radius) + 4px);
    border: 1px solid var(--_border);
    box-shadow: 0 20px 50px rgb(0 0 0 / 30%);
    width: min(560px, 100%);
    max-width: 100%;
  }
  .dialog.wide {
    width: min(920px, 100%);
  }
  .dialog:focus {
    outline: none;
  }
  .dialog-header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    padding: 14px 16px 10px 20px;
    border-bottom: 1px solid var(--_border);
  }
  .dialog-title {
    margin: 0;
    font-size: 1.15em;
    word-break: break-word;
  }
  .dialog-body {
    padding: 16px 20px;
  }
  .dialog-footer {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 8px;
    padding: 12px 20px 16px;
    border-top: 1px solid var(--_border);
  }
  .dialog-footer .spacer {
    flex: 1;
  }

  /* forms */
  .field {
    margin-bottom: 14px;
  }
  .field > label,
  fieldset > legend {
    display: block;
    font-weight: 600;
    margin-bottom: 4px;
  }
  fieldset {
    border: none;
    padding: 0;
    margin: 0 0 14px;
  }
  input[type='text'],
  input[type='number'],
  input[type='date'],
  select,
  textarea {
    font: inherit;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    padding: 7px 10px;
    width: 100%;
    min-height: 36px;
  }
  textarea {
    min-height: 64px;
    font-family: var(--_mono);
  }
  [aria-invalid='true'] {
    border-color: var(--_danger);
  }
  .field-error {
    color: var(--_danger);
    margin: 4px 0 0;
    font-size: 0.92em;
  }
  .hint {
    margin: 4px 0 0;
    font-size: 0.92em;
  }
  .checks {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
    gap: 6px 12px;
  }
  .check {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    font-weight: normal;
  }
  .check input {
    margin-top: 3px;
  }
  .check small {
    display: block;
    color: var(--_muted);
  }
  .presets {
    display: flex;
    flex-wrap: wrap;
    gap: 6px 14px;
  }
  .row {
    display: flex;
    gap: 8px;
  }
  .row > * {
    flex: 1;
  }
  details.advanced > summary {
    cursor: pointer;
    font-weight: 600;
    margin-bottom: 10px;
  }

  /* secret */
  .secret-box {
    display: flex;
    gap: 8px;
    align-items: stretch;
    flex-wrap: wrap;
    margin: 8px 0;
  }
  .secret {
    flex: 1 1 260px;
    font-family: var(--_mono);
    background: var(--_code-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    padding: 8px 10px;
    word-break: break-all;
    user-select: all;
  }
  .tabs {
    display: flex;
    gap: 4px;
    border-bottom: 1px solid var(--_border);
    margin-top: 8px;
  }
  .tab {
    border: none;
    border-bottom: 2px solid transparent;
    border-radius: 0;
    background: none;
  }
  .tab[aria-selected='true'] {
    border-bottom-color: var(--_primary);
    font-weight: 600;
  }
  pre {
    margin: 8px 0 0;
    padding: 10px 12px;
    background: var(--_code-bg);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    overflow-x: auto;
    font-family: var(--_mono);
    font-size: 0.88em;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .snippet-actions {
    display: flex;
    justify-content: flex-end;
    margin-top: 6px;
  }
`;
