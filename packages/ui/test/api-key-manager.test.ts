import { aTimeout, expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import { Chart } from 'chart.js';
import '../src/index.js';
import type { ApiKeyManager } from '../src/index.js';

const BASE = '/api/v1/platform/api-keys';
let counter = 0;
/** Each test works in a tenant of its own on the shared API server. */
const newTenant = (): string => `t-${Date.now().toString(36)}-${counter++}`;

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}
async function seed(tenant: string, count: number): Promise<string[]> {
  return (await post('/__test/seed', { tenant, count }))['ids'] as string[];
}
async function apiGet(tenant: string, path: string): Promise<Response> {
  return fetch(`${BASE}${path}`, { headers: { 'x-test-tenant': tenant, 'x-test-role': 'admin' } });
}

async function mount(tenant: string, options: { role?: string; pageSize?: number; apiBaseUrl?: string } = {}): Promise<ApiKeyManager> {
  const el = await fixture<ApiKeyManager>(html`<api-key-manager
    endpoint=${BASE}
    theme="light"
    page-size=${options.pageSize ?? 20}
    api-base-url=${options.apiBaseUrl ?? 'https://api.example.com'}
    .headers=${{ 'x-test-role': options.role ?? 'admin', 'x-test-tenant': tenant }}
  ></api-key-manager>`);
  await waitUntil(() => el.shadowRoot!.querySelector('.state[role="status"]') === null, 'the list did not load', { timeout: 5000 });
  return el;
}

const q = <T extends Element = HTMLElement>(el: ApiKeyManager, selector: string): T | null => el.shadowRoot!.querySelector<T>(selector);
const qa = <T extends Element = HTMLElement>(el: ApiKeyManager, selector: string): T[] => [...el.shadowRoot!.querySelectorAll<T>(selector)];
const dialog = (el: ApiKeyManager): HTMLElement | null => q(el, '[aria-modal="true"]');
const active = (el: ApiKeyManager): Element | null => el.shadowRoot!.activeElement;
const text = (node: Element | null): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();

async function typeName(el: ApiKeyManager, value: string): Promise<void> {
  const input = q<HTMLInputElement>(el, '#f-name')!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await el.updateComplete;
}

async function openCreate(el: ApiKeyManager): Promise<void> {
  q(el, '[data-create]')!.click();
  await el.updateComplete;
  await waitUntil(() => dialog(el)?.getAttribute('data-modal') === 'create');
}

async function createViaUi(el: ApiKeyManager, name: string): Promise<{ secret: string; detail: { key: Record<string, unknown> } }> {
  await openCreate(el);
  await typeName(el, name);
  const created = oneEvent(el, 'key-created');
  q(el, '[data-submit]')!.click();
  const event = (await created) as CustomEvent<{ key: Record<string, unknown> }>;
  await waitUntil(() => q(el, '[data-secret]'), 'secret not shown');
  return { secret: text(q(el, '[data-secret]')), detail: event.detail };
}

async function shiftTab(): Promise<void> {
  await sendKeys({ down: 'Shift' });
  await sendKeys({ press: 'Tab' });
  await sendKeys({ up: 'Shift' });
}

afterEach(async () => {
  await setViewport({ width: 1280, height: 800 });
});

