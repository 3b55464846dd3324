/**
 * Cleanup for tests that share the machine's Redis: each test writes under a
 * prefix of its own and deletes it afterwards.
 *
 * @module
 */

/** The node-redis calls {@link dropPrefix} makes. */
export interface PrefixClient {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  del(keys: string[]): Promise<unknown>;
}

/** Deletes every key under `prefix`, 500 per command (an unbounded DEL would block Redis). */
export async function dropPrefix(client: PrefixClient, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
  for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
}
