import type { Actor, ApiKey, Clock, KeyManager, UsageBucket } from '@keygate/core';
import { utcDay, ValidationError } from '@keygate/core';

const DAY = 86_400_000;

/** Options of {@link Reports.tenantReport}. */
export interface TenantReportOptions {
  /** Days of daily usage, ending today (UTC). 1 to 366; default 30. */
  days?: number;
  /** A key unused for this many days is listed in `notUsedRecently`. Default 30. */
  notUsedForDays?: number;
  /** A key expiring within this many days is listed in `expiringSoon`. Default 14. */
  expiringWithinDays?: number;
  /** Length of `topKeys`. Default 10. */
  top?: number;
}

/** One key's line in a report. */
export interface KeyReport {
  id: string;
  name: string;
  maskedKey: string;
  environment: string;
  status: ApiKey['status'];
  ownerId?: string;
  createdAt: string;
  expiresAt: string | null;
  /** `rotatedAt ?? createdAt`: when the current secret was issued. */
  secretIssuedAt: string;
  lastUsedAt: string | null;
  /** Totals over the report's days. */
  requests: number;
  errors: number;
  /** errors / requests; 0 without requests. */
  errorRate: number;
  /** Every day of the range, zeros included. */
  daily: UsageBucket[];
}

/** The tenant report (`GET <base>/reports`). Times are ISO 8601, days `YYYY-MM-DD` (UTC). */
export interface TenantReport {
  tenantId: string;
  generatedAt: string;
  from: string;
  to: string;
  settings: { days: number; notUsedForDays: number; expiringWithinDays: number; rotationIntervalDays: number };
  totals: { keys: number; activeKeys: number; requests: number; errors: number; errorRate: number };
  /** Tenant-wide requests and errors per day. */
  daily: UsageBucket[];
  keys: KeyReport[];
  /** Most requests over the range, descending. */
  topKeys: Array<{ id: string; name: string; requests: number; errors: number; errorRate: number }>;
  /** Active keys expiring within `expiringWithinDays`, soonest first. */
  expiringSoon: Array<{ id: string; name: string; expiresAt: string; daysLeft: number }>;
  /** Active keys with no recorded use at all. */
  neverUsed: Array<{ id: string; name: string; createdAt: string; ageDays: number }>;
  /** Active keys used before, but not in the last `notUsedForDays` days. */
  notUsedRecently: Array<{ id: string; name: string; lastUsedAt: string; daysSinceUse: number }>;
  /** Active keys whose secret is older than the rotation interval. */
  rotationOverdue: Array<{ id: string; name: string; secretIssuedAt: string; ageDays: number; autoRotate: boolean }>;
  /** True when the tenant has more than `maxKeys` keys and only the newest were reported. */
  truncated: boolean;
}

/** Usage reports computed from the KeyManager's public API. */
export interface Reports {
  /**
   * The report of `actor.tenantId`. The actor needs `keys:read` and
   * `usage:read` (a system actor with `permissions: ['keys:read', 'usage:read']` fits a job).
   */
  tenantReport(actor: Actor, options?: TenantReportOptions): Promise<TenantReport>;
}

/** Options of {@link createReports}. */
export interface ReportsOptions {
  clock?: Clock;
  /** Rotation interval used for `rotationOverdue` when the manager has none configured. Default 90 days. */
  rotationIntervalMs?: number;
  /** Most keys per report. Default 1000. */
  maxKeys?: number;
  /** Usage reads in flight at once. Default 8. */
  concurrency?: number;
}

