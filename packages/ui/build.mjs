// Builds <api-key-manager> and <api-key-usage-dashboard> into one ES module
// (lit included) with chart.js in a lazily loaded chunk, writes type declarations, and records the sizes in
// bundle-size.md.
//
//   node build.mjs            # dist/api-key-manager.js + dist/chunks/*.js + dist/*.d.ts
//   node build.mjs --no-types # skip declarations (faster, used by the screenshot script)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const withTypes = !process.argv.includes('--no-types');

rmSync(dist, { recursive: true, force: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { 'api-key-manager': 'src/index.ts' },
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  metafile: true,
  tsconfig: path.join(here, 'tsconfig.json'),
  // Lit's production build, not its dev-mode warnings.
  conditions: ['production'],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

if (withTypes) {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc', { paths: [path.join(here, '../..')] });
  execFileSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json'), '--declaration', '--emitDeclarationOnly', '--outDir', dist, '--sourceMap', 'false'], {
    stdio: 'inherit',
  });
}

// Sizes: what a page downloads up front, and the chunk loaded when charts are drawn.
const rows = [];
for (const [file, info] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue;
  const bytes = readFileSync(path.join(here, file));
  const name = path.relative(dist, path.join(here, file)).split(path.sep).join('/');
  // The dynamic import() target is an entry of its own in esbuild's metafile.
  const lazy = info.entryPoint !== 'src/index.ts';
  const hasChart = Object.keys(info.inputs).some((i) => i.includes('chart.js'));
  rows.push({ name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, lazy, hasChart });
}
rows.sort((a, b) => Number(a.lazy) - Number(b.lazy) || a.name.localeCompare(b.name));
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const initial = rows.filter((r) => !r.lazy);
const sum = (list, key) => list.reduce((n, r) => n + r[key], 0);
const md = [
  '# @keygate/ui bundle size',
  '',
  'Written by `node build.mjs` (esbuild, minified, ES module, `splitting: true`). Gzip at level 9.',
  '',
  '| file | loaded | raw | gzip |',
  '|---|---|---:|---:|',
  ...rows.map((r) => `| \`dist/${r.name}\` | ${r.lazy ? (r.hasChart ? 'lazily, when a key\'s details open or the usage dashboard draws (chart.js)' : 'lazily') : 'up front (includes lit)'} | ${kb(r.raw)} | ${kb(r.gzip)} |`),
  `| **initial load** | | **${kb(sum(initial, 'raw'))}** | **${kb(sum(initial, 'gzip'))}** |`,
  `| **everything** | | **${kb(sum(rows, 'raw'))}** | **${kb(sum(rows, 'gzip'))}** |`,
  '',
].join('\n');
writeFileSync(path.join(here, 'bundle-size.md'), md);
console.log(md);
