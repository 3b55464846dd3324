import type { AuditEvent, Clock, KeyManager, Logger, Notification, Notifier, ResponseEvent, VerificationEvent } from '@keygate/core';
import {
  type AlertRuleName,
  type AlertRulesConfig,
  type AlertSeverity,
  DEFAULT_ALERT_COOLDOWN_MS,
  type ResolvedAlertRules,
  resolveAlertRules,
  RULE_SEVERITY,
} from './alert-rules.js';
import { type ClaimStore, createMemoryClaimStore } from './claim-store.js';
import { eventId } from './ids.js';
import { ipRangeOf } from './ip-range.js';
import { WindowCounter } from './window-counter.js';

/** One raised alert. Never contains a secret. */
export interface Alert {
  /** Unique, time-sortable; also the audit event id and the webhook delivery id. */
  id: string;
  rule: AlertRuleName | (string & {});
  severity: AlertSeverity;
  /** ISO 8601. */
  at: string;
  /** Tenant of the key, when known; otherwise the alert is audited under `systemTenantId`. */
  tenantId?: string;
  keyId?: string;
  ip?: string;
  /** What the alert is about, for de-duplication: a key id, an IP, … */
  subject: string;
  /** One line for people. */
  title: string;
  message: string;
  details: Record<string, unknown>;
}

