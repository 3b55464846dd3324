/**
 * Every code sample in the documentation runs here (docs/*.md, README.md,
 * CONTRIBUTING.md), so the docs cannot drift from the code:
 *
 * - ` ```ts ` / ` ```js ` blocks run as programs (`node --conditions=source
 *   --import tsx`) in `docs/.tmp/` and must exit with 0 within 60 s;
 *   `client` blocks run against a live sample server, `vitest` blocks run
 *   under vitest, `services=…` blocks need Redis/PostgreSQL (skipped loudly
 *   without them, failing under CI=true);
 * - ` ```python ` blocks run with python3 + requests against the sample
 *   server when both are there;
 * - every management-API call in curl, fetch and Python samples must name a
 *   route of the OpenAPI document, and shell samples must not put `$VARS`
 *   inside single quotes.
 *
 * The convention is in `docs/support/code-blocks.ts` and CONTRIBUTING.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, DEFAULT_BASE_PATH, ERROR_STATUS, type VerifyCode } from '../packages/core/src/index.js';
import { requireService, serviceUrl } from '../packages/core/src/testing/index.js';
import {
  annotationProblem,
  type CodeBlock,
  curlCalls,
  extractCodeBlocks,
  fetchCalls,
  mustRun,
  pythonCalls,
  routeExists,
  servicesOf,
  singleQuotedVariables,
} from './support/code-blocks.js';
import { describeFailure, runProgram } from './support/run-program.js';
import { type SampleServer, startSampleServer } from './support/sample-server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TMP = join(ROOT, 'docs', '.tmp');
const SAMPLE_TIMEOUT_MS = 60_000;

const MARKDOWN = [
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  'README.md',
  'CONTRIBUTING.md',
].filter((f) => existsSync(join(ROOT, f)));

const BLOCKS: CodeBlock[] = MARKDOWN.flatMap((file) => extractCodeBlocks(readFileSync(join(ROOT, file), 'utf8'), file));
const label = (b: CodeBlock) => `${b.file}:${b.line} (${b.lang}${Object.keys(b.flags).length ? ' ' + Object.keys(b.flags).join(' ') : ''})`;
const slug = (b: CodeBlock) => `${b.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${b.line}`;

/** Secrets the samples may read, fresh per run (documented in CONTRIBUTING.md). */
const SAMPLE_ENV: Record<string, string> = {
  KEYGATE_PEPPER: randomBytes(24).toString('base64url'),
  KEYGATE_MASTER_KEY: randomBytes(32).toString('base64'),
  KEYGATE_PREVIOUS_MASTER_KEY: randomBytes(32).toString('base64'),
};

/** Packages samples import, linked into docs/.tmp/node_modules so they resolve as in a host app. */
const LINKS: Record<string, string> = {
  '@keygate/core': 'packages/core',
  '@keygate/express': 'packages/express',
  '@keygate/koa': 'packages/koa',
  '@keygate/monitor': 'packages/monitor',
  express: 'packages/express/node_modules/express',
  koa: 'packages/koa/node_modules/koa',
  redis: 'packages/core/node_modules/redis',
  pg: 'packages/core/node_modules/pg',
};

function prepareTmp(): void {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(join(TMP, 'node_modules', '@keygate'), { recursive: true });
  mkdirSync(join(TMP, 'vitest'), { recursive: true });
  for (const [name, target] of Object.entries(LINKS)) {
    const from = join(ROOT, target);
    if (existsSync(from)) symlinkSync(realpathSync(from), join(TMP, 'node_modules', name), 'dir');
  }
  writeFileSync(
    join(TMP, 'vitest.config.mjs'),
    `export default { root: ${JSON.stringify(join(TMP, 'vitest'))}, resolve: { conditions: ['source'] }, ssr: { resolve: { conditions: ['source'] } },
  test: { include: ['*.test.ts'], testTimeout: 20000, hookTimeout: 30000 } };\n`,
  );
}

let server: SampleServer | undefined;
async function sampleServer(): Promise<SampleServer> {
  server ??= await startSampleServer();
  return server;
}

/** Environment of a client sample: where the server is and which keys to use. */
async function clientEnv(): Promise<Record<string, string>> {
  const s = await sampleServer();
  return { BASE: s.base, KEYGATE_ADMIN_KEY: s.adminKey, API_KEY: s.apiKey, KEY_ID: await s.freshKeyId() };
}

const CLIENT_PRELUDE = `const BASE = process.env.BASE;\nconst id = process.env.KEY_ID;\nconst apiKey = process.env.API_KEY;\n`;
const CLIENT_EPILOGUE = `\nif (typeof res !== 'undefined' && res.status >= 400) { console.error('sample got HTTP', res.status); process.exit(1); }\n`;

beforeAll(prepareTmp);
afterAll(async () => {
  await server?.close();
});

