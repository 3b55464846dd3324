/**
 * Conformance suite for {@link EventBus} implementations (in-process,
 * Redis pub/sub, a host's own).
 *
 * Messages carry a random `keyId` per test, and handlers ignore any other,
 * so the suite can share a live bus with other runs.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Awaitable, EventBus, InvalidationMessage } from '../types.js';

/** What an event-bus conformance factory returns: two buses connected to each other (or one bus twice). */
export interface EventBusesUnderTest {
  /** Two handles on the same channel, as two processes would hold them. */
  buses: [EventBus, EventBus];
  /** Called once after the suite. */
  cleanup?: () => Awaitable<void>;
}

/** How long a message may take to arrive before a test fails. */
const DELIVERY_TIMEOUT_MS = 1_000;

function message(overrides: Partial<InvalidationMessage> = {}): InvalidationMessage {
  return { keyId: `key_${randomUUID().replaceAll('-', '')}`, reason: 'revoked', version: 3, origin: 'conformance', ...overrides };
}

/** Collects the messages about one key that reach a handler, and lets a test wait for the n-th. */
function inbox(keyId: string) {
  const received: InvalidationMessage[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const handler = (m: InvalidationMessage): void => {
    if (m.keyId !== keyId) return;
    received.push(m);
    for (const w of waiters) if (received.length >= w.count) w.resolve();
  };
  const waitFor = (count: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (received.length >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`expected ${count} message(s) within ${DELIVERY_TIMEOUT_MS} ms, got ${received.length}`)), DELIVERY_TIMEOUT_MS);
      waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { received, handler, waitFor };
}

/**
 * Registers a vitest suite that checks an {@link EventBus}: fan-out to
 * every subscriber on both buses within 1 s, unsubscribe, and isolation from
 * a throwing handler.
 *
 * @param name - shown in the suite title.
 * @param factory - makes the two buses once for the suite.
 */
export function runEventBusConformance(name: string, factory: () => Awaitable<EventBusesUnderTest>): void {
  describe(`EventBus conformance: ${name}`, () => {
    let subject: EventBusesUnderTest;
    const unsubscribes: Array<() => Awaitable<void>> = [];
    const subscribe = async (bus: EventBus, handler: (m: InvalidationMessage) => void) => {
      const off = await bus.subscribe(handler);
      unsubscribes.push(off);
      return off;
    };

    beforeAll(async () => {
      subject = await factory();
    });
    afterAll(async () => {
      for (const off of unsubscribes) await off();
      await subject?.cleanup?.();
    });

    it('delivers a message published on one bus to subscribers on both, unchanged', async () => {
      const [a, b] = subject.buses;
      const sent = message({ reason: 'updated', version: 7 });
      const onA = inbox(sent.keyId);
      const onB = inbox(sent.keyId);
      await subscribe(a, onA.handler);
      await subscribe(b, onB.handler);
      await a.publish(sent);
      await Promise.all([onA.waitFor(1), onB.waitFor(1)]);
      expect(onA.received).toEqual([sent]);
      expect(onB.received).toEqual([sent]);
    });

    it('delivers to every subscriber of the same bus', async () => {
      const [a, b] = subject.buses;
      const sent = message();
      const first = inbox(sent.keyId);
      const second = inbox(sent.keyId);
      await subscribe(b, first.handler);
      await subscribe(b, second.handler);
      await a.publish(sent);
      await Promise.all([first.waitFor(1), second.waitFor(1)]);
    });

    it('stops delivering to a handler once unsubscribed', async () => {
      const [a, b] = subject.buses;
      const before = message();
      const keyId = before.keyId;
      const leaving = inbox(keyId);
      const staying = inbox(keyId);
      const off = await subscribe(b, leaving.handler);
      await subscribe(b, staying.handler);
      await a.publish(before);
      await Promise.all([leaving.waitFor(1), staying.waitFor(1)]);

      await off();
      await a.publish(message({ keyId, version: 4 }));
      await a.publish(message({ keyId, version: 5 }));
      // Once the staying handler has both later messages, the leaving one would have had them too.
      await staying.waitFor(3);
      expect(leaving.received).toHaveLength(1);
    });

    it('keeps delivering to other handlers when one throws', async () => {
      const [a, b] = subject.buses;
      const sent = message();
      const healthy = inbox(sent.keyId);
      await subscribe(b, (m) => {
        if (m.keyId === sent.keyId) throw new Error('handler failure');
      });
      await subscribe(b, healthy.handler);
      await a.publish(sent);
      await healthy.waitFor(1);
      await a.publish(message({ keyId: sent.keyId, version: 9 }));
      await healthy.waitFor(2);
    });
  });
}