/** Builds {@link Reports} over `manager`. */
export function createReports(manager: KeyManager, options: ReportsOptions = {}): Reports {
  const clock = options.clock ?? { now: () => Date.now() };
  const maxKeys = options.maxKeys ?? 1000;
  const concurrency = options.concurrency ?? 8;
  const rotationMs = manager.config.rotationIntervalMs ?? options.rotationIntervalMs ?? 90 * DAY;

  return {
    async tenantReport(actor, opts = {}) {
      const days = intOption(opts.days, 30, 1, 366, 'days');
      const notUsedForDays = intOption(opts.notUsedForDays, 30, 1, 3650, 'notUsedForDays');
      const expiringWithinDays = intOption(opts.expiringWithinDays, 14, 0, 3650, 'expiringWithinDays');
      const top = intOption(opts.top, 10, 1, 100, 'top');
      const now = clock.now();
      const to = utcDay(now);
      const from = utcDay(now - (days - 1) * DAY);

      const keys: ApiKey[] = [];
      let cursor: string | undefined;
      let truncated = false;
      do {
        const page = await manager.list(actor, { limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
        keys.push(...page.items);
        cursor = page.nextCursor;
        if (keys.length >= maxKeys) {
          truncated = keys.length > maxKeys || cursor !== undefined;
          keys.length = Math.min(keys.length, maxKeys);
          break;
        }
      } while (cursor !== undefined);

      const lines = await mapLimit(keys, concurrency, async (key): Promise<KeyReport> => {
        const [daily, summary] = await Promise.all([manager.usage(actor, key.id, { from, to }), manager.usageSummary(actor, key.id)]);
        let requests = 0;
        let errors = 0;
        for (const d of daily) {
          requests += d.requests;
          errors += d.errors;
        }
        const line: KeyReport = {
          id: key.id,
          name: key.name,
          maskedKey: key.maskedKey,
          environment: key.environment,
          status: key.status,
          createdAt: key.createdAt,
          expiresAt: key.expiresAt,
          secretIssuedAt: key.rotatedAt ?? key.createdAt,
          lastUsedAt: summary.lastUsedAt !== undefined ? new Date(summary.lastUsedAt).toISOString() : null,
          requests,
          errors,
          errorRate: rate(errors, requests),
          daily,
        };
        if (key.ownerId !== undefined) line.ownerId = key.ownerId;
        return line;
      });

      const daily = new Map<string, UsageBucket>();
      for (const line of lines) {
        for (const d of line.daily) {
          const sum = daily.get(d.day) ?? { day: d.day, requests: 0, errors: 0 };
          sum.requests += d.requests;
          sum.errors += d.errors;
          daily.set(d.day, sum);
        }
      }
      const active = lines.filter((l) => l.status === 'active');
      const requests = lines.reduce((a, l) => a + l.requests, 0);
      const errors = lines.reduce((a, l) => a + l.errors, 0);
      const ageDays = (iso: string) => Math.floor((now - Date.parse(iso)) / DAY);
      const byKey = new Map(keys.map((k) => [k.id, k]));

      return {
        tenantId: actor.tenantId,
        generatedAt: new Date(now).toISOString(),
        from,
        to,
        settings: { days, notUsedForDays, expiringWithinDays, rotationIntervalDays: rotationMs / DAY },
        totals: { keys: lines.length, activeKeys: active.length, requests, errors, errorRate: rate(errors, requests) },
        daily: [...daily.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
        keys: lines,
        topKeys: [...lines]
          .filter((l) => l.requests > 0)
          .sort((a, b) => b.requests - a.requests || b.errors - a.errors)
          .slice(0, top)
          .map((l) => ({ id: l.id, name: l.name, requests: l.requests, errors: l.errors, errorRate: l.errorRate })),
        expiringSoon: active
          .filter((l) => l.expiresAt !== null && Date.parse(l.expiresAt) - now <= expiringWithinDays * DAY)
          .sort((a, b) => Date.parse(a.expiresAt!) - Date.parse(b.expiresAt!))
          .map((l) => ({ id: l.id, name: l.name, expiresAt: l.expiresAt!, daysLeft: Math.max(0, Math.ceil((Date.parse(l.expiresAt!) - now) / DAY)) })),
        neverUsed: active.filter((l) => l.lastUsedAt === null).map((l) => ({ id: l.id, name: l.name, createdAt: l.createdAt, ageDays: ageDays(l.createdAt) })),
        notUsedRecently: active
          .filter((l) => l.lastUsedAt !== null && now - Date.parse(l.lastUsedAt) >= notUsedForDays * DAY)
          .map((l) => ({ id: l.id, name: l.name, lastUsedAt: l.lastUsedAt!, daysSinceUse: ageDays(l.lastUsedAt!) }))
          .sort((a, b) => b.daysSinceUse - a.daysSinceUse),
        rotationOverdue: active
          .filter((l) => now - Date.parse(l.secretIssuedAt) >= rotationMs)
          .map((l) => ({ id: l.id, name: l.name, secretIssuedAt: l.secretIssuedAt, ageDays: ageDays(l.secretIssuedAt), autoRotate: byKey.get(l.id)!.autoRotate }))
          .sort((a, b) => b.ageDays - a.ageDays),
        truncated,
      };
    },
  };
}

function rate(errors: number, requests: number): number {
  return requests === 0 ? 0 : errors / requests;
}

function intOption(value: unknown, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError([{ field: `/${name}`, message: `must be an integer from ${min} to ${max}` }]);
  }
  return value;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
