/**
 * In-process {@link EventBus}: every subscriber in this process receives every
 * message, so several KeyManagers in one test process (or one host) can share
 * invalidations without Redis.
 *
 * @module
 */
import type { EventBus, InvalidationMessage } from './types.js';

/**
 * A bus that fans each published message out to all current subscribers.
 *
 * Handlers run asynchronously (one microtask each), never inside `publish`,
 * so a publisher is not re-entered and behaves as it would over a network
 * bus. A handler that throws does not stop the others; its error is dropped,
 * as a network bus would drop it, because the bus has no logger to report
 * to. Each handler receives its own frozen copy of the message.
 */
export function createMemoryEventBus(): EventBus {
  const handlers = new Set<(message: InvalidationMessage) => void>();
  return {
    publish(message: InvalidationMessage): void {
      // Snapshot: a handler subscribed during delivery does not get this message.
      for (const handler of [...handlers]) {
        const copy = Object.freeze({ ...message });
        queueMicrotask(() => {
          // Unsubscribed between publish and delivery: stay quiet.
          if (!handlers.has(handler)) return;
          try {
            handler(copy);
          } catch {
            // One failing subscriber must not starve the rest.
          }
        });
      }
    },
    subscribe(handler: (message: InvalidationMessage) => void): () => void {
      // Wrapped so subscribing the same function twice yields two independent subscriptions.
      const subscription = (message: InvalidationMessage) => handler(message);
      handlers.add(subscription);
      return () => {
        handlers.delete(subscription);
      };
    },
  };
}
