/**
 * Finds the fenced code blocks of a Markdown file and reads their info
 * strings, so `docs/docs.test.ts` can run every sample.
 *
 * The convention (also in CONTRIBUTING.md):
 *
 * - every ` ```ts ` / ` ```js ` (and `tsx`, `jsx`, `mjs`, `typescript`,
 *   `javascript`) block runs as a complete program and must exit with 0;
 * - ` ```ts no-run ` opts out, and the line just above the fence must say
 *   why: `<!-- no-run: reason -->`;
 * - other words of the info string are flags: `client` (runs against a test
 *   server: `BASE`, `id`, `apiKey` and `process.env.KEYGATE_ADMIN_KEY` are
 *   defined), `vitest` (a test file, run by vitest), `services=redis,postgres`
 *   (needs those servers; `DATABASE_URL` and `REDIS_URL` are set).
 *
 * @module
 */

/** One fenced block. */
export interface CodeBlock {
  /** The Markdown file, as given to {@link extractCodeBlocks}. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** First word of the info string, lower-cased (`''` when absent). */
  lang: string;
  /** The other words of the info string: `client`, `no-run`, `services=redis` → `{ services: 'redis' }`… */
  flags: Record<string, string | true>;
  /** Text of a `<!-- no-run: … -->` comment on the line just above the fence. */
  noRunReason?: string;
  /** The block's content, without the fences. */
  code: string;
}

/** Languages whose blocks are programs the docs test runs. */
export const RUNNABLE_LANGS: ReadonlySet<string> = new Set(['ts', 'typescript', 'tsx', 'js', 'javascript', 'jsx', 'mjs']);

const OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)\s*([^`]*)$/;
const NO_RUN_COMMENT = /^\s*<!--\s*no-run:\s*(.*?)\s*-->\s*$/;

function parseFlags(rest: string): Record<string, string | true> {
  const flags: Record<string, string | true> = {};
  for (const word of rest.split(/\s+/)) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    if (eq === -1) flags[word] = true;
    else flags[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return flags;
}

/**
 * The fenced code blocks of `markdown`, in order. An unclosed fence runs to
 * the end of the file, as CommonMark says.
 */
export function extractCodeBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[1]!;
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!)) body.push(lines[j++]!);
    const block: CodeBlock = { file, line: i + 1, lang: open[2]!.toLowerCase(), flags: parseFlags(open[3]!), code: body.join('\n') + '\n' };
    const above = i > 0 ? NO_RUN_COMMENT.exec(lines[i - 1]!) : null;
    if (above !== null) block.noRunReason = above[1]!;
    blocks.push(block);
    i = j;
  }
  return blocks;
}

/** Whether the docs test must run `block` (a runnable language without `no-run`). */
export function mustRun(block: CodeBlock): boolean {
  return RUNNABLE_LANGS.has(block.lang) && block.flags['no-run'] === undefined;
}

/** The services a block needs (`services=redis,postgres`). */
export function servicesOf(block: CodeBlock): Array<'redis' | 'postgres'> {
  const value = block.flags.services;
  if (typeof value !== 'string') return [];
  return value.split(',').filter((s): s is 'redis' | 'postgres' => s === 'redis' || s === 'postgres');
}

/**
 * What is wrong with a block's annotations, or `undefined`: a `no-run`
 * without a reason (at least 10 characters), a reason without `no-run`, an
 * unknown flag or service.
 */
export function annotationProblem(block: CodeBlock): string | undefined {
  const known = new Set(['no-run', 'client', 'vitest', 'services']);
  for (const flag of Object.keys(block.flags)) if (!known.has(flag)) return `unknown flag "${flag}"`;
  const noRun = block.flags['no-run'] !== undefined;
  if (noRun && (block.noRunReason === undefined || block.noRunReason.length < 10)) {
    return 'a no-run block needs `<!-- no-run: reason -->` (10+ characters) on the line above its fence';
  }
  if (!noRun && block.noRunReason !== undefined) return 'a `<!-- no-run -->` comment above a block whose fence does not say no-run';
  if (block.flags.services !== undefined && servicesOf(block).length === 0) return 'services= must list redis and/or postgres';
  return undefined;
}

/** The line continuations of a shell block joined, one command per entry. */
export function shellCommands(code: string): string[] {
  return code
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A call of the management API found in a sample: method and path (query and origin removed). */
export interface ApiCall {
  method: string;
  path: string;
}

const API_PATH = /\/api\/v1\/platform\/api-keys[^\s"'`?)]*/;

function apiPath(text: string): string | undefined {
  const match = API_PATH.exec(text);
  return match === null ? undefined : match[0].replace(/\$\{id\}|\{id\}|\$KEY_ID|\$\{KEY_ID\}/g, '{id}');
}

/** Management-API calls made by the `curl` commands of a shell block. */
export function curlCalls(code: string): ApiCall[] {
  const calls: ApiCall[] = [];
  for (const command of shellCommands(code)) {
    if (!/^curl\b/.test(command)) continue;
    const path = apiPath(command);
    if (path === undefined) continue;
    const explicit = /(?:^|\s)(?:-X|--request)\s+([A-Z]+)/.exec(command);
    const method = explicit ? explicit[1]! : /\s(?:-d|--data\S*)\s/.test(command) ? 'POST' : 'GET';
    calls.push({ method, path });
  }
  return calls;
}

/** Management-API calls made with `requests.<method>(…)` in a Python block. */
export function pythonCalls(code: string): ApiCall[] {
  const calls: ApiCall[] = [];
  for (const match of code.matchAll(/requests\.(get|post|put|patch|delete)\(\s*f?["']([^"']*)["']/g)) {
    const path = apiPath(match[2]!);
    if (path !== undefined) calls.push({ method: match[1]!.toUpperCase(), path });
  }
  return calls;
}

/** Management-API calls made with `fetch(url, { method })` in a JavaScript block. */
export function fetchCalls(code: string): ApiCall[] {
  const calls: ApiCall[] = [];
  for (const match of code.matchAll(/fetch\(\s*[`'"]([^`'"]*)[`'"]\s*(?:,\s*\{([^)]*))?/g)) {
    const path = apiPath(match[1]!);
    if (path === undefined) continue;
    const method = /method:\s*['"]([A-Z]+)['"]/.exec(match[2] ?? '');
    calls.push({ method: method ? method[1]! : 'GET', path });
  }
  return calls;
}

/**
 * Shell variables that sit inside single quotes, where the shell does not
 * expand them (`-H 'Authorization: Bearer $KEY'` sends the text `$KEY`).
 */
export function singleQuotedVariables(code: string): string[] {
  const found: string[] = [];
  for (const command of shellCommands(code)) {
    for (const quoted of command.matchAll(/'([^']*)'/g)) {
      for (const v of quoted[1]!.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) found.push(v[1]!);
    }
  }
  return found;
}

/**
 * Whether an OpenAPI `paths` object has `call`'s method on a path template
 * matching `call.path` (`{id}` in the call matches any template parameter).
 */
export function routeExists(paths: Record<string, Record<string, unknown>>, call: ApiCall): boolean {
  const want = call.path.replace(/\/$/, '');
  for (const [template, operations] of Object.entries(paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}$`);
    if ((pattern.test(want) || template === want) && Object.hasOwn(operations, call.method.toLowerCase())) return true;
  }
  return false;
}
