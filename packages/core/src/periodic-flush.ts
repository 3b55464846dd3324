/**
 * Runs `flush` at most every `intervalMs` while there is work, off the hot
 * path. The timer is unref'd so a pending flush never keeps a process alive;
 * hosts call `flush()` (or the manager's `close()`) on shutdown.
 */
export class PeriodicFlush {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a flush within one interval. Cheap when one is already scheduled. */
  schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.intervalMs);
    this.#timer.unref?.();
  }

  /** Flushes now; concurrent callers share one run and then run again if work arrived meanwhile. */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.work().catch(this.onError).finally(() => {
      this.#running = undefined;
    });
    await this.#running;
  }

  /** Stops the timer and flushes what is left. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
