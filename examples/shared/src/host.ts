/**
 * Everything the Express and Koa example hosts do, without a framework:
 * pages, sign-in and sessions, the session → keygate actor mapping, the CSRF
 * check in front of the management API, and the host's own API behind
 * `requireApiKey`. Each app only translates its framework's request and
 * response to the plain values here.
 *
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Actor, ApiKey, KeyManager, KeygateConnection } from '@keygate/core';
import { connectKeygate } from '@keygate/core';
import { KEYGATE_CONFIG } from './keygate-config.js';
import { NotesStore } from './notes.js';
import { apiKeysPage, landingPage, loginPage, notFoundPage, type PageContext } from './pages.js';
import { csrfTokenMatches, parseCookies, serializeCookie, SESSION_COOKIE, SessionStore, type Session } from './sessions.js';
import { DATA_DIR, redactUrl, type HostSettings } from './settings.js';
import { readUiAsset } from './ui-assets.js';
import { UserDirectory, type User } from './users.js';
import { findCity, forecast, CITIES } from './weather.js';

/** A response, framework-neutral: each app writes it with its own API. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** What a page handler needs from the request. */
export interface PageRequest {
  headers: IncomingHttpHeaders;
  /** The request came over TLS (sets `Secure` on the cookie). */
  secure?: boolean;
}

const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  // The component loads its chart chunk with import() and styles chart canvases inline.
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
};

/** Largest body the host's own routes read (login form, notes). */
const BODY_LIMIT = 16 * 1024;

function page(status: number, body: string): Reply {
  return { status, headers: { ...PAGE_HEADERS }, body };
}

function redirect(location: string, extra: Record<string, string> = {}): Reply {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...extra }, body: '' };
}

/** A JSON answer of the host's own API. */
export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(value) };
}

/** An RFC 9457 problem, in the same shape as keygate's own. */
export function problemReply(status: number, code: string, title: string, extras: Record<string, unknown> = {}): Reply {
  const body = { type: `urn:skycast:problem:${code.toLowerCase()}`, title, status, code, ...extras };
  return { status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' }, body: JSON.stringify(body) };
}

/** `scheme://host` as the visitor typed it; a Host header that is not a plain host[:port] falls back to localhost. */
export function originOf(headers: IncomingHttpHeaders, secure = false): string {
  const host = headers.host;
  const safe = typeof host === 'string' && /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host) ? host : 'localhost';
  return `${secure ? 'https' : 'http'}://${safe}`;
}

/** Only same-site paths may be a post-login destination (no `//evil.example`). */
function safeNext(next: string | null | undefined): string {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : '/settings/api-keys';
}

/**
 * Reads a request body up to `limit` bytes; undefined when it is larger
 * (the rest is not read).
 */
export async function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function isJson(headers: IncomingHttpHeaders): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(headers['content-type'] ?? '');
}

/** A running demo host: keygate, users, sessions and notes, plus the handlers both apps mount. */
export class DemoHost {
  /** The key manager the apps pass to keygate's router and `requireApiKey`. */
  readonly manager: KeyManager;
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  readonly notes = new NotesStore();
  /** Where keys are stored, without credentials, e.g. `sqlite …/express-app.sqlite`. */
  readonly storageLabel: string;

  private constructor(
    readonly settings: HostSettings,
    private readonly connection: KeygateConnection,
    users: UserDirectory,
  ) {
    this.manager = connection.manager;
    this.users = users;
    this.sessions = new SessionStore(settings.sessionSecret !== undefined ? { secret: settings.sessionSecret } : {});
    this.storageLabel = storageLabel(settings);
  }

  /**
   * Connects keygate's storage (sqlite file, PostgreSQL or Redis) and seeds
   * the demo users (or takes an already seeded directory: tests start many hosts).
   */
  static async start(settings: HostSettings, seeded?: UserDirectory): Promise<DemoHost> {
    const [connection, users] = await Promise.all([
      connectKeygate({
        url: settings.storageUrl,
        ...(settings.redisUrl ? { redisUrl: settings.redisUrl } : {}),
        ...(settings.pgSchema ? { schema: settings.pgSchema } : {}),
        config: KEYGATE_CONFIG,
      }),
      seeded ?? UserDirectory.seeded(settings.demoPassword),
    ]);
    return new DemoHost(settings, connection, users);
  }

