// Screenshots of <api-key-manager>'s main states, from the built bundle, in
// headless system Chromium against the real test API server.
//
//   node packages/ui/build.mjs --no-types && node packages/ui/scripts/screenshots.mjs
//   node packages/ui/scripts/screenshots.mjs --serve   # keep the demo running at the printed URL
//   node packages/ui/scripts/screenshots.mjs --only=dashboard   # just docs/images/ui-dashboard.png
//   node packages/ui/scripts/screenshots.mjs --only=metering    # just the credits / rate limits / identity / lookup shots
//
// Writes docs/images/ui-*.png at the repository root.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const uiDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(uiDir, '../..');
const outDir = path.join(repoRoot, 'docs/images');
const serveOnly = process.argv.includes('--serve');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const require = createRequire(import.meta.url);
const puppeteer = createRequire(require.resolve('@web/test-runner-chrome'))('puppeteer-core');

if (!existsSync(path.join(uiDir, 'dist/api-key-manager.js'))) {
  console.error('Build first: node packages/ui/build.mjs');
  process.exit(1);
}

function startApi() {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/ui/test/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGTERM'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`API server exited with ${code}`)));
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve({ port: JSON.parse(out.split('\n')[0]).port, child });
    });
  });
}

const api = await startApi();

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.txt': 'text/plain' };
const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/api/') || url.startsWith('/__test/')) {
    const upstream = http.request({ host: '127.0.0.1', port: api.port, method: req.method, path: url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 500, r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
    return;
  }
  const pathname = url.split('?')[0] === '/' ? '/demo/index.html' : url.split('?')[0];
  const file = path.join(uiDir, path.normalize(pathname));
  if (!file.startsWith(uiDir) || !existsSync(file)) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

async function call(p, body) {
  const r = await fetch(`${origin}${p}`, { method: 'POST', body: JSON.stringify(body) });
  return r.json();
}

// Data: eight keys, 30 days of usage on the first, one revoked.
const { ids } = await call('/__test/seed', { tenant: 'demo', count: 8 });
const days = [];
for (let i = 29; i >= 0; i--) {
  const day = new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10);
  const requests = Math.round(400 + 300 * Math.sin(i / 3) + (29 - i) * 25);
  days.push({ day, requests, errors: Math.round(requests * (i % 7 === 3 ? 0.08 : 0.012)) });
}
await call('/__test/usage', { tenant: 'demo', id: ids[0], days });
await call('/__test/usage', { tenant: 'demo', id: ids[2], days: days.slice(-3) });
await fetch(`${origin}/api/v1/platform/api-keys/${ids[5]}/revoke`, { method: 'POST', headers: { 'x-test-tenant': 'demo' } });

// Dashboard data (tenant "acme"): 90 days of traffic on three keys, one idle
// key, one expiring soon, one overdue for rotation, two never used.
const acme = (await call('/__test/seed', { tenant: 'acme', count: 7 })).ids;
const series = (n, f) => {
  const out = [];
  for (let i = n - 1; i >= 0; i--) out.push({ day: new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10), ...f(i) });
  return out;
};
await call('/__test/usage', {
  tenant: 'acme',
  id: acme[0],
  days: series(90, (i) => {
    const requests = Math.round(900 + 350 * Math.sin(i / 4) + (90 - i) * 9 - (i % 7 < 2 ? 300 : 0));
    return { requests, errors: Math.round(requests * (i === 12 || i === 13 ? 0.11 : 0.012)) };
  }),
});
await call('/__test/usage', {
  tenant: 'acme',
  id: acme[1],
  days: series(90, (i) => {
    const requests = Math.round(420 + 120 * Math.cos(i / 5));
    return { requests, errors: Math.round(requests * (i % 11 === 4 ? 0.09 : 0.02)) };
  }),
});
await call('/__test/usage', { tenant: 'acme', id: acme[2], days: series(10, (i) => ({ requests: 60 + i * 7, errors: i % 4 === 0 ? 3 : 0 })) });
await call('/__test/backdate', { tenant: 'acme', id: acme[3], days: 80 });
await call('/__test/usage', { tenant: 'acme', id: acme[3], days: series(60, () => ({ requests: 25, errors: 1 })).slice(0, 12) });
await call('/__test/backdate', { tenant: 'acme', id: acme[4], days: 25, expiresInDays: 5 });
await call('/__test/backdate', { tenant: 'acme', id: acme[5], days: 131 });
await call('/__test/usage', { tenant: 'acme', id: acme[5], days: series(90, (i) => ({ requests: 40 + (i % 5) * 6, errors: 0 })) });

