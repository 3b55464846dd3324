/**
 * HTTP throughput of `requireApiKey` on Express 5 and Koa 3: a hello-world
 * route bare, behind a no-op middleware and behind the middleware (warm
 * cache, memory stores, a key without rate limit), driven by autocannon.
 * The servers (http-servers.mjs) run the built packages in a child process
 * pinned to a CPU of their own when `taskset` is there; the load generator
 * runs here on the other CPUs.
 *
 * Run from the repo root:
 *   npm run bench:http   (npm run build && node --import tsx bench/http.bench.ts)
 * Writes its section of bench/results.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { machineLine, median, writeResultSection } from './machine.js';

const CONNECTIONS = 50;
const DURATION_S = 3;
const WARMUP_S = 1;
// A shared VM drifts by tens of per cent within a minute: many short interleaved rounds, compared pairwise.
const ROUNDS = Number(process.env.HTTP_BENCH_ROUNDS ?? 15);
// Read before the load generator pins itself to fewer CPUs, which would change the answer.
const CPUS = availableParallelism();
type Ports = Record<'expressBare' | 'expressNoop' | 'expressKey' | 'koaBare' | 'koaNoop' | 'koaKey', number>;

interface Run {
  label: string;
  rps: number;
  /** Server CPU time (user + system) per request served, µs. */
  cpuPerRequest: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Whether `taskset` can pin processes to CPUs here. */
function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts http-servers.mjs with plain node, pinned to the last CPU when it can be, while this process (the load
 * generator) takes the others: the two then stop taking turns on one core, which is most of the noise.
 */
function startServers(pinned: boolean): ChildProcess {
  const script = fileURLToPath(new URL('./http-servers.mjs', import.meta.url));
  const stdio: ['inherit', 'inherit', 'inherit', 'ipc'] = ['inherit', 'inherit', 'inherit', 'ipc'];
  if (!pinned) return spawn(process.execPath, [script], { stdio });
  execFileSync('taskset', ['-pc', `0-${CPUS - 2}`, String(process.pid)], { stdio: 'ignore' });
  return spawn('taskset', ['-c', String(CPUS - 1), process.execPath, script], { stdio });
}

