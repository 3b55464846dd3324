/**
 * The key lookup (whoami): which key a pasted secret is. The secret is read
 * from the input, sent in the body of `POST /whoami`, and the input is
 * cleared: it is never kept in state, put in a URL, an event or the console.
 *
 * @module
 */

import type { ReactiveControllerHost } from 'lit';
import type { ApiAccess } from './api-access.js';
import { HostedState } from './hosted-state.js';
import { isKeyGone } from './problems.js';
import type { Strings } from './strings.js';
import type { ApiKey } from './types.js';

/** What the lookup dialog shows. Never the pasted key. */
export interface LookupState {
  result?: ApiKey;
  notFound?: boolean;
  error?: string;
  inputError?: string;
  busy?: boolean;
}

/** What the lookup needs from its element. */
export interface KeyLookupOptions extends ApiAccess {
  strings(): Strings;
}

/** Runs lookups and holds their outcome; every change renders the host again. */
export class KeyLookupController extends HostedState<LookupState> {
  readonly #options: KeyLookupOptions;

  constructor(host: ReactiveControllerHost & HTMLElement, options: KeyLookupOptions) {
    super(host, {});
    this.#options = options;
  }

  /** Forgets the last outcome. */
  reset(): void {
    this.replaceState({});
  }

  /** Looks up the key pasted into `#lookup-key` (the form's submit handler). */
  async submit(e: Event): Promise<void> {
    e.preventDefault();
    const input = this.host.shadowRoot?.querySelector<HTMLInputElement>('#lookup-key');
    if (!input || this.state.busy) return;
    const presented = input.value.trim();
    input.value = '';
    if (!presented) {
      this.replaceState({ inputError: this.#options.strings().lookupRequired });
      input.focus();
      return;
    }
    this.replaceState({ busy: true });
    try {
      const key = await this.#options.client().whoami(presented);
      this.replaceState({ result: key });
    } catch (error) {
      this.replaceState(isKeyGone(error) ? { notFound: true } : { error: this.#options.message(error) });
    }
    input.focus();
  }
}
