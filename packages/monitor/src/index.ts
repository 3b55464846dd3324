/**
 * @keygate/monitor: metrics, usage reports, alerts with notification
 * channels (hook, signed webhook, email), rotation reminders and automated
 * rotation jobs for keygate.
 *
 * @packageDocumentation
 */
export { createMonitor, type Monitor, type MonitorOptions, type ChannelOptions, type JobOptions, type JobsRunResult } from './monitor.js';
export { createMetrics, type Metrics, type MetricsOptions, type MetricsSnapshot } from './metrics.js';
export { createReports, type Reports, type ReportsOptions, type TenantReport, type TenantReportOptions, type KeyReport } from './reports.js';
export { createAlertEngine, toNotification, type Alert, type AlertInput, type AlertEngine, type AlertOptions } from './alerts.js';
export {
  DEFAULT_ALERT_RULES,
  DEFAULT_ALERT_COOLDOWN_MS,
  RULE_SEVERITY,
  resolveAlertRules,
  type AlertRuleName,
  type AlertRulesConfig,
  type AlertSeverity,
  type ResolvedAlertRules,
  type WindowThreshold,
} from './alert-rules.js';
export { createWebhookNotifier, type WebhookNotifier, type WebhookOptions, type WebhookResult } from './webhook.js';
export { signWebhook, verifyWebhookSignature, SIGNATURE_HEADER, DEFAULT_SIGNATURE_TOLERANCE_SECONDS, type VerifySignatureOptions } from './webhook-signature.js';
export { createMailer, createEmailNotifier, type Mailer, type MailerOptions, type MailMessage, type MailTransport, type EmailNotifierOptions } from './email.js';
export { createHookNotifier, fanOut } from './notifiers.js';
export { createMemoryClaimStore, createRedisClaimStore, type ClaimStore, type RedisClaimStoreOptions } from './claim-store.js';
export { createRotationReminders, type RotationReminders, type RotationReminderOptions, type ReminderRunResult } from './reminders.js';
export { createAutoRotation, type AutoRotationOptions, type AutoRotationResult } from './auto-rotation.js';
export { runCli, type CliIo } from './cli-run.js';
export { createMetricsHandler, type MetricsHandlerOptions } from './metrics-handler.js';
export { ipRangeOf } from './ip-range.js';
export { WindowCounter } from './window-counter.js';
