import type { AuditLevel } from './config-types.js';
import { ulid } from './ids.js';
import { PeriodicFlush } from './periodic-flush.js';
import type { AuditEvent, AuditStore, Awaitable, Clock } from './types.js';

/** An audit event before keygate gives it an id and a time. */
export type AuditInput = Omit<AuditEvent, 'id' | 'at'>;

/** Receives every audit event keygate records; errors are reported, never thrown into the caller. */
export type AuditHook = (event: AuditEvent) => Awaitable<void>;

const VERIFICATION_BATCH = 500;

/**
 * Records audit events in the store and hands them to hooks.
 *
 * Mutations are written before the call that caused them returns, so none
 * is lost. Verification events (per `auditLevel`: failures from `detailed`,
 * every one at `verbose`) are queued and written in batches off the hot path.
 */
export class AuditLog {
  #queue: AuditEvent[] = [];
  readonly #flusher: PeriodicFlush;

  constructor(
    private readonly store: AuditStore,
    private readonly level: AuditLevel,
    private readonly clock: Clock,
    private readonly hooks: readonly AuditHook[],
    private readonly onError: (error: unknown) => void,
    flushMs: number,
  ) {
    this.#flusher = new PeriodicFlush(flushMs, () => this.#writeQueue(), onError);
  }

  /** Whether verification events of this kind are recorded at the configured level. */
  wantsVerification(success: boolean): boolean {
    return success ? this.level === 'verbose' : this.level !== 'basic';
  }

  /** Records a management event durably; resolves once it is stored. */
  async record(input: AuditInput): Promise<AuditEvent> {
    const event = this.#stamp(input);
    await this.store.append(event);
    this.#notify(event);
    return event;
  }

  /** Queues a verification event; never blocks or throws. */
  recordVerification(input: AuditInput): void {
    const event = this.#stamp(input);
    this.#queue.push(event);
    this.#notify(event);
    if (this.#queue.length >= VERIFICATION_BATCH) void this.#flusher.flush();
    else this.#flusher.schedule();
  }

  flush(): Promise<void> {
    return this.#flusher.flush();
  }

  close(): Promise<void> {
    return this.#flusher.close();
  }

  #stamp(input: AuditInput): AuditEvent {
    const at = this.clock.now();
    return { id: ulid(at), at, ...input };
  }

  #notify(event: AuditEvent): void {
    for (const hook of this.hooks) {
      try {
        const result = hook(event);
        if (result instanceof Promise) result.catch(this.onError);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  async #writeQueue(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const results = await Promise.allSettled(batch.map((e) => this.store.append(e)));
      const failed = batch.filter((_, i) => results[i]!.status === 'rejected');
      if (failed.length > 0) {
        // Keep what did not land for the next run rather than dropping it.
        this.#queue.unshift(...failed);
        this.#flusher.schedule();
        throw (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      }
    }
  }
}
