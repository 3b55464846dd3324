/**
 * Counts events per subject over a sliding window, in memory.
 *
 * The window is cut into `slots` equal slots, so memory per subject is fixed
 * (one small array) however much traffic arrives, and the count is exact to
 * one slot's length. At most `maxSubjects` subjects are tracked; the least
 * recently touched is dropped first, so a flood of distinct subjects (spoofed
 * key ids, many IPs) cannot grow memory without bound.
 */
export class WindowCounter {
  readonly #slotMs: number;
  readonly #slots: number;
  readonly #maxSubjects: number;
  readonly #subjects = new Map<string, { counts: number[]; head: number }>();

  constructor(windowMs: number, options: { slots?: number; maxSubjects?: number } = {}) {
    this.#slots = options.slots ?? 12;
    this.#slotMs = Math.max(1, Math.ceil(windowMs / this.#slots));
    this.#maxSubjects = options.maxSubjects ?? 10_000;
  }

  /** Adds `n` events for `subject` at `now`; returns the count in the window ending at `now`. */
  add(subject: string, now: number, n = 1): number {
    const slot = Math.floor(now / this.#slotMs);
    let entry = this.#subjects.get(subject);
    if (entry === undefined) {
      if (this.#subjects.size >= this.#maxSubjects) this.#subjects.delete(this.#subjects.keys().next().value!);
      entry = { counts: new Array<number>(this.#slots).fill(0), head: slot };
    } else {
      this.#subjects.delete(subject);
      this.#advance(entry, slot);
    }
    this.#subjects.set(subject, entry);
    entry.counts[slot % this.#slots]! += n;
    let total = 0;
    for (const c of entry.counts) total += c;
    return total;
  }

  /** The count for `subject` in the window ending at `now`, without adding. */
  count(subject: string, now: number): number {
    const entry = this.#subjects.get(subject);
    if (entry === undefined) return 0;
    this.#advance(entry, Math.floor(now / this.#slotMs));
    let total = 0;
    for (const c of entry.counts) total += c;
    return total;
  }

  /** Forgets a subject, e.g. after an alert so the next one needs a fresh burst. */
  reset(subject: string): void {
    this.#subjects.delete(subject);
  }

  /** Subjects tracked now. */
  get size(): number {
    return this.#subjects.size;
  }

  #advance(entry: { counts: number[]; head: number }, slot: number): void {
    if (slot <= entry.head) return;
    const gap = Math.min(slot - entry.head, this.#slots);
    for (let i = 1; i <= gap; i++) entry.counts[(entry.head + i) % this.#slots] = 0;
    entry.head = slot;
  }
}
