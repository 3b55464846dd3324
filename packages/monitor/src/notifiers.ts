import type { Awaitable, Logger, Notification, Notifier } from '@keygate/core';

/** A {@link Notifier} that calls a function; its errors are logged, not thrown. */
export function createHookNotifier(hook: (notification: Notification) => Awaitable<void>, logger: Logger = console): Notifier {
  return {
    async send(notification) {
      try {
        await hook(notification);
      } catch (error) {
        logger.error('keygate: notification hook failed', { type: notification.type, error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
}

/** Sends each notification to every channel at once; one failing channel does not stop the others. */
export function fanOut(channels: readonly Notifier[], logger: Logger = console): Notifier {
  return {
    async send(notification) {
      const results = await Promise.allSettled(channels.map((c) => c.send(notification)));
      for (const r of results) {
        if (r.status === 'rejected') {
          logger.error('keygate: notification channel failed', { type: notification.type, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
        }
      }
    },
  };
}