async function drive(): Promise<void> {
  for (const pkg of ['core', 'express', 'koa']) {
    if (!existsSync(new URL(`../packages/${pkg}/dist/index.js`, import.meta.url))) throw new Error(`packages/${pkg}/dist is missing: run "npm run build" first (this bench measures the built packages)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const autocannon = createRequire(import.meta.url)('autocannon') as any;
  const pinned = CPUS >= 2 && canPin();
  const child = startServers(pinned);
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
  const names = Object.keys(ports) as (keyof Ports)[];
  for (let round = 0; round < ROUNDS; round++) {
    // The order rotates each round, so no server always runs first or right after another.
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length]!;
      const cpuBefore = await serverCpu();
      const r = await once(ports[name], DURATION_S);
      const cpuPerRequest = ((await serverCpu()) - cpuBefore) / (r.requests.total as number);
      const out = { label: labels[name], rps: r.requests.average as number, cpuPerRequest, p99: r.latency.p99 as number, non2xx: r.non2xx as number, errors: r.errors as number };
      console.log(`round ${round + 1}  ${out.label.padEnd(24)} ${Math.round(out.rps).toString().padStart(7)} req/s  ${out.cpuPerRequest.toFixed(1)} µs CPU/req  p99 ${out.p99} ms  non-2xx ${out.non2xx}  errors ${out.errors}`);
      samples[name].push(out);
    }
  }
  const medianRun = (list: Run[]): Run => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)]!;
  const runs = {
    expressBare: medianRun(samples.expressBare),
    expressNoop: medianRun(samples.expressNoop),
    expressKey: medianRun(samples.expressKey),
    koaBare: medianRun(samples.koaBare),
    koaNoop: medianRun(samples.koaNoop),
    koaKey: medianRun(samples.koaKey),
  };
  const allRounds = (Object.keys(samples) as (keyof Ports)[])
    .map((name) => `| ${labels[name]} | ${samples[name].map((r) => Math.round(r.rps).toLocaleString('en')).join(' · ')} |`)
    .join('\n');
  child.kill();

  const ratio = (a: Run, b: Run) => `${((b.rps / a.rps) * 100).toFixed(1)} %`;
  const medianCpu = (list: Run[]) => median(list.map((r) => r.cpuPerRequest));
  const cpu = {
    expressBare: medianCpu(samples.expressBare),
    expressNoop: medianCpu(samples.expressNoop),
    expressKey: medianCpu(samples.expressKey),
    koaBare: medianCpu(samples.koaBare),
    koaNoop: medianCpu(samples.koaNoop),
    koaKey: medianCpu(samples.koaKey),
  };
  // Each figure is a median over rounds of a ratio (or difference) within one round: the runs of a round are
  // seconds apart, so the drift of a shared machine between rounds cancels out.
  const perRound = (f: (round: number) => number) => median(samples.koaBare.map((_, i) => f(i)));
  const keptBy = (bare: keyof Ports, noop: keyof Ports, key: keyof Ports) => ({
    rps: perRound((i) => samples[key][i]!.rps / samples[bare][i]!.rps),
    cpu: perRound((i) => samples[bare][i]!.cpuPerRequest / samples[key][i]!.cpuPerRequest),
    cpuVsNoop: perRound((i) => samples[noop][i]!.cpuPerRequest / samples[key][i]!.cpuPerRequest),
    ownCpu: perRound((i) => samples[key][i]!.cpuPerRequest - samples[noop][i]!.cpuPerRequest),
  });
  const express = keptBy('expressBare', 'expressNoop', 'expressKey');
  const koa = keptBy('koaBare', 'koaNoop', 'koaKey');
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const summary = (name: string, k: ReturnType<typeof keptBy>, bare: Run, key: Run) =>
    `| ${name} | ${pct(k.rps)} | ${ratio(bare, key)} | ${pct(k.cpu)} | ${pct(k.cpuVsNoop)} | ${k.ownCpu.toFixed(1)} µs |`;
  const verdict = (name: string, k: ReturnType<typeof keptBy>) => {
    const byRps = k.rps >= 0.9;
    const byCpu = k.cpu >= 0.9;
    return `${name} ${byRps && byCpu ? '**met**' : byRps || byCpu ? '**met by one measure only**' : '**not met**'} (${pct(k.rps)} of requests/s, ${pct(k.cpu)} by server CPU)`;
  };
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const row = (r: Run, cpuUs: number) => `| ${r.label} | ${Math.round(r.rps).toLocaleString('en')} | ${cpuUs.toFixed(1)} | ${r.p99} | ${r.non2xx} | ${r.errors} |`;
  const md = `## HTTP benchmark: requireApiKey on Express and Koa

${machineLine()}  
\`node -v\`: ${process.version} · \`nproc\`: ${CPUS} · CPU: ${cpuModel}

Hello-world GET route, bare and behind \`requireApiKey({ scopes: ['hello:read'] })\` mounted as a host would
(\`app.get('/hello', requireApiKey(…), handler)\`, \`app.use(requireApiKey(…))\`); warm verified-key cache, memory stores,
key with \`rateLimit: null\`, audit level basic, usage counted per request. The servers run the built packages
(\`dist/\`, plain node, no TypeScript loader) in a child process${pinned ? ' pinned to one CPU; autocannon runs in the parent on the other CPU(s)' : '; autocannon runs in the parent on the same CPUs (taskset unavailable, so no pinning)'}.
autocannon: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up per server, then ${ROUNDS} interleaved rounds of ${DURATION_S} s per server, median reported.

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

Kept vs bare, each a median over rounds of the ratio within one round (except the ratio of the median rows above):

| framework | requests/s kept | requests/s kept (ratio of medians) | throughput kept by a CPU-bound server | the same, vs a no-op middleware | keygate's own CPU per request (key − no-op) |
|---|---:|---:|---:|---:|---:|
${summary('Express 5', express, runs.expressBare, runs.expressKey)}
${summary('Koa 3', koa, runs.koaBare, runs.koaKey)}

Requests/s depend on the load generator as much as on the server (on a small machine autocannon needs about as
much CPU per request as the server), so the server's own CPU time per request is the steadier measure of what the
middleware costs; "throughput kept by a CPU-bound server" is bare ÷ keyed CPU per request. The no-op row separates
what the framework charges for any extra middleware from what keygate adds.

Target (issue 3): the middleware keeps >= 90 % of the bare route's throughput → ${verdict('Express', express)}; ${verdict('Koa', koa)}.
Regenerate with \`npm run bench:http\` (builds, then runs \`bench/http.bench.ts\`).
`;
  writeResultSection('http', md);
  console.log(`express ${pct(express.rps)} (CPU ${pct(express.cpu)}), koa ${pct(koa.rps)} (CPU ${pct(koa.cpu)}) -> bench/results.md`);
}

await drive();
