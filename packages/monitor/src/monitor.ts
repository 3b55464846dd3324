import type { AuditEvent, Awaitable, Clock, KeyManager, Logger, Notification, Notifier, ResponseEvent, VerificationEvent } from '@keygate/core';
import { type AlertEngine, type AlertOptions, createAlertEngine } from './alerts.js';
import { createAutoRotation, type AutoRotationResult } from './auto-rotation.js';
import { type ClaimStore, createMemoryClaimStore } from './claim-store.js';
import { createEmailNotifier, createMailer, type EmailNotifierOptions, type Mailer, type MailerOptions } from './email.js';
import { createMetrics, type Metrics, type MetricsOptions, type MetricsSnapshot } from './metrics.js';
import { createHookNotifier, fanOut } from './notifiers.js';
import { createRotationReminders, type ReminderRunResult, type RotationReminderOptions } from './reminders.js';
import { createReports, type Reports } from './reports.js';
import { createWebhookNotifier, type WebhookOptions } from './webhook.js';

/** Where alerts go. Every channel gets every alert. */
export interface ChannelOptions {
  /** Called with each alert notification. */
  hook?: (notification: Notification) => Awaitable<void>;
  /** Signed JSON webhooks. */
  webhooks?: WebhookOptions[];
  /** Email to operators. */
  email?: EmailNotifierOptions;
  /** Any other {@link Notifier}s. */
  notifiers?: Notifier[];
}

/** Options of the scheduled jobs. */
export interface JobOptions {
  /** Tenants the jobs cover (keys are listed per tenant). */
  tenants: readonly string[] | (() => Awaitable<readonly string[]>);
  /** Rotation reminder emails; off when absent. */
  reminders?: Omit<RotationReminderOptions, 'mailer' | 'claims' | 'clock' | 'logger'> & { mailer: Mailer | MailerOptions };
  /** Automated rotation with `manager.rotateDue` (needs `hooks.onRotated` on the manager). Default: on when the manager has a `rotationInterval`. */
  autoRotate?: boolean;
  /** Lease of a tenant during rotation. Default 10 minutes. */
  rotationLeaseMs?: number;
}

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** Attach now; or later with {@link Monitor.attach} (the usual order: monitor, then manager with its hooks, then attach). */
  manager?: KeyManager;
  /** Metrics options; `false` for none. */
  metrics?: MetricsOptions | false;
  /** Alert rules and settings; `false` for no alerts. */
  alerts?: Omit<AlertOptions, 'notifier' | 'claims' | 'clock' | 'logger' | 'count'> | false;
  channels?: ChannelOptions;
  /**
   * Leases for alert de-duplication and the jobs. Default: in memory (one
   * process). With several instances pass `createRedisClaimStore`.
   */
  claims?: ClaimStore;
  jobs?: JobOptions;
  /** Must match the manager's clock (tests). */
  clock?: Clock;
  logger?: Logger;
}

/** What one job run did. */
export interface JobsRunResult {
  startedAt: string;
  reminders?: ReminderRunResult;
  rotation?: AutoRotationResult;
  errors: string[];
}

/** The monitoring bundle of a host. */
export interface Monitor {
  /** Pass into `createKeyManager({ hooks: { ...monitor.hooks, onRotated } })`. */
  readonly hooks: { onVerification(event: VerificationEvent): void; onAudit(event: AuditEvent): void; onResponse(event: ResponseEvent): void };
  readonly metrics: Metrics | undefined;
  readonly alerts: AlertEngine | undefined;
  /** The notifier all alert channels form. */
  readonly notifier: Notifier;
  /** Binds the manager the hooks were given to. Returns the monitor. */
  attach(manager: KeyManager): Monitor;
  readonly manager: KeyManager | undefined;
  /** Reports over the attached manager. */
  readonly reports: Reports;
  /** Prometheus text; empty when metrics are off. */
  prometheus(): Promise<string>;
  json(): Promise<MetricsSnapshot | Record<string, never>>;
  /** Runs the reminder and rotation jobs once. Idempotent: safe from cron and from several instances at once. */
  runJobs(): Promise<JobsRunResult>;
  /** Runs the jobs every `intervalMs` (default 1 hour) on unref'd timers; returns a function that stops them. */
  startJobs(options?: { intervalMs?: number; runNow?: boolean }): () => Promise<void>;
  /** Stops jobs, waits for pending alerts, closes mail transports the monitor opened. */
  close(): Promise<void>;
}

/**
 * Creates the monitor: metrics, alerts, reports and jobs for one KeyManager.
 *
 * ```ts
 * const monitor = createMonitor({ channels: { webhooks: [{ url, secret }] } });
 * const manager = createKeyManager({ config, hooks: monitor.hooks });
 * monitor.attach(manager);
 * ```
 */
