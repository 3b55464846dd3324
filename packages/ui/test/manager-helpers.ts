/**
 * Shared helpers of the `<api-key-manager>` browser tests: each test works in
 * a tenant of its own on the shared test API server (test/server.ts).
 */
import { fixture, html, waitUntil } from '@open-wc/testing';
import '../src/index.js';
import type { ApiKeyManager } from '../src/index.js';

export const BASE = '/api/v1/platform/api-keys';
let counter = 0;

/** A fresh tenant id. */
export const newTenant = (): string => `f-${Date.now().toString(36)}-${counter++}`;

/** Calls the management API as `role` (default admin) in `tenant`. */
export async function api(tenant: string, method: string, path: string, body?: unknown, role = 'admin'): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'x-test-tenant': tenant, 'x-test-role': role };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Creates a key through the API; returns its id and secret. */
export async function createKey(tenant: string, input: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await api(tenant, 'POST', '', input);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: String((res.body['key'] as Record<string, unknown>)['id']), secret: String(res.body['secret']) };
}

/** Mounts the element for `tenant` (English number format) and waits for the list. */
export async function mount(tenant: string, options: { role?: string } = {}): Promise<ApiKeyManager> {
  const el = await fixture<ApiKeyManager>(html`<api-key-manager
    endpoint=${BASE}
    theme="light"
    locale="en-US"
    api-base-url="https://api.example.com"
    .headers=${{ 'x-test-role': options.role ?? 'admin', 'x-test-tenant': tenant }}
  ></api-key-manager>`);
  await waitUntil(() => el.shadowRoot!.querySelector('.state[role="status"]') === null, 'the list did not load', { timeout: 5000 });
  return el;
}

export const q = <T extends Element = HTMLElement>(el: ApiKeyManager, selector: string): T | null => el.shadowRoot!.querySelector<T>(selector);
export const qa = <T extends Element = HTMLElement>(el: ApiKeyManager, selector: string): T[] => [...el.shadowRoot!.querySelectorAll<T>(selector)];
export const dialog = (el: ApiKeyManager): HTMLElement | null => q(el, '[aria-modal="true"]');
export const text = (node: Element | null): string => (node?.textContent ?? '').replace(/\s+/g, ' ').trim();

/** Types into an input or select of the shadow root (an `input` and a `change` event). */
export async function setValue(el: ApiKeyManager, selector: string, value: string): Promise<void> {
  const input = q<HTMLInputElement | HTMLSelectElement>(el, selector);
  if (!input) throw new Error(`no ${selector}`);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  input.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
  await el.updateComplete;
}

/** Opens a key's details and waits for its full data (`GET /{id}`). */
export async function openDetails(el: ApiKeyManager, id: string): Promise<void> {
  q(el, `tr[data-key-id="${id}"] [data-action="details"]`)!.click();
  await el.updateComplete;
  await waitUntil(() => text(q(el, '[data-details]')).includes('Total requests'), 'details not loaded');
}
