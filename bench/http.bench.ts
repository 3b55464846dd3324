/**
 * HTTP throughput of `requireApiKey` on Express 5 and Koa 3: a hello-world
 * route bare and behind the middleware (warm cache, memory stores, a key
 * without rate limit), driven by autocannon (50 connections, 5 s per run
 * after a 1 s warm-up). The servers run in a child process so the load
 * generator does not share their event loop.
 *
 * Run from the repo root: node --conditions=source --import tsx bench/http.bench.ts
 * Writes its section of bench/results.md.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { machineLine, writeResultSection } from './machine.js';

const CONNECTIONS = 50;
const DURATION_S = 5;
const WARMUP_S = 1;
const ROUNDS = 3;
type Ports = Record<'expressBare' | 'expressNoop' | 'expressKey' | 'koaBare' | 'koaNoop' | 'koaKey', number>;

// express and koa are dev dependencies of the adapters, not of the bench: load them from there.
const requireFrom = (pkg: string) => createRequire(new URL(`../packages/${pkg}/package.json`, import.meta.url));

async function listen(listener: Parameters<typeof createServer>[1]): Promise<number> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serve(): Promise<void> {
  const { createKeyManager } = await import('@keygate/core');
  const expressAdapter = await import('../packages/express/src/index.js');
  const koaAdapter = await import('../packages/koa/src/index.js');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const express = requireFrom('express')('express') as any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Koa = requireFrom('koa')('koa') as any;

  const manager = createKeyManager({ config: { auditLevel: 'basic', cache: { ttl: 3600 } }, logger: { warn() {}, error() {} } });
  const admin = { id: 'bench', tenantId: 'bench', role: 'admin' };
  const { secret } = await manager.create(admin, { name: 'bench', scopes: ['hello:read'], rateLimit: null });
  const warm = await manager.verify(secret, { scopes: ['hello:read'] });
  if (!warm.valid) throw new Error(`bench key does not verify: ${warm.code}`);

  const hello = { hello: 'world' };
  // Three variants per framework: the bare route, the route behind a middleware that does nothing (the
  // framework's own cost of one more middleware), and the route behind requireApiKey.
  type Variant = 'bare' | 'noop' | 'key';
  const expressApp = (variant: Variant) => {
    const app = express();
    app.set('etag', false);
    const handler = (_req: unknown, res: { json(v: unknown): void }) => res.json(hello);
    if (variant === 'key') app.get('/hello', expressAdapter.requireApiKey(manager, { scopes: ['hello:read'] }), handler);
    else if (variant === 'noop') app.get('/hello', (_req: unknown, _res: unknown, next: () => void) => next(), handler);
    else app.get('/hello', handler);
    return app;
  };
  const koaApp = (variant: Variant) => {
    const app = new Koa();
    const guard = koaAdapter.requireApiKey(manager, { scopes: ['hello:read'] });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const handler = async (ctx: any) => {
      if (ctx.path === '/hello') ctx.body = hello;
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const noop = (_ctx: unknown, next: () => Promise<void>) => next();
    if (variant === 'key') app.use((ctx: any) => guard(ctx, () => handler(ctx)));
    else if (variant === 'noop') app.use((ctx: any) => noop(ctx, () => handler(ctx)));
    else app.use(handler);
    return app.callback();
  };
  const ports: Ports = {
    expressBare: await listen(expressApp('bare')),
    expressNoop: await listen(expressApp('noop')),
    expressKey: await listen(expressApp('key')),
    koaBare: await listen(koaApp('bare')),
    koaNoop: await listen(koaApp('noop')),
    koaKey: await listen(koaApp('key')),
  };
  // The driver asks for this process's CPU time around each run: CPU per request is what a saturated server
  // pays, undisturbed by the load generator sharing the machine.
  process.on('message', (m) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
  });
  process.send!({ ports, secret });
}

interface Run {
  label: string;
  rps: number;
  /** Server CPU time (user + system) per request served, µs. */
  cpuPerRequest: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function drive(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const autocannon = createRequire(import.meta.url)('autocannon') as any;
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: process.execArgv, stdio: 'inherit' });
  const { ports, secret } = await new Promise<{ ports: Ports; secret: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { ports: Ports; secret: string }));
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  const headers = { authorization: `Bearer ${secret}` };
  const serverCpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => {
        const { cpu } = m as { cpu: NodeJS.CpuUsage };
        resolve(cpu.user + cpu.system);
      });
      child.send('cpu');
    });
  const once = async (port: number, duration: number) =>
    autocannon({ url: `http://127.0.0.1:${port}/hello`, connections: CONNECTIONS, duration, headers });
  for (const port of Object.values(ports)) await once(port, WARMUP_S);
  // Interleaved rounds, median per server: the machine is shared, so a single pair of runs is noise.
  const samples: Record<keyof Ports, Run[]> = { expressBare: [], expressNoop: [], expressKey: [], koaBare: [], koaNoop: [], koaKey: [] };
  const labels: Record<keyof Ports, string> = {
    expressBare: 'express, bare route',
    expressNoop: 'express, no-op middleware',
    expressKey: 'express, requireApiKey',
    koaBare: 'koa, bare route',
    koaNoop: 'koa, no-op middleware',
    koaKey: 'koa, requireApiKey',
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(ports) as (keyof Ports)[]) {
      const cpuBefore = await serverCpu();
      const r = await once(ports[name], DURATION_S);
      const cpuPerRequest = ((await serverCpu()) - cpuBefore) / (r.requests.total as number);
      const out = { label: labels[name], rps: r.requests.average as number, cpuPerRequest, p99: r.latency.p99 as number, non2xx: r.non2xx as number, errors: r.errors as number };
      console.log(`round ${round + 1}  ${out.label.padEnd(24)} ${Math.round(out.rps).toString().padStart(7)} req/s  ${out.cpuPerRequest.toFixed(1)} µs CPU/req  p99 ${out.p99} ms  non-2xx ${out.non2xx}  errors ${out.errors}`);
      samples[name].push(out);
    }
  }
  const median = (list: Run[]): Run => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]!;
  const runs = {
    expressBare: median(samples.expressBare),
    expressNoop: median(samples.expressNoop),
    expressKey: median(samples.expressKey),
    koaBare: median(samples.koaBare),
    koaNoop: median(samples.koaNoop),
    koaKey: median(samples.koaKey),
  };
  const allRounds = (Object.keys(samples) as (keyof Ports)[])
    .map((name) => `| ${labels[name]} | ${samples[name].map((r) => Math.round(r.rps).toLocaleString('en')).join(' · ')} |`)
    .join('\n');
  child.kill();

  const ratio = (a: Run, b: Run) => `${((b.rps / a.rps) * 100).toFixed(1)} %`;
  const medianCpu = (list: Run[]) => [...list].map((r) => r.cpuPerRequest).sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  const cpu = {
    expressBare: medianCpu(samples.expressBare),
    expressNoop: medianCpu(samples.expressNoop),
    expressKey: medianCpu(samples.expressKey),
    koaBare: medianCpu(samples.koaBare),
    koaNoop: medianCpu(samples.koaNoop),
    koaKey: medianCpu(samples.koaKey),
  };
  const kept = (bare: number, key: number) => `${((bare / key) * 100).toFixed(1)} %`;
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const row = (r: Run, cpuUs: number) => `| ${r.label} | ${Math.round(r.rps).toLocaleString('en')} | ${cpuUs.toFixed(1)} | ${r.p99} | ${r.non2xx} | ${r.errors} |`;
  const md = `# HTTP benchmark: requireApiKey on Express and Koa

${machineLine()}  
\`node -v\`: ${process.version} · \`nproc\`: ${(await import('node:os')).availableParallelism()} · CPU: ${cpuModel}

Hello-world GET route, bare and behind \`requireApiKey({ scopes: ['hello:read'] })\`; warm verified-key cache, memory
stores, key with \`rateLimit: null\`, audit level basic, usage counted per request. autocannon: ${CONNECTIONS} connections,
${WARMUP_S} s warm-up per server, then ${ROUNDS} interleaved rounds of ${DURATION_S} s per server, median reported; servers in a child process, load generator in the parent
(both on the same ${(await import('node:os')).availableParallelism()} CPUs, so absolute figures are low; the ratio is the point).

| run (median round) | requests/s | server CPU µs / request (median) | p99 ms | non-2xx | errors |
|---|---:|---:|---:|---:|---:|
${row(runs.expressBare, cpu.expressBare)}
${row(runs.expressNoop, cpu.expressNoop)}
${row(runs.expressKey, cpu.expressKey)}
${row(runs.koaBare, cpu.koaBare)}
${row(runs.koaNoop, cpu.koaNoop)}
${row(runs.koaKey, cpu.koaKey)}

Every round (requests/s):

| run | rounds |
|---|---|
${allRounds}

| framework | requests/s kept vs bare (autocannon medians) | throughput kept by a CPU-bound server, vs bare | the same, vs a no-op middleware | keygate's own CPU per request (key − no-op) |
|---|---:|---:|---:|---:|
| Express 5 | ${ratio(runs.expressBare, runs.expressKey)} | ${kept(cpu.expressBare, cpu.expressKey)} | ${kept(cpu.expressNoop, cpu.expressKey)} | ${(cpu.expressKey - cpu.expressNoop).toFixed(1)} µs |
| Koa 3 | ${ratio(runs.koaBare, runs.koaKey)} | ${kept(cpu.koaBare, cpu.koaKey)} | ${kept(cpu.koaNoop, cpu.koaKey)} | ${(cpu.koaKey - cpu.koaNoop).toFixed(1)} µs |

The load generator shares the machine's CPUs with the server, so requests/s swings with scheduling; the server's own
CPU time per request is the steadier measure of what the middleware costs. The no-op middleware row separates
what the framework charges for any extra middleware (Express 5's router: tens of µs) from what keygate adds.
Target (issue 3): >= 90 % of the bare route. Regenerate with \`node --conditions=source --import tsx bench/http.bench.ts\`.
`;
  writeResultSection('http', md);
  console.log(`express ${ratio(runs.expressBare, runs.expressKey)} (CPU ${kept(cpu.expressBare, cpu.expressKey)}), koa ${ratio(runs.koaBare, runs.koaKey)} (CPU ${kept(cpu.koaBare, cpu.koaKey)}) -> bench/results.md`);
}

if (process.argv.includes('--serve')) await serve();
else await drive();
