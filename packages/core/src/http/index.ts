/**
 * keygate's framework-neutral HTTP layer: the management API handler, API-key
 * authentication for host routes, problem responses, the OpenAPI document
 * and node:http glue. `@keygate/express` and `@keygate/koa` only translate
 * to and from these.
 *
 * @module
 */
export type {
  HttpHeaders,
  HttpBody,
  HttpRequest,
  HttpResponse,
  GetActor,
  ManagementOptions,
  ReportQuery,
  AuthenticateOptions,
  AuthRequest,
  AuthOutcome,
} from './types.js';
export { createManagementHandler, DEFAULT_BASE_PATH, type ManagementHandler } from './management.js';
export {
  createAuthenticator,
  authenticate,
  requestIdOf,
  userAgentOf,
  DEFAULT_API_KEY_HEADER,
  type Authenticator,
} from './authenticate.js';
export { ERROR_STATUS, NO_STORE_HEADERS, problem, errorResponse, type HttpErrorCode, type ProblemExtras } from './problem.js';
export { MANAGEMENT_ROUTES, matchRoute, stripBase, normalizeBasePath, type RouteDefinition, type RouteMatch, type RouteName } from './routes.js';
export { readJsonBody, streamReader, isJsonType, declaresBody, BodyTooLargeError, DEFAULT_BODY_LIMIT } from './body.js';
export { presentedKey, bearerToken, credentialHeaders, type PresentedKey } from './credentials.js';
export { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js';
export { buildOpenApiDocument, responseSchemas } from './openapi.js';
export {
  createNodeHandler,
  createNodeGuard,
  nodeRequestBody,
  writeNodeResponse,
  finishOnResponse,
  guardNodeRequest,
  splitUrl,
  pathOf,
  type AttachApiKey,
  type GetIp,
  type NodeHandlerOptions,
  type NodeGuardOptions,
} from './node.js';