describe('<api-key-manager> list', () => {
  it('shows keys in a table with masked keys, never the secret', async () => {
    const tenant = newTenant();
    await seed(tenant, 3);
    const el = await mount(tenant);
    const table = q(el, 'table[role="table"]');
    expect(table).to.exist;
    expect(qa(el, 'th[role="columnheader"]').map(text)).to.deep.equal([
      'Name', 'Key', 'Environment', 'Scopes', 'Created', 'Last used', 'Expires', 'Status', 'Actions',
    ]);
    const rows = qa(el, 'tbody tr[role="row"]');
    expect(rows).to.have.length(3);
    const keyCell = text(rows[0]!.querySelector('code.masked'));
    expect(keyCell).to.match(/^sk_(live|test)_…[A-Za-z0-9]{4}$/);
    expect(text(rows[0]!)).to.include('Active');
    // "Last used" is filled in from GET /{id}.
    await waitUntil(() => qa(el, 'tbody tr').every((r) => text(r).includes('Never used')), 'last used not loaded');
  });

  it('shows the empty state for a tenant without keys', async () => {
    const el = await mount(newTenant());
    expect(text(q(el, '[part="empty"]'))).to.include('No API keys yet.');
    expect(q(el, 'table')).to.equal(null);
  });

  it('paginates with "Load more"', async () => {
    const tenant = newTenant();
    await seed(tenant, 5);
    const el = await mount(tenant, { pageSize: 2 });
    expect(qa(el, 'tbody tr')).to.have.length(2);
    q(el, '[data-load-more]')!.click();
    await waitUntil(() => qa(el, 'tbody tr').length === 4);
    q(el, '[data-load-more]')!.click();
    await waitUntil(() => qa(el, 'tbody tr').length === 5);
    await el.updateComplete;
    expect(q(el, '[data-load-more]')).to.equal(null);
    const ids = qa(el, 'tbody tr').map((r) => r.getAttribute('data-key-id'));
    expect(new Set(ids).size).to.equal(5);
  });

  it('gives a viewer a read-only table', async () => {
    const tenant = newTenant();
    await seed(tenant, 2);
    const el = await mount(tenant, { role: 'viewer' });
    expect(qa(el, 'tbody tr')).to.have.length(2);
    expect(q(el, '[data-create]')).to.equal(null);
    expect(qa(el, '[data-action="delete"], [data-action="regenerate"], [data-action="revoke"], [data-action="reveal"]')).to.have.length(0);
    expect(qa(el, '[data-action="details"]')).to.have.length(2);
    expect(q(el, '[data-readonly]')).to.exist;
  });

  it('says "You don\'t have access to API keys" on a 403', async () => {
    const el = await mount(newTenant(), { role: 'stranger' });
    const alert = q(el, '[role="alert"]');
    expect(text(alert)).to.include("You don't have access to API keys");
    expect(q(el, 'table')).to.equal(null);
  });

  it('shows load failures in words, with a retry', async () => {
    const tenant = newTenant();
    await post('/__test/fail', {
      method: 'GET', suffix: '/meta', status: 503,
      body: { type: 'urn:keygate:problem:storage_unavailable', title: 'Storage unavailable', status: 503, code: 'STORAGE_UNAVAILABLE', detail: 'The key store is not reachable right now.' },
    });
    const el = await mount(tenant);
    expect(text(q(el, '[role="alert"]'))).to.include('The key store is not reachable right now.');
    q<HTMLButtonElement>(el, '[role="alert"] button')!.click();
    await waitUntil(() => q(el, '[part="empty"]'), 'retry did not reload');
  });
});