  /** Flushes usage counts and closes storage connections. */
  close(): Promise<void> {
    return this.connection.close();
  }

  // ---- sessions --------------------------------------------------------

  /** The signed-in session and user of a request, if any. */
  signedIn(headers: IncomingHttpHeaders): { session: Session; user: User } | undefined {
    const session = this.sessions.get(parseCookies(headers.cookie).get(SESSION_COOKIE));
    const user = session && this.users.byId(session.userId);
    return session && user ? { session, user } : undefined;
  }

  /**
   * keygate's `getActor`: the signed-in user as an actor of their workspace,
   * with their role. keygate decides what the role may do.
   */
  actorFor(headers: IncomingHttpHeaders): Actor | undefined {
    const user = this.signedIn(headers)?.user;
    return user && { id: user.id, tenantId: user.workspace.id, role: user.role, type: 'user' };
  }

  /**
   * In front of the management API: a change made with the session cookie
   * must carry the page's `x-csrf-token`. Requests without a session (an API
   * key in a header, which a browser never adds on its own) pass.
   */
  csrfCheck(method: string, headers: IncomingHttpHeaders): Reply | undefined {
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return undefined;
    const signedIn = this.signedIn(headers);
    if (signedIn === undefined || csrfTokenMatches(signedIn.session, headers['x-csrf-token'])) return undefined;
    return problemReply(403, 'CSRF_TOKEN_INVALID', 'Missing or wrong CSRF token', { detail: 'Reload the page and try again.' });
  }

  // ---- pages ------------------------------------------------------------

