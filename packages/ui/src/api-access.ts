/**
 * What the controllers of `<api-key-manager>` get from the element to talk
 * to the management API: the client, the words for a failure, and the
 * acting user's permissions.
 *
 * @module
 */

import type { ApiClient } from './api-client.js';
import type { Permission } from './types.js';

/** The element's API access, shared by its controllers. */
export interface ApiAccess {
  /** The current client (replaced when `endpoint`, `headers` or `credentials` change). */
  client(): ApiClient;
  /** Words a person can act on, for a failure. */
  message(error: unknown): string;
  /** Whether the acting user holds a permission. */
  can(permission: Permission): boolean;
}