/** What a rule (built-in or the host's own) asks to raise. */
export interface AlertInput {
  rule: string;
  subject: string;
  severity?: AlertSeverity;
  tenantId?: string;
  keyId?: string;
  ip?: string;
  title: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Options of {@link createAlertEngine}. */
export interface AlertOptions {
  /** Thresholds of the built-in rules. */
  rules?: AlertRulesConfig;
  /** The same rule and subject alert at most once per cooldown. Default 15 minutes. */
  cooldownMs?: number;
  /** Where alerts go (use `fanOut` for several channels). */
  notifier?: Notifier;
  /** Called with every alert, after it is audited. */
  onAlert?: (alert: Alert) => void | Promise<void>;
  /**
   * Leases for de-duplication. Default: in this process. With a Redis claim
   * store, several instances send one alert per cooldown between them.
   */
  claims?: ClaimStore;
  /** Tenant under which alerts with no known tenant (IP bursts) are audited. Default `_system`. */
  systemTenantId?: string;
  clock?: Clock;
  logger?: Logger;
  /** Counts alerts (the monitor passes its metrics). */
  count?: (rule: string) => void;
}

/** Watches verification outcomes and raises alerts. */
export interface AlertEngine {
  /** The `onVerification` hook: cheap and synchronous; raising happens in the background. */
  observe(event: VerificationEvent): void;
  /** The `onResponse` hook: host error statuses count towards a key's error rate. */
  observeResponse(event: ResponseEvent): void;
  /** Lets alerts be audited and looks up the tenant of a claimed key id. */
  attach(manager: KeyManager): void;
  /** Raises an alert now (cooldown applies); `undefined` when suppressed. For host-defined rules too. */
  raise(input: AlertInput): Promise<Alert | undefined>;
  /** Resolves when every alert raised so far is audited and delivered. */
  idle(): Promise<void>;
  readonly rules: ResolvedAlertRules;
}

const DAY = 86_400_000;

/**
 * The alerting engine. Windows are kept in memory per process, so thresholds
 * apply per instance; with N instances behind a balancer an attacker spread
 * over all of them needs up to N times the threshold. De-duplication goes
 * through the {@link ClaimStore}, so a shared (Redis) claim store keeps
 * instances from alerting twice about the same thing.
 */
export function createAlertEngine(options: AlertOptions = {}): AlertEngine {
  const rules = resolveAlertRules(options.rules);
  const cooldownMs = options.cooldownMs ?? DEFAULT_ALERT_COOLDOWN_MS;
  const clock = options.clock ?? { now: () => Date.now() };
  const claims = options.claims ?? createMemoryClaimStore({ clock });
  const logger = options.logger ?? console;
  const systemTenantId = options.systemTenantId ?? '_system';
  let manager: KeyManager | undefined;

  const windowOf = (ms: number | undefined) => (ms === undefined ? undefined : new WindowCounter(ms));
  const keyRequests = windowOf(rules.errorRateSpike?.windowMs);
  const keyErrors = windowOf(rules.errorRateSpike?.windowMs);
  const keyLimited = windowOf(rules.rateLimitViolations?.windowMs);
  const failuresByKey = windowOf(rules.authFailureBurstByKey?.windowMs);
  const failuresByIp = windowOf(rules.authFailureBurstByIp?.windowMs);
  /** Key id → network → last seen (ms). Map order = least recently touched first, for eviction. */
  const seenRanges = new Map<string, Map<string, number>>();
  /** `rule|subject` → time before which we do not even ask the claim store again. */
  const quietUntil = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();

  function trigger(input: AlertInput, now: number): void {
    const dedupe = `${input.rule}|${input.subject}`;
    const quiet = quietUntil.get(dedupe);
    if (quiet !== undefined && quiet > now) return;
    if (quietUntil.size > 50_000) quietUntil.clear();
    quietUntil.set(dedupe, now + cooldownMs);
    const job = raise(input).catch((error: unknown) => logger.error('keygate: raising an alert failed', { rule: input.rule, error: message(error) }));
    pending.add(job);
    void job.finally(() => pending.delete(job));
  }

  async function raise(input: AlertInput): Promise<Alert | undefined> {
    const now = clock.now();
    if (!(await claims.claim(`alert:${input.rule}:${input.subject}`, cooldownMs))) return undefined;
    let tenantId = input.tenantId;
    if (tenantId === undefined && input.keyId !== undefined && manager !== undefined) {
      // The tenant whose key is under attack should see it in its own audit log.
      tenantId = (await manager.storage.keys.get(input.keyId))?.tenantId;
    }
    const alert: Alert = {
      id: eventId(now),
      rule: input.rule,
      severity: input.severity ?? RULE_SEVERITY[input.rule as AlertRuleName] ?? 'warning',
      at: new Date(now).toISOString(),
      subject: input.subject,
      title: input.title,
      message: input.message,
      details: input.details ?? {},
    };
    if (tenantId !== undefined) alert.tenantId = tenantId;
    if (input.keyId !== undefined) alert.keyId = input.keyId;
    if (input.ip !== undefined) alert.ip = input.ip;
    options.count?.(alert.rule);
    if (manager !== undefined) {
      const event: AuditEvent = {
        id: alert.id,
        action: 'alert.raised',
        at: now,
        tenantId: tenantId ?? systemTenantId,
        actor: { id: 'keygate:monitor', type: 'system' },
        outcome: alert.rule,
        details: { rule: alert.rule, severity: alert.severity, subject: alert.subject, title: alert.title, message: alert.message, ...alert.details },
      };
      if (alert.keyId !== undefined) event.keyId = alert.keyId;
      if (alert.ip !== undefined) event.ip = alert.ip;
      try {
        await manager.storage.audit.append(event);
      } catch (error) {
        logger.error('keygate: could not audit an alert', { rule: alert.rule, error: message(error) });
      }
    }
    await Promise.allSettled([
      options.onAlert ? Promise.resolve().then(() => options.onAlert!(alert)) : undefined,
      options.notifier ? Promise.resolve().then(() => options.notifier!.send(toNotification(alert, systemTenantId))) : undefined,
    ]).then((results) => {
      for (const r of results) if (r.status === 'rejected') logger.error('keygate: alert delivery failed', { rule: alert.rule, error: message(r.reason) });
    });
    return alert;
  }

  function observeIpRange(keyId: string, tenantId: string | undefined, ip: string, now: number): void {
    const rule = rules.newIpRange!;
    const range = ipRangeOf(ip, rule.ipv4PrefixLength, rule.ipv6PrefixLength);
    if (range === undefined) return;
    let ranges = seenRanges.get(keyId);
    if (ranges === undefined) {
      // The first network this process sees for a key is its baseline, not news.
      if (seenRanges.size >= 100_000) seenRanges.delete(seenRanges.keys().next().value!);
      seenRanges.set(keyId, new Map([[range, now]]));
      return;
    }
    const last = ranges.get(range);
    if (last !== undefined && now - last < 60_000) return;
    ranges.delete(range);
    if (ranges.size >= rule.maxRangesPerKey) ranges.delete(ranges.keys().next().value!);
    ranges.set(range, now);
    if (last === undefined || now - last > rule.lookbackDays * DAY) {
      trigger(
        {
          rule: 'new_ip_range',
          subject: `${keyId}:${range}`,
          keyId,
          ip,
          ...(tenantId !== undefined ? { tenantId } : {}),
          title: `API key ${keyId} used from a new network ${range}`,
          message: `Key ${keyId} was used from ${ip} (${range}), a network not seen for this key in the last ${rule.lookbackDays} days.`,
          details: { range, lookbackDays: rule.lookbackDays, knownRanges: ranges.size - 1 },
        },
        now,
      );
    }
  }

  /** Raises `error_rate_spike` when the key's errors in the window reach the threshold. */
  function checkErrorRate(keyId: string, tenantId: string, requests: number, errors: number, last: string, now: number): void {
    const r = rules.errorRateSpike!;
    if (requests < r.minRequests || errors / requests < r.threshold) return;
    const rate = Math.round((errors / requests) * 100);
    trigger(
      {
        rule: 'error_rate_spike',
        subject: keyId,
        keyId,
        tenantId,
        title: `Error rate of API key ${keyId} at ${rate}%`,
        message: `${errors} of the last ${requests} requests with key ${keyId} failed (last: ${last}) within ${Math.round(r.windowMs / 1000)} s.`,
        details: { requests, errors, errorRate: errors / requests, lastCode: last, windowMs: r.windowMs },
      },
      now,
    );
  }

  /** A verified request's final status: the host's errors count towards the key's error rate too. */
  function observeResponse(event: ResponseEvent): void {
    if (event.status < 400 || keyRequests === undefined || keyErrors === undefined) return;
    // The request itself was counted when its key verified.
    checkErrorRate(event.keyId, event.tenantId, keyRequests.count(event.keyId, event.at), keyErrors.add(event.keyId, event.at), `HTTP ${event.status}`, event.at);
  }

  function observe(event: VerificationEvent): void {
    const now = event.at;
    const keyId = event.claimedKeyId;
    const matched = event.tenantId !== undefined;
    if (event.code === 'VALID') {
      if (keyId !== undefined) {
        keyRequests?.add(keyId, now);
        if (rules.newIpRange && event.ip !== undefined) observeIpRange(keyId, event.tenantId, event.ip, now);
      }
      return;
    }
    if (event.code === 'DISABLED' && !matched) return; // keygate itself is switched off: not the caller's doing.
    if (matched && keyId !== undefined) {
      const tenantId = event.tenantId!;
      if (keyRequests !== undefined && keyErrors !== undefined) {
        checkErrorRate(keyId, tenantId, keyRequests.add(keyId, now), keyErrors.add(keyId, now), event.code, now);
      }
      if (event.code === 'RATE_LIMITED' && keyLimited !== undefined) {
        const r = rules.rateLimitViolations!;
        const count = keyLimited.add(keyId, now);
        if (count >= r.threshold) {
          trigger(
            {
              rule: 'rate_limit_violations',
              subject: keyId,
              keyId,
              tenantId,
              title: `API key ${keyId} keeps hitting its rate limit`,
              message: `Key ${keyId} was refused by its rate limit ${count} times within ${Math.round(r.windowMs / 1000)} s.`,
              details: { count, windowMs: r.windowMs },
            },
            now,
          );
        }
      }
      if (event.code === 'REVOKED' && rules.revokedKeyUse) {
        trigger(
          {
            rule: 'revoked_key_use',
            subject: keyId,
            keyId,
            tenantId,
            ...(event.ip !== undefined ? { ip: event.ip } : {}),
            title: `Revoked API key ${keyId} was presented`,
            message: `Someone presented the revoked key ${keyId}${event.ip !== undefined ? ` from ${event.ip}` : ''}. The request was refused; the key may have leaked.`,
            details: {},
          },
          now,
        );
      }
      return;
    }
    // Not the key's owner: a wrong or unknown secret, a malformed key, or the guessing lock-out.
    if (keyId !== undefined && failuresByKey !== undefined) {
      const r = rules.authFailureBurstByKey!;
      const count = failuresByKey.add(keyId, now);
      if (count >= r.threshold) {
        trigger(
          {
            rule: 'auth_failure_burst_key',
            subject: keyId,
            keyId,
            title: `Burst of failed authentications for key id ${keyId}`,
            message: `${count} failed verifications claimed key id ${keyId} within ${Math.round(r.windowMs / 1000)} s (last: ${event.code}). Someone may be guessing its secret.`,
            details: { count, windowMs: r.windowMs, lastCode: event.code },
          },
          now,
        );
      }
    }
    if (event.ip !== undefined && failuresByIp !== undefined) {
      const r = rules.authFailureBurstByIp!;
      const count = failuresByIp.add(event.ip, now);
      if (count >= r.threshold) {
        trigger(
          {
            rule: 'auth_failure_burst_ip',
            subject: event.ip,
            ip: event.ip,
            title: `Burst of failed authentications from ${event.ip}`,
            message: `${count} failed verifications came from ${event.ip} within ${Math.round(r.windowMs / 1000)} s (last: ${event.code}).`,
            details: { count, windowMs: r.windowMs, lastCode: event.code },
          },
          now,
        );
      }
    }
  }

  return {
    rules,
    observe,
    observeResponse,
    attach(m) {
      manager = m;
    },
    raise(input) {
      const job = raise(input);
      pending.add(job);
      void job.finally(() => pending.delete(job)).catch(() => undefined);
      return job;
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/** The notification an alert becomes on every channel. */
export function toNotification(alert: Alert, systemTenantId = '_system'): Notification {
  const notification: Notification = {
    type: 'alert.raised',
    tenantId: alert.tenantId ?? systemTenantId,
    subject: `[keygate ${alert.severity}] ${alert.title}`,
    text: `${alert.message}\n\nRule: ${alert.rule}\nSeverity: ${alert.severity}\nAt: ${alert.at}${alert.tenantId ? `\nTenant: ${alert.tenantId}` : ''}${alert.keyId ? `\nKey: ${alert.keyId}` : ''}${alert.ip ? `\nIP: ${alert.ip}` : ''}\nAlert id: ${alert.id}\n`,
    data: { ...alert },
  };
  if (alert.keyId !== undefined) notification.keyId = alert.keyId;
  return notification;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