  #context(req: PageRequest, user?: User): PageContext {
    return { framework: this.settings.framework, origin: originOf(req.headers, req.secure), storage: this.storageLabel, ...(user ? { user } : {}) };
  }

  /** `GET /`. */
  landing(req: PageRequest): Reply {
    return page(200, landingPage(this.#context(req, this.signedIn(req.headers)?.user)));
  }

  /** `GET /login`: the form, or straight on when already signed in. */
  loginForm(req: PageRequest, query: URLSearchParams): Reply {
    const next = safeNext(query.get('next'));
    if (this.signedIn(req.headers)) return redirect(next);
    return page(200, loginPage(this.#context(req), this.users.demoLogins(), this.settings.demoPassword, { next }));
  }

  /** `POST /login` (form-encoded `email`, `password`, `next`): a session cookie and a redirect, or the form again with 401. */
  async login(req: PageRequest & { body: IncomingMessage }): Promise<Reply> {
    const raw = await readBody(req.body);
    if (raw === undefined) return page(413, loginPage(this.#context(req), this.users.demoLogins(), this.settings.demoPassword, { error: 'That request was too large.' }));
    const form = new URLSearchParams(raw.toString('utf8'));
    const email = form.get('email') ?? '';
    const user = await this.users.authenticate(email, form.get('password') ?? '');
    const next = safeNext(form.get('next'));
    if (user === undefined) {
      return page(401, loginPage(this.#context(req), this.users.demoLogins(), this.settings.demoPassword, { next, email, error: 'Wrong email or password.' }));
    }
    // A fresh session id on every sign-in (no fixation); the old one, if any, ends.
    this.sessions.destroy(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    const { cookie } = this.sessions.create(user.id);
    return redirect(next, { 'set-cookie': serializeCookie(SESSION_COOKIE, cookie, { maxAgeSeconds: this.sessions.maxAgeSeconds, secure: req.secure ?? false }) });
  }

  /** `POST /logout`. */
  logout(req: PageRequest): Reply {
    this.sessions.destroy(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    return redirect('/', { 'set-cookie': serializeCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: req.secure ?? false }) });
  }

  /** `GET /settings/api-keys`: the page with `<api-key-manager>`, or the sign-in form first. */
  apiKeys(req: PageRequest): Reply {
    const signedIn = this.signedIn(req.headers);
    if (signedIn === undefined) return redirect(`/login?next=${encodeURIComponent('/settings/api-keys')}`);
    return page(200, apiKeysPage({ ...this.#context(req, signedIn.user), user: signedIn.user }, signedIn.session.csrfToken));
  }

  /** `GET /assets/keygate-ui/*`: the UI bundle. */
  async uiAsset(subpath: string): Promise<Reply> {
    const asset = await readUiAsset(subpath);
    if (asset === undefined) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'not found' };
    return { status: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }, body: asset.body };
  }

  /** Any other path. */
  notFound(req: PageRequest): Reply {
    return page(404, notFoundPage(this.#context(req, this.signedIn(req.headers)?.user)));
  }

  // ---- the host's own API (behind requireApiKey) ---------------------------

  /** `GET /api/weather?city=` with a key holding `weather:read`. */
  weather(query: URLSearchParams): Reply {
    const name = query.get('city');
    if (!name) return problemReply(422, 'VALIDATION_FAILED', 'The request is not valid', { detail: 'city is required', errors: [{ field: 'city', message: 'city is required' }] });
    const city = findCity(name);
    if (city === undefined) return problemReply(404, 'CITY_NOT_FOUND', 'Unknown city', { detail: `Known cities: ${CITIES.map((c) => c.name).join(', ')}` });
    return jsonReply(200, forecast(city));
  }

  /** `GET /api/notes` with a key holding `notes:read`: the key's workspace's notes. */
  listNotes(key: ApiKey): Reply {
    return jsonReply(200, { items: this.notes.list(key.tenantId) });
  }

  /** `POST /api/notes` `{ text }` with a key holding `notes:write`. */
  async addNote(key: ApiKey, req: { headers: IncomingHttpHeaders; body: IncomingMessage }): Promise<Reply> {
    if (!isJson(req.headers)) return problemReply(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json');
    const raw = await readBody(req.body);
    if (raw === undefined) return problemReply(413, 'PAYLOAD_TOO_LARGE', 'The body is too large');
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return problemReply(400, 'MALFORMED_JSON', 'The body is not JSON');
    }
    const result = this.notes.add(key.tenantId, key.name, body);
    if (!result.ok) return problemReply(422, 'VALIDATION_FAILED', 'The request is not valid', { detail: `${result.field}: ${result.message}`, errors: [{ field: result.field, message: result.message }] });
    return jsonReply(201, result.note, { location: `/api/notes/${result.note.id}` });
  }

  // ---- start-up ---------------------------------------------------------

  /** The lines printed when the server listens: URL, storage, demo logins, a curl to try. */
  banner(url: string): string {
    const s = this.settings;
    const logins = this.users.demoLogins();
    const width = Math.max(...logins.map((l) => l.email.length));
    return [
      `Skycast (${s.framework}) with keygate is running at ${url}`,
      ``,
      `  keys stored in  ${this.storageLabel}`,
      `  rate limits     ${s.redisUrl ? `Redis ${redactUrl(s.redisUrl)} (shared by every instance)` : 'in this process (set REDIS_URL to share them)'}`,
      ``,
      `  Demo logins (password "${s.demoPassword}"):`,
      ...logins.map((l) => `    ${l.email.padEnd(width)}  ${l.role.padEnd(11)}  ${l.workspace}`),
      ``,
      `  Sign in, open Workspace settings › API Keys (${url}/settings/api-keys), create a key with weather:read, then:`,
      `    curl -s "${url}/api/weather?city=Paris" -H "Authorization: Bearer $KEYGATE_API_KEY"`,
      ``,
    ].join('\n');
  }
}

function storageLabel(settings: HostSettings): string {
  const url = settings.storageUrl;
  if (url.startsWith('sqlite://')) {
    const file = url.slice('sqlite://'.length);
    return `SQLite ${file.startsWith(DATA_DIR) ? `examples/.data/${file.slice(DATA_DIR.length)}` : file}`;
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return `PostgreSQL ${redactUrl(url)}`;
  if (/^rediss?:\/\//i.test(url)) return `Redis ${redactUrl(url)}`;
  if (url.startsWith('memory://')) return 'memory (lost on restart)';
  return redactUrl(url);
}
