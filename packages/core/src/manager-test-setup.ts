/**
 * What the KeyManager unit tests share: the actors, and a manager on memory
 * storage whose clock the test moves. Test support only: nothing outside
 * `*.test.ts` imports it.
 *
 * @module
 */
import { type Mock, vi } from 'vitest';
import { KeyManager } from './manager.js';
import type { Actor, KeyManagerOptions } from './manager-types.js';
import { createMemoryStorage } from './stores/memory-storage.js';

export const admin: Actor = { id: 'u-admin', tenantId: 'acme', role: 'admin' };
export const viewer: Actor = { id: 'u-viewer', tenantId: 'acme', role: 'viewer' };
/** An admin of another tenant. */
export const otherAdmin: Actor = { id: 'u-other', tenantId: 'globex', role: 'admin' };
/** Where every test's clock starts. */
export const START = Date.UTC(2026, 0, 10, 12);

/** A manager on memory storage (unless `options` name one) with a clock at {@link START} that only `advance` moves. */
export function setupManager(options: KeyManagerOptions = {}) {
  let now = START;
  const storage = options.storage ?? createMemoryStorage();
  const logger: { warn: Mock; error: Mock } = { warn: vi.fn(), error: vi.fn() };
  const manager = new KeyManager({ clock: { now: () => now }, storage, logger, ...options });
  return { manager, storage, logger, advance: (ms: number) => void (now += ms), now: () => now };
}
