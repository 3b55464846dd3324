/**
 * The example host's pages: landing (what the demo is, with the curl
 * commands), sign-in, and Workspace settings › API Keys with
 * `<api-key-manager>` in it.
 *
 * @module
 */
import { html, type SafeHtml } from './html.js';
import { UI_ASSETS_PATH } from './ui-assets.js';
import type { DemoLogin, User } from './users.js';
import { CITIES } from './weather.js';

/** The product name the demo pretends to be. */
export const PRODUCT = 'Skycast';
/** Where the management API is mounted. */
export const KEYS_ENDPOINT = '/api/v1/platform/api-keys';

/** What every page needs to know about the request. */
export interface PageContext {
  /** `Express` or `Koa`, shown in the footer. */
  framework: string;
  /** The origin the visitor used, e.g. `http://localhost:3000`. */
  origin: string;
  /** The signed-in user, if any. */
  user?: User;
  /** Where keys are stored, for the footer. */
  storage: string;
}

const STYLE = `
  :root { color-scheme: light dark; --bg:#f7f8fa; --fg:#111827; --muted:#6b7280; --card:#fff; --border:#e5e7eb; --primary:#2563eb; --code:#f3f4f6; }
  @media (prefers-color-scheme: dark) { :root { --bg:#0f172a; --fg:#e5e7eb; --muted:#94a3b8; --card:#111827; --border:#1f2937; --primary:#60a5fa; --code:#1f2937; } }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.5 system-ui, -apple-system, Segoe UI, Roboto, sans-serif; background:var(--bg); color:var(--fg); }
  header.top { display:flex; align-items:center; gap:1rem; padding:.75rem 1.5rem; background:var(--card); border-bottom:1px solid var(--border); flex-wrap:wrap; }
  header.top .brand { font-weight:700; font-size:1.1rem; color:var(--fg); text-decoration:none; }
  header.top nav { display:flex; gap:1rem; flex:1; }
  header.top a { color:var(--primary); text-decoration:none; }
  header.top .who { color:var(--muted); font-size:.9rem; }
  header.top form { margin:0; }
  main { max-width:1100px; margin:0 auto; padding:1.5rem; }
  h1 { font-size:1.6rem; margin:.2rem 0 1rem; }
  h2 { font-size:1.15rem; margin:1.6rem 0 .6rem; }
  .card { background:var(--card); border:1px solid var(--border); border-radius:10px; padding:1.25rem; }
  pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.86rem; }
  pre { background:var(--code); padding:.9rem 1rem; border-radius:8px; overflow-x:auto; white-space:pre-wrap; word-break:break-all; }
  table.plain { border-collapse:collapse; width:100%; }
  table.plain th, table.plain td { text-align:left; padding:.4rem .6rem; border-bottom:1px solid var(--border); vertical-align:top; }
  .muted { color:var(--muted); }
  button, .button { font:inherit; padding:.45rem .9rem; border-radius:6px; border:1px solid var(--border); background:var(--card); color:var(--fg); cursor:pointer; text-decoration:none; display:inline-block; }
  button.primary, .button.primary { background:var(--primary); border-color:var(--primary); color:#fff; }
  label { display:block; margin:.6rem 0 .2rem; font-weight:600; }
  input[type=email], input[type=password] { font:inherit; width:100%; padding:.5rem .6rem; border:1px solid var(--border); border-radius:6px; background:var(--bg); color:var(--fg); }
  .error { color:#dc2626; font-weight:600; }
  .settings { display:grid; grid-template-columns: 200px 1fr; gap:1.5rem; }
  .settings aside a, .settings aside span { display:block; padding:.4rem .6rem; border-radius:6px; color:var(--muted); text-decoration:none; }
  .settings aside .active { background:var(--code); color:var(--fg); font-weight:600; }
  @media (max-width: 760px) { .settings { grid-template-columns: 1fr; } }
  footer { max-width:1100px; margin:2rem auto; padding:0 1.5rem; color:var(--muted); font-size:.85rem; }
`;

/** The page frame: header with navigation and the signed-in user, main content, footer. */
export function layout(ctx: PageContext, title: string, content: SafeHtml): string {
  const user = ctx.user;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title} · ${PRODUCT}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top">
  <a class="brand" href="/">☁ ${PRODUCT}</a>
  <nav>
    <a href="/">Overview</a>
    ${user ? html`<a href="/settings/api-keys">Workspace settings</a>` : ''}
  </nav>
  ${user
    ? html`<span class="who" data-user>${user.name} · ${user.role} · ${user.workspace.name}</span>
      <form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : html`<a class="button primary" href="/login">Sign in</a>`}
</header>
<main>${content}</main>
<footer>${PRODUCT} is a demo host for keygate, running on ${ctx.framework}. API keys are stored in ${ctx.storage}.</footer>
</body>
</html>`.value;
}

function curlCommands(origin: string): string {
  return [
    `export KEYGATE_API_KEY=sk_test_…   # the key from the "API key created" dialog`,
    ``,
    `curl -s "${origin}/api/weather?city=Paris" -H "Authorization: Bearer $KEYGATE_API_KEY"`,
    ``,
    `curl -s -X POST ${origin}/api/notes -H "x-api-key: $KEYGATE_API_KEY" \\`,
    `  -H 'Content-Type: application/json' -d '{"text":"Umbrella tomorrow"}'`,
    ``,
    `curl -s ${origin}/api/notes -H "x-api-key: $KEYGATE_API_KEY"`,
  ].join('\n');
}

