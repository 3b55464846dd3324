/**
 * Styles that `<api-key-usage-dashboard>` adds to the shared element styles
 * (styles.ts: theme variables, buttons, states, tables, charts).
 *
 * @module
 */

import { css } from 'lit';

/** Dashboard-only styles; use after `styles`. */
export const dashboardStyles = css`
  .range {
    display: inline-flex;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    overflow: hidden;
  }
  .range button {
    border: none;
    border-radius: 0;
    border-left: 1px solid var(--_border);
    min-width: 4.5em;
  }
  .range button:first-child {
    border-left: none;
  }
  .range button[aria-pressed='true'] {
    background: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  .period {
    margin: 6px 0 0;
    font-size: 0.92em;
    text-align: right;
  }
  .content {
    transition: opacity 0.15s;
  }
  .content[aria-busy='true'] {
    opacity: 0.55;
  }
  @media (prefers-reduced-motion: reduce) {
    .content {
      transition: none;
    }
  }
  .stats {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(150px, 1fr));
    gap: 12px;
    margin: 0 0 var(--_space);
    padding: 0;
  }
  .stat {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    padding: 12px 14px;
    margin: 0;
  }
  .stat dt {
    color: var(--_muted);
    font-size: 0.88em;
  }
  .stat dd {
    margin: 2px 0 0;
    font-size: 1.6em;
    font-weight: 650;
    line-height: 1.2;
    font-variant-numeric: tabular-nums;
  }
  .stat dd small {
    font-size: 0.55em;
    font-weight: normal;
    color: var(--_muted);
    margin-left: 4px;
  }
  .stat.errors dd {
    color: var(--_danger);
  }
  .charts {
    margin-bottom: var(--_space);
  }
  .chart {
    margin: 0;
    background: var(--_bg);
  }
  .chart-canvas {
    height: 220px;
  }
  .chart-head {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 4px 12px;
    margin: 0 0 6px;
  }
  .chart h3 {
    margin: 0;
    font-size: 0.95em;
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 14px;
    margin: 0;
    padding: 0;
    list-style: none;
    font-size: 0.88em;
    color: var(--_muted);
  }
  .legend li {
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .swatch {
    width: 10px;
    height: 10px;
    border-radius: 2px;
    background: var(--_primary);
  }
  .swatch.errors {
    background: var(--_danger);
  }
  .panels {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr));
    gap: 16px;
  }
  @container (min-width: 1000px) {
    .panels {
      grid-template-columns: repeat(3, minmax(0, 1fr));
    }
    .panel.wide {
      grid-column: span 2;
    }
  }
  .panel {
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: 12px 14px;
    min-width: 0;
  }
  .panel h3 {
    margin: 0 0 8px;
    display: flex;
    align-items: baseline;
    gap: 8px;
  }
  .count {
    display: inline-block;
    min-width: 1.6em;
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_surface);
    border: 1px solid var(--_border);
    font-size: 0.8em;
    text-align: center;
    font-weight: 600;
  }
  .count.attention {
    background: var(--_warning-bg);
    color: var(--_warning-text);
    border-color: transparent;
  }
  .panel .muted {
    margin: 0;
  }
  /* Small tables stay tables at every width (the shared styles turn the
     keys table into cards); they scroll sideways if they must. */
  .compact {
    overflow-x: auto;
  }
  .compact table {
    display: table;
  }
  .compact caption {
    display: table-caption;
  }
  .compact thead {
    display: table-header-group;
    position: static;
    width: auto;
    height: auto;
    overflow: visible;
    clip: auto;
  }
  .compact tbody {
    display: table-row-group;
  }
  .compact tr {
    display: table-row;
    border: none;
    margin: 0;
    padding: 0;
    background: none;
  }
  .compact th,
  .compact td {
    display: table-cell;
    width: auto;
    padding: 6px 8px;
    border-bottom: 1px solid var(--_border);
  }
  .compact td::before {
    content: none;
  }
  .compact tbody tr:last-child > * {
    border-bottom: none;
  }
  .compact th {
    background: none;
    font-size: 0.78em;
    white-space: normal;
    vertical-align: bottom;
  }
  .compact tbody th,
  .compact tbody td {
    vertical-align: top;
  }
  @container (max-width: 480px) {
    .compact th,
    .compact td {
      padding: 6px 4px;
    }
    .panel {
      padding: 10px;
    }
    /* Four columns do not fit with the masked key under each name. */
    .panel.wide .key-sub {
      display: none;
    }
  }
  .compact .chip {
    margin-top: 4px;
  }
  .compact th:first-child,
  .compact td:first-child {
    padding-left: 0;
  }
  .compact th:last-child,
  .compact td:last-child {
    padding-right: 0;
  }
  .compact th[scope='row'] {
    text-transform: none;
    letter-spacing: normal;
    font-size: inherit;
    font-weight: normal;
    color: inherit;
    white-space: normal;
    overflow-wrap: break-word;
  }
  .compact .num {
    text-align: right;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .compact .key-name {
    display: block;
  }
  .compact .key-sub {
    display: block;
    white-space: nowrap;
    color: var(--_muted);
    font-size: 0.85em;
  }
  .bar {
    display: block;
    height: 4px;
    margin-top: 4px;
    border-radius: 2px;
    background: var(--_primary);
    opacity: 0.6;
  }
  .footer {
    margin: var(--_space) 0 0;
    font-size: 0.88em;
  }
`;
