import { expect, oneEvent, waitUntil } from '@open-wc/testing';
import { api, createKey, dialog, mount, newTenant, openDetails, q, qa, setValue, text } from './manager-helpers.js';

const rowOf = (id: string): string => `tr[data-key-id="${id}"]`;

describe('<api-key-manager> credits', () => {
  it('shows "N of M left" in the table and details, and edits the counter and the refill through PATCH', async () => {
    const tenant = newTenant();
    const { id } = await createKey(tenant, {
      name: 'Metered',
      credits: { initial: 5000, remaining: 1234, refill: { interval: 'daily', amount: 5000 } },
    });
    await createKey(tenant, { name: 'Unmetered' });
    const el = await mount(tenant);
    // List items carry the policy only; the counter comes from GET /{id}.
    await waitUntil(() => text(q(el, `${rowOf(id)} [data-credits]`)) === '1,234 of 5,000 left', 'credits not in the table');
    expect(qa(el, '[data-credits]')).to.have.length(1);

    await openDetails(el, id);
    expect(text(q(el, '[data-credits-left]'))).to.equal('1,234 of 5,000 left');
    expect(text(q(el, '[data-refill]'))).to.equal('Refills to 5,000 every day at 00:00 UTC');

    // Counter only: PATCH { remaining }.
    q(el, '[data-edit="credits"]')!.click();
    await el.updateComplete;
    expect(q<HTMLInputElement>(el, '#ed-remaining')!.value).to.equal('1234');
    await setValue(el, '#ed-remaining', '42');
    const updated = oneEvent(el, 'key-updated');
    q(el, '[data-edit-form="credits"] [data-save]')!.click();
    await updated;
    await el.updateComplete;
    expect(text(q(el, '[data-credits-left]'))).to.equal('42 of 5,000 left');
    expect(text(q(el, `${rowOf(id)} [data-credits]`))).to.equal('42 of 5,000 left');
    let stored = (await api(tenant, 'GET', `/${id}`)).body['credits'] as Record<string, unknown>;
    expect(stored['remaining']).to.equal(42);

    // Refill changed: PATCH { credits } with the counter.
    q(el, '[data-edit="credits"]')!.click();
    await el.updateComplete;
    await setValue(el, '#ed-interval', 'monthly');
    await setValue(el, '#ed-amount', '100');
    await setValue(el, '#ed-day', '15');
    await setValue(el, '#ed-remaining', '99');
    q(el, '[data-edit-form="credits"] [data-save]')!.click();
    await waitUntil(() => text(q(el, '[data-refill]')) === 'Refills to 100 on day 15 of every month (UTC)', 'refill not shown');
    expect(text(q(el, '[data-credits-left]'))).to.equal('99 of 100 left');
    stored = (await api(tenant, 'GET', `/${id}`)).body['credits'] as Record<string, unknown>;
    expect(stored).to.deep.include({ initial: 5000, remaining: 99, refill: { interval: 'monthly', amount: 100, dayOfMonth: 15 } });
  });

  it('shows the API\'s message next to a credits field and adds a quota to a key without one', async () => {
    const tenant = newTenant();
    const { id } = await createKey(tenant, { name: 'Plain' });
    const el = await mount(tenant);
    await openDetails(el, id);
    expect(text(q(el, '[data-credits-view]'))).to.equal('No quota');
    q(el, '[data-edit="credits"]')!.click();
    await el.updateComplete;
    // Client check: the shape of the number.
    await setValue(el, '#ed-remaining', '');
    q(el, '[data-edit-form="credits"] [data-save]')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-edit-error="remaining"]'))).to.equal('Enter a whole number, 0 or more');
    // Server check: the range, with the API's words next to the field.
    await setValue(el, '#ed-remaining', '10');
    await setValue(el, '#ed-interval', 'monthly');
    await setValue(el, '#ed-amount', '10');
    await setValue(el, '#ed-day', '40');
    q(el, '[data-edit-form="credits"] [data-save]')!.click();
    await waitUntil(() => q(el, '[data-edit-error="dayOfMonth"]'), 'no API error');
    expect(text(q(el, '[data-edit-error="dayOfMonth"]'))).to.equal('must be at most 31');
    expect(q(el, '#ed-day')!.getAttribute('aria-invalid')).to.equal('true');
    await setValue(el, '#ed-day', '31');
    q(el, '[data-edit-form="credits"] [data-save]')!.click();
    await waitUntil(() => text(q(el, '[data-credits-left]')) === '10 of 10 left', 'quota not added');
    // Remove it again.
    q(el, '[data-edit="credits"]')!.click();
    await el.updateComplete;
    q(el, '[data-remove-quota]')!.click();
    await waitUntil(() => text(q(el, '[data-credits-view]')) === 'No quota', 'quota not removed');
    expect((await api(tenant, 'GET', `/${id}`)).body['credits']).to.equal(undefined);
  });

  it('creates a key with a quota and an identity (external id)', async () => {
    const tenant = newTenant();
    const el = await mount(tenant);
    q(el, '[data-create]')!.click();
    await el.updateComplete;
    await setValue(el, '#f-name', 'Partner key');
    q<HTMLDetailsElement>(el, 'details.advanced')!.open = true;
    await setValue(el, '#f-credits', '500');
    await setValue(el, '#f-refill', 'daily');
    await setValue(el, '#f-refill-amount', '500');
    await setValue(el, '#f-identity', 'acme-corp');
    const created = oneEvent(el, 'key-created');
    q(el, '[data-submit]')!.click();
    const event = (await created) as CustomEvent<{ key: { id: string; credits: unknown; identityId: string } }>;
    expect(event.detail.key.credits).to.deep.equal({ initial: 500, refill: { interval: 'daily', amount: 500 } });
    expect(event.detail.key.identityId).to.be.a('string');
    q(el, '[data-done]')!.click();
    await el.updateComplete;
    await waitUntil(() => text(q(el, `${rowOf(event.detail.key.id)} [data-identity]`)) === 'acme-corp', 'identity not shown');
    const identity = await api(tenant, 'GET', `/identities/${event.detail.key.identityId}`);
    expect(identity.body['externalId']).to.equal('acme-corp');
  });

  it('shows a bad external id from the API next to the identity field', async () => {
    const el = await mount(newTenant());
    q(el, '[data-create]')!.click();
    await el.updateComplete;
    await setValue(el, '#f-name', 'Spaces');
    q<HTMLDetailsElement>(el, 'details.advanced')!.open = true;
    await setValue(el, '#f-identity', 'has space');
    q(el, '[data-submit]')!.click();
    await waitUntil(() => q(el, '[data-error-for="externalId"]'), 'no field error');
    expect(text(q(el, '[data-error-for="externalId"]'))).to.equal('has an invalid format');
    expect(q(el, '#f-identity')!.getAttribute('aria-invalid')).to.equal('true');
  });
});