/** `GET /`: what the demo is and how to try it. */
export function landingPage(ctx: PageContext): string {
  const content = html`
    <h1>Forecasts for your apps, with API keys your users manage themselves</h1>
    <p>${PRODUCT} is a small weather and notes API with its own users, workspaces and roles. Its
      <strong>Workspace settings › API Keys</strong> page is keygate's <code>&lt;api-key-manager&gt;</code>, and its API is
      protected by keygate's <code>requireApiKey</code> with scopes. Everything runs in this one process.</p>
    <div class="card">
      <h2 style="margin-top:0">Try it</h2>
      <ol>
        <li>${ctx.user ? html`You are signed in as <strong>${ctx.user.email}</strong> (${ctx.user.role}).` : html`<a href="/login">Sign in</a> as one of the demo users.`}</li>
        <li>Open <a href="/settings/api-keys">Workspace settings › API Keys</a> and create a key with the
          <code>weather:read</code> scope (add <code>notes:write</code> and <code>notes:read</code> for the notes).</li>
        <li>Call the API with it:</li>
      </ol>
      <pre data-curl>${curlCommands(ctx.origin)}</pre>
      <p>Then open the key's details: the request is counted and the usage chart moves. Regenerate the key and the old
        secret stops working; delete it and every call answers 401.</p>
    </div>
    <h2>The API</h2>
    <table class="plain">
      <tr><th>endpoint</th><th>scope</th><th>answers</th></tr>
      <tr><td><code>GET /api/weather?city=Paris</code></td><td><code>weather:read</code></td><td>a three-day forecast</td></tr>
      <tr><td><code>GET /api/notes</code></td><td><code>notes:read</code></td><td>the workspace's notes</td></tr>
      <tr><td><code>POST /api/notes</code> <code>{"text": "…"}</code></td><td><code>notes:write</code></td><td>201 with the note</td></tr>
      <tr><td><code>${KEYS_ENDPOINT}</code></td><td>your session (or a key with <code>keys:*</code>)</td><td>keygate's management API; <a href="${KEYS_ENDPOINT}/openapi.json">OpenAPI</a></td></tr>
    </table>
    <p class="muted">Cities: ${CITIES.map((c) => c.name).join(', ')}. The key goes in <code>Authorization: Bearer …</code> or
      <code>x-api-key</code>. Refusals are <code>application/problem+json</code>: 401 (no or bad key), 403 (missing scope),
      429 (rate limit: 60 a minute per key; see the <code>RateLimit-*</code> headers).</p>
    <h2>Roles</h2>
    <table class="plain">
      <tr><th>role</th><th>on the API Keys page</th></tr>
      <tr><td>super_admin, admin</td><td>create, regenerate, revoke, delete, disable; usage and audit log</td></tr>
      <tr><td>developer</td><td>read keys, usage and the audit log</td></tr>
      <tr><td>viewer</td><td>read keys and usage</td></tr>
    </table>`;
  return layout(ctx, 'Overview', content);
}

/** `GET /login`, and `POST /login` again after a failed attempt. */
export function loginPage(ctx: PageContext, logins: DemoLogin[], password: string, options: { next?: string; error?: string; email?: string } = {}): string {
  const content = html`
    <div class="card" style="max-width:460px;margin:2rem auto">
      <h1>Sign in to ${PRODUCT}</h1>
      ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
      <form method="post" action="/login">
        ${options.next ? html`<input type="hidden" name="next" value="${options.next}">` : ''}
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="${options.email ?? ''}">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <p><button class="primary" type="submit">Sign in</button></p>
      </form>
      <h2>Demo users</h2>
      <p class="muted">Password for all: <code>${password}</code></p>
      <table class="plain">
        ${logins.map((l) => html`<tr><td><code>${l.email}</code></td><td>${l.role}</td><td>${l.workspace}</td></tr>`)}
      </table>
    </div>`;
  return layout(ctx, 'Sign in', content);
}

/** `GET /settings/api-keys`: the settings frame with `<api-key-manager>` for the user's workspace. */
export function apiKeysPage(ctx: PageContext & { user: User }, csrfToken: string): string {
  const content = html`
    <h1>Workspace settings</h1>
    <div class="settings">
      <aside aria-label="Settings">
        <span>General</span>
        <span>Members</span>
        <a class="active" href="/settings/api-keys" aria-current="page">API Keys</a>
      </aside>
      <section>
        <p class="muted">Keys for <strong>${ctx.user.workspace.name}</strong>. A key acts for the workspace with the scopes you give it;
          what you can do here follows your role (<strong>${ctx.user.role}</strong>).</p>
        <api-key-manager
          endpoint="${KEYS_ENDPOINT}"
          api-base-url="${ctx.origin}/api/weather?city=Paris"
          headers="${JSON.stringify({ 'x-csrf-token': csrfToken })}"
          theme="auto"></api-key-manager>
      </section>
    </div>
    <script type="module" src="${UI_ASSETS_PATH}/api-key-manager.js"></script>`;
  return layout(ctx, 'API Keys', content);
}

/** A plain 404 page. */
export function notFoundPage(ctx: PageContext): string {
  return layout(ctx, 'Not found', html`<h1>Not found</h1><p><a href="/">Back to the overview</a></p>`);
}
