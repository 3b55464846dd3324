/**
 * Error logging that cannot flood: while a backend is down every request
 * fails the same way, and one line per request would bury everything else.
 *
 * @module
 */
import type { Logger } from '../manager-types.js';

/** Logs the first failure, then at most one line per interval with the count it held back. */
export class ThrottledLog {
  #lastAt = -Infinity;
  #suppressed = 0;
  #failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports a failure; quiet if one was logged within the interval. */
  failure(message: string, error: unknown): void {
    this.#failing = true;
    const now = this.now();
    if (now - this.#lastAt < this.intervalMs) {
      this.#suppressed++;
      return;
    }
    const details: Record<string, unknown> = { error: describeError(error) };
    if (this.#suppressed > 0) details.suppressed = this.#suppressed;
    this.#lastAt = now;
    this.#suppressed = 0;
    this.logger.error(message, details);
  }

  /** Reports that the backend answers again, once per outage. */
  recovered(message: string): void {
    if (!this.#failing) return;
    this.#failing = false;
    const details: Record<string, unknown> = {};
    if (this.#suppressed > 0) details.suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#lastAt = -Infinity;
    this.logger.warn(message, details);
  }
}

/** A failure's name and message only: causes and stacks may carry connection strings. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