export function createMonitor(options: MonitorOptions = {}): Monitor {
  const clock = options.clock ?? { now: () => Date.now() };
  const logger = options.logger ?? console;
  const claims = options.claims ?? createMemoryClaimStore({ clock });
  const metrics = options.metrics === false ? undefined : createMetrics(options.metrics ?? {});
  const closers: Array<() => void> = [];

  const channels: Notifier[] = [];
  const c = options.channels ?? {};
  if (c.hook) channels.push(createHookNotifier(c.hook, logger));
  for (const w of c.webhooks ?? []) channels.push(createWebhookNotifier({ logger, ...w }));
  if (c.email) {
    const email = createEmailNotifier({ logger, ...c.email });
    closers.push(() => email.close());
    channels.push(email);
  }
  channels.push(...(c.notifiers ?? []));
  const notifier = fanOut(channels, logger);

  const alerts =
    options.alerts === false
      ? undefined
      : createAlertEngine({ ...(options.alerts ?? {}), notifier, claims, clock, logger, ...(metrics ? { count: (rule: string) => metrics.alertRaised(rule) } : {}) });

  let manager: KeyManager | undefined;
  let reports: Reports | undefined;
  const stops = new Set<() => Promise<void>>();

  const onVerification = (event: VerificationEvent) => {
    metrics?.hooks.onVerification(event);
    alerts?.observe(event);
  };
  const onAudit = (event: AuditEvent) => metrics?.hooks.onAudit(event);
  const onResponse = (event: ResponseEvent) => alerts?.observeResponse(event);

  let reminderMailer: Mailer | undefined;
  function reminderJob(m: KeyManager) {
    const r = options.jobs?.reminders;
    if (r === undefined) return undefined;
    if (reminderMailer === undefined) {
      reminderMailer = 'sendMail' in r.mailer ? r.mailer : createMailer(r.mailer);
      if (!('sendMail' in r.mailer)) closers.push(() => reminderMailer?.close());
    }
    return createRotationReminders(m, { ...r, mailer: reminderMailer, claims, clock, logger });
  }

  const monitor: Monitor = {
    hooks: { onVerification, onAudit, onResponse },
    metrics,
    alerts,
    notifier,
    get manager() {
      return manager;
    },
    attach(m) {
      manager = m;
      reports = createReports(m, { clock });
      alerts?.attach(m);
      return monitor;
    },
    get reports() {
      if (reports === undefined) throw new TypeError('monitor.reports: attach a KeyManager first (monitor.attach(manager))');
      return reports;
    },
    prometheus: async () => (metrics ? metrics.prometheus() : ''),
    json: async () => (metrics ? metrics.json() : {}),
    async runJobs() {
      const result: JobsRunResult = { startedAt: new Date(clock.now()).toISOString(), errors: [] };
      const m = manager;
      if (m === undefined) throw new TypeError('monitor.runJobs: attach a KeyManager first (monitor.attach(manager))');
      const jobs = options.jobs;
      if (jobs === undefined) return result;
      const tenants = typeof jobs.tenants === 'function' ? await jobs.tenants() : jobs.tenants;
      const reminders = reminderJob(m);
      if (reminders) {
        try {
          result.reminders = await reminders.run(tenants);
          for (let i = 0; i < result.reminders.sent.length; i++) metrics?.reminderSent();
          metrics?.jobRun('rotation_reminders', result.reminders.failed.length > 0 ? 'error' : 'ok');
        } catch (error) {
          result.errors.push(`rotation_reminders: ${errorText(error)}`);
          metrics?.jobRun('rotation_reminders', 'error');
        }
      }
      if (jobs.autoRotate ?? m.config.rotationIntervalMs !== null) {
        try {
          const rotation = createAutoRotation(m, { claims, logger, ...(jobs.rotationLeaseMs !== undefined ? { leaseMs: jobs.rotationLeaseMs } : {}) });
          result.rotation = await rotation.run(tenants);
          metrics?.keyRotated(result.rotation.rotated.length);
          metrics?.jobRun('auto_rotation', result.rotation.failedTenants.length > 0 ? 'error' : 'ok');
          for (const t of result.rotation.failedTenants) result.errors.push(`auto_rotation: tenant ${t} failed`);
        } catch (error) {
          result.errors.push(`auto_rotation: ${errorText(error)}`);
          metrics?.jobRun('auto_rotation', 'error');
        }
      }
      return result;
    },
    startJobs({ intervalMs = 3_600_000, runNow = true } = {}) {
      if (!(intervalMs >= 1000)) throw new TypeError('startJobs: intervalMs must be at least 1000');
      let running: Promise<unknown> | undefined;
      const tick = () => {
        // A slow run is not overlapped by the next tick.
        if (running !== undefined) return;
        running = monitor
          .runJobs()
          .then((r) => {
            for (const e of r.errors) logger.error(`keygate: job failed: ${e}`);
          })
          .catch((error: unknown) => logger.error('keygate: jobs failed', { error: errorText(error) }))
          .finally(() => (running = undefined));
      };
      const timer = setInterval(tick, intervalMs);
      timer.unref();
      if (runNow) tick();
      const stop = async () => {
        clearInterval(timer);
        stops.delete(stop);
        await running;
      };
      stops.add(stop);
      return stop;
    },
    async close() {
      await Promise.all([...stops].map((s) => s()));
      await alerts?.idle();
      for (const close of closers) close();
    },
  };
  if (options.manager) monitor.attach(options.manager);
  return monitor;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
