import { expect } from '@open-wc/testing';
import { codeSnippets, envFile } from '../src/code-snippets.js';
import { expiryInput, parseList, slug, validateName } from '../src/format.js';
import { DEFAULT_STRINGS, fill, mergeStrings } from '../src/strings.js';
import { errorRates } from '../src/charts.js';

describe('format helpers', () => {
  const s = DEFAULT_STRINGS;

  it('validates names like the server: trimmed, 1 to 32 characters', () => {
    expect(validateName('', 32, s)).to.equal('Token name is required');
    expect(validateName('   ', 32, s)).to.equal('Token name is required');
    expect(validateName('a'.repeat(33), 32, s)).to.equal('Token name must be at most 32 characters');
    expect(validateName(` ${'a'.repeat(32)} `, 32, s)).to.equal(undefined);
    expect(validateName('Billing', 32, s)).to.equal(undefined);
  });

  it('turns expiry presets into create fields', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(expiryInput('never', '', now)).to.deep.equal({ expiresAt: null });
    expect(expiryInput('30d', '', now)).to.deep.equal({ expiresIn: '30d' });
    expect(expiryInput('1y', '', now)).to.deep.equal({ expiresIn: '365d' });
    expect(expiryInput('custom', '', now)).to.equal('missing');
    expect(expiryInput('custom', '2020-05-01', now)).to.equal('past');
    const custom = expiryInput('custom', '2031-05-01', now);
    expect(custom).to.have.property('expiresAt').that.is.a('string');
  });

  it('splits lists and makes file names', () => {
    expect(parseList('10.0.0.0/8, 192.168.1.1\n\n 2001:db8::/32 ')).to.deep.equal(['10.0.0.0/8', '192.168.1.1', '2001:db8::/32']);
    expect(slug('Partner: Acme!')).to.equal('partner-acme');
    expect(slug('***')).to.equal('api-key');
  });

  it('fills placeholders and merges host strings, ignoring non-strings', () => {
    expect(fill('Delete {name}?', { name: 'x' })).to.equal('Delete x?');
    expect(fill('{unknown}', {})).to.equal('{unknown}');
    const merged = mergeStrings({ title: 'Clés API', cancel: 42 as unknown as string, notAKey: 'x' } as Record<string, unknown>);
    expect(merged.title).to.equal('Clés API');
    expect(merged.cancel).to.equal('Cancel');
    expect(merged).not.to.have.property('notAKey');
  });

  it('builds .env files and code examples with the real key and base URL', () => {
    expect(envFile('sk_test_abc')).to.equal('KEYGATE_API_KEY=sk_test_abc\n');
    const snippets = codeSnippets('https://api.example.com/', 'sk_test_abc');
    expect(snippets.map((x) => x.id)).to.deep.equal(['curl', 'javascript', 'python']);
    for (const x of snippets) {
      expect(x.code).to.include('sk_test_abc');
      expect(x.code).to.include('https://api.example.com');
    }
    // A quote in the URL cannot break out of the shell word.
    expect(codeSnippets("https://x/'; rm -rf /tmp", 'k')[0]!.code).to.include(`'https://x/'\\''; rm -rf /tmp'`);
  });

  it('computes daily error rates without dividing by zero', () => {
    expect(errorRates([{ day: 'd', requests: 0, errors: 0 }, { day: 'e', requests: 8, errors: 1 }])).to.deep.equal([0, 12.5]);
  });
});
