import { describe, expect, it } from 'vitest';
import { createMemoryEventBus } from './event-bus.js';
import { runEventBusConformance } from './testing/event-bus-suite.js';
import type { InvalidationMessage } from './types.js';

runEventBusConformance('memory (one bus shared by two managers)', () => {
  const bus = createMemoryEventBus();
  return { buses: [bus, bus] };
});

const sample: InvalidationMessage = { keyId: 'k1', reason: 'deleted', version: -1, origin: 'p1' };

describe('createMemoryEventBus', () => {
  it('calls handlers after publish returns, never inside it', async () => {
    const bus = createMemoryEventBus();
    const seen: InvalidationMessage[] = [];
    bus.subscribe((m) => seen.push(m));
    bus.publish(sample);
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([sample]);
  });

  it('gives each handler its own copy, so one cannot change what another sees', async () => {
    const bus = createMemoryEventBus();
    const seen: InvalidationMessage[] = [];
    bus.subscribe((m) => {
      try {
        (m as { keyId: string }).keyId = 'tampered';
      } catch {
        // frozen
      }
    });
    bus.subscribe((m) => seen.push(m));
    const sent = { ...sample };
    bus.publish(sent);
    sent.keyId = 'changed by publisher';
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([sample]);
  });

  it('treats the same function subscribed twice as two subscriptions', async () => {
    const bus = createMemoryEventBus();
    let calls = 0;
    const handler = () => {
      calls++;
    };
    const off = bus.subscribe(handler) as () => void;
    bus.subscribe(handler);
    off();
    bus.publish(sample);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(1);
  });

  it('does not deliver to a handler removed between publish and delivery', async () => {
    const bus = createMemoryEventBus();
    let calls = 0;
    const off = bus.subscribe(() => calls++) as () => void;
    bus.publish(sample);
    off();
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toBe(0);
  });
});
