/**
 * State that lives outside an element but renders it: each change replaces
 * the state object (views can compare by identity) and asks the host for an
 * update. The base of the manager's controllers.
 *
 * @module
 */

import type { ReactiveControllerHost } from 'lit';

/** Holds a state object of `S` for a host element; subclasses change it with `set` or `replaceState`. */
export class HostedState<S extends object> {
  /** The element rendered on each change. */
  protected readonly host: ReactiveControllerHost & HTMLElement;
  #state: S;

  constructor(host: ReactiveControllerHost & HTMLElement, initial: S) {
    this.host = host;
    this.#state = initial;
  }

  /** The current state (replaced, never mutated, on each change). */
  get state(): Readonly<S> {
    return this.#state;
  }

  /** Merges a change into the state. */
  protected set(patch: Partial<S>): void {
    this.replaceState({ ...this.#state, ...patch });
  }

  /** Replaces the whole state. */
  protected replaceState(state: S): void {
    this.#state = state;
    this.host.requestUpdate();
  }
}
