/**
 * The element's styles. Public theming goes through `--kg-*` custom
 * properties (documented on the element and in docs/ui.md); each is read into
 * a private `--_*` variable with a light or dark default.
 *
 * @module
 */

import { css, unsafeCSS, type CSSResultGroup } from 'lit';
import { detailsStyles } from './details-styles.js';
import { dialogStyles } from './dialog-styles.js';
import { tableStyles } from './table-styles.js';

const light = `
  --_bg: var(--kg-color-bg, #ffffff);
  --_surface: var(--kg-color-surface, #f6f7f9);
  --_text: var(--kg-color-text, #1a1d23);
  --_muted: var(--kg-color-muted, #566070);
  --_border: var(--kg-color-border, #d5dae1);
  --_primary: var(--kg-color-primary, #2557d6);
  --_on-primary: var(--kg-color-on-primary, #ffffff);
  --_danger: var(--kg-color-danger, #c42b2b);
  --_on-danger: var(--kg-color-on-danger, #ffffff);
  --_success: var(--kg-color-success, #1b7a3a);
  --_warning-bg: var(--kg-color-warning-bg, #fff4d6);
  --_warning-text: var(--kg-color-warning-text, #6b4300);
  --_code-bg: var(--kg-color-code-bg, #f0f2f5);
  --_backdrop: var(--kg-color-backdrop, rgb(12 16 24 / 55%));
  --_focus: var(--kg-focus-ring, 0 0 0 3px rgb(37 87 214 / 45%));
  --_chart-fill: rgb(196 43 43 / 15%);
  color-scheme: light;
`;

const dark = `
  --_bg: var(--kg-color-bg, #15181d);
  --_surface: var(--kg-color-surface, #1d2129);
  --_text: var(--kg-color-text, #e7e9ee);
  --_muted: var(--kg-color-muted, #a4adba);
  --_border: var(--kg-color-border, #363d49);
  --_primary: var(--kg-color-primary, #7ea6ff);
  --_on-primary: var(--kg-color-on-primary, #0b1226);
  --_danger: var(--kg-color-danger, #ff8078);
  --_on-danger: var(--kg-color-on-danger, #1f0503);
  --_success: var(--kg-color-success, #5fd37a);
  --_warning-bg: var(--kg-color-warning-bg, #3b2f10);
  --_warning-text: var(--kg-color-warning-text, #f5d27a);
  --_code-bg: var(--kg-color-code-bg, #10131a);
  --_backdrop: var(--kg-color-backdrop, rgb(0 0 0 / 65%));
  --_focus: var(--kg-focus-ring, 0 0 0 3px rgb(126 166 255 / 55%));
  --_chart-fill: rgb(255 128 120 / 18%);
  color-scheme: dark;
`;

/** Styles of `<api-key-manager>`. */

/** The theme, the page, buttons and messages. */
const baseStyles = css`
  :host {
    ${unsafeCSS(light)}
    --_radius: var(--kg-radius, 8px);
    --_font: var(--kg-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_mono: var(--kg-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    --_space: var(--kg-spacing, 16px);
    display: block;
    container-type: inline-size;
    font-family: var(--_font);
    font-size: var(--kg-font-size, 14px);
    line-height: 1.45;
    color: var(--_text);
    background: var(--_bg);
    padding: var(--_space);
    border-radius: var(--_radius);
    box-sizing: border-box;
  }
  :host([theme='dark']) {
    ${unsafeCSS(dark)}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']),
    :host(:not([theme])) {
      ${unsafeCSS(dark)}
    }
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }

  /* header */
  .header {
    display: flex;
    flex-wrap: wrap;
    gap: 12px;
    align-items: flex-start;
    justify-content: space-between;
    margin-bottom: var(--_space);
  }
  h2.title {
    margin: 0;
    font-size: 1.35em;
    line-height: 1.2;
  }
  h2.title:focus {
    outline: none;
  }
  .subtitle,
  .hint,
  .muted {
    color: var(--_muted);
  }
  .subtitle {
    margin: 4px 0 0;
  }

  /* buttons */
  button {
    font: inherit;
    cursor: pointer;
    border-radius: calc(var(--_radius) - 2px);
    border: 1px solid var(--_border);
    background: var(--_bg);
    color: var(--_text);
    padding: 6px 12px;
    min-height: 34px;
    line-height: 1.2;
  }
  button:hover:not([disabled]) {
    border-color: var(--_muted);
  }
  button[disabled] {
    opacity: 0.6;
    cursor: not-allowed;
  }
  button.primary {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  button.danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: var(--_on-danger);
    font-weight: 600;
  }
  button.danger-outline {
    color: var(--_danger);
  }
  button.small {
    padding: 3px 8px;
    min-height: 28px;
    font-size: 0.9em;
  }
  button.link {
    border: none;
    background: none;
    color: var(--_primary);
    padding: 2px 4px;
    min-height: 0;
    text-decoration: underline;
  }
  .icon-button {
    border: none;
    background: transparent;
    font-size: 1.5em;
    line-height: 1;
    padding: 2px 8px;
    min-height: 0;
  }
  :is(button, input, select, textarea, a, [tabindex]):focus-visible {
    outline: 2px solid transparent;
    box-shadow: var(--_focus);
  }

  /* messages */
  .status {
    min-height: 0;
  }
  .banner {
    padding: 10px 12px;
    border-radius: var(--_radius);
    margin: 0 0 var(--_space);
    border: 1px solid var(--_border);
    background: var(--_surface);
  }
  .banner.success {
    border-color: var(--_success);
    color: var(--_success);
    font-weight: 600;
  }
  .banner.error {
    border-color: var(--_danger);
    color: var(--_danger);
  }
  .banner.warning {
    background: var(--_warning-bg);
    color: var(--_warning-text);
    border-color: transparent;
    font-weight: 600;
  }
  .state {
    text-align: center;
    padding: 40px 16px;
    border: 1px dashed var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
  .state p {
    margin: 0 0 8px;
  }
  .state .state-title {
    font-weight: 600;
    font-size: 1.1em;
  }
  .spinner {
    display: inline-block;
    width: 18px;
    height: 18px;
    border: 2px solid var(--_border);
    border-top-color: var(--_primary);
    border-radius: 50%;
    animation: spin 0.8s linear infinite;
    vertical-align: middle;
    margin-right: 8px;
  }
  @keyframes spin {
    to {
      transform: rotate(360deg);
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .spinner {
      animation: none;
    }
  }
`;

/**
 * Styles of `<api-key-manager>`, in cascade order. The table's extras (filters,
 * credits and identity) come before the dialogs' rules: no selector of those
 * is as specific as theirs, so the order between them does not matter.
 */
export const styles: CSSResultGroup = [baseStyles, tableStyles, dialogStyles, detailsStyles];
