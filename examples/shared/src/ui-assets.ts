/**
 * `<api-key-manager>` for the example pages: `@keygate/ui`'s built bundle
 * (`dist/api-key-manager.js` and its lazily loaded chunks), built on start
 * when missing or older than the UI source, then served as static files.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** URL prefix the bundle is served under. */
export const UI_ASSETS_PATH = '/assets/keygate-ui';

/** The `@keygate/ui` package directory (through this package's workspace link). */
export const UI_PACKAGE_DIR = realpathSync(fileURLToPath(new URL('../node_modules/@keygate/ui/', import.meta.url)));
const DIST = path.join(UI_PACKAGE_DIR, 'dist');
const ENTRY = path.join(DIST, 'api-key-manager.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Whether the bundle is missing or older than `src/`. */
export function uiBundleIsStale(): boolean {
  if (!existsSync(ENTRY)) return true;
  return newestMtime(path.join(UI_PACKAGE_DIR, 'src')) > statSync(ENTRY).mtimeMs;
}

let building: Promise<void> | undefined;

/** Runs `node build.mjs [...args]` in the UI package; resolves with its output, rejects with it on failure. */
function runBuild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['build.mjs', ...args], { cwd: UI_PACKAGE_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`packages/ui build failed (exit ${code}):\n${output}`))));
  });
}

/**
 * Builds the UI package unless its bundle is up to date: the same
 * `node build.mjs` as `pnpm --filter @keygate/ui build` (bundle and type
 * declarations, about ten seconds). If the declarations fail (a type error
 * in the UI source), the bundle alone is built, so the demo still starts.
 */
export function ensureUiBundle(log: (line: string) => void = console.log): Promise<void> {
  if (!uiBundleIsStale()) return Promise.resolve();
  building ??= (async () => {
    log(`Building <api-key-manager> (packages/ui/dist is ${existsSync(ENTRY) ? 'older than its source' : 'missing'}) …`);
    try {
      await runBuild([]);
    } catch (error) {
      log(`${error instanceof Error ? error.message : String(error)}\nRetrying without type declarations …`);
      await runBuild(['--no-types']);
    }
  })().finally(() => {
    building = undefined;
  });
  return building;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** A static file to send, or undefined (404). */
export interface Asset {
  contentType: string;
  body: Buffer;
}

/**
 * The bundle file at `subpath` (what follows {@link UI_ASSETS_PATH}), or
 * undefined for anything outside `dist/` or of another type.
 */
export async function readUiAsset(subpath: string): Promise<Asset | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(subpath);
  } catch {
    return undefined;
  }
  const file = path.resolve(DIST, `.${path.posix.normalize(`/${decoded}`)}`);
  const type = TYPES[path.extname(file)];
  if (type === undefined || !file.startsWith(`${DIST}${path.sep}`)) return undefined;
  try {
    return { contentType: type, body: await readFile(file) };
  } catch {
    return undefined;
  }
}
