/**
 * Starts `keygate-worker.ts` (or another worker speaking its IPC protocol,
 * such as `connect-worker.ts`) as a separate OS process and gives the test a
 * typed request/response handle over IPC; `serveOps` is the workers' side.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running worker process. */
export interface Worker {
  readonly pid: number;
  call<T = unknown>(op: string, args: unknown): Promise<T>;
  stop(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./keygate-worker.ts', import.meta.url));
/** A keygate instance from `connectKeygate(KG_URL)` and nothing else (no Redis). */
export const CONNECT_WORKER = fileURLToPath(new URL('./connect-worker.ts', import.meta.url));
const READY_TIMEOUT_MS = 15_000;

/** Forks a worker (default `keygate-worker.ts`) with the given environment and waits until it is connected and ready. */
export function spawnWorker(env: Record<string, string>, worker: string = WORKER): Promise<Worker> {
  const child: ChildProcess = fork(worker, [], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  return new Promise<Worker>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('worker did not start in time'));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const error = new Error(`worker ${child.pid} exited with ${code}`);
      for (const p of pending.values()) p.reject(error);
      reject(error);
    });
    child.on('message', (raw) => {
      const m = raw as { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string };
      if (m.ready) {
        clearTimeout(timer);
        resolve({
          pid: child.pid!,
          call<T>(op: string, args: unknown): Promise<T> {
            const id = ++next;
            return new Promise<T>((res, rej) => {
              pending.set(id, { resolve: res as (v: unknown) => void, reject: rej });
              child.send({ id, op, args });
            });
          },
          stop(): Promise<void> {
            if (child.exitCode !== null) return Promise.resolve();
            return new Promise<void>((res) => {
              const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
              child.once('exit', () => {
                clearTimeout(kill);
                res();
              });
              child.disconnect();
            });
          },
        });
        return;
      }
      const waiter = m.id === undefined ? undefined : pending.get(m.id);
      if (waiter === undefined) return;
      pending.delete(m.id!);
      if (m.ok) waiter.resolve(m.result);
      else waiter.reject(new Error(m.error));
    });
  });
}

/** What a worker answers: `op` name → handler of its `args` (each op declares their type). */
export type WorkerOps = Record<string, (args: any) => Promise<unknown>>;

/**
 * The worker side of the protocol, run in the worker process: answers each
 * `{ id, op, args }` with its op's result or error, runs `close` and exits
 * when the parent disconnects, and tells the parent it is ready.
 */
export function serveOps(ops: WorkerOps, close: () => Promise<unknown>): void {
  process.on('message', (raw) => {
    const { id, op, args } = raw as { id: number; op: string; args: unknown };
    const handler = ops[op];
    const run = handler ? handler(args) : Promise.reject(new Error(`unknown op ${op}`));
    run.then(
      (result) => process.send!({ id, ok: true, result }),
      (error: unknown) => process.send!({ id, ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  });
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0));
  });
  process.send!({ ready: true });
}