// Metering data (tenant "metered"): an identity with shared credits and limits, a key with its own
// quota and named limits, one more key of the identity, and a plain key.
const asMetered = { 'content-type': 'application/json', 'x-test-tenant': 'metered', 'x-test-role': 'admin' };
const managed = async (method, p, body) =>
  (await fetch(`${origin}/api/v1/platform/api-keys${p}`, { method, headers: asMetered, body: body && JSON.stringify(body) })).json();
const acmeIdentity = await managed('POST', '/identities', {
  externalId: 'acme-corp',
  metadata: { plan: 'enterprise', owner: 'ops@acme.example' },
  rateLimits: { default: { limit: 5000, windowSeconds: 60 } },
  credits: { initial: 1_000_000, remaining: 734_210, refill: { interval: 'monthly', amount: 1_000_000, dayOfMonth: 1 } },
});
await managed('POST', '', { name: 'Nightly export', environment: 'test' });
await managed('POST', '', { name: 'Acme dashboard', environment: 'live', identityId: acmeIdentity.id, scopes: ['read:analytics'] });
const metered = await managed('POST', '', {
  name: 'Acme ingest',
  environment: 'live',
  scopes: ['write:orders'],
  identityId: acmeIdentity.id,
  rateLimit: { limit: 600, windowSeconds: 60 },
  rateLimits: { uploads: { limit: 20, windowSeconds: 60, burst: 40 } },
  credits: { initial: 5000, remaining: 1234, refill: { interval: 'daily', amount: 5000 } },
});

if (serveOnly) {
  console.log(`Demo: ${origin}/  (?theme=dark, ?role=viewer). Ctrl+C to stop.`);
  await new Promise(() => {});
}

mkdirSync(outDir, { recursive: true });
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--font-render-hinting=none'],
});

const page = await browser.newPage();
page.on('console', (m) => m.type() === 'error' && console.error('[page]', m.text()));
page.on('pageerror', (e) => console.error('[page error]', e.message));

const inShadow = (fn, ...args) => page.evaluate(fn, ...args);
const click = (selector) =>
  inShadow((s) => document.querySelector('api-key-manager').shadowRoot.querySelector(s).click(), selector);
const waitFor = (selector) =>
  page.waitForFunction((s) => document.querySelector('api-key-manager')?.shadowRoot?.querySelector(s), { timeout: 10000 }, selector);
const settle = () => new Promise((r) => setTimeout(r, 250));
const shot = async (name, fullPage = false) => {
  await settle();
  await page.screenshot({ path: path.join(outDir, `ui-${name}.png`), fullPage });
  console.log(`docs/images/ui-${name}.png`);
};
const open = async (query, width = 1280, height = 820) => {
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  await page.goto(`${origin}/${query}`, { waitUntil: 'networkidle0' });
  await waitFor('tbody tr');
  await page.waitForFunction(() => !document.querySelector('api-key-manager').shadowRoot.textContent.includes('—'), { timeout: 5000 }).catch(() => {});
};

// 0. Usage dashboard (light, 30 days)
if (!only || only === 'dashboard') {
  await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
  await page.goto(`${origin}/demo/dashboard.html?theme=light`, { waitUntil: 'networkidle0' });
  await page.waitForFunction(
    () => document.querySelector('api-key-usage-dashboard')?.shadowRoot?.querySelector('canvas[data-chart="error-rate"]')?.width > 0,
    { timeout: 10000 },
  );
  await settle();
  await page.screenshot({ path: path.join(outDir, 'ui-dashboard.png'), fullPage: true });
  console.log('docs/images/ui-dashboard.png');
}
if (only === 'dashboard') {
  await browser.close();
  server.close();
  api.child.kill('SIGTERM');
  process.exit(0);
}

