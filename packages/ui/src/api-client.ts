/**
 * A small fetch wrapper for the keygate management API. Every failure
 * becomes an {@link ApiError} that carries what the person needs to read:
 * the problem+json `detail` and per-field messages.
 *
 * @module
 */

import type {
  ApiKey,
  ApiKeyDetail,
  AuditEvent,
  CreateKeyInput,
  Identity,
  IssuedKey,
  Meta,
  Page,
  UpdateKeyInput,
  Usage,
} from './types.js';
import type { ReportQuery, TenantReport } from './report-types.js';

/** One field's problem, as in problem+json `errors[]`. */
export interface FieldError {
  /** JSON pointer, e.g. `/name` or `/ipAllowlist/0`. */
  field: string;
  message: string;
}

/** A failed API call. `status` is 0 when the network failed before any response. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly fieldErrors: FieldError[];

  constructor(init: { status: number; code: string; title: string; detail: string; fieldErrors?: FieldError[] }) {
    super(init.detail || init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.fieldErrors = init.fieldErrors ?? [];
  }
}

/** How the client reaches the API. */
export interface ApiClientOptions {
  /** Base path or URL, e.g. `/api/v1/platform/api-keys`. */
  endpoint: string;
  /** Extra request headers (e.g. a CSRF token). */
  headers?: Record<string, string>;
  /** fetch credentials mode. */
  credentials?: RequestCredentials;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a problem+json body (or anything else) into an {@link ApiError}; never throws. */
async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const problem = isRecord(body) ? body : {};
  const fieldErrors: FieldError[] = Array.isArray(problem['errors'])
    ? (problem['errors'] as unknown[]).flatMap((e) =>
        isRecord(e) && typeof e['message'] === 'string'
          ? [{ field: typeof e['field'] === 'string' ? e['field'] : '', message: e['message'] }]
          : [],
      )
    : [];
  return new ApiError({
    status: response.status,
    code: typeof problem['code'] === 'string' ? problem['code'] : `HTTP_${response.status}`,
    title: typeof problem['title'] === 'string' ? problem['title'] : response.statusText,
    detail: typeof problem['detail'] === 'string' ? problem['detail'] : '',
    fieldErrors,
  });
}

/** Calls the keygate management API. One instance per endpoint/headers combination. */
export class ApiClient {
  readonly #options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.#options = options;
  }

  #url(path: string, query?: Record<string, string | number | undefined>): string {
    const base = this.#options.endpoint.replace(/\/+$/, '');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return `${base}${path}${qs ? `?${qs}` : ''}`;
  }

  async #request<T>(method: string, path: string, init: { body?: unknown; query?: Record<string, string | number | undefined> } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...this.#options.headers };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(this.#url(path, init.query), {
        method,
        headers,
        credentials: this.#options.credentials ?? 'same-origin',
        body: init.body === undefined ? null : JSON.stringify(init.body),
      });
    } catch {
      throw new ApiError({ status: 0, code: 'NETWORK', title: 'Network error', detail: '' });
    }
    if (!response.ok) throw await toApiError(response);
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError({ status: response.status, code: 'BAD_RESPONSE', title: 'Unexpected response', detail: '' });
    }
  }

  /** `GET /meta`. */
  meta(): Promise<Meta> {
    return this.#request('GET', '/meta');
  }

  /** `GET /` one page of keys. */
  list(query: { limit?: number; cursor?: string; environment?: string; status?: string } = {}): Promise<Page<ApiKey>> {
    return this.#request('GET', '', { query });
  }

  /** `GET /{id}` with usage totals. */
  get(id: string): Promise<ApiKeyDetail> {
    return this.#request('GET', `/${encodeURIComponent(id)}`);
  }

  /** `POST /`: the secret is in the answer, once. */
  create(input: CreateKeyInput): Promise<IssuedKey> {
    return this.#request('POST', '', { body: input });
  }

  /** `PATCH /{id}`. */
  update(id: string, input: UpdateKeyInput): Promise<ApiKey> {
    return this.#request('PATCH', `/${encodeURIComponent(id)}`, { body: input });
  }

  /** `POST /{id}/regenerate` with a grace period in seconds. */
  regenerate(id: string, gracePeriodSeconds: number): Promise<IssuedKey> {
    return this.#request('POST', `/${encodeURIComponent(id)}/regenerate`, { body: { gracePeriod: gracePeriodSeconds } });
  }

  /** `POST /{id}/revoke`. */
  revoke(id: string): Promise<ApiKey> {
    return this.#request('POST', `/${encodeURIComponent(id)}/revoke`);
  }

  /** `DELETE /{id}`. */
  delete(id: string): Promise<void> {
    return this.#request('DELETE', `/${encodeURIComponent(id)}`);
  }

  /** `POST /{id}/reveal`: only with server-side secret storage. */
  async reveal(id: string): Promise<string> {
    const body = await this.#request<{ secret: string }>('POST', `/${encodeURIComponent(id)}/reveal`);
    return body.secret;
  }

  /** `GET /{id}/usage` (default range: last 30 days). */
  usage(id: string, range: { from?: string; to?: string } = {}): Promise<Usage> {
    return this.#request('GET', `/${encodeURIComponent(id)}/usage`, { query: range });
  }

  /** `GET /{id}/audit`, newest first. */
  audit(id: string, query: { limit?: number; cursor?: string } = {}): Promise<Page<AuditEvent>> {
    return this.#request('GET', `/${encodeURIComponent(id)}/audit`, { query });
  }

  /**
   * `POST /whoami`: the key that `secret` is, within the acting user's tenant
   * (404 `KEY_NOT_FOUND` otherwise). The secret travels in the body only, never in a URL.
   */
  whoami(secret: string): Promise<ApiKey> {
    return this.#request('POST', '/whoami', { body: { key: secret } });
  }

  /** `GET /identities/{id}` with its shared credits left now. */
  identity(id: string): Promise<Identity> {
    return this.#request('GET', `/identities/${encodeURIComponent(id)}`);
  }

  /** `GET /identities`: one page of the tenant's identities. */
  identities(query: { limit?: number; cursor?: string } = {}): Promise<Page<Identity>> {
    return this.#request('GET', '/identities', { query });
  }

  /** `GET /reports`: the tenant's usage report (404 when the host serves no reports). */
  report(query: ReportQuery = {}): Promise<TenantReport> {
    return this.#request('GET', '/reports', { query: { ...query } });
  }
}
