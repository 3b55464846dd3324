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

  it('formats UTC days', () => {
    expect(utcDay(Date.UTC(2026, 11, 31, 23, 59))).toBe('2026-12-31');
  });
});
