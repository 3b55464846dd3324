/**
 * End to end, as a visitor does it, for the Express and the Koa app alike:
 * start the app with its own start command (SQLite file storage), sign in
 * in headless Chromium, create a key on the API Keys page, call the API
 * with it from node, see the request counted in the key's details,
 * regenerate it, delete it, and see the old secrets refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, chromiumAvailable, launchChromium, runApp, type BrowserLike, type PageLike, type RunningApp } from './test-support.js';

const browserReady = chromiumAvailable();
const dataDir = mkdtempSync(path.join(tmpdir(), 'skycast-e2e-'));
let browser: BrowserLike | undefined;

beforeAll(async () => {
  if (browserReady) browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Helpers that run in the page: the component keeps its UI in a shadow root.
const inShadow = <T, A extends unknown[]>(page: PageLike, fn: (root: ShadowRoot, ...args: A) => T, ...args: A): Promise<Awaited<T>> =>
  page.evaluate(
    (source: string, ...rest: unknown[]) => {
      const root = document.querySelector('api-key-manager')!.shadowRoot!;
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      return (new Function(`return (${source})`)() as (r: ShadowRoot, ...a: unknown[]) => T)(root, ...rest);
    },
    fn.toString(),
    ...args,
  ) as Promise<Awaited<T>>;

const waitInShadow = (page: PageLike, selector: string, timeout = 10_000): Promise<unknown> =>
  page.waitForFunction((s: string) => document.querySelector('api-key-manager')?.shadowRoot?.querySelector(s), { timeout }, selector);

const clickInShadow = (page: PageLike, selector: string): Promise<void> =>
  inShadow(page, (root, s: string) => (root.querySelector(s) as HTMLElement).click(), selector);

const callWeather = (base: string, secret: string): Promise<Response> =>
  fetch(`${base}/api/weather?city=Paris`, { headers: { authorization: `Bearer ${secret}` } });

describe.skipIf(!browserReady).each(APPS)('$name example in Chromium', (app) => {
  let running: RunningApp;
  let page: PageLike;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    running = await runApp(app, { STORAGE_URL: `sqlite://${path.join(dataDir, `${app.name}.sqlite`)}` });
    page = await browser!.newPage();
    page.on('pageerror', (error) => pageErrors.push(error instanceof Error ? error.message : String(error)));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  }, 40_000);

  afterAll(async () => {
    await page?.close();
    await running?.stop();
  });

  it('prints its URL and the demo logins on start', () => {
    expect(running.output()).toMatch(/running at http:\/\/localhost:\d+/);
    expect(running.output()).toContain('admin@acme.test');
    expect(running.output()).toContain('keygate-demo');
  });

  it('signs in, creates a key in the page, counts its use, rotates and deletes it', async () => {
    const { base } = running;

    // The settings page asks for a sign-in first, then comes back.
    await page.goto(`${base}/settings/api-keys`, { waitUntil: 'load' });
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.type('#email', 'admin@acme.test');
    await page.type('#password', 'keygate-demo');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type="submit"]')]);
    expect(new URL(page.url()).pathname).toBe('/settings/api-keys');
    await waitInShadow(page, '[data-create]');

    // Create a key with weather:read; the secret is shown once.
    await clickInShadow(page, '[data-create]');
    await waitInShadow(page, '#f-name');
    await inShadow(page, (root) => {
      const input = root.querySelector('#f-name') as HTMLInputElement;
      input.value = 'E2E weather bot';
      input.dispatchEvent(new Event('input'));
      (root.querySelector('input[value="weather:read"]') as HTMLInputElement).click();
    });
    await clickInShadow(page, '[data-submit]');
    await waitInShadow(page, '[data-secret]');
    const secret = await inShadow(page, (root) => root.querySelector('[data-secret]')!.textContent!.trim());
    expect(secret).toMatch(/^sk_test_/);
    await clickInShadow(page, '[data-done]');
    const keyId = await inShadow(page, (root) =>
      [...root.querySelectorAll('tr[data-key-id]')].find((row) => row.textContent!.includes('E2E weather bot'))?.getAttribute('data-key-id'),
    );
    expect(keyId).toBeTruthy();
    const row = `tr[data-key-id="${keyId}"]`;

    // The host's API accepts it, from outside the browser.
    const ok = await callWeather(base, secret);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { city: string }).city).toBe('Paris');

    // Details show the request (usage is flushed every 250 ms: reopen until it is there).
    let total = '';
    for (let attempt = 0; attempt < 20 && total !== '1'; attempt++) {
      await clickInShadow(page, `${row} [data-action="details"]`);
      await waitInShadow(page, '[data-details]');
      total = await inShadow(page, (root) => {
        const terms = [...root.querySelectorAll('[data-details] dt')];
        return terms.find((dt) => dt.textContent === 'Total requests')?.nextElementSibling?.textContent?.trim() ?? '';
      });
      if (total !== '1') {
        await clickInShadow(page, '[data-close]');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(total).toBe('1');
    await waitInShadow(page, 'canvas[data-chart="requests"]');
    const chartLabel = await inShadow(page, (root) => root.querySelector('canvas[data-chart="requests"]')!.getAttribute('aria-label'));
    expect(chartLabel).toMatch(/: 1 in total/);
    await clickInShadow(page, '[data-close]');

    // Regenerate with no grace period: a new secret, the old one refused at once.
    await clickInShadow(page, `${row} [data-action="regenerate"]`);
    await waitInShadow(page, 'input[name="grace"]');
    await clickInShadow(page, 'input[name="grace"][value="0"]');
    await clickInShadow(page, '[data-confirm]');
    await waitInShadow(page, '[data-secret]');
    const rotated = await inShadow(page, (root) => root.querySelector('[data-secret]')!.textContent!.trim());
    expect(rotated).toMatch(/^sk_test_/);
    expect(rotated).not.toBe(secret);
    await clickInShadow(page, '[data-done]');
    expect((await callWeather(base, secret)).status).toBe(401);
    expect((await callWeather(base, rotated)).status).toBe(200);

    // Delete behind the confirmation; then the key is refused.
    await clickInShadow(page, `${row} [data-action="delete"]`);
    await waitInShadow(page, '[data-confirm-text]');
    const confirmText = await inShadow(page, (root) => root.querySelector('[data-confirm-text]')!.textContent);
    expect(confirmText).toContain('Deleting this token will disconnect all associated connections');
    await clickInShadow(page, '[data-confirm]');
    await page.waitForFunction((s: string) => !document.querySelector('api-key-manager')!.shadowRoot!.querySelector(s), { timeout: 10_000 }, row);
    const refused = await callWeather(base, rotated);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');

    expect(pageErrors).toEqual([]);
  }, 45_000);
});
