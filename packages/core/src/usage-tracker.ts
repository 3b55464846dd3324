import { PeriodicFlush } from './periodic-flush.js';
import type { TagUsageDelta, UsageDelta, UsageStore } from './types.js';

const DAY_MS = 86_400_000;

/**
 * Counts requests and errors per key and UTC day in memory and writes them
 * to the store in batches. What is lost if the process dies: at most one
 * flush interval of counts; never keys or audit events.
 */
export class UsageTracker {
  #pending = new Map<string, UsageDelta>();
  #carried: UsageDelta[] = [];
  /** Per (key, tag, value, day); only verifications that carry tags add here. */
  #tagged = new Map<string, TagUsageDelta>();
  /** See {@link UsageTracker.#routeDeltas}; an entry is stale once `batch` was flushed or the day changed. */
  #recentTags = new WeakMap<ReadonlyArray<readonly [string, string]>, { batch: Map<string, TagUsageDelta>; day: string; byKey: Map<string, TagUsageDelta[]> }>();
  #day = '';
  #dayEnds = 0;
  readonly #flusher: PeriodicFlush;

  constructor(
    private readonly store: UsageStore,
    flushMs: number,
    onError: (error: unknown) => void,
  ) {
    this.#flusher = new PeriodicFlush(flushMs, () => this.#write(), onError);
  }

  /** Counts one request (and an error if `isError`) for the key at `now`. */
  record(keyId: string, tenantId: string, isError: boolean, now: number): void {
    const day = this.#dayOf(now);
    // Keyed by id alone on the hot path; the rare entry left from yesterday is moved aside first.
    let delta = this.#pending.get(keyId);
    if (delta !== undefined && delta.day !== day) {
      this.#carried.push(delta);
      delta = undefined;
    }
    if (delta === undefined) {
      delta = { keyId, tenantId, day, requests: 0, errors: 0, lastUsedAt: now };
      this.#pending.set(keyId, delta);
    }
    delta.requests++;
    if (isError) delta.errors++;
    if (now > delta.lastUsedAt) delta.lastUsedAt = now;
    this.#flusher.schedule();
  }

  /**
   * Counts one request (and an error if `isError`) for each tag of `tags`
   * (already validated: names and values the stores accept).
   */
  recordTags(keyId: string, tenantId: string, tags: ReadonlyArray<readonly [string, string]>, isError: boolean, now: number): void {
    const day = this.#dayOf(now);
    const deltas = Object.isFrozen(tags) ? this.#routeDeltas(keyId, tenantId, tags, day) : this.#tagDeltas(keyId, tenantId, tags, day);
    for (const delta of deltas) {
      delta.requests++;
      if (isError) delta.errors++;
    }
    this.#flusher.schedule();
  }

  /**
   * The deltas of a frozen tags array (the same array for every request of a
   * route) for a key, remembered for the current batch and day: a route's
   * requests then skip building a slot string per tag.
   */
  #routeDeltas(keyId: string, tenantId: string, tags: ReadonlyArray<readonly [string, string]>, day: string): TagUsageDelta[] {
    let recent = this.#recentTags.get(tags);
    if (recent === undefined || recent.batch !== this.#tagged || recent.day !== day) {
      recent = { batch: this.#tagged, day, byKey: new Map() };
      this.#recentTags.set(tags, recent);
    }
    let deltas = recent.byKey.get(keyId);
    if (deltas === undefined) {
      deltas = this.#tagDeltas(keyId, tenantId, tags, day);
      recent.byKey.set(keyId, deltas);
    }
    return deltas;
  }

  /** The pending delta of each tag for the key and day, created in the current batch when missing. */
  #tagDeltas(keyId: string, tenantId: string, tags: ReadonlyArray<readonly [string, string]>, day: string): TagUsageDelta[] {
    return tags.map(([tag, value]) => {
      // Tag names and values hold no control characters, so NUL separates the parts unambiguously.
      const slot = `${keyId}\u0000${tag}\u0000${value}\u0000${day}`;
      let delta = this.#tagged.get(slot);
      if (delta === undefined) {
        delta = { keyId, tenantId, day, tag, value, requests: 0, errors: 0 };
        this.#tagged.set(slot, delta);
      }
      return delta;
    });
  }

  flush(): Promise<void> {
    return this.#flusher.flush();
  }

  close(): Promise<void> {
    return this.#flusher.close();
  }

  async #write(): Promise<void> {
    await Promise.all([this.#writeKeys(), this.#writeTags()]);
  }

  async #writeKeys(): Promise<void> {
    if (this.#pending.size === 0 && this.#carried.length === 0) return;
    const batch = [...this.#carried, ...this.#pending.values()];
    this.#pending = new Map();
    this.#carried = [];
    try {
      await this.store.increment(batch);
    } catch (error) {
      // Put the counts back so a store outage delays them instead of dropping them.
      for (const delta of batch) this.#merge(delta);
      this.#flusher.schedule();
      throw error;
    }
  }

  async #writeTags(): Promise<void> {
    if (this.#tagged.size === 0) return;
    const batch = this.#tagged;
    this.#tagged = new Map();
    try {
      await this.store.incrementTags([...batch.values()]);
    } catch (error) {
      for (const [slot, delta] of batch) {
        const current = this.#tagged.get(slot);
        if (current === undefined) this.#tagged.set(slot, delta);
        else {
          current.requests += delta.requests;
          current.errors += delta.errors;
        }
      }
      this.#flusher.schedule();
      throw error;
    }
  }

  #merge(delta: UsageDelta): void {
    const current = this.#pending.get(delta.keyId);
    if (current === undefined || current.day !== delta.day) {
      this.#carried.push(delta);
      return;
    }
    current.requests += delta.requests;
    current.errors += delta.errors;
    current.lastUsedAt = Math.max(current.lastUsedAt, delta.lastUsedAt);
  }

  // The day string changes once a day; computing it per request would cost a Date and an ISO string.
  #dayOf(now: number): string {
    if (now >= this.#dayEnds || now < this.#dayEnds - DAY_MS) {
      const start = now - (now % DAY_MS);
      this.#day = utcDay(start);
      this.#dayEnds = start + DAY_MS;
    }
    return this.#day;
  }
}

/** `YYYY-MM-DD` of a UTC time. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
