/**
 * `@keygate/ui`: the `<api-key-manager>` and `<api-key-usage-dashboard>`
 * web components. Importing this module defines both elements (once each).
 *
 * @module
 */

import { ApiKeyManager } from './api-key-manager.js';
import { ApiKeyUsageDashboard } from './usage-dashboard.js';

export { ApiKeyManager } from './api-key-manager.js';
export { ApiClient, ApiError, type ApiClientOptions, type FieldError } from './api-client.js';
export { DEFAULT_STRINGS, type StringKey, type Strings } from './strings.js';
export { codeSnippets, envFile, type CodeSnippet } from './code-snippets.js';
export type * from './types.js';
export { ApiKeyUsageDashboard, DASHBOARD_RANGES } from './usage-dashboard.js';
export { DASHBOARD_STRINGS, type DashboardStringKey, type DashboardStrings } from './dashboard-strings.js';
export type * from './report-types.js';

if (!customElements.get('api-key-manager')) customElements.define('api-key-manager', ApiKeyManager);
if (!customElements.get('api-key-usage-dashboard')) customElements.define('api-key-usage-dashboard', ApiKeyUsageDashboard);
