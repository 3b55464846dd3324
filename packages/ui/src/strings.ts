/**
 * Every text the component shows, in English. Hosts translate or reword
 * any of them through the element's `strings` property (a partial map).
 * Placeholders look like `{name}` and are filled by {@link fill}.
 *
 * @module
 */

/** The default (English) UI texts. */
export const DEFAULT_STRINGS = {
  title: 'API Keys',
  subtitle: 'Keys let your services call the API. Treat them like passwords.',
  createButton: 'Create API key',
  loading: 'Loading API keys…',
  empty: 'No API keys yet.',
  emptyHint: 'Create a key to let a service call the API.',
  emptyReadOnly: 'No API keys to show.',
  loadMore: 'Load more',
  loadingMore: 'Loading…',
  retry: 'Try again',
  forbidden: "You don't have access to API keys",
  forbiddenHint: 'Ask an administrator of your organization for access.',
  forbiddenAction: "You don't have permission to do this.",
  unauthenticated: 'Your session has ended. Sign in again to manage API keys.',
  networkError: 'Could not reach the server. Check your connection and try again.',
  genericError: 'Something went wrong ({status}). Try again in a moment.',
  notFound: 'This key no longer exists. The list has been refreshed.',
  serviceUnavailable: 'The API key service is unavailable right now. Try again in a moment.',
  readOnlyNotice: 'You can view keys but not change them.',
  tableCaption: 'API keys',

  colName: 'Name',
  colKey: 'Key',
  colEnvironment: 'Environment',
  colScopes: 'Scopes',
  colCreated: 'Created',
  colLastUsed: 'Last used',
  colExpires: 'Expires',
  colStatus: 'Status',
  colActions: 'Actions',
  noScopes: 'No scopes',
  never: 'Never',
  neverUsed: 'Never used',
  unknown: '—',

  statusActive: 'Active',
  statusDisabled: 'Disabled',
  statusRevoked: 'Revoked',
  statusExpired: 'Expired',

  reveal: 'Reveal',
  hide: 'Hide',
  revealLabel: 'Reveal the full key of {name}',
  details: 'Details',
  detailsLabel: 'Details of {name}',
  regenerate: 'Regenerate',
  regenerateLabel: 'Regenerate {name}',
  revoke: 'Revoke',
  revokeLabel: 'Revoke {name}',
  delete: 'Delete',
  deleteLabel: 'Delete {name}',
  enable: 'Enable',
  disable: 'Disable',
  close: 'Close',
  cancel: 'Cancel',
  confirm: 'Confirm',

  createTitle: 'Create API key',
  nameLabel: 'Token name',
  nameHint: 'Up to {max} characters, e.g. "Billing service".',
  nameRequired: 'Token name is required',
  nameTooLong: 'Token name must be at most {max} characters',
  environmentLabel: 'Environment',
  scopesLabel: 'Scopes',
  scopesHint: 'Grant only what the service needs.',
  scopesFreeHint: 'Comma-separated, e.g. read:users, write:orders.',
  expiryLabel: 'Expiration',
  expiryNever: 'Never',
  expiry7d: '7 days',
  expiry30d: '30 days',
  expiry90d: '90 days',
  expiry1y: '1 year',
  expiryCustom: 'Custom date',
  expiryDateLabel: 'Expiration date',
  expiryDateRequired: 'Choose an expiration date',
  expiryDatePast: 'Choose a date in the future',
  advanced: 'Advanced options',
  ipAllowlistLabel: 'IP allowlist (optional)',
  ipAllowlistHint: 'One IP address or CIDR block per line, e.g. 203.0.113.0/24. Empty: any address.',
  rateLimitLabel: 'Rate limit (optional)',
  rateLimitHint: 'Empty: the default limit applies.',
  rateLimitDefault: 'Empty: the default limit applies ({limit} per {window}).',
  rateLimitRequests: 'Requests',
  rateLimitWindow: 'Per',
  rateLimitInvalid: 'Enter a whole number of requests, at least 1',
  perSecond: 'second',
  perMinute: 'minute',
  perHour: 'hour',
  perDay: 'day',
  createSubmit: 'Create key',
  creating: 'Creating…',
  formHasErrors: 'Fix the highlighted fields.',

  createdMessage: 'New API Token successfully generated.',
  secretTitle: 'Your new API key',
  rotatedTitle: 'Your regenerated API key',
  secretWarning: 'Copy this key now. For your security it will not be shown again.',
  secretLabel: 'API key',
  copy: 'Copy',
  copied: 'Copied to clipboard',
  copyFailed: 'Could not copy. Select the key and copy it by hand.',
  downloadEnv: 'Download .env',
  downloaded: 'Downloaded {file}',
  codeExamples: 'Code examples',
  done: 'I have saved my key',

  regenerateTitle: 'Regenerate {name}?',
  regenerateText: 'A new secret replaces the current one. Choose how long the current secret keeps working, so you can deploy the new one without downtime.',
  gracePeriodLabel: 'Grace period for the current secret',
  graceNone: 'None: stop working immediately',
  grace1h: '1 hour',
  grace24h: '24 hours',
  grace7d: '7 days',
  regenerateSubmit: 'Regenerate',
  regenerating: 'Regenerating…',
  rotatedMessage: 'API key regenerated.',

  deleteTitle: 'Delete {name}?',
  deleteText: 'Deleting this token will disconnect all associated connections. Proceed?',
  deletedMessage: 'API key {name} deleted.',
  revokeTitle: 'Revoke {name}?',
  revokeText: 'The key stops working at once. Its record stays in the list for auditing.',
  revokedMessage: 'API key {name} revoked.',
  updatedMessage: 'API key {name} updated.',

  detailsTitle: 'API key: {name}',
  fieldId: 'ID',
  fieldPrefix: 'Prefix',
  fieldIpAllowlist: 'IP allowlist',
  fieldRateLimit: 'Rate limit',
  fieldUpdated: 'Updated',
  fieldRotated: 'Last regenerated',
  fieldPreviousExpires: 'Previous secret works until',
  fieldCreatedBy: 'Created by',
  fieldRequests: 'Total requests',
  fieldErrors: 'Total errors',
  anyIp: 'Any address',
  defaultLimit: 'Default',
  noLimit: 'No limit',
  rateLimitValue: '{limit} per {window}',
  usageTitle: 'Usage, last 30 days',
  requestsPerDay: 'Requests per day',
  errorRate: 'Error rate (%)',
  chartSummary: '{label}: {total} in total over {days} days.',
  chartsLoading: 'Loading charts…',
  noUsage: 'No requests in the last 30 days.',
  auditTitle: 'Audit trail',
  auditEmpty: 'No audit events.',
  auditBy: 'by {actor}',
  auditFrom: 'from {ip}',
  loadingDetails: 'Loading details…',
} as const;

/** Keys of every UI text. */
export type StringKey = keyof typeof DEFAULT_STRINGS;

/** A full set of UI texts. */
export type Strings = Record<StringKey, string>;

/** Fills `{name}` placeholders; unknown placeholders stay as written. */
export function fill(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** The defaults overlaid with a host's partial map (non-string values are ignored). */
export function mergeStrings(overrides: Partial<Record<string, unknown>> | undefined): Strings {
  const merged: Strings = { ...DEFAULT_STRINGS };
  if (overrides) {
    for (const key of Object.keys(DEFAULT_STRINGS) as StringKey[]) {
      const value = overrides[key];
      if (typeof value === 'string') merged[key] = value;
    }
  }
  return merged;
}
