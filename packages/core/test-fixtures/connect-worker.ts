/**
 * One keygate instance made the way a host makes it, with `connectKeygate`
 * from a storage URL and no Redis, for multi-process tests of what that
 * set-up shares between processes. Started by `spawnWorker(env,
 * CONNECT_WORKER)`; same IPC protocol as `keygate-worker.ts`.
 *
 * Environment: KG_URL (storage URL), KG_SCHEMA (PostgreSQL schema, optional).
 *
 * @module
 */
import { connectKeygate } from '../src/stores/connect.js';
import { serveOps, type WorkerOps } from './spawn-worker.js';

const url = process.env.KG_URL;
if (url === undefined) throw new Error('connect-worker: KG_URL is not set');
const conn = await connectKeygate({
  url,
  ...(process.env.KG_SCHEMA !== undefined ? { schema: process.env.KG_SCHEMA } : {}),
  config: { hasher: 'sha256' },
  logger: { warn: () => undefined, error: () => undefined },
});

const ops: WorkerOps = {
  /**
   * Verifies `calls` times with `concurrency` callers, taking the secrets in
   * turn. Returns how many were admitted per secret and how many ended with each code.
   */
  async verifyMany({ secrets, calls, concurrency }: { secrets: string[]; calls: number; concurrency: number }) {
    const admitted = secrets.map(() => 0);
    const codes: Record<string, number> = {};
    let next = 0;
    const lane = async () => {
      while (next < calls) {
        const i = next++ % secrets.length;
        const { code } = await conn.manager.verify(secrets[i]!);
        codes[code] = (codes[code] ?? 0) + 1;
        if (code === 'VALID') admitted[i]!++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return { admitted, codes };
  },
};

serveOps(ops, () => conn.close());