describe('docs code blocks', () => {
  it('are found in every Markdown file', () => {
    expect(MARKDOWN).toEqual(expect.arrayContaining(['README.md', 'docs/http-api.md']));
    expect(BLOCKS.filter(mustRun).length).toBeGreaterThan(10);
  });

  it('are annotated correctly (no-run has a reason, flags are known)', () => {
    const problems = BLOCKS.map((b) => [label(b), annotationProblem(b)]).filter(([, p]) => p !== undefined);
    expect(problems).toEqual([]);
  });

  it('name only routes of the OpenAPI document (curl, fetch, python)', () => {
    const paths = buildOpenApiDocument({ basePath: DEFAULT_BASE_PATH, reports: true }).paths as Record<string, Record<string, unknown>>;
    const calls = BLOCKS.flatMap((b) => {
      const found = ['sh', 'bash', 'shell', 'console'].includes(b.lang)
        ? curlCalls(b.code)
        : b.lang === 'python' || b.lang === 'py'
          ? pythonCalls(b.code)
          : ['js', 'javascript', 'ts', 'typescript', 'mjs'].includes(b.lang)
            ? fetchCalls(b.code)
            : [];
      return found.map((call) => ({ where: label(b), ...call }));
    });
    expect(calls.length).toBeGreaterThan(20);
    expect(calls.filter((c) => !routeExists(paths, c))).toEqual([]);
  });

  it('keep shell variables out of single quotes (the shell would send "$VAR" literally)', () => {
    const wrong = BLOCKS.filter((b) => ['sh', 'bash', 'shell', 'console'].includes(b.lang)).flatMap((b) =>
      singleQuotedVariables(b.code).map((v) => `${label(b)}: $${v}`),
    );
    expect(wrong).toEqual([]);
  });
});

/** Every verification code; the type below fails to compile when one is added to `VerifyCode` and not here. */
const VERIFY_CODES = ['VALID', 'INVALID_FORMAT', 'NOT_FOUND', 'EXPIRED', 'REVOKED', 'DISABLED', 'INSUFFICIENT_SCOPE', 'IP_NOT_ALLOWED', 'RATE_LIMITED', 'USAGE_EXCEEDED'] as const;
const everyVerifyCode: Exclude<VerifyCode, (typeof VERIFY_CODES)[number]> extends never ? true : false = true;

describe('troubleshooting.md', () => {
  it('explains every error, HTTP problem and verification code', () => {
    expect(everyVerifyCode).toBe(true);
    const text = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
    const missing = [...Object.keys(ERROR_STATUS), ...VERIFY_CODES].filter((code) => !text.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});

describe('docs samples run', () => {
  for (const block of BLOCKS.filter(mustRun)) {
    it.concurrent(
      label(block),
      async (ctx) => {
        const env: Record<string, string | undefined> = { ...process.env, ...SAMPLE_ENV };
        for (const service of servicesOf(block)) {
          const status = await requireService(service);
          if (!status.available) return ctx.skip(`${service} is not available`);
          env[service === 'redis' ? 'REDIS_URL' : 'DATABASE_URL'] = serviceUrl(service);
        }
        let code = block.code;
        if (block.flags.client) {
          Object.assign(env, await clientEnv());
          code = CLIENT_PRELUDE + code + CLIENT_EPILOGUE;
        }
        const result = block.flags.vitest
          ? await (() => {
              const file = join(TMP, 'vitest', `${slug(block)}.test.ts`);
              writeFileSync(file, code);
              return runProgram(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(TMP, 'vitest.config.mjs'), file], {
                cwd: TMP,
                env: { ...env, CI: env.CI ?? '' },
                timeoutMs: SAMPLE_TIMEOUT_MS,
              });
            })()
          : await (() => {
              const ext = ['js', 'javascript', 'mjs'].includes(block.lang) ? '.mjs' : ['tsx', 'jsx'].includes(block.lang) ? '.tsx' : '.ts';
              const file = join(TMP, `${slug(block)}${ext}`);
              writeFileSync(file, code);
              return runProgram(process.execPath, ['--conditions=source', '--import', 'tsx', file], { cwd: TMP, env, timeoutMs: SAMPLE_TIMEOUT_MS });
            })();
        expect(result.code, describeFailure(label(block), result)).toBe(0);
      },
      SAMPLE_TIMEOUT_MS + 30_000,
    );
  }
});

describe('python samples run against the sample server', async () => {
  const python = await runProgram('python3', ['-c', 'import requests'], { cwd: ROOT, env: process.env, timeoutMs: 10_000 });
  const available = python.code === 0;
  if (!available) console.warn('\n!! SKIPPING python docs samples: python3 with requests is not installed (their routes are still checked)\n');
  for (const block of BLOCKS.filter((b) => (b.lang === 'python' || b.lang === 'py') && b.flags['no-run'] === undefined)) {
    it.skipIf(!available).concurrent(
      label(block),
      async () => {
        const env = { ...process.env, ...(await clientEnv()) };
        const prelude = 'import os\nimport requests\nBASE = os.environ["BASE"]\nADMIN_KEY = os.environ["KEYGATE_ADMIN_KEY"]\nAPI_KEY = os.environ["API_KEY"]\nid = os.environ["KEY_ID"]\n';
        const file = join(TMP, `${slug(block)}.py`);
        writeFileSync(file, prelude + block.code);
        const result = await runProgram('python3', [file], { cwd: TMP, env, timeoutMs: SAMPLE_TIMEOUT_MS });
        expect(result.code, describeFailure(label(block), result)).toBe(0);
      },
      SAMPLE_TIMEOUT_MS + 10_000,
    );
  }
});
