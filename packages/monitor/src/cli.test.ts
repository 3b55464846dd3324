import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'keygate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), cwd: dir } };
}

const monitorUrl = pathToFileURL(join(import.meta.dirname, 'monitor.ts')).href;

/** A host config module: a manager with one key due for rotation, and a monitor over it. */
function writeConfig(name: string, exportLine: string): string {
  const coreUrl = import.meta.resolve('@keygate/core');
  writeFileSync(
    join(dir, name),
    `import { createKeyManager } from ${JSON.stringify(coreUrl)};
import { createMonitor } from ${JSON.stringify(monitorUrl)};
let now = Date.UTC(2026, 0, 1);
const clock = { now: () => now };
export const delivered = [];
const monitor = createMonitor({ clock, jobs: { tenants: ['acme'] }, logger: { warn() {}, error() {} } });
const manager = createKeyManager({ clock, config: { rotationInterval: '30d' }, hooks: { ...monitor.hooks, onRotated: (d) => { delivered.push(d.key.id); } } });
monitor.attach(manager);
await manager.create({ id: 'u', tenantId: 'acme', role: 'admin' }, { name: 'due' });
now += 31 * 86400000;
export let closed = false;
export async function close() { closed = true; await manager.close(); }
${exportLine}
`,
  );
  return name;
}

describe('keygate jobs run', () => {
  it('loads the host module, runs the jobs once, prints the result and closes', async () => {
    const file = writeConfig('keygate.config.mjs', 'export default monitor;');
    const { out, err, io: cli } = io();
    expect(await runCli(['jobs', 'run', '--config', `./${file}`], cli)).toBe(0);
    expect(err).toEqual([]);
    const result = JSON.parse(out[0]!);
    expect(result.rotation.rotated).toHaveLength(1);
    const mod = await import(pathToFileURL(join(dir, file)).href);
    expect(mod.delivered).toEqual(result.rotation.rotated);
    expect(mod.closed).toBe(true);
  });

  it('accepts a factory function as the default export and --config=path', async () => {
    const file = writeConfig('factory.config.mjs', 'const m = monitor;\nexport default async () => m;');
    const { out, io: cli } = io();
    expect(await runCli(['jobs', 'run', `--config=${file}`], cli)).toBe(0);
    expect(JSON.parse(out[0]!).rotation.rotated).toHaveLength(1);
  });

  it('answers bad usage with exit code 2 and the usage text', async () => {
    for (const argv of [[], ['jobs'], ['jobs', 'run'], ['jobs', 'run', '--bogus'], ['keys', 'list'], ['jobs', 'run', '--config', 'missing.mjs']]) {
      const { err, out, io: cli } = io();
      expect(await runCli(argv, cli)).toBe(2);
      expect([...err, ...out].join('\n')).toMatch(/Usage: keygate jobs run|cannot load/);
    }
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;');
    const { err, io: cli } = io();
    expect(await runCli(['jobs', 'run', '-c', 'empty.mjs'], cli)).toBe(2);
    expect(err[0]).toMatch(/must export a monitor/);
    expect(await runCli(['--help'], io().io)).toBe(0);
  });
});