describe('<api-key-manager> create', () => {
  it('validates the name as the user types and on submit, with the exact messages', async () => {
    const tenant = newTenant();
    const el = await mount(tenant);
    await openCreate(el);
    expect(active(el)).to.equal(q(el, '#f-name'));
    await typeName(el, 'a'.repeat(33));
    expect(text(q(el, '[data-error-for="name"]'))).to.equal('Token name must be at most 32 characters');
    expect(q(el, '#f-name')!.getAttribute('aria-invalid')).to.equal('true');
    expect(q(el, '#f-name')!.getAttribute('aria-describedby')).to.include('err-name');
    await typeName(el, 'a'.repeat(32));
    expect(q(el, '[data-error-for="name"]')).to.equal(null);
    await typeName(el, '   ');
    expect(text(q(el, '[data-error-for="name"]'))).to.equal('Token name is required');
    await typeName(el, '');
    q(el, '[data-submit]')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-error-for="name"]'))).to.equal('Token name is required');
    // Nothing was sent: the tenant still has no keys.
    const list = (await (await apiGet(tenant, '')).json()) as { items: unknown[] };
    expect(list.items).to.have.length(0);
  });

  it('creates a key, shows the secret once, copies and downloads it, and emits key-created without the secret', async () => {
    const tenant = newTenant();
    const el = await mount(tenant);
    await openCreate(el);
    await typeName(el, 'Billing service');
    const scope = q<HTMLInputElement>(el, 'input[type="checkbox"][value="read:users"]')!;
    scope.click();
    q<HTMLInputElement>(el, 'input[name="expiry"][value="30d"]')!.click();
    await el.updateComplete;
    const created = oneEvent(el, 'key-created');
    q(el, '[data-submit]')!.click();
    const event = (await created) as CustomEvent<{ key: { id: string; name: string; scopes: string[]; expiresAt: string } }>;
    expect(event.bubbles && event.composed).to.equal(true);
    await waitUntil(() => q(el, '[data-secret]'));
    const secret = text(q(el, '[data-secret]'));
    expect(secret).to.match(/^sk_test_[A-Za-z0-9_]{40,}$/);
    expect(JSON.stringify(event.detail)).not.to.include(secret);
    expect(event.detail.key.name).to.equal('Billing service');
    expect(event.detail.key.scopes).to.deep.equal(['read:users']);
    expect(Date.parse(event.detail.key.expiresAt) - Date.now()).to.be.within(29 * 86_400_000, 31 * 86_400_000);

    expect(text(dialog(el))).to.include('New API Token successfully generated.');
    expect(text(dialog(el))).to.include('it will not be shown again');
    expect(dialog(el)!.getAttribute('aria-labelledby')).to.equal('secret-title');
    expect(text(q(el, '#secret-title'))).to.equal('Your new API key');
    // The global live region announces it too.
    expect(text(q(el, '.status[aria-live="polite"]'))).to.include('New API Token successfully generated.');

    // Copy: the clipboard receives exactly the secret.
    const copied: string[] = [];
    const original = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard');
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void copied.push(t) } });
    try {
      q(el, '[data-copy]')!.click();
      await waitUntil(() => text(q(el, '[data-secret-status]')) === 'Copied to clipboard');
      expect(copied).to.deep.equal([secret]);
    } finally {
      delete (navigator as unknown as Record<string, unknown>)['clipboard'];
      if (original) Object.defineProperty(Navigator.prototype, 'clipboard', original);
    }

    // Download: a .env file with the key, through a blob URL and an anchor's download attribute.
    const clicks: { href: string; download: string }[] = [];
    const realClick = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicks.push({ href: this.href, download: this.download });
    };
    try {
      q(el, '[data-download]')!.click();
    } finally {
      HTMLAnchorElement.prototype.click = realClick;
    }
    expect(clicks).to.have.length(1);
    expect(clicks[0]!.download).to.equal('billing-service.env');
    expect(clicks[0]!.href).to.match(/^blob:/);
    const envText = await (await fetch(clicks[0]!.href)).text();
    expect(envText).to.equal(`KEYGATE_API_KEY=${secret}\n`);

    // Code examples use the real key and the configured base URL.
    expect(text(q(el, '[data-snippet="curl"]'))).to.include(`Authorization: Bearer ${secret}`);
    expect(text(q(el, '[data-snippet="curl"]'))).to.include('https://api.example.com');
    q(el, '#tab-python')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-snippet="python"]'))).to.include(secret);
    q(el, '#tab-javascript')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-snippet="javascript"]'))).to.include(secret);

    // Closing forgets the secret; the table shows only the masked key; focus returns to the opener.
    q(el, '[data-done]')!.click();
    await el.updateComplete;
    expect(dialog(el)).to.equal(null);
    expect(el.shadowRoot!.innerHTML).not.to.include(secret);
    expect(text(q(el, 'tbody tr'))).to.include('Billing service');
    expect(active(el)).to.equal(q(el, '[data-create]'));
    // The key really works against the API server.
    const stored = await apiGet(tenant, `/${event.detail.key.id}`);
    expect(stored.status).to.equal(200);
  });

  it('shows server field errors next to the field (problem+json errors[])', async () => {
    const el = await mount(newTenant());
    await openCreate(el);
    await typeName(el, 'Edge proxy');
    q<HTMLDetailsElement>(el, 'details.advanced')!.open = true;
    const ips = q<HTMLTextAreaElement>(el, '#f-ips')!;
    ips.value = 'not-an-ip';
    ips.dispatchEvent(new Event('input'));
    await el.updateComplete;
    q(el, '[data-submit]')!.click();
    await waitUntil(() => q(el, '[data-error-for="ipAllowlist"]'), 'no field error');
    expect(text(q(el, '[data-error-for="ipAllowlist"]'))).to.include('"not-an-ip" is not an IP address');
    expect(q(el, '#f-ips')!.getAttribute('aria-invalid')).to.equal('true');
    expect(text(q(el, '.form-error'))).to.equal('Fix the highlighted fields.');
    expect(dialog(el)?.getAttribute('data-modal')).to.equal('create');
  });

  it('lets the host override any text through `strings`', async () => {
    const el = await mount(newTenant());
    el.strings = { createButton: 'Nouvelle clé', title: 'Clés API' };
    await el.updateComplete;
    expect(text(q(el, '[data-create]'))).to.equal('Nouvelle clé');
    expect(text(q(el, 'h2.title'))).to.equal('Clés API');
  });
});

