/**
 * The data of the identity dialog: one identity, loaded when the dialog
 * opens. An answer that arrives after the dialog moved on is dropped.
 *
 * @module
 */

import type { ReactiveControllerHost } from 'lit';
import type { ApiAccess } from './api-access.js';
import { HostedState } from './hosted-state.js';
import type { Identity } from './types.js';

/** The identity dialog's data. */
export interface IdentityState {
  data?: Identity;
  error?: string;
}

/** What the identity dialog needs from its element. */
export interface IdentityOptions extends ApiAccess {
  /** Whether identity `id` is still on screen. */
  showing(id: string): boolean;
  /** An identity arrived (its external id names it in the table from now on). */
  loaded(identity: Identity): void;
}

/** Loads and holds the shown identity; every change renders the host again. */
export class IdentityController extends HostedState<IdentityState> {
  readonly #options: IdentityOptions;

  constructor(host: ReactiveControllerHost & HTMLElement, options: IdentityOptions) {
    super(host, {});
    this.#options = options;
  }

  /** Forgets the last identity. */
  reset(): void {
    this.replaceState({});
  }

  /** Loads identity `id` (call once its dialog is open). */
  async load(id: string): Promise<void> {
    const { client, message, showing, loaded } = this.#options;
    try {
      const data = await client().identity(id);
      if (!showing(id)) return;
      this.replaceState({ data });
      loaded(data);
    } catch (error) {
      if (showing(id)) this.replaceState({ error: message(error) });
    }
  }
}
