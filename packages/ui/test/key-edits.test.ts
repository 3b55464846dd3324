import { expect } from '@open-wc/testing';
import { createCredits, creditsField, creditsForm, creditsLabel, creditsUpdate, limitRows, limitsField, limitsUpdate, refillLabel } from '../src/key-edits.js';
import { DEFAULT_STRINGS } from '../src/strings.js';

const s = DEFAULT_STRINGS;

describe('key editors: credits', () => {
  it('labels the counter out of the refill amount, else the initial credits', () => {
    expect(creditsLabel({ initial: 5000, remaining: 1234 }, 'en-US', s)).to.equal('1,234 of 5,000 left');
    expect(creditsLabel({ initial: 10, remaining: 3, refill: { interval: 'daily', amount: 100 } }, 'en-US', s)).to.equal('3 of 100 left');
    expect(creditsLabel({ initial: 5000 }, 'en-US', s)).to.equal('Quota: 5,000 credits');
    expect(refillLabel(undefined, 'en-US', s)).to.equal('No refill');
    expect(refillLabel({ interval: 'monthly', amount: 1000 }, 'en-US', s)).to.equal('Refills to 1,000 on day 1 of every month (UTC)');
  });

  it('sends { remaining } when only the counter changes, and { credits } when the refill does', () => {
    const current = { initial: 100, remaining: 80, refill: { interval: 'daily' as const, amount: 100 } };
    expect(creditsUpdate({ ...creditsForm(current), remaining: '5' }, current, s).input).to.deep.equal({ remaining: 5 });
    expect(creditsUpdate({ ...creditsForm(current), interval: '' }, current, s).input).to.deep.equal({ credits: { initial: 100, remaining: 80 } });
    expect(creditsUpdate({ remaining: '7', interval: 'monthly', amount: '50', dayOfMonth: '3' }, undefined, s).input).to.deep.equal({
      credits: { initial: 7, remaining: 7, refill: { interval: 'monthly', amount: 50, dayOfMonth: 3 } },
    });
    expect(creditsUpdate({ remaining: '-1', interval: 'daily', amount: 'x', dayOfMonth: '1' }, current, s).errors).to.deep.equal({
      remaining: s.creditsInvalid,
      amount: s.refillAmountInvalid,
    });
  });

  it('leaves the create body without credits when the quota fields are empty', () => {
    expect(createCredits(creditsForm(undefined), s)).to.deep.equal({ errors: {} });
    expect(createCredits({ remaining: '9', interval: '', amount: '', dayOfMonth: '1' }, s).credits).to.deep.equal({ initial: 9 });
  });

  it('maps API pointers to credits fields', () => {
    expect(creditsField('/remaining')).to.equal('remaining');
    expect(creditsField('/credits/refill/dayOfMonth')).to.equal('dayOfMonth');
    expect(creditsField('/credits/refill/interval')).to.equal('interval');
    expect(creditsField('/name')).to.equal(undefined);
  });
});

describe('key editors: rate limits', () => {
  const key = { rateLimit: { limit: 100, windowSeconds: 60 }, rateLimits: { uploads: { limit: 5, windowSeconds: 1, burst: 10 } } };

  it('puts the default limit first, then the named ones', () => {
    expect(limitRows(key)).to.deep.equal([
      { name: 'default', limit: '100', window: '60', burst: '' },
      { name: 'uploads', limit: '5', window: '1', burst: '10' },
    ]);
    expect(limitRows({})[0]).to.deep.equal({ name: 'default', limit: '', window: '60', burst: '' });
  });

  it('builds the PATCH body; empty rows remove limits the key had', () => {
    expect(limitsUpdate(limitRows(key), key, s).input).to.deep.equal({
      rateLimit: { limit: 100, windowSeconds: 60 },
      rateLimits: { uploads: { limit: 5, windowSeconds: 1, burst: 10 } },
    });
    const cleared = [{ name: 'default', limit: '', window: '60', burst: '' }];
    expect(limitsUpdate(cleared, key, s).input).to.deep.equal({ rateLimit: null, rateLimits: null });
    expect(limitsUpdate(cleared, {}, s).input).to.deep.equal({});
  });

  it('checks names on their row: format, "default" and duplicates', () => {
    const rows = [
      { name: 'default', limit: '', window: '60', burst: '' },
      { name: 'Bad!', limit: '1', window: '60', burst: '' },
      { name: 'default', limit: '1', window: '60', burst: '' },
      { name: 'a', limit: '1', window: '60', burst: '' },
      { name: 'a', limit: '', window: '60', burst: '' },
    ];
    expect(limitsUpdate(rows, {}, s).errors).to.deep.equal({
      '1.name': s.limitNameInvalid,
      '2.name': s.limitNameReserved,
      '4.name': s.limitNameTaken,
      '4.limit': s.limitRequired,
    });
  });

  it('maps API pointers to the row and field', () => {
    const rows = limitRows(key);
    expect(limitsField('/rateLimit/windowSeconds', rows)).to.equal('0.window');
    expect(limitsField('/rateLimits/uploads/burst', rows)).to.equal('1.burst');
    expect(limitsField('/rateLimits/uploads', rows)).to.equal('1.name');
    expect(limitsField('/rateLimits', rows)).to.equal('limits');
    expect(limitsField('/rateLimits/other/limit', rows)).to.equal('limits');
    expect(limitsField('/name', rows)).to.equal(undefined);
  });
});