describe('<api-key-manager> key actions', () => {
  it('regenerates a key with the chosen grace period and shows the new secret', async () => {
    const tenant = newTenant();
    const el = await mount(tenant);
    const first = await createViaUi(el, 'Rotating service');
    q(el, '[data-done]')!.click();
    await el.updateComplete;
    const id = String(first.detail.key['id']);
    q(el, `tr[data-key-id="${id}"] [data-action="regenerate"]`)!.click();
    await el.updateComplete;
    expect(dialog(el)?.getAttribute('data-modal')).to.equal('regenerate');
    expect(text(dialog(el))).to.include('Choose how long the current secret keeps working');
    const choices = qa<HTMLInputElement>(el, 'input[name="grace"]');
    expect(choices.map((c) => text(c.parentElement))).to.deep.equal(['None: stop working immediately', '1 hour', '24 hours', '7 days']);
    choices[1]!.click();
    await el.updateComplete;
    const rotated = oneEvent(el, 'key-rotated');
    q(el, '[data-confirm]')!.click();
    const event = (await rotated) as CustomEvent<{ key: { id: string; previousKeyExpiresAt?: string } }>;
    await waitUntil(() => q(el, '[data-secret]'));
    const secret = text(q(el, '[data-secret]'));
    expect(secret).to.not.equal(first.secret);
    expect(text(q(el, '#secret-title'))).to.equal('Your regenerated API key');
    expect(JSON.stringify(event.detail)).not.to.include(secret);
    const grace = Date.parse(event.detail.key.previousKeyExpiresAt!) - Date.now();
    expect(grace).to.be.within(3_500_000, 3_700_000);
  });

  it('deletes a key behind the exact confirmation', async () => {
    const tenant = newTenant();
    const [id, other] = await seed(tenant, 2);
    const el = await mount(tenant);
    const opener = q(el, `tr[data-key-id="${id}"] [data-action="delete"]`)!;
    opener.click();
    await el.updateComplete;
    const d = dialog(el)!;
    expect(d.getAttribute('role')).to.equal('alertdialog');
    expect(text(q(el, '[data-confirm-text]'))).to.equal('Deleting this token will disconnect all associated connections. Proceed?');
    expect(qa(el, '.dialog-footer button').map(text)).to.deep.equal(['Cancel', 'Confirm']);
    // Cancel keeps the key and returns focus to the row's Delete button.
    expect(active(el)).to.equal(q(el, '[data-cancel]'));
    q(el, '[data-cancel]')!.click();
    await el.updateComplete;
    expect(dialog(el)).to.equal(null);
    expect(active(el)).to.equal(opener);
    expect(qa(el, 'tbody tr')).to.have.length(2);

    opener.click();
    await el.updateComplete;
    const deleted = oneEvent(el, 'key-deleted');
    q(el, '[data-confirm]')!.click();
    const event = (await deleted) as CustomEvent<{ id: string }>;
    expect(event.detail.id).to.equal(id);
    await el.updateComplete;
    expect(qa(el, 'tbody tr').map((r) => r.getAttribute('data-key-id'))).to.deep.equal([other]);
    expect((await apiGet(tenant, `/${id}`)).status).to.equal(404);
    expect(text(q(el, '.status'))).to.include('deleted');
    // The opener is gone: focus lands on the Create button.
    expect(active(el)).to.equal(q(el, '[data-create]'));
  });

  it('shows an API failure inside the confirmation instead of failing silently', async () => {
    const tenant = newTenant();
    const [id] = await seed(tenant, 1);
    const el = await mount(tenant);
    await post('/__test/fail', {
      method: 'DELETE', suffix: `/${id}`, status: 503,
      body: { title: 'Storage unavailable', status: 503, code: 'STORAGE_UNAVAILABLE', detail: 'The key store is not reachable right now.' },
    });
    q(el, '[data-action="delete"]')!.click();
    await el.updateComplete;
    q(el, '[data-confirm]')!.click();
    await waitUntil(() => q(el, '[aria-modal] [role="alert"]'));
    expect(text(q(el, '[aria-modal] [role="alert"]'))).to.equal('The key store is not reachable right now.');
    expect(qa(el, 'tbody tr')).to.have.length(1);
  });

  it('revokes a key', async () => {
    const tenant = newTenant();
    const [id] = await seed(tenant, 1);
    const el = await mount(tenant);
    q(el, '[data-action="revoke"]')!.click();
    await el.updateComplete;
    const revoked = oneEvent(el, 'key-revoked');
    q(el, '[data-confirm]')!.click();
    await revoked;
    await el.updateComplete;
    expect(text(q(el, `tr[data-key-id="${id}"] [part="status-badge"]`))).to.equal('Revoked');
    expect(q(el, `tr[data-key-id="${id}"] [data-action="regenerate"]`)).to.equal(null);
  });

  it('reveals the full key when the server stores secrets', async () => {
    const el = await mount(newTenant());
    const { secret, detail } = await createViaUi(el, 'Revealable');
    q(el, '[data-done]')!.click();
    await el.updateComplete;
    const row = q(el, `tr[data-key-id="${String(detail.key['id'])}"]`)!;
    (row.querySelector('[data-action="reveal"]') as HTMLElement).click();
    await waitUntil(() => row.querySelector('[data-revealed]'));
    expect(text(row.querySelector('[data-revealed]'))).to.equal(secret);
    (row.querySelector('[data-action="reveal"]') as HTMLElement).click();
    await el.updateComplete;
    expect(row.querySelector('[data-revealed]')).to.equal(null);
  });
});