describe('<api-key-manager> rate limits', () => {
  it('edits named limits: the default row first, add and remove rows, API messages next to the fields', async () => {
    const tenant = newTenant();
    const { id } = await createKey(tenant, { name: 'Limited', rateLimit: { limit: 100, windowSeconds: 60 } });
    const el = await mount(tenant);
    await openDetails(el, id);
    expect(text(q(el, '[data-limits-view]'))).to.equal('default 100 per minute');
    q(el, '[data-edit="limits"]')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-default-row]'))).to.equal('default');
    expect(q<HTMLInputElement>(el, '#lr-0-limit')!.value).to.equal('100');
    expect(q(el, '#lr-0-name')).to.equal(null);

    q(el, '[data-add-limit]')!.click();
    await el.updateComplete;
    // A name the API would refuse is caught here, on its row.
    await setValue(el, '#lr-1-name', 'Bad Name');
    await setValue(el, '#lr-1-limit', '10');
    q(el, '[data-edit-form="limits"] [data-save]')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-edit-error="1.name"]'))).to.include('Use a-z, 0-9');
    // A range error comes from the API and lands on its field.
    await setValue(el, '#lr-1-name', 'uploads');
    await setValue(el, '#lr-1-limit', '0');
    q(el, '[data-edit-form="limits"] [data-save]')!.click();
    await waitUntil(() => q(el, '[data-edit-error="1.limit"]'), 'no API error');
    expect(text(q(el, '[data-edit-error="1.limit"]'))).to.equal('must be at least 1');
    expect(q(el, '#lr-1-limit')!.getAttribute('aria-invalid')).to.equal('true');
    expect(q(el, '#lr-1-limit')!.getAttribute('aria-describedby')).to.equal('err-ed-1-limit');
    // The `null` branch of `oneOf [policy, null]` ("must be null") is not shown.
    expect(q(el, '[data-edit-error="limits"]')).to.equal(null);
    expect(q(el, '[data-edit-error="form"]')).to.equal(null);

    await setValue(el, '#lr-1-limit', '10');
    await setValue(el, '#lr-1-burst', '20');
    await setValue(el, '#lr-0-limit', '200');
    const updated = oneEvent(el, 'key-updated');
    q(el, '[data-edit-form="limits"] [data-save]')!.click();
    await updated;
    await el.updateComplete;
    expect(text(q(el, '[data-limits-view]'))).to.equal('default 200 per minute uploads 10 per minute, burst 20');
    let stored = (await api(tenant, 'GET', `/${id}`)).body;
    expect(stored['rateLimit']).to.deep.equal({ limit: 200, windowSeconds: 60 });
    expect(stored['rateLimits']).to.deep.equal({ uploads: { limit: 10, windowSeconds: 60, burst: 20 } });

    // Remove the named row and empty the default one: no named limits, no per-key limit.
    q(el, '[data-edit="limits"]')!.click();
    await el.updateComplete;
    q(el, '[data-remove-limit="1"]')!.click();
    await el.updateComplete;
    await setValue(el, '#lr-0-limit', '');
    q(el, '[data-edit-form="limits"] [data-save]')!.click();
    await waitUntil(() => text(q(el, '[data-limits-view]')) === 'default No limit', 'limits not removed');
    stored = (await api(tenant, 'GET', `/${id}`)).body;
    expect(stored['rateLimit']).to.equal(null);
    expect(stored['rateLimits']).to.equal(undefined);
  });
});

