/**
 * `@keygate/ui`: the `<api-key-manager>` web component. Importing this
 * module defines the element (once).
 *
 * @module
 */

import { ApiKeyManager } from './api-key-manager.js';

export { ApiKeyManager } from './api-key-manager.js';
export { ApiClient, ApiError, type ApiClientOptions, type FieldError } from './api-client.js';
export { DEFAULT_STRINGS, type StringKey, type Strings } from './strings.js';
export { codeSnippets, envFile, type CodeSnippet } from './code-snippets.js';
export type * from './types.js';

if (!customElements.get('api-key-manager')) customElements.define('api-key-manager', ApiKeyManager);