describe('<api-key-manager> details', () => {
  it('lazy-loads chart.js and draws requests per day and the error rate, with the audit trail', async () => {
    const tenant = newTenant();
    const [id] = await seed(tenant, 1);
    const today = new Date();
    const day = (offset: number): string => new Date(today.getTime() - offset * 86_400_000).toISOString().slice(0, 10);
    await post('/__test/usage', { tenant, id, days: [{ day: day(2), requests: 40, errors: 4 }, { day: day(1), requests: 10, errors: 0 }] });
    const el = await mount(tenant);
    q(el, `tr[data-key-id="${id}"] [data-action="details"]`)!.click();
    await el.updateComplete;
    expect(dialog(el)?.getAttribute('data-modal')).to.equal('details');
    await waitUntil(() => {
      const canvas = q<HTMLCanvasElement>(el, 'canvas[data-chart="requests"]');
      return canvas && Chart.getChart(canvas);
    }, 'chart not drawn', { timeout: 5000 });
    const requests = Chart.getChart(q<HTMLCanvasElement>(el, 'canvas[data-chart="requests"]')!)!;
    const errors = Chart.getChart(q<HTMLCanvasElement>(el, 'canvas[data-chart="error-rate"]')!)!;
    const data = requests.data.datasets[0]!.data as number[];
    expect(data.reduce((a, b) => a + b, 0)).to.equal(50);
    expect((errors.data.datasets[0]!.data as number[]).filter((x) => x > 0)).to.deep.equal([10]);
    expect(q(el, 'canvas[data-chart="requests"]')!.getAttribute('aria-label')).to.include('50 in total');
    await waitUntil(() => q(el, '[data-audit]'));
    expect(text(q(el, '[data-audit]'))).to.include('key.created');
    await waitUntil(() => text(q(el, '[data-details]')).includes('Total requests'));
    expect(text(q(el, '[data-details]'))).to.include(id);
    // Closing destroys the charts.
    const canvas = q<HTMLCanvasElement>(el, 'canvas[data-chart="requests"]')!;
    q(el, '[data-close]')!.click();
    await el.updateComplete;
    expect(Chart.getChart(canvas)).to.equal(undefined);
  });
});