describe('<api-key-manager> rename', () => {
  it('renames a key in details with the create form\'s messages, and shows the API\'s', async () => {
    const tenant = newTenant();
    const { id } = await createKey(tenant, { name: 'Old name' });
    const el = await mount(tenant);
    await openDetails(el, id);
    q(el, '[data-edit="name"]')!.click();
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement).to.equal(q(el, '#ed-name'));
    await setValue(el, '#ed-name', 'a'.repeat(33));
    expect(text(q(el, '[data-edit-error="name"]'))).to.equal('Token name must be at most 32 characters');
    await setValue(el, '#ed-name', '   ');
    expect(text(q(el, '[data-edit-error="name"]'))).to.equal('Token name is required');
    q(el, '[data-edit-form="name"] [data-save]')!.click();
    await el.updateComplete;
    expect(text(q(el, '[data-edit-error="name"]'))).to.equal('Token name is required');
    expect((await api(tenant, 'GET', `/${id}`)).body['name']).to.equal('Old name');

    // Only the server knows this rule.
    await setValue(el, '#ed-name', 'Zero\u200Bwidth');
    expect(q(el, '[data-edit-error="name"]')).to.equal(null);
    q(el, '[data-edit-form="name"] [data-save]')!.click();
    await waitUntil(() => q(el, '[data-edit-error="name"]'), 'no API error');
    expect(text(q(el, '[data-edit-error="name"]'))).to.include('zero-width');

    await setValue(el, '#ed-name', '  New name ');
    const updated = oneEvent(el, 'key-updated');
    q(el, '[data-edit-form="name"] [data-save]')!.click();
    const event = (await updated) as CustomEvent<{ key: { name: string } }>;
    expect(event.detail.key.name).to.equal('New name');
    await el.updateComplete;
    expect(text(q(el, '[data-name]'))).to.equal('New name');
    expect(text(q(el, '#details-title'))).to.include('New name');
    expect(text(q(el, `${rowOf(id)} .key-name`))).to.equal('New name');
    expect(el.shadowRoot!.activeElement).to.equal(q(el, '[data-edit="name"]'));
  });
});

