import { expect, fixture, html, oneEvent, waitUntil } from '@open-wc/testing';
import { Chart } from 'chart.js';
import '../src/index.js';
import type { ApiKeyUsageDashboard, TenantReport } from '../src/index.js';

const BASE = '/api/v1/platform/api-keys';
const DAY = 86_400_000;
let counter = 0;
/** Each test works in a tenant of its own on the shared API server. */
const newTenant = (): string => `d-${Date.now().toString(36)}-${counter++}`;
const utcDay = (daysAgo: number): string => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}
async function seed(tenant: string, count: number): Promise<string[]> {
  return (await post('/__test/seed', { tenant, count }))['ids'] as string[];
}
async function usage(tenant: string, id: string, days: { day: string; requests: number; errors: number }[]): Promise<void> {
  await post('/__test/usage', { tenant, id, days });
}

/** Records every report request the element makes. */
function watchReports(): { queries: URLSearchParams[]; stop: () => void } {
  const queries: URLSearchParams[] = [];
  const original = window.fetch;
  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input instanceof Request ? input.url : input), location.href);
    if (url.pathname === `${BASE}/reports`) queries.push(url.searchParams);
    return original(input, init);
  };
  return { queries, stop: () => (window.fetch = original) };
}

async function mount(tenant: string, options: { role?: string; days?: number } = {}): Promise<ApiKeyUsageDashboard> {
  const el = await fixture<ApiKeyUsageDashboard>(html`<api-key-usage-dashboard
    endpoint=${BASE}
    theme="light"
    locale="en-US"
    days=${options.days ?? 30}
    .headers=${{ 'x-test-role': options.role ?? 'admin', 'x-test-tenant': tenant }}
  ></api-key-usage-dashboard>`);
  await waitUntil(() => el.shadowRoot!.querySelector('[data-loading]') === null, 'the report did not load', { timeout: 5000 });
  return el;
}

const q = <T extends Element = HTMLElement>(el: Element, selector: string): T | null => el.shadowRoot!.querySelector<T>(selector);
const qa = <T extends Element = HTMLElement>(el: Element, selector: string): T[] => [...el.shadowRoot!.querySelectorAll<T>(selector)];
const text = (node: Element | null): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
const chartOf = (el: Element, name: string): Chart | undefined => {
  const canvas = q<HTMLCanvasElement>(el, `canvas[data-chart="${name}"]`);
  return canvas ? Chart.getChart(canvas) : undefined;
};

