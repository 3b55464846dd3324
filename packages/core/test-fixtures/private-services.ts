/**
 * Throw-away PostgreSQL and Redis servers for the fault tests
 * (`*.fault.int.test.ts`), which kill and restart them. Never the machine's
 * shared services: each runs from a temp directory on a free port, as a
 * child this test owns.
 *
 * PostgreSQL: `initdb` + `pg_ctl` from /usr/lib/postgresql/<version>/bin
 * (or the PATH). PostgreSQL refuses to run as root, so as root the commands
 * run through `runuser -u postgres`. Redis: `redis-server` with AOF and
 * `appendfsync always`, so a SIGKILL loses no acknowledged write.
 *
 * @module
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

/** A server a fault test can kill and start again on the same port and data. */
export interface PrivateServer {
  readonly port: number;
  readonly url: string;
  /** Stops it abruptly (SIGKILL for Redis; `pg_ctl stop -m immediate` for PostgreSQL). */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Kills it and removes its files. */
  destroy(): Promise<void>;
}

/** The directory holding initdb and pg_ctl, or undefined when PostgreSQL's server binaries are not installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  try {
    const path = execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim();
    return path ? path.replace(/\/initdb$/, '') : undefined;
  } catch {
    return undefined;
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function runPg(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', join(bin, args[0]!), ...args.slice(1)]] : [join(bin, args[0]!), args.slice(1)];
  execFileSync(cmd as string, argv as string[], { stdio: 'ignore', timeout: 60_000 });
}

/** Starts a private PostgreSQL (trust auth, fsync on) and waits until it accepts connections. */
export async function startPrivatePostgres(): Promise<PrivateServer> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) are not installed');
  const dir = mkdtempSync(join(tmpdir(), 'kg-pg-'));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runPg(bin, ['initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`;
  const start = async () => {
    runPg(bin, ['pg_ctl', '-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
    await waitFor(() => accepting(port), 'private PostgreSQL');
  };
  const kill = async () => {
    try {
      runPg(bin, ['pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
  };
  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    kill,
    start,
    async destroy() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a private redis-server with AOF (`appendfsync always`) in a temp directory. */
export async function startPersistentRedis(): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kg-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(() => accepting(port), 'private redis-server');
  };
  const kill = async () => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async destroy() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