describe('<api-key-manager> identity', () => {
  it('shows a key\'s identity with its shared credits, limits and metadata, from the table and from details', async () => {
    const tenant = newTenant();
    const created = await api(tenant, 'POST', '/identities', {
      externalId: 'team-blue',
      metadata: { plan: 'pro' },
      rateLimits: { default: { limit: 1000, windowSeconds: 60 } },
      credits: { initial: 10000, refill: { interval: 'monthly', amount: 10000 } },
    });
    expect(created.status).to.equal(201);
    const identityId = String(created.body['id']);
    const { id } = await createKey(tenant, { name: 'Blue service', identityId });
    const el = await mount(tenant);
    await waitUntil(() => text(q(el, `${rowOf(id)} [data-identity]`)) === 'team-blue', 'external id not shown');

    q(el, `${rowOf(id)} [data-identity]`)!.click();
    await waitUntil(() => q(el, '[data-identity-details]'), 'identity not loaded');
    expect(dialog(el)!.getAttribute('data-modal')).to.equal('identity');
    expect(text(q(el, '#identity-title'))).to.equal('Identity: team-blue');
    expect(text(q(el, '[data-identity-credits]'))).to.equal('10,000 of 10,000 left');
    expect(text(q(el, '[data-identity-limits]'))).to.equal('default 1,000 per minute');
    expect(text(q(el, '[data-identity-metadata]'))).to.include('"plan": "pro"');
    expect(text(q(el, '[data-identity-details]'))).to.include('Blue service');
    q(el, '[data-close]')!.click();
    await el.updateComplete;

    await openDetails(el, id);
    expect(text(q(el, '[data-details] [data-identity]'))).to.equal('team-blue');
    q(el, '[data-details] [data-identity]')!.click();
    await waitUntil(() => q(el, '[data-identity-details]'));
    q(el, '[data-back]')!.click();
    await el.updateComplete;
    expect(dialog(el)!.getAttribute('data-modal')).to.equal('details');
  });
});

describe('<api-key-manager> key lookup (whoami)', () => {
  it('finds a pasted key, never putting it in a URL, an event, the console or the DOM, and clears the input', async () => {
    const tenant = newTenant();
    const { id, secret } = await createKey(tenant, { name: 'Mystery key', credits: { initial: 50 } });
    const el = await mount(tenant);

    const urls: string[] = [];
    const bodies: string[] = [];
    const logged: string[] = [];
    const events: string[] = [];
    const realFetch = window.fetch;
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      urls.push(String(input));
      if (typeof init?.body === 'string') bodies.push(init.body);
      return realFetch(input, init);
    };
    const realConsole = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug };
    for (const name of Object.keys(realConsole) as (keyof typeof realConsole)[]) {
      console[name] = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    }
    const realDispatch = el.dispatchEvent.bind(el);
    el.dispatchEvent = (event: Event) => {
      events.push(JSON.stringify({ type: event.type, detail: (event as CustomEvent).detail }));
      return realDispatch(event);
    };
    try {
      q(el, '[data-lookup]')!.click();
      await el.updateComplete;
      expect(dialog(el)!.getAttribute('data-modal')).to.equal('whoami');
      expect(el.shadowRoot!.activeElement).to.equal(q(el, '#lookup-key'));
      await setValue(el, '#lookup-key', secret);
      q(el, '[data-lookup-submit]')!.click();
      await waitUntil(() => q(el, '[data-lookup-found]'), 'not found');
      expect(text(q(el, '[data-lookup-found]'))).to.equal('This is Mystery key.');
      expect(text(q(el, '[data-lookup-key]'))).to.include(id);
      expect(text(q(el, '[data-lookup-key]'))).to.include('50 of 50 left');
      expect(q<HTMLInputElement>(el, '#lookup-key')!.value).to.equal('');
    } finally {
      window.fetch = realFetch;
      Object.assign(console, realConsole);
      el.dispatchEvent = realDispatch;
    }
    expect(urls.some((u) => u.endsWith('/whoami'))).to.equal(true);
    expect(urls.join(' ')).not.to.include(secret);
    expect(bodies).to.deep.equal([JSON.stringify({ key: secret })]);
    expect(logged.join(' ')).not.to.include(secret);
    expect(events.join(' ')).not.to.include(secret);
    expect(el.shadowRoot!.innerHTML).not.to.include(secret);

    // "Open details" goes to the key.
    q(el, '[data-lookup-open]')!.click();
    await el.updateComplete;
    expect(dialog(el)!.getAttribute('data-modal')).to.equal('details');
  });

  it('says "No key found in this workspace" for a wrong key and another tenant\'s key, and clears the input', async () => {
    const tenant = newTenant();
    const other = await createKey(newTenant(), { name: 'Elsewhere' });
    const el = await mount(tenant, { role: 'viewer' });
    q(el, '[data-lookup]')!.click();
    await el.updateComplete;
    for (const pasted of ['sk_test_thisisnotarealkeyatallthisisnotarealkey00', other.secret]) {
      await setValue(el, '#lookup-key', pasted);
      q(el, '[data-lookup-submit]')!.click();
      await waitUntil(() => q(el, '[data-lookup-not-found]'), 'no answer');
      expect(text(q(el, '[data-lookup-not-found]'))).to.equal('No key found in this workspace');
      expect(q<HTMLInputElement>(el, '#lookup-key')!.value).to.equal('');
      expect(el.shadowRoot!.innerHTML).not.to.include(pasted);
      q(el, '[data-lookup-submit]')!.click();
      await el.updateComplete;
      expect(text(q(el, '[data-error-for="lookup"]'))).to.equal('Paste a key to look up');
    }
  });
});

