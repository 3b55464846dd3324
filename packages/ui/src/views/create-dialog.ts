/**
 * The "Create API key" dialog: name, environment, scopes, expiry and the
 * advanced options (IP allowlist, rate limit, credits, identity), with each
 * field's error tied to it for screen readers.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from 'lit';
import { nameLimit, type CreateForm, type FormErrors, type FormField } from '../create-form.js';
import { localDay, validateName, windowLabel, type ExpiryPreset } from '../format.js';
import type { CreditsForm } from '../key-edits.js';
import { renderModal } from '../modal.js';
import { fill } from '../strings.js';
import type { Meta } from '../types.js';
import type { DialogContext } from './context.js';
import { renderRefillOptions } from './credits-editor.js';

/** What the create dialog shows and does. */
export interface CreateDialogHost extends DialogContext {
  /** The form as it is now (read again by event handlers: several events may come before the next render). */
  readonly form: CreateForm;
  readonly errors: FormErrors;
  readonly meta: Meta | undefined;
  /** Merges changed values into the form and, when given, changed errors into its errors. */
  edit(patch: Partial<CreateForm>, errors?: FormErrors): void;
  submit(e: Event): void;
}

function fieldError(errors: FormErrors, field: FormField): TemplateResult | typeof nothing {
  const message = errors[field];
  return message ? html`<p class="field-error" id="err-${field}" data-error-for=${field}>${message}</p>` : nothing;
}

function describedBy(errors: FormErrors, field: FormField, hint?: string): string | typeof nothing {
  const ids = [hint, errors[field] ? `err-${field}` : undefined].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : nothing;
}

