import { describe, expect, it, vi } from 'vitest';
import { createMemoryStorage } from './stores/memory-storage.js';
import { UsageTracker, utcDay } from './usage-tracker.js';

describe('UsageTracker', () => {
  it('batches counts per key and UTC day into one store call', async () => {
    const { usage } = createMemoryStorage();
    const increment = vi.spyOn(usage, 'increment');
    const tracker = new UsageTracker(usage, 60_000, () => {});
    const day1 = Date.UTC(2026, 0, 1, 23, 59, 59, 999);
    tracker.record('k1', 't', false, day1);
    tracker.record('k1', 't', true, day1);
    tracker.record('k1', 't', false, day1 + 1); // next UTC day
    tracker.record('k2', 't', false, day1);
    await tracker.flush();
    expect(increment).toHaveBeenCalledTimes(1);
    expect(await usage.range('k1', '2026-01-01', '2026-01-02')).toEqual([
      { day: '2026-01-01', requests: 2, errors: 1 },
      { day: '2026-01-02', requests: 1, errors: 0 },
    ]);
    expect(await usage.summary('k1')).toEqual({ requests: 3, errors: 1, lastUsedAt: day1 + 1 });
  });

  it('keeps counts through a store outage and writes them later', async () => {
    const { usage } = createMemoryStorage();
    const errors: unknown[] = [];
    const tracker = new UsageTracker(usage, 60_000, (e) => errors.push(e));
    const real = usage.increment.bind(usage);
    vi.spyOn(usage, 'increment').mockImplementationOnce(() => Promise.reject(new Error('down')));
    const now = Date.UTC(2026, 0, 1);
    tracker.record('k', 't', false, now);
    await tracker.flush();
    expect(errors).toHaveLength(1);
    tracker.record('k', 't', false, now);
    vi.mocked(usage.increment).mockImplementation(real);
    await tracker.close();
    expect((await usage.summary('k')).requests).toBe(2);
  });

  it('batches tag counts per (key, tag, value, day) and keeps them through a store outage', async () => {
    const { usage } = createMemoryStorage();
    const errors: unknown[] = [];
    const tracker = new UsageTracker(usage, 60_000, (e) => errors.push(e));
    const real = usage.incrementTags.bind(usage);
    const spy = vi.spyOn(usage, 'incrementTags').mockImplementationOnce(() => Promise.reject(new Error('down')));
    const now = Date.UTC(2026, 0, 1, 12);
    tracker.recordTags('k', 't', [['route', '/a'], ['region', 'eu']], false, now);
    tracker.recordTags('k', 't', [['route', '/a']], true, now);
    await tracker.flush();
    expect(errors).toHaveLength(1);
    tracker.recordTags('k', 't', [['route', '/b']], false, now);
    spy.mockImplementation(real);
    await tracker.close();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(await usage.rangeByTag('k', 'route', '2026-01-01', '2026-01-01')).toEqual([
      { day: '2026-01-01', value: '/a', requests: 2, errors: 1 },
      { day: '2026-01-01', value: '/b', requests: 1, errors: 0 },
    ]);
    expect(await usage.rangeByTag('k', 'region', '2026-01-01', '2026-01-01')).toEqual([{ day: '2026-01-01', value: 'eu', requests: 1, errors: 0 }]);
  });

  it('counts a route\'s frozen tags exactly across keys, flushes, a store outage and a day change', async () => {
    const { usage } = createMemoryStorage();
    const tracker = new UsageTracker(usage, 60_000, () => {});
    const real = usage.incrementTags.bind(usage);
    const spy = vi.spyOn(usage, 'incrementTags');
    const route = Object.freeze([Object.freeze(['route', '/a'] as const), Object.freeze(['region', 'eu'] as const)]);
    const day1 = Date.UTC(2026, 0, 1, 23, 59);
    tracker.recordTags('k1', 't', route, false, day1);
    tracker.recordTags('k2', 't', route, true, day1);
    tracker.recordTags('k1', 't', route, true, day1);
    spy.mockImplementationOnce(() => Promise.reject(new Error('down')));
    await tracker.flush();
    // The failed batch is merged back; counts made since must add to it, not to the stale batch.
    tracker.recordTags('k1', 't', route, false, day1);
    await tracker.flush();
    tracker.recordTags('k1', 't', route, false, day1);
    tracker.recordTags('k1', 't', route, false, day1 + 60_000);
    spy.mockImplementation(real);
    await tracker.close();
    expect(await usage.rangeByTag('k1', 'route', '2026-01-01', '2026-01-02')).toEqual([
      { day: '2026-01-01', value: '/a', requests: 4, errors: 1 },
      { day: '2026-01-02', value: '/a', requests: 1, errors: 0 },
    ]);
    expect(await usage.rangeByTag('k2', 'region', '2026-01-01', '2026-01-02')).toEqual([{ day: '2026-01-01', value: 'eu', requests: 1, errors: 1 }]);
  });

  it('formats UTC days', () => {
    expect(utcDay(Date.UTC(2026, 11, 31, 23, 59))).toBe('2026-12-31');
  });
});