describe('<api-key-manager> filters and permissions', () => {
  it('filters the list by environment and status through the API', async () => {
    const tenant = newTenant();
    await fetch('/__test/seed', { method: 'POST', body: JSON.stringify({ tenant, count: 6 }) });
    const list = (await api(tenant, 'GET', '?limit=100')).body['items'] as { id: string; environment: string }[];
    const live = list.filter((k) => k.environment === 'live').map((k) => k.id);
    expect(live).to.have.length(2);
    await api(tenant, 'POST', `/${live[0]}/revoke`);
    const el = await mount(tenant);
    expect(qa(el, 'tbody tr')).to.have.length(6);

    await setValue(el, '[data-filter="environment"]', 'live');
    await waitUntil(() => qa(el, 'tbody tr').length === 2, 'environment filter not applied');
    expect(qa(el, 'tbody tr').map((r) => r.getAttribute('data-key-id')).sort()).to.deep.equal([...live].sort());

    await setValue(el, '[data-filter="status"]', 'revoked');
    await waitUntil(() => qa(el, 'tbody tr').length === 1, 'status filter not applied');
    expect(qa(el, 'tbody tr')[0]!.getAttribute('data-key-id')).to.equal(live[0]);

    await setValue(el, '[data-filter="environment"]', 'test');
    await waitUntil(() => q(el, '[data-no-matches]'), 'no empty state');
    expect(text(q(el, '[data-no-matches]'))).to.include('No keys match these filters.');
    expect(q<HTMLSelectElement>(el, '[data-filter="status"]')!.value).to.equal('revoked');
    q(el, '[data-clear-filters]')!.click();
    await waitUntil(() => qa(el, 'tbody tr').length === 6, 'filters not cleared');
    expect(q<HTMLSelectElement>(el, '[data-filter="environment"]')!.value).to.equal('');
  });

  it('hides editing from a viewer but keeps the lookup (keys:read)', async () => {
    const tenant = newTenant();
    const { id } = await createKey(tenant, { name: 'Read only', credits: { initial: 5 } });
    const viewer = await mount(tenant, { role: 'viewer' });
    expect(q(viewer, '[data-lookup]')).to.exist;
    await openDetails(viewer, id);
    expect(qa(viewer, '[data-edit]')).to.have.length(0);
    expect(text(q(viewer, '[data-credits-left]'))).to.equal('5 of 5 left');
    const stranger = await mount(tenant, { role: 'stranger' });
    expect(q(stranger, '[data-lookup]')).to.equal(null);
  });
});