/** The create dialog. */
export function renderCreateDialog(host: CreateDialogHost): TemplateResult {
  const { s, form: f, meta, errors: errs } = host;
  const max = nameLimit(meta);
  const envs = meta?.environments ?? [];
  const catalogue = meta?.scopes ?? [];
  const presets: [ExpiryPreset, string][] = [
    ['never', s.expiryNever],
    ['7d', s.expiry7d],
    ['30d', s.expiry30d],
    ['90d', s.expiry90d],
    ['1y', s.expiry1y],
    ['custom', s.expiryCustom],
  ];
  const tomorrow = localDay(new Date(Date.now() + 86_400_000));
  const rl = meta?.defaultRateLimit;
  const onName = (e: Event): void => {
    const name = (e.target as HTMLInputElement).value;
    host.edit({ name }, { name: validateName(name, max, s) });
  };
  const body = html`<form id="create-form" novalidate @submit=${(e: Event) => host.submit(e)}>
      ${errs.form ? html`<p class="banner error form-error" role="alert" tabindex="-1" part="error">${errs.form}</p>` : nothing}
      <div class="field">
        <label for="f-name">${s.nameLabel}</label>
        <input id="f-name" name="name" type="text" part="input" autocomplete="off" required aria-required="true" data-autofocus
          .value=${f.name} aria-invalid=${errs.name ? 'true' : 'false'} aria-describedby=${describedBy(errs, 'name', 'hint-name')}
          @input=${onName} />
        <p class="hint" id="hint-name">${fill(s.nameHint, { max })}</p>
        ${fieldError(errs, 'name')}
      </div>
      ${envs.length > 0
        ? html`<div class="field">
            <label for="f-env">${s.environmentLabel}</label>
            <select id="f-env" part="input" aria-invalid=${errs.environment ? 'true' : 'false'} aria-describedby=${describedBy(errs, 'environment')}
              @change=${(e: Event) => host.edit({ environment: (e.target as HTMLSelectElement).value })}>
              ${envs.map((env) => html`<option value=${env.name} ?selected=${env.name === f.environment}>${env.name} (${env.prefix})</option>`)}
            </select>
            ${fieldError(errs, 'environment')}
          </div>`
        : nothing}
      ${catalogue.length > 0
        ? html`<fieldset aria-describedby=${describedBy(errs, 'scopes', 'hint-scopes')}>
            <legend>${s.scopesLabel}</legend>
            <p class="hint" id="hint-scopes">${s.scopesHint}</p>
            <div class="checks">
              ${catalogue.map(
                (scope) => html`<label class="check">
                  <input type="checkbox" value=${scope.name} .checked=${f.scopes.includes(scope.name)}
                    @change=${(e: Event) => {
                      const on = (e.target as HTMLInputElement).checked;
                      host.edit({ scopes: on ? [...f.scopes, scope.name] : f.scopes.filter((x) => x !== scope.name) });
                    }} />
                  <span><code>${scope.name}</code>${scope.description ? html`<small>${scope.description}</small>` : nothing}</span>
                </label>`,
              )}
            </div>
            ${fieldError(errs, 'scopes')}
          </fieldset>`
        : html`<div class="field">
            <label for="f-scopes">${s.scopesLabel}</label>
            <input id="f-scopes" type="text" part="input" .value=${f.scopesText} aria-invalid=${errs.scopes ? 'true' : 'false'}
              aria-describedby=${describedBy(errs, 'scopes', 'hint-scopes')}
              @input=${(e: Event) => host.edit({ scopesText: (e.target as HTMLInputElement).value })} />
            <p class="hint" id="hint-scopes">${s.scopesFreeHint}</p>
            ${fieldError(errs, 'scopes')}
          </div>`}
      <fieldset aria-describedby=${describedBy(errs, 'expiry')}>
        <legend>${s.expiryLabel}</legend>
        <div class="presets" role="radiogroup" aria-label=${s.expiryLabel}>
          ${presets.map(
            ([value, label]) => html`<label class="check">
              <input type="radio" name="expiry" value=${value} .checked=${f.expiry === value}
                @change=${() => host.edit({ expiry: value }, { expiry: undefined })} />
              ${label}
            </label>`,
          )}
        </div>
        ${f.expiry === 'custom'
          ? html`<div class="field" style="margin-top:8px">
              <label for="f-date">${s.expiryDateLabel}</label>
              <input id="f-date" type="date" part="input" min=${tomorrow} .value=${f.customDate}
                aria-invalid=${errs.expiry ? 'true' : 'false'} aria-describedby=${describedBy(errs, 'expiry')}
                @input=${(e: Event) => host.edit({ customDate: (e.target as HTMLInputElement).value })} />
            </div>`
          : nothing}
        ${fieldError(errs, 'expiry')}
      </fieldset>
      <details class="advanced" ?open=${Boolean(errs.ipAllowlist || errs.rateLimit || errs.credits || errs.externalId)}>
        <summary>${s.advanced}</summary>
        <div class="field">
          <label for="f-ips">${s.ipAllowlistLabel}</label>
          <textarea id="f-ips" part="input" rows="3" .value=${f.ipText} aria-invalid=${errs.ipAllowlist ? 'true' : 'false'}
            aria-describedby=${describedBy(errs, 'ipAllowlist', 'hint-ips')}
            @input=${(e: Event) => host.edit({ ipText: (e.target as HTMLTextAreaElement).value })}></textarea>
          <p class="hint" id="hint-ips">${s.ipAllowlistHint}</p>
          ${fieldError(errs, 'ipAllowlist')}
        </div>
        <fieldset aria-describedby=${describedBy(errs, 'rateLimit', 'hint-rl')}>
          <legend>${s.rateLimitLabel}</legend>
          <div class="row">
            <div>
              <label for="f-rl" class="hint">${s.rateLimitRequests}</label>
              <input id="f-rl" type="number" min="1" step="1" inputmode="numeric" part="input" .value=${f.rateLimit}
                aria-invalid=${errs.rateLimit ? 'true' : 'false'}
                @input=${(e: Event) => host.edit({ rateLimit: (e.target as HTMLInputElement).value })} />
            </div>
            <div>
              <label for="f-rw" class="hint">${s.rateLimitWindow}</label>
              <select id="f-rw" part="input" @change=${(e: Event) => host.edit({ rateWindow: (e.target as HTMLSelectElement).value })}>
                ${[
                  ['1', s.perSecond],
                  ['60', s.perMinute],
                  ['3600', s.perHour],
                  ['86400', s.perDay],
                ].map(([v, l]) => html`<option value=${v!} ?selected=${f.rateWindow === v}>${l}</option>`)}
              </select>
            </div>
          </div>
          <p class="hint" id="hint-rl">
            ${rl ? fill(s.rateLimitDefault, { limit: rl.limit, window: windowLabel(rl.windowSeconds, s) }) : s.rateLimitHint}
          </p>
          ${fieldError(errs, 'rateLimit')}
        </fieldset>
        ${renderCreditsFields(host)}
        <div class="field">
          <label for="f-identity">${s.identityLabel}</label>
          <input id="f-identity" type="text" part="input" autocomplete="off" spellcheck="false" .value=${f.externalId}
            aria-invalid=${errs.externalId ? 'true' : 'false'} aria-describedby=${describedBy(errs, 'externalId', 'hint-identity')}
            @input=${(e: Event) => host.edit({ externalId: (e.target as HTMLInputElement).value })} />
          <p class="hint" id="hint-identity">${s.identityHint}</p>
          ${fieldError(errs, 'externalId')}
        </div>
      </details>
    </form>`;
  const footer = html`<button type="button" part="button" @click=${host.close}>${s.cancel}</button>
      <button type="submit" form="create-form" class="primary" part="button" data-submit ?disabled=${host.busy}>
        ${host.busy ? s.creating : s.createSubmit}
      </button>`;
  return renderModal({ id: 'create', title: s.createTitle, body, footer, onClose: host.close, closeLabel: s.close, backdropCloses: false });
}

