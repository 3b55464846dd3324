/**
 * The tenant usage report served by `GET <base>/reports` (from
 * `@keygate/monitor`'s `createReports`; see docs/operations.md). Mirrored here
 * so that the browser bundle does not depend on the server packages.
 *
 * @module
 */

import type { KeyStatus, UsageDay } from './types.js';

/** Query of `GET <base>/reports`; every field optional, whole numbers. */
export interface ReportQuery {
  /** Days of daily usage ending today (UTC), 1 to 366. Server default 30. */
  days?: number;
  /** Idle days before a used key counts as "not used recently". Server default 30. */
  notUsedForDays?: number;
  /** Keys expiring within this many days are "expiring soon". Server default 14. */
  expiringWithinDays?: number;
  /** Length of `topKeys`, 1 to 100. Server default 10. */
  top?: number;
}

/** One key's line in a report. Times are ISO 8601. */
export interface KeyReport {
  id: string;
  name: string;
  maskedKey: string;
  environment: string;
  status: KeyStatus;
  ownerId?: string;
  createdAt: string;
  expiresAt: string | null;
  /** When the current secret was issued (`rotatedAt ?? createdAt`). */
  secretIssuedAt: string;
  /** `null`: never used. */
  lastUsedAt: string | null;
  requests: number;
  errors: number;
  /** errors / requests, 0 to 1; 0 without requests. */
  errorRate: number;
  daily: UsageDay[];
}

/** `GET <base>/reports`: one tenant's usage and key hygiene. Days are `YYYY-MM-DD` (UTC). */
export interface TenantReport {
  tenantId: string;
  generatedAt: string;
  /** First day of the range (inclusive). */
  from: string;
  /** Last day of the range (inclusive), today. */
  to: string;
  settings: { days: number; notUsedForDays: number; expiringWithinDays: number; rotationIntervalDays: number };
  totals: { keys: number; activeKeys: number; requests: number; errors: number; errorRate: number };
  /** Tenant-wide requests and errors, every day of the range. */
  daily: UsageDay[];
  keys: KeyReport[];
  /** Keys with traffic, most requests first. */
  topKeys: Array<{ id: string; name: string; requests: number; errors: number; errorRate: number }>;
  /** Active keys expiring within `expiringWithinDays`, soonest first. */
  expiringSoon: Array<{ id: string; name: string; expiresAt: string; daysLeft: number }>;
  /** Active keys never used. */
  neverUsed: Array<{ id: string; name: string; createdAt: string; ageDays: number }>;
  /** Active keys idle for at least `notUsedForDays`. */
  notUsedRecently: Array<{ id: string; name: string; lastUsedAt: string; daysSinceUse: number }>;
  /** Active keys whose secret is older than the rotation interval. */
  rotationOverdue: Array<{ id: string; name: string; secretIssuedAt: string; ageDays: number; autoRotate: boolean }>;
  /** True when only the newest keys were reported (the tenant has more than the server's limit). */
  truncated: boolean;
}
