/**
 * Every text `<api-key-usage-dashboard>` shows, in English. Hosts reword or
 * translate any of them through the element's `strings` property (a partial
 * map). Placeholders like `{days}` are filled by `fill` from strings.ts.
 *
 * @module
 */

import { mergeTexts } from './strings.js';

/** The default (English) texts of the usage dashboard. */
export const DASHBOARD_STRINGS = {
  title: 'API key usage',
  subtitle: 'Requests, errors and key hygiene for your organization.',
  rangeLabel: 'Time range',
  rangeOption: '{days} days',
  rangeOptionLabel: 'Last {days} days',
  rangeSummary: '{from} to {to} (UTC)',
  loading: 'Loading usage…',
  refreshing: 'Updating…',
  retry: 'Try again',
  forbidden: "You don't have access to usage reports",
  forbiddenHint: 'Ask an administrator of your organization for access.',
  notEnabled: 'Usage reports are not enabled on this server.',
  unauthenticated: 'Your session has ended. Sign in again to see usage.',
  networkError: 'Could not reach the server. Check your connection and try again.',
  genericError: 'Something went wrong ({status}). Try again in a moment.',
  serviceUnavailable: 'The usage service is unavailable right now. Try again in a moment.',
  empty: 'No API keys yet.',
  emptyHint: 'Usage shows up here once keys are created and used.',
  noTraffic: 'No requests in the last {days} days.',
  truncated: 'Only the newest {count} keys are included in this report.',
  generatedAt: 'Generated {time}',

  statRequests: 'Requests',
  statErrors: 'Errors',
  statErrorRate: 'Error rate',
  statActiveKeys: 'Active keys',
  statActiveKeysOf: 'of {total}',

  chartTrafficTitle: 'Requests and errors per day',
  chartErrorRateTitle: 'Error rate per day (%)',
  chartTrafficSummary: 'Bar chart: {requests} requests and {errors} errors over {days} days, busiest day {peakDay} with {peak} requests.',
  chartErrorRateSummary: 'Line chart: daily error rate, {rate} overall over {days} days, highest {peakRate} on {peakDay}.',
  chartNoData: 'Chart: no requests over {days} days.',
  chartTableCaption: 'Requests and errors per day',
  chartsLoading: 'Loading charts…',
  legendRequests: 'Requests',
  legendErrors: 'Errors',

  topKeysTitle: 'Top keys',
  topKeysCaption: 'Keys with the most requests in the last {days} days',
  topKeysEmpty: 'No key was used in this period.',
  expiringTitle: 'Expiring soon',
  expiringCaption: 'Active keys expiring within {days} days',
  expiringEmpty: 'No key expires in the next {days} days.',
  neverUsedTitle: 'Never used',
  neverUsedCaption: 'Active keys that have never been used',
  neverUsedEmpty: 'Every active key has been used.',
  idleTitle: 'Not used for {days} days',
  idleCaption: 'Active keys not used for at least {days} days',
  idleEmpty: 'No key has been idle for {days} days or more.',
  rotationTitle: 'Due for rotation',
  rotationCaption: 'Active keys whose secret is older than {days} days',
  rotationEmpty: 'Every secret is younger than {days} days.',

  colKey: 'Key',
  colDay: 'Day',
  colRequests: 'Requests',
  colErrors: 'Errors',
  colErrorRate: 'Error rate',
  colExpires: 'Expires',
  colDaysLeft: 'Days left',
  colCreated: 'Created',
  colAge: 'Age',
  colLastUsed: 'Last used',
  colIdle: 'Idle',
  colSecretIssued: 'Secret issued',
  daysCount: '{count} d',
  daysLeftToday: 'today',
  autoRotates: 'Rotates automatically',
  unknown: '—',
} as const;

/** Keys of every dashboard text. */
export type DashboardStringKey = keyof typeof DASHBOARD_STRINGS;

/** A full set of dashboard texts. */
export type DashboardStrings = Record<DashboardStringKey, string>;

/** The defaults overlaid with a host's partial map (non-string values are ignored). */
export const mergeDashboardStrings = (overrides: Partial<Record<string, unknown>> | undefined): DashboardStrings =>
  mergeTexts(DASHBOARD_STRINGS, overrides);