// Metering: credits in the table, the limits editor with an API error, the identity, the key lookup.
if (!only || only === 'metering') {
  await open('?theme=light&tenant=metered');
  await page.waitForFunction(() => document.querySelector('api-key-manager').shadowRoot.querySelector('[data-credits]')?.textContent.includes('left'), { timeout: 5000 });
  await click(`tr[data-key-id="${metered.key.id}"] [data-action="details"]`);
  await page.waitForFunction(() => document.querySelector('api-key-manager').shadowRoot.querySelector('[data-credits-left]'), { timeout: 5000 });
  await shot('details-credits');
  await click('[data-edit="limits"]');
  await click('[data-add-limit]');
  await inShadow(() => {
    const root = document.querySelector('api-key-manager').shadowRoot;
    const set = (sel, v) => {
      const input = root.querySelector(sel);
      input.value = v;
      input.dispatchEvent(new Event('input'));
    };
    set('#lr-2-name', 'exports');
    set('#lr-2-limit', '0');
    set('#lr-2-window', '3600');
  });
  await click('[data-edit-form="limits"] [data-save]');
  await waitFor('[data-edit-error="2.limit"]');
  await inShadow(() => document.querySelector('api-key-manager').shadowRoot.querySelector('[data-section="limits"]').scrollIntoView());
  await shot('limits-editor');
  await click('[data-cancel-edit]');
  await click('[data-details] [data-identity]');
  await waitFor('[data-identity-details]');
  await shot('identity');
  await click('[data-close]');
  await click('[data-lookup]');
  await waitFor('#lookup-key');
  await inShadow((secret) => {
    const input = document.querySelector('api-key-manager').shadowRoot.querySelector('#lookup-key');
    input.value = secret;
  }, metered.secret);
  await click('[data-lookup-submit]');
  await waitFor('[data-lookup-found]');
  await shot('lookup');
  if (only) {
    await browser.close();
    server.close();
    api.child.kill('SIGTERM');
    process.exit(0);
  }
}

// 1. Table (light)
await open('?theme=light');
await shot('table', true);

// 2. Create modal with a validation error and scopes picked
await click('[data-create]');
await waitFor('#f-name');
await inShadow(() => {
  const root = document.querySelector('api-key-manager').shadowRoot;
  const input = root.querySelector('#f-name');
  input.value = 'Billing service for the EU region!';
  input.dispatchEvent(new Event('input'));
  root.querySelector('input[value="read:users"]').click();
  root.querySelector('input[value="read:orders"]').click();
  root.querySelector('input[name="expiry"][value="90d"]').click();
});
await shot('create-modal');

// 3. Secret shown once
await inShadow(() => {
  const root = document.querySelector('api-key-manager').shadowRoot;
  const input = root.querySelector('#f-name');
  input.value = 'Billing service';
  input.dispatchEvent(new Event('input'));
});
await click('[data-submit]');
await waitFor('[data-secret]');
await shot('secret-modal');
await click('[data-done]');

// 4. Details with charts
await click(`tr[data-key-id="${ids[0]}"] [data-action="details"]`);
await page.waitForFunction(
  () => document.querySelector('api-key-manager').shadowRoot.querySelector('canvas[data-chart="error-rate"]')?.width > 0,
  { timeout: 10000 },
);
await waitFor('[data-audit]');
await shot('details-charts');
await click('[data-close]');

// 5. Delete confirmation
await click(`tr[data-key-id="${ids[1]}"] [data-action="delete"]`);
await waitFor('[data-confirm-text]');
await shot('delete-confirm');
await click('[data-cancel]');

// 6. Regenerate
await click(`tr[data-key-id="${ids[1]}"] [data-action="regenerate"]`);
await waitFor('input[name="grace"]');
await shot('regenerate-modal');

// 7. Dark theme, table and details
await open('?theme=dark');
await shot('dark-table', true);
await click(`tr[data-key-id="${ids[0]}"] [data-action="details"]`);
await page.waitForFunction(
  () => document.querySelector('api-key-manager').shadowRoot.querySelector('canvas[data-chart="error-rate"]')?.width > 0,
  { timeout: 10000 },
);
await shot('dark-details');

// 8. 360 px wide: cards; and the create modal there
await open('?theme=light', 360, 740);
await shot('mobile-360');
await click('[data-create]');
await waitFor('#f-name');
await shot('mobile-360-create');

// 9. Viewer: read-only
await open('?theme=light&role=viewer');
await shot('viewer-readonly');

// 10. No access
await page.setViewport({ width: 900, height: 400 });
await page.goto(`${origin}/?role=nobody`, { waitUntil: 'networkidle0' });
await waitFor('[role="alert"]');
await shot('forbidden');

await browser.close();
server.close();
api.child.kill('SIGTERM');
process.exit(0);
