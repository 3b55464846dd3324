/** The built-in alert rules. */
export type AlertRuleName =
  | 'error_rate_spike'
  | 'rate_limit_violations'
  | 'auth_failure_burst_key'
  | 'auth_failure_burst_ip'
  | 'new_ip_range'
  | 'revoked_key_use';

/** How urgent an alert is. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** A threshold over a sliding window. */
export interface WindowThreshold {
  /** Window length in milliseconds. */
  windowMs: number;
  /** Events in the window that raise the alert. */
  threshold: number;
}

/** Thresholds of the built-in rules; `false` turns a rule off. Every field is optional. */
export interface AlertRulesConfig {
  /** Share of a key's verifications that failed after its secret matched (revoked, expired, scope, IP, rate limit). */
  errorRateSpike?: false | Partial<{ windowMs: number; minRequests: number; threshold: number }>;
  /** A key's own rate limit refusing requests. */
  rateLimitViolations?: false | Partial<WindowThreshold>;
  /** Failed verifications (wrong or unknown secret, guessing lock-out) claiming one key id. */
  authFailureBurstByKey?: false | Partial<WindowThreshold>;
  /** Failed verifications from one client IP, whatever key they claim. */
  authFailureBurstByIp?: false | Partial<WindowThreshold>;
  /** A key used from a network (`/24`, `/48`) not seen for it in `lookbackDays`. */
  newIpRange?: false | Partial<{ lookbackDays: number; ipv4PrefixLength: number; ipv6PrefixLength: number; maxRangesPerKey: number }>;
  /** Someone presenting a revoked key (with its correct secret). */
  revokedKeyUse?: false | Record<string, never>;
}

/** Rules after defaults; `undefined` = off. */
export interface ResolvedAlertRules {
  errorRateSpike?: { windowMs: number; minRequests: number; threshold: number };
  rateLimitViolations?: WindowThreshold;
  authFailureBurstByKey?: WindowThreshold;
  authFailureBurstByIp?: WindowThreshold;
  newIpRange?: { lookbackDays: number; ipv4PrefixLength: number; ipv6PrefixLength: number; maxRangesPerKey: number };
  revokedKeyUse?: Record<string, never>;
}

const MIN = 60_000;

/** Defaults of the built-in rules. */
export const DEFAULT_ALERT_RULES: Required<ResolvedAlertRules> = {
  errorRateSpike: { windowMs: 5 * MIN, minRequests: 20, threshold: 0.5 },
  rateLimitViolations: { windowMs: 5 * MIN, threshold: 20 },
  authFailureBurstByKey: { windowMs: 5 * MIN, threshold: 10 },
  authFailureBurstByIp: { windowMs: 5 * MIN, threshold: 30 },
  newIpRange: { lookbackDays: 30, ipv4PrefixLength: 24, ipv6PrefixLength: 48, maxRangesPerKey: 256 },
  revokedKeyUse: {},
};

/** Severity of each built-in rule. */
export const RULE_SEVERITY: Record<AlertRuleName, AlertSeverity> = {
  error_rate_spike: 'warning',
  rate_limit_violations: 'warning',
  auth_failure_burst_key: 'critical',
  auth_failure_burst_ip: 'critical',
  new_ip_range: 'warning',
  revoked_key_use: 'critical',
};

/** Default time before the same rule may alert again about the same subject: 15 minutes. */
export const DEFAULT_ALERT_COOLDOWN_MS = 15 * MIN;

/**
 * Applies defaults and checks the numbers.
 *
 * @throws TypeError naming the bad field.
 */
export function resolveAlertRules(config: AlertRulesConfig = {}): ResolvedAlertRules {
  const out: ResolvedAlertRules = {};
  const keys = Object.keys(DEFAULT_ALERT_RULES) as (keyof ResolvedAlertRules)[];
  for (const name of keys) {
    const given = config[name];
    if (given === false) continue;
    const merged = { ...DEFAULT_ALERT_RULES[name], ...(given ?? {}) } as Record<string, number>;
    for (const [field, value] of Object.entries(merged)) {
      const ok = field === 'threshold' && name === 'errorRateSpike' ? value > 0 && value <= 1 : Number.isFinite(value) && value > 0;
      if (!ok) throw new TypeError(`alert rule ${name}.${field} must be a positive number${field === 'threshold' && name === 'errorRateSpike' ? ' up to 1' : ''}`);
    }
    (out as Record<string, unknown>)[name] = merged;
  }
  return out;
}
