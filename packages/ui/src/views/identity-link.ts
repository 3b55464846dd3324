/**
 * A key's identity as a link-styled button that opens the identity dialog.
 *
 * @module
 */

import { html, type TemplateResult } from 'lit';
import { fill, type Strings } from '../strings.js';

/** The identity link: its external id once known (`name`), else its id. `open` gets the button, to return focus to. */
export function renderIdentityLink(
  s: Strings,
  identityId: string,
  name: string,
  open: (opener: EventTarget | null) => void,
  extraClass = '',
): TemplateResult {
  return html`<button type="button" class="link small ${extraClass}" part="button identity-link" data-identity=${identityId}
      aria-label=${fill(s.showIdentity, { name })}
      @click=${(e: Event) => open(e.currentTarget)}>${name}</button>`;
}