describe('<api-key-manager> accessibility', () => {
  it('traps focus in a modal, closes on Escape and returns focus to the opener', async () => {
    const el = await mount(newTenant());
    const opener = q(el, '[data-create]')!;
    opener.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => dialog(el));
    await el.updateComplete;
    const d = dialog(el)!;
    expect(d.getAttribute('aria-modal')).to.equal('true');
    expect(text(el.shadowRoot!.getElementById(d.getAttribute('aria-labelledby')!))).to.equal('Create API key');
    expect(q(el, '.main')!.hasAttribute('inert')).to.equal(true);
    expect(active(el)).to.equal(q(el, '#f-name'));
    // Shift+Tab from the first field goes backwards within the dialog (close button), then wraps to the last control.
    await shiftTab();
    expect(d.contains(active(el))).to.equal(true);
    await shiftTab();
    expect(active(el)).to.equal(q(el, '[data-submit]'));
    // Tab from the last control wraps to the first.
    await sendKeys({ press: 'Tab' });
    expect(d.contains(active(el))).to.equal(true);
    expect(active(el)?.getAttribute('aria-label')).to.equal('Close');
    // Many Tabs never leave the dialog.
    for (let i = 0; i < 25; i++) {
      await sendKeys({ press: 'Tab' });
      expect(d.contains(active(el)), `tab ${i}`).to.equal(true);
    }
    await sendKeys({ press: 'Escape' });
    await el.updateComplete;
    expect(dialog(el)).to.equal(null);
    expect(active(el)).to.equal(opener);
  });

  it('turns the table into cards at 360 px without horizontal scrolling', async () => {
    await setViewport({ width: 360, height: 740 });
    const tenant = newTenant();
    await seed(tenant, 2);
    const el = await mount(tenant);
    await aTimeout(50);
    const row = q(el, 'tbody tr')!;
    expect(getComputedStyle(row).display).to.equal('block');
    expect(row.getAttribute('role')).to.equal('row');
    expect(el.scrollWidth).to.be.at.most(el.clientWidth + 1);
    expect(document.documentElement.scrollWidth).to.be.at.most(361);
  });

  it('applies the dark theme through custom properties and lets the host override them', async () => {
    const el = await mount(newTenant());
    const bg = (): string => getComputedStyle(el).backgroundColor;
    expect(bg()).to.equal('rgb(255, 255, 255)');
    el.theme = 'dark';
    await el.updateComplete;
    expect(el.getAttribute('theme')).to.equal('dark');
    expect(bg()).to.equal('rgb(21, 24, 29)');
    el.style.setProperty('--kg-color-bg', 'rgb(1, 2, 3)');
    expect(bg()).to.equal('rgb(1, 2, 3)');
  });

  it('reads extra headers from the `headers` JSON attribute', async () => {
    const tenant = newTenant();
    await seed(tenant, 1);
    const el = await fixture<ApiKeyManager>(html`<api-key-manager
      endpoint=${BASE}
      headers=${JSON.stringify({ 'x-test-role': 'viewer', 'x-test-tenant': tenant })}
    ></api-key-manager>`);
    await waitUntil(() => q(el, 'tbody tr'), 'not loaded');
    expect(el.permissions).to.include('keys:read');
    expect(q(el, '[data-create]')).to.equal(null);
  });
});
