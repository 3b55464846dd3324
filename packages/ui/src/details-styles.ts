/**
 * Styles of a key's details dialog: its properties, charts and audit
 * trail, and the name, credits and rate limits editors.
 *
 * @module
 */

import { css } from 'lit';

/** The details dialog and its editors. */
export const detailsStyles = css`
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
