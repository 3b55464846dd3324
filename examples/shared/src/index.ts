/**
 * What the Express and Koa example hosts share. The apps differ only in how
 * they mount these handlers on their framework.
 *
 * @packageDocumentation
 */
export { DemoHost, jsonReply, problemReply, originOf, readBody, type Reply, type PageRequest } from './host.js';
export { KEYGATE_CONFIG, SCOPES } from './keygate-config.js';
export { KEYS_ENDPOINT, PRODUCT } from './pages.js';
export { readSettings, redactUrl, DATA_DIR, type HostSettings, type Env } from './settings.js';
export { ensureUiBundle, UI_ASSETS_PATH } from './ui-assets.js';
export { UserDirectory, WORKSPACES, type User, type Role, type Workspace, type DemoLogin } from './users.js';
export { startServer, type StartedServer } from './start.js';