describe('<api-key-usage-dashboard>', () => {
  it('shows totals, the error rate and the top keys of the tenant', async () => {
    const tenant = newTenant();
    const [busy, quiet, unused] = await seed(tenant, 3);
    await usage(tenant, busy!, [
      { day: utcDay(0), requests: 60, errors: 6 },
      { day: utcDay(1), requests: 40, errors: 4 },
    ]);
    await usage(tenant, quiet!, [{ day: utcDay(2), requests: 5, errors: 0 }]);
    const el = await mount(tenant);

    expect(text(q(el, '[data-stat="requests"] dd'))).to.equal('105');
    expect(text(q(el, '[data-stat="errors"] dd'))).to.equal('10');
    expect(text(q(el, '[data-stat="error-rate"] dd'))).to.equal('9.5%');
    expect(text(q(el, '[data-stat="active-keys"] dd'))).to.equal('3of 3');

    const rows = qa(el, '[data-panel="top-keys"] tbody tr');
    expect(rows.map((r) => r.getAttribute('data-key-id'))).to.deep.equal([busy, quiet]);
    expect(text(rows[0]!)).to.contain('100').and.contain('10%');
    // The key's masked form is shown, never a secret.
    expect(text(rows[0]!)).to.match(/sk_(live|test)_…\w{4}/);
    expect(q(el, '[data-panel="top-keys"] caption')?.textContent).to.contain('last 30 days');

    // The key without traffic is in the "never used" list.
    const never = qa(el, '[data-panel="never-used"] tbody tr').map((r) => r.getAttribute('data-key-id'));
    expect(never).to.deep.equal([unused]);
    expect(text(q(el, '[data-panel="never-used"] [data-count]'))).to.equal('1');
  });

  it('draws requests and errors per day with chart.js, with a text alternative', async () => {
    const tenant = newTenant();
    const [id] = await seed(tenant, 1);
    await usage(tenant, id!, [
      { day: utcDay(0), requests: 12, errors: 3 },
      { day: utcDay(3), requests: 30, errors: 0 },
    ]);
    const el = await mount(tenant, { days: 7 });
    await waitUntil(() => chartOf(el, 'traffic') && chartOf(el, 'error-rate'), 'charts not drawn', { timeout: 5000 });

    const traffic = chartOf(el, 'traffic')!;
    expect(traffic.data.labels).to.have.length(7);
    const [errors, requests] = traffic.data.datasets;
    expect(requests!.data).to.deep.equal([0, 0, 0, 30, 0, 0, 12]);
    expect(errors!.data).to.deep.equal([0, 0, 0, 0, 0, 0, 3]);
    expect(chartOf(el, 'error-rate')!.data.datasets[0]!.data).to.deep.equal([0, 0, 0, 0, 0, 0, 25]);

    const canvas = q(el, 'canvas[data-chart="traffic"]')!;
    expect(canvas.getAttribute('role')).to.equal('img');
    expect(canvas.getAttribute('aria-label')).to.contain('42 requests').and.contain('3 errors');
    // The same numbers as a table for screen readers.
    const table = q(el, '[data-chart-table]')!;
    expect(text(table.querySelector('caption'))).to.equal('Requests and errors per day');
    const cells = qa(el, '[data-chart-table] tbody tr').map((r) => [...r.children].map((c) => text(c)));
    expect(cells).to.have.length(7);
    expect(cells[6]!.slice(1)).to.deep.equal(['12', '3', '25%']);
    expect(table.closest('.visually-hidden')).to.exist;
  });

  it('refetches when another range is picked and redraws the charts', async () => {
    const tenant = newTenant();
    const [id] = await seed(tenant, 1);
    await usage(tenant, id!, [
      { day: utcDay(1), requests: 10, errors: 1 },
      { day: utcDay(20), requests: 50, errors: 5 },
      { day: utcDay(60), requests: 100, errors: 0 },
    ]);
    const watch = watchReports();
    try {
      const el = await mount(tenant, { days: 7 });
      expect(text(q(el, '[data-stat="requests"] dd'))).to.equal('10');
      expect(q(el, '[data-range="7"]')!.getAttribute('aria-pressed')).to.equal('true');

      const changed = oneEvent(el, 'range-changed');
      const loaded = oneEvent(el, 'report-loaded');
      q(el, '[data-range="90"]')!.click();
      expect(((await changed) as CustomEvent<{ days: number }>).detail.days).to.equal(90);
      const report = ((await loaded) as CustomEvent<{ report: TenantReport }>).detail.report;
      expect(report.settings.days).to.equal(90);
      await el.updateComplete;

      expect(watch.queries.map((p) => p.get('days'))).to.deep.equal(['7', '90']);
      expect(text(q(el, '[data-stat="requests"] dd'))).to.equal('160');
      expect(q(el, '[data-range="90"]')!.getAttribute('aria-pressed')).to.equal('true');
      expect(q(el, '[data-range="7"]')!.getAttribute('aria-pressed')).to.equal('false');
      expect(el.getAttribute('days')).to.equal('90');
      await waitUntil(() => chartOf(el, 'traffic')?.data.labels?.length === 90, 'chart not redrawn for 90 days', { timeout: 5000 });
    } finally {
      watch.stop();
    }
  });

  it('lists keys expiring soon, idle keys and secrets due for rotation', async () => {
    const tenant = newTenant();
    const [expiring, idle, old] = await seed(tenant, 3);
    await post('/__test/backdate', { tenant, id: expiring, days: 1, expiresInDays: 3 });
    await post('/__test/backdate', { tenant, id: idle, days: 70 });
    await usage(tenant, idle!, [{ day: utcDay(45), requests: 2, errors: 0 }]);
    await post('/__test/backdate', { tenant, id: old, days: 120 });
    await usage(tenant, old!, [{ day: utcDay(0), requests: 1, errors: 0 }]);
    const el = await mount(tenant);

    const ids = (panel: string): (string | null)[] => qa(el, `[data-panel="${panel}"] tbody tr`).map((r) => r.getAttribute('data-key-id'));
    expect(ids('expiring')).to.deep.equal([expiring]);
    expect(text(q(el, '[data-panel="expiring"] tbody tr'))).to.contain('3 d');
    expect(ids('idle')).to.deep.equal([idle]);
    expect(text(q(el, '[data-panel="idle"] h3'))).to.contain('Not used for 30 days');
    expect(ids('rotation')).to.deep.equal([old]);
    expect(text(q(el, '[data-panel="rotation"] tbody tr'))).to.contain('120 d');
    expect(q(el, '[data-panel="rotation"] [data-auto-rotate]')).to.equal(null);
    expect(text(q(el, '[data-panel="rotation"] caption'))).to.contain('older than 90 days');
    expect(ids('never-used')).to.deep.equal([expiring]);
    // Every list is a table with a caption.
    for (const table of qa(el, '.panels table')) expect(text(table.querySelector('caption'))).to.not.equal('');
  });

  it('tells a person without usage:read that they have no access', async () => {
    const tenant = newTenant();
    await seed(tenant, 1);
    const failed = new Promise<CustomEvent>((resolve) => document.addEventListener('report-failed', (e) => resolve(e as CustomEvent), { once: true }));
    const el = await mount(tenant, { role: 'nobody' });
    const state = q(el, '[data-forbidden]')!;
    expect(state.getAttribute('role')).to.equal('alert');
    expect(text(state)).to.contain("You don't have access to usage reports");
    expect(q(el, '[data-report]')).to.equal(null);
    expect((await failed).detail).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
  });

  it('shows the report to a viewer (read-only roles may see usage)', async () => {
    const tenant = newTenant();
    const [id] = await seed(tenant, 2);
    await usage(tenant, id!, [{ day: utcDay(0), requests: 7, errors: 1 }]);
    const el = await mount(tenant, { role: 'viewer' });
    expect(text(q(el, '[data-stat="requests"] dd'))).to.equal('7');
    expect(q(el, '[data-forbidden]')).to.equal(null);
  });

  it('shows an empty state for a tenant without keys, and a note when keys had no traffic', async () => {
    const empty = await mount(newTenant());
    expect(text(q(empty, '[data-empty]'))).to.contain('No API keys yet.');
    expect(q(empty, 'canvas')).to.equal(null);

    const tenant = newTenant();
    await seed(tenant, 2);
    const quiet = await mount(tenant, { days: 7 });
    expect(text(q(quiet, '[data-no-traffic]'))).to.equal('No requests in the last 7 days.');
    expect(text(q(quiet, '[data-panel="top-keys"]'))).to.contain('No key was used in this period.');
    expect(q(quiet, 'canvas[data-chart="traffic"]')!.getAttribute('aria-label')).to.contain('no requests');
  });

  it('shows a loading state, then errors in words with a retry', async () => {
    const tenant = newTenant();
    await seed(tenant, 1);
    await post('/__test/fail', { method: 'GET', suffix: '/reports', status: 503, body: { status: 503, code: 'STORAGE_UNAVAILABLE', title: 'Unavailable' } });
    const el = await fixture<ApiKeyUsageDashboard>(html`<api-key-usage-dashboard
      endpoint=${BASE}
      .headers=${{ 'x-test-tenant': tenant }}
    ></api-key-usage-dashboard>`);
    expect(text(q(el, '[data-loading]'))).to.contain('Loading usage');
    await waitUntil(() => q(el, '[data-error]'), 'no error state', { timeout: 5000 });
    expect(text(q(el, '[data-error]'))).to.contain('The usage service is unavailable right now.');
    q(el, '[data-retry]')!.click();
    await waitUntil(() => q(el, '[data-report]'), 'retry did not load the report', { timeout: 5000 });
  });

  it('says so when the server has no reports route', async () => {
    const el = await fixture<ApiKeyUsageDashboard>(html`<api-key-usage-dashboard endpoint="/api/v1/nowhere"></api-key-usage-dashboard>`);
    await waitUntil(() => q(el, '[data-error]'), 'no error state', { timeout: 5000 });
    expect(text(q(el, '[data-error]'))).to.contain('Usage reports are not enabled on this server.');
  });

  it('takes texts from `strings` and headers from the attribute', async () => {
    const tenant = newTenant();
    await seed(tenant, 1);
    const el = await fixture<ApiKeyUsageDashboard>(html`<api-key-usage-dashboard
      endpoint=${BASE}
      headers=${JSON.stringify({ 'x-test-tenant': tenant, 'x-test-role': 'nobody' })}
      .strings=${{ forbidden: 'Pas d’accès aux rapports', title: 'Utilisation', nonsense: 1 }}
    ></api-key-usage-dashboard>`);
    await waitUntil(() => q(el, '[data-forbidden]'), 'not forbidden', { timeout: 5000 });
    expect(text(q(el, '[data-forbidden] .state-title'))).to.equal('Pas d’accès aux rapports');
    expect(text(q(el, 'h2'))).to.equal('Utilisation');
  });
});
