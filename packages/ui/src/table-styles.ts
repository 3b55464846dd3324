/**
 * Styles of the keys table: the table, its cards on narrow screens, the
 * filters above it, and a key's credits and identity in its row.
 *
 * @module
 */

import { css } from 'lit';

/** The keys table, its filters and row extras. */
export const tableStyles = css`
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
`;
