/**
 * The element's styles. Public theming goes through `--kg-*` custom
 * properties (documented on the element and in docs/ui.md); each is read into
 * a private `--_*` variable with a light or dark default.
 *
 * @module
 */

import { css, unsafeCSS } from 'lit';

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
export const styles = css`
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

  /* table */
  .table-wrap {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow-x: auto;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  caption {
    text-align: left;
  }
  th,
  td {
    text-align: left;
    padding: 10px 12px;
    border-bottom: 1px solid var(--_border);
    vertical-align: top;
  }
  th {
    font-size: 0.85em;
    text-transform: uppercase;
    letter-spacing: 0.03em;
    color: var(--_muted);
    background: var(--_surface);
    white-space: nowrap;
  }
  tbody tr:last-child td {
    border-bottom: none;
  }
  .key-name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  td.cell-name {
    min-width: 8em;
  }
  td.cell-date {
    min-width: 7.5em;
  }
  .cell-actions .actions {
    display: grid;
    grid-template-columns: repeat(2, max-content);
  }
  code,
  .mono {
    font-family: var(--_mono);
    font-size: 0.92em;
  }
  .masked {
    white-space: nowrap;
  }
  .revealed {
    word-break: break-all;
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
  }
  .chip {
    display: inline-block;
    padding: 1px 8px;
    border-radius: 999px;
    background: var(--_surface);
    border: 1px solid var(--_border);
    font-size: 0.85em;
    white-space: nowrap;
  }
  .badge {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 1px 8px;
    border-radius: 999px;
    font-size: 0.85em;
    font-weight: 600;
    border: 1px solid currentColor;
    white-space: nowrap;
  }
  .badge::before {
    content: '';
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: currentColor;
  }
  .badge.active {
    color: var(--_success);
  }
  .badge.revoked,
  .badge.expired {
    color: var(--_danger);
  }
  .badge.disabled {
    color: var(--_muted);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
  }
  .nowrap {
    white-space: nowrap;
  }
  .pager {
    display: flex;
    justify-content: center;
    padding: 12px;
  }

  /* narrow: the table becomes cards (explicit ARIA roles keep table semantics) */
  @container (max-width: 900px) {
    .table-wrap {
      border: none;
      overflow: visible;
    }
    table,
    tbody,
    tr,
    td {
      display: block;
      width: 100%;
    }
    thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
    }
    tr {
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      margin-bottom: 12px;
      padding: 8px 12px;
      background: var(--_bg);
    }
    td {
      border: none;
      padding: 5px 0;
      display: grid;
      grid-template-columns: 7.5em 1fr;
      gap: 8px;
    }
    td > * {
      justify-self: start;
    }
    td.cell-date {
      min-width: 0;
    }
    .cell-actions .actions {
      display: flex;
    }
    td::before {
      content: attr(data-label);
      color: var(--_muted);
      font-size: 0.85em;
      padding-top: 1px;
    }
    td.cell-name {
      display: block;
      font-size: 1.05em;
    }
    td.cell-name::before {
      display: none;
    }
    td.cell-actions {
      display: block;
      padding-top: 8px;
    }
    td.cell-actions::before {
      display: none;
    }
  }

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

  /* details */
  dl.props {
    display: grid;
    grid-template-columns: minmax(8em, max-content) 1fr;
    gap: 6px 16px;
    margin: 0 0 16px;
  }
  dl.props dt {
    color: var(--_muted);
  }
  dl.props dd {
    margin: 0;
    word-break: break-word;
  }
  h3 {
    font-size: 1em;
    margin: 18px 0 8px;
  }
  .charts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(260px, 1fr));
    gap: 16px;
  }
  .chart {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 10px;
  }
  .chart h4 {
    margin: 0 0 6px;
    font-size: 0.95em;
  }
  .chart-canvas {
    position: relative;
    height: 180px;
  }
  ol.audit {
    list-style: none;
    padding: 0;
    margin: 0;
  }
  ol.audit li {
    padding: 8px 0;
    border-bottom: 1px solid var(--_border);
  }
  ol.audit .action {
    font-weight: 600;
  }
  /* filters */
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 16px;
    align-items: center;
    margin-bottom: 12px;
  }
  .filter {
    display: inline-flex;
    align-items: center;
    gap: 8px;
    color: var(--_muted);
  }
  .filters select {
    width: auto;
    min-width: 9em;
  }
  .table-wrap[aria-busy='true'] {
    opacity: 0.6;
  }

  /* credits and identity in the table */
  .key-extras {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 8px;
    align-items: center;
    margin-top: 4px;
    font-size: 0.92em;
  }
  .chip.credits {
    border-color: var(--_primary);
  }
  button.link.inline {
    padding: 0;
  }

  /* editors in details */
  .section-head {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 8px;
    margin: 18px 0 8px;
  }
  .section-head h3 {
    margin: 0;
  }
  .row.wrap {
    flex-wrap: wrap;
  }
  .row.wrap > * {
    flex: 1 1 9em;
  }
  .editor {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 12px;
    margin-bottom: 8px;
  }
  .editor .field {
    margin-bottom: 8px;
  }
  .inline-row {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
  }
  .inline-row input {
    flex: 1 1 12em;
    width: auto;
  }
  .inline-edit .banner {
    margin-bottom: 8px;
  }
  .limit-row {
    display: grid;
    grid-template-columns: minmax(8em, 1.4fr) repeat(3, minmax(6em, 1fr)) 2.5em;
    gap: 8px;
    align-items: start;
    padding: 6px 0;
    border-bottom: 1px solid var(--_border);
  }
  .lr-cell > label,
  .lr-cell > .hint {
    display: block;
    margin: 0 0 2px;
  }
  .lr-remove {
    align-self: end;
  }
  ul.limits {
    list-style: none;
    padding: 0;
    margin: 0;
    display: grid;
    gap: 4px;
  }
  pre[data-identity-metadata] {
    margin: 0;
  }
  @container (max-width: 640px) {
    .limit-row {
      grid-template-columns: 1fr 1fr;
    }
    .lr-name {
      grid-column: 1 / -1;
    }
  }

  @container (max-width: 480px) {
    dl.props {
      grid-template-columns: 1fr;
      gap: 0;
    }
    dl.props dd {
      margin-bottom: 8px;
    }
  }
`;
