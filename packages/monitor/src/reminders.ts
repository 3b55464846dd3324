import type { Actor, ApiKey, Awaitable, Clock, KeyManager, Logger } from '@keygate/core';
import type { ClaimStore } from './claim-store.js';
import type { Mailer } from './email.js';

const DAY = 86_400_000;

/** Options of {@link createRotationReminders}. */
export interface RotationReminderOptions {
  /** Email address of the key's owner, or `undefined` to send none (e.g. from `key.ownerId`). */
  recipientFor(key: ApiKey): Awaitable<string | undefined>;
  mailer: Mailer;
  /** Leases, so several runners send each reminder once. Share one Redis claim store between instances. */
  claims: ClaimStore;
  /** Age of a secret at which rotation is due. Default: the manager's `rotationInterval`, else 90 days. */
  rotationIntervalMs?: number;
  /** How long before the due date the first reminder goes out. Default 14 days. */
  remindBeforeMs?: number;
  /** Another reminder goes out when the key is still not rotated this long after the previous one. Default 7 days. */
  repeatAfterMs?: number;
  /** Subject and text of the email. */
  compose?: (key: ApiKey, dueAt: Date, now: Date) => { subject: string; text: string };
  clock?: Clock;
  logger?: Logger;
}

/** What one reminder run did. */
export interface ReminderRunResult {
  sent: string[];
  /** Reminders another runner (or an earlier run) already sent for this period. */
  alreadySent: number;
  noRecipient: number;
  failed: string[];
}

/** Sends rotation reminders; `run` is idempotent per key and period. */
export interface RotationReminders {
  run(tenantIds: readonly string[]): Promise<ReminderRunResult>;
}

/**
 * Rotation reminders: an email to a key's owner when its secret nears the
 * rotation interval, and again every `repeatAfterMs` while it stays
 * unrotated. Each (key, secret, period) is claimed before sending, so
 * concurrent runners and repeated runs send it once; a failed send releases
 * the claim so the next run tries again.
 */
export function createRotationReminders(manager: KeyManager, options: RotationReminderOptions): RotationReminders {
  const clock = options.clock ?? { now: () => Date.now() };
  const logger = options.logger ?? console;
  const interval = options.rotationIntervalMs ?? manager.config.rotationIntervalMs ?? 90 * DAY;
  const before = options.remindBeforeMs ?? 14 * DAY;
  const repeat = options.repeatAfterMs ?? 7 * DAY;
  if (!(interval > 0 && before >= 0 && repeat > 0)) throw new TypeError('rotation reminders: intervals must be positive');
  const compose = options.compose ?? defaultCompose(manager);

  return {
    async run(tenantIds) {
      const result: ReminderRunResult = { sent: [], alreadySent: 0, noRecipient: 0, failed: [] };
      for (const tenantId of tenantIds) {
        const actor: Actor = { id: 'keygate:reminders', tenantId, type: 'system', permissions: ['keys:read'] };
        let cursor: string | undefined;
        do {
          const page = await manager.list(actor, { status: 'active', limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
          for (const key of page.items) await remind(key, result);
          cursor = page.nextCursor;
        } while (cursor !== undefined);
      }
      return result;
    },
  };

  async function remind(key: ApiKey, result: ReminderRunResult): Promise<void> {
    const now = clock.now();
    const issuedAt = Date.parse(key.rotatedAt ?? key.createdAt);
    const dueAt = issuedAt + interval;
    const firstAt = dueAt - before;
    if (now < firstAt) return;
    // A key that expires before rotation is due needs no rotation.
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= dueAt) return;
    const period = Math.floor((now - firstAt) / repeat);
    // The secret's issue time is in the name: after a rotation the key starts a fresh cycle.
    const claim = `reminder:${key.id}:${issuedAt}:${period}`;
    const to = await options.recipientFor(key);
    if (to === undefined || to === '') {
      result.noRecipient++;
      return;
    }
    if (!(await options.claims.claim(claim, repeat + DAY))) {
      result.alreadySent++;
      return;
    }
    try {
      await options.mailer.sendMail({ to, ...compose(key, new Date(dueAt), new Date(now)) });
      result.sent.push(key.id);
    } catch (error) {
      result.failed.push(key.id);
      logger.error('keygate: rotation reminder failed', { keyId: key.id, error: error instanceof Error ? error.message : String(error) });
      await Promise.resolve(options.claims.release(claim)).catch(() => undefined);
    }
  }
}

function defaultCompose(manager: KeyManager) {
  return (key: ApiKey, dueAt: Date, now: Date) => {
    const due = dueAt.toISOString().slice(0, 10);
    const overdue = dueAt.getTime() <= now.getTime();
    const automatic = key.autoRotate && manager.config.rotationIntervalMs !== null;
    return {
      subject: `API key "${key.name}" ${overdue ? 'is overdue for rotation' : `is due for rotation on ${due}`}`,
      text: [
        `Your API key "${key.name}" (${key.maskedKey}, environment ${key.environment}, id ${key.id})`,
        overdue ? `was due for rotation on ${due}.` : `is due for rotation on ${due}.`,
        '',
        automatic
          ? 'It will be rotated automatically; the new key will be delivered to you.'
          : 'Please regenerate it and update the services that use it. The old key can keep working for a grace period.',
        '',
        'This reminder is sent again while the key is not rotated.',
      ].join('\n'),
    };
  };
}
