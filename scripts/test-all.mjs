#!/usr/bin/env node
/**
 * Runs every test suite (vitest for Node code, @web/test-runner for the
 * component in Chromium) and ends with one plain line, "N passed, N failed,
 * N skipped", so a reader (or CI) sees the whole count at once. Exits
 * non-zero if any suite failed or if no test ran at all.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const results = new URL('../.test-results/', import.meta.url);
mkdirSync(results, { recursive: true });
const vitestJson = new URL('vitest.json', results).pathname;

function run(command, args, { capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], shell: false });
    let out = '';
    if (capture) {
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        out += chunk;
      });
    }
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };

const vitest = await run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
try {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + report.numTodoTests;
} catch {
  totals.failed += 1;
  console.error('test-all: vitest wrote no report');
}

const browser = await run('npx', ['-y', 'pnpm@10.34.8', '--filter', '@keygate/ui', 'test'], { capture: true });
// web-test-runner's summary: "… | 26 passed, 0 failed" (ANSI codes stripped).
const plain = browser.out.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
const summaries = [...plain.matchAll(/(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/g)];
const last = summaries.at(-1);
if (last) {
  totals.passed += Number(last[1]);
  totals.failed += Number(last[2]);
  totals.skipped += Number(last[3] ?? 0);
} else {
  totals.failed += 1;
  console.error('test-all: the browser test run printed no summary');
}

const failed = vitest.code !== 0 || browser.code !== 0 || totals.failed > 0 || totals.passed === 0;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed ? 1 : 0);
