/**
 * The host's second resource: short notes per workspace, written and read
 * with API keys (`notes:write`, `notes:read`). Kept in memory: they are
 * demo data; the keys themselves live in keygate's storage.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';

/** A note. */
export interface Note {
  id: string;
  text: string;
  /** Name of the API key that wrote it. */
  author: string;
  createdAt: string;
}

/** Longest note text, in characters. */
export const MAX_NOTE_LENGTH = 500;
/** Notes kept per workspace; the oldest go first. */
export const MAX_NOTES_PER_WORKSPACE = 100;

/** Outcome of {@link NotesStore.add}: the note, or what is wrong with the body. */
export type AddNoteResult = { ok: true; note: Note } | { ok: false; field: string; message: string };

/** Notes per workspace, newest first. */
export class NotesStore {
  readonly #byWorkspace = new Map<string, Note[]>();

  /** The workspace's notes, newest first. */
  list(workspaceId: string): Note[] {
    return [...(this.#byWorkspace.get(workspaceId) ?? [])];
  }

  /** Adds a note from an untrusted JSON body `{ text }`; never throws. */
  add(workspaceId: string, author: string, body: unknown): AddNoteResult {
    const text = body !== null && typeof body === 'object' ? (body as { text?: unknown }).text : undefined;
    if (typeof text !== 'string' || text.trim() === '') return { ok: false, field: '/text', message: 'text is required' };
    if (text.length > MAX_NOTE_LENGTH) return { ok: false, field: '/text', message: `text must be at most ${MAX_NOTE_LENGTH} characters` };
    const note: Note = { id: randomUUID(), text: text.trim(), author, createdAt: new Date().toISOString() };
    const notes = this.#byWorkspace.get(workspaceId) ?? [];
    notes.unshift(note);
    notes.length = Math.min(notes.length, MAX_NOTES_PER_WORKSPACE);
    this.#byWorkspace.set(workspaceId, notes);
    return { ok: true, note };
  }
}
