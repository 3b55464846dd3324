import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Monitor } from './monitor.js';

/** Where the CLI writes. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  cwd?: string;
}

const USAGE = `Usage: keygate jobs run --config <module>

  Runs the rotation reminder and automated rotation jobs once and exits
  (0: done, 1: a job failed, 2: bad usage or config). Safe to run from cron on
  several hosts at once: work is claimed, so each reminder and rotation
  happens once.

  <module> is an ES module exporting a configured, attached monitor as
  \`default\` or \`monitor\` (or a function, sync or async, returning one), and
  optionally \`close()\` to release connections afterwards.`;

/**
 * The `keygate` command, testable: returns the exit code instead of exiting.
 */
export async function runCli(argv: readonly string[], io: CliIo = { out: console.log, err: console.error }): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === '--help' || group === '-h' || group === undefined) {
    io.out(USAGE);
    return group === undefined ? 2 : 0;
  }
  if (group !== 'jobs' || command !== 'run') {
    io.err(`keygate: unknown command "${[group, command].filter(Boolean).join(' ')}"\n\n${USAGE}`);
    return 2;
  }
  let config: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--config' || arg === '-c') config = rest[++i];
    else if (arg.startsWith('--config=')) config = arg.slice('--config='.length);
    else {
      io.err(`keygate: unknown option "${arg}"\n\n${USAGE}`);
      return 2;
    }
  }
  if (!config) {
    io.err(`keygate: --config <module> is required\n\n${USAGE}`);
    return 2;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(io.cwd ?? process.cwd(), config)).href)) as Record<string, unknown>;
  } catch (error) {
    io.err(`keygate: cannot load ${config}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  let candidate = mod.monitor ?? mod.default;
  if (typeof candidate === 'function') candidate = await (candidate as () => unknown)();
  if (!isMonitor(candidate)) {
    io.err(`keygate: ${config} must export a monitor (createMonitor(...).attach(manager)) as default or "monitor"`);
    return 2;
  }
  try {
    const result = await candidate.runJobs();
    io.out(JSON.stringify(result));
    return result.errors.length > 0 || (result.reminders?.failed.length ?? 0) > 0 ? 1 : 0;
  } catch (error) {
    io.err(`keygate: jobs failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await candidate.close().catch(() => undefined);
    if (typeof mod.close === 'function') await (mod.close as () => unknown)();
  }
}

function isMonitor(value: unknown): value is Monitor {
  return typeof value === 'object' && value !== null && typeof (value as Monitor).runJobs === 'function' && typeof (value as Monitor).close === 'function';
}