/** The form's optional quota: starting credits and a refill. */
function renderCreditsFields(host: CreateDialogHost): TemplateResult {
  const { s, errors } = host;
  const c = host.form.credits;
  const invalid = errors.credits ? 'true' : 'false';
  const set = (patch: Partial<CreditsForm>): void => host.edit({ credits: { ...host.form.credits, ...patch } });
  return html`<fieldset aria-describedby=${describedBy(errors, 'credits', 'hint-credits')} data-create-credits>
      <legend>${s.creditsLabel}</legend>
      <div class="row wrap">
        <div>
          <label for="f-credits" class="hint">${s.creditsTitle}</label>
          <input id="f-credits" type="number" min="0" step="1" inputmode="numeric" part="input" .value=${c.remaining} aria-invalid=${invalid}
            @input=${(e: Event) => set({ remaining: (e.target as HTMLInputElement).value })} />
        </div>
        <div>
          <label for="f-refill" class="hint">${s.refillLabel}</label>
          <select id="f-refill" part="input" @change=${(e: Event) => set({ interval: (e.target as HTMLSelectElement).value as CreditsForm['interval'] })}>
            ${renderRefillOptions(s, c.interval)}
          </select>
        </div>
        ${c.interval
          ? html`<div>
              <label for="f-refill-amount" class="hint">${s.refillAmountLabel}</label>
              <input id="f-refill-amount" type="number" min="1" step="1" inputmode="numeric" part="input" .value=${c.amount} aria-invalid=${invalid}
                @input=${(e: Event) => set({ amount: (e.target as HTMLInputElement).value })} />
            </div>`
          : nothing}
        ${c.interval === 'monthly'
          ? html`<div>
              <label for="f-refill-day" class="hint">${s.refillDayLabel}</label>
              <input id="f-refill-day" type="number" min="1" max="31" step="1" inputmode="numeric" part="input" .value=${c.dayOfMonth}
                aria-invalid=${invalid} @input=${(e: Event) => set({ dayOfMonth: (e.target as HTMLInputElement).value })} />
            </div>`
          : nothing}
      </div>
      <p class="hint" id="hint-credits">${s.creditsHint}</p>
      ${fieldError(errors, 'credits')}
    </fieldset>`;
}
