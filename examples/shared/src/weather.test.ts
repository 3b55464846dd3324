import { describe, expect, it } from 'vitest';
import { NotesStore, MAX_NOTES_PER_WORKSPACE } from './notes.js';
import { findCity, forecast } from './weather.js';

describe('weather', () => {
  it('finds cities ignoring case and accents, and forecasts the same way every time', () => {
    expect(findCity('SAO paulo')?.name).toBe('São Paulo');
    expect(findCity('Atlantis')).toBeUndefined();
    const day = new Date('2025-06-01T10:00:00Z');
    const a = forecast(findCity('paris')!, day);
    expect(a).toEqual(forecast(findCity('Paris')!, day));
    expect(a.days.map((d) => d.date)).toEqual(['2025-06-01', '2025-06-02', '2025-06-03']);
    for (const d of a.days) expect(d.lowC).toBeLessThan(d.highC);
  });
});

describe('NotesStore', () => {
  it('validates untrusted bodies without throwing and keeps workspaces apart', () => {
    const notes = new NotesStore();
    for (const body of [null, 'text', 42, {}, { text: 1 }, { text: '  ' }, { text: 'x'.repeat(501) }]) {
      expect(notes.add('acme', 'k', body).ok).toBe(false);
    }
    expect(notes.add('acme', 'k', { text: ' hi ' })).toMatchObject({ ok: true, note: { text: 'hi', author: 'k' } });
    expect(notes.list('globex')).toEqual([]);
    for (let i = 0; i < MAX_NOTES_PER_WORKSPACE + 5; i++) notes.add('acme', 'k', { text: `n${i}` });
    expect(notes.list('acme')).toHaveLength(MAX_NOTES_PER_WORKSPACE);
    expect(notes.list('acme')[0]!.text).toBe(`n${MAX_NOTES_PER_WORKSPACE + 4}`);
  });
});
