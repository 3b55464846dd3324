import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** One line describing the machine a result was measured on. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpus().length} × ${cpu} · ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

/** The middle value (the upper one of an even count): what every bench reports of its rounds. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const RESULTS = new URL('./results.md', import.meta.url);

/**
 * Replaces one benchmark's section of `bench/results.md` (between its
 * markers), so each bench rewrites only its own figures.
 */
export function writeResultSection(name: string, markdown: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\nEach section is rewritten by the bench that owns it (`bench/*.bench.ts`).\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(RESULTS, next);
}

/**
 * Fails unless `@keygate/core` resolves to its build (`dist/`): a bench of
 * keygate's speed runs it as a host does, in plain JavaScript.
 * Under the TypeScript loader (`--conditions=source`) every closure keygate
 * makes costs an extra call that keeps its name, charged to keygate alone.
 */
export function requireBuiltCore(script: string): void {
  if (import.meta.resolve('@keygate/core').endsWith('.ts')) {
    throw new Error(`run without --conditions=source: this bench measures the built @keygate/core (${script})`);
  }
}
