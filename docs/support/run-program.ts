/**
 * Runs one sample as a child process with a time limit and collects its
 * output: what the docs test asserts on.
 *
 * @module
 */
import { spawn } from 'node:child_process';

/** How a child process ended. */
export interface ProgramResult {
  /** Exit code; `null` when killed (see `timedOut`). */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` in `cwd` and resolves when it ends or after `timeoutMs` (then it is killed). */
export function runProgram(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut, stdout, stderr: stderr + String(error) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr });
    });
  });
}

/** A short report of a failed run, for an assertion message (the tail of stderr). */
export function describeFailure(label: string, result: ProgramResult): string {
  const why = result.timedOut ? 'timed out' : `exited with ${result.code}`;
  return `${label} ${why}\n--- stderr (tail) ---\n${result.stderr.slice(-3000)}\n--- stdout (tail) ---\n${result.stdout.slice(-1000)}`;
}
