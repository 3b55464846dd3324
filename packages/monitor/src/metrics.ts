import type { AuditEvent, VerificationEvent, VerifyCode } from '@keygate/core';
import { Counter, Histogram, Registry } from 'prom-client';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Registry to add the metrics to. Default: a new one of their own (never prom-client's global registry). */
  registry?: Registry;
  /** Metric name prefix. Default `keygate_`. */
  prefix?: string;
  /** Latency histogram buckets in seconds. */
  latencyBuckets?: number[];
}

/** The metrics as JSON, for dashboards that do not read Prometheus text. */
export interface MetricsSnapshot {
  verifications: { total: number; byCode: Record<string, number> };
  rateLimitRejections: { key: number; unattributed: number };
  managementActions: Record<string, number>;
  alerts: Record<string, number>;
  latency: { count: number; sumSeconds: number; buckets: Array<{ le: number | '+Inf'; count: number }> };
  jobs: {
    runs: Array<{ job: string; outcome: string; count: number }>;
    remindersSent: number;
    keysRotated: number;
  };
}

/** Counters and histograms of keygate, in a prom-client registry. */
export interface Metrics {
  readonly registry: Registry;
  /** Pass into `createKeyManager({ hooks })`. */
  readonly hooks: {
    onVerification(event: VerificationEvent): void;
    onAudit(event: AuditEvent): void;
  };
  /** Counts an alert raised by `rule`. */
  alertRaised(rule: string): void;
  /** Counts a job run. */
  jobRun(job: string, outcome: 'ok' | 'error' | 'skipped'): void;
  reminderSent(): void;
  keyRotated(count?: number): void;
  /** The Prometheus text exposition. */
  prometheus(): Promise<string>;
  /** `Content-Type` of {@link prometheus}. */
  readonly contentType: string;
  json(): Promise<MetricsSnapshot>;
}

const DEFAULT_BUCKETS = [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1];

/** Audit actions that are verifications: counted from `onVerification` instead, never twice. */
const VERIFICATION_ACTIONS = new Set(['key.verified', 'key.verification_failed']);

/**
 * Creates keygate's metrics:
 *
 * - `keygate_verifications_total{code}` counter
 * - `keygate_verification_duration_seconds{result}` histogram (`result` = valid | invalid)
 * - `keygate_rate_limit_rejections_total{limit}` counter (`key` = the key's own limit; `unattributed` = refused before a key was identified)
 * - `keygate_management_actions_total{action}` counter (from audit events)
 * - `keygate_alerts_total{rule}` counter
 * - `keygate_job_runs_total{job,outcome}`, `keygate_rotation_reminders_sent_total`, `keygate_keys_auto_rotated_total` counters
 *
 * Label values come from closed sets (codes, actions, rule names), never
 * from key ids or IPs, so the series count stays small.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'keygate_';
  const registers = [registry];
  const verifications = new Counter({ name: `${p}verifications_total`, help: 'API key verifications by outcome code', labelNames: ['code'], registers });
  const duration = new Histogram({
    name: `${p}verification_duration_seconds`,
    help: 'Wall time of API key verifications',
    labelNames: ['result'],
    buckets: options.latencyBuckets ?? DEFAULT_BUCKETS,
    registers,
  });
  const rateLimited = new Counter({ name: `${p}rate_limit_rejections_total`, help: 'Verifications refused by a rate limit', labelNames: ['limit'], registers });
  const actions = new Counter({ name: `${p}management_actions_total`, help: 'Audited management actions', labelNames: ['action'], registers });
  const alerts = new Counter({ name: `${p}alerts_total`, help: 'Alerts raised by rule', labelNames: ['rule'], registers });
  const jobRuns = new Counter({ name: `${p}job_runs_total`, help: 'Scheduled job runs', labelNames: ['job', 'outcome'], registers });
  const reminders = new Counter({ name: `${p}rotation_reminders_sent_total`, help: 'Rotation reminder emails sent', registers });
  const rotated = new Counter({ name: `${p}keys_auto_rotated_total`, help: 'Keys rotated by the scheduled job', registers });

  // Label children resolved once per code, so the hot path does no label hashing.
  const byCode = new Map<string, Counter.Internal>();
  const valid = duration.labels('valid');
  const invalid = duration.labels('invalid');
  const keyLimit = rateLimited.labels('key');
  const otherLimit = rateLimited.labels('unattributed');
  keyLimit.inc(0);
  otherLimit.inc(0);
  for (const code of ['VALID', 'INVALID_FORMAT', 'NOT_FOUND', 'EXPIRED', 'REVOKED', 'DISABLED', 'INSUFFICIENT_SCOPE', 'IP_NOT_ALLOWED', 'RATE_LIMITED'] satisfies VerifyCode[]) {
    const child = verifications.labels(code);
    // Zero series from the start, so dashboards and rate() see every code before it first happens.
    child.inc(0);
    byCode.set(code, child);
  }

  return {
    registry,
    hooks: {
      onVerification(event) {
        let child = byCode.get(event.code);
        if (child === undefined) byCode.set(event.code, (child = verifications.labels(event.code)));
        child.inc();
        (event.code === 'VALID' ? valid : invalid).observe(event.durationMs / 1000);
        // A key's own limit is reported with its tenant (the secret matched).
        if (event.code === 'RATE_LIMITED') (event.tenantId !== undefined ? keyLimit : otherLimit).inc();
      },
      onAudit(event) {
        if (!VERIFICATION_ACTIONS.has(event.action)) actions.labels(event.action).inc();
      },
    },
    alertRaised: (rule) => alerts.labels(rule).inc(),
    jobRun: (job, outcome) => jobRuns.labels(job, outcome).inc(),
    reminderSent: () => reminders.inc(),
    keyRotated: (count = 1) => rotated.inc(count),
    prometheus: () => registry.metrics(),
    get contentType() {
      return registry.contentType;
    },
    async json() {
      const labelled = async (c: Counter, label: string) => {
        const out: Record<string, number> = {};
        for (const v of (await c.get()).values) out[String(v.labels[label])] = v.value;
        return out;
      };
      const codes = await labelled(verifications, 'code');
      const limits = await labelled(rateLimited, 'limit');
      const hist = (await duration.get()).values;
      const buckets = new Map<number | '+Inf', number>();
      let count = 0;
      let sum = 0;
      for (const v of hist) {
        if (v.metricName?.endsWith('_bucket')) {
          const raw = (v.labels as Record<string, string | number | undefined>).le;
          const le = raw === '+Inf' ? '+Inf' : Number(raw);
          buckets.set(le, (buckets.get(le) ?? 0) + v.value);
        } else if (v.metricName?.endsWith('_count')) count += v.value;
        else if (v.metricName?.endsWith('_sum')) sum += v.value;
      }
      return {
        verifications: { total: Object.values(codes).reduce((a, b) => a + b, 0), byCode: codes },
        rateLimitRejections: { key: limits.key ?? 0, unattributed: limits.unattributed ?? 0 },
        managementActions: await labelled(actions, 'action'),
        alerts: await labelled(alerts, 'rule'),
        latency: { count, sumSeconds: sum, buckets: [...buckets].map(([le, c]) => ({ le, count: c })) },
        jobs: {
          runs: (await jobRuns.get()).values.map((v) => ({ job: String(v.labels.job), outcome: String(v.labels.outcome), count: v.value })),
          remindersSent: (await reminders.get()).values[0]?.value ?? 0,
          keysRotated: (await rotated.get()).values[0]?.value ?? 0,
        },
      };
    },
  };
}
