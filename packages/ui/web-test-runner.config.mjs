// Browser tests of <api-key-manager> in headless Chromium (the system one,
// never downloaded) against a real keygate API: test/server.ts runs core's
// createNodeHandler over the memory store in a child process, and the
// middleware below forwards /api/ and /__test/ to it.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the API server; resolves with its port. */
function startApiServer() {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/ui/test/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () => child.kill('SIGTERM');
  process.once('exit', stop);
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`test API server exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ port: JSON.parse(line).port, stop });
    });
  });
}

const api = await startApiServer();

// pnpm keeps @web/test-runner-commands out of this package's node_modules;
// point the browser at the copy @web/test-runner itself uses.
const require = createRequire(import.meta.url);
const commandsFile = createRequire(require.resolve('@web/test-runner')).resolve('@web/test-runner-commands');
const commandsUrl = `/${path.relative(repoRoot, commandsFile).split(path.sep).join('/')}`;
const resolveCommands = {
  name: 'resolve-test-runner-commands',
  resolveImport({ source }) {
    if (source === '@web/test-runner-commands') return commandsUrl;
    return undefined;
  },
};

/** Koa middleware forwarding API calls to the test server. */
async function proxy(ctx, next) {
  if (!ctx.url.startsWith('/api/') && !ctx.url.startsWith('/__test/')) return next();
  const upstream = await new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: api.port, method: ctx.method, path: ctx.url, headers: ctx.req.headers },
      resolve,
    );
    req.on('error', reject);
    ctx.req.pipe(req);
  });
  const chunks = [];
  for await (const chunk of upstream) chunks.push(chunk);
  ctx.status = upstream.statusCode;
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (!['transfer-encoding', 'connection', 'content-length'].includes(name) && value !== undefined) ctx.set(name, value);
  }
  if (upstream.statusCode !== 204) ctx.body = Buffer.concat(chunks);
}

export default {
  rootDir: repoRoot,
  files: [`${here}test/**/*.test.ts`],
  nodeResolve: { exportConditions: ['source', 'browser', 'import'] },
  concurrency: 1,
  testFramework: { config: { timeout: 10000 } },
  browserStartTimeout: 60000,
  testsFinishTimeout: 180000,
  middleware: [proxy],
  plugins: [resolveCommands, esbuildPlugin({ ts: true, target: 'es2022', tsconfig: `${here}tsconfig.json` })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      },
    }),
  ],
};
