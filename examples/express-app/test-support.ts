/**
 * Test support for the example hosts: both apps by name, each started as
 * `npm start` starts it (a child process on a free port), and headless
 * system Chromium through puppeteer-core.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestListener } from 'node:http';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { DemoHost } from '@keygate/example-shared';
import { createApp as createExpressApp } from './src/app.js';
import { createApp as createKoaApp } from '../koa-app/src/app.js';

const examplesDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(examplesDir, '..');

/** An example app: its directory and how to build its request listener in-process. */
export interface ExampleApp {
  name: 'express' | 'koa';
  dir: string;
  listener(host: DemoHost): RequestListener;
}

/** Both example apps; the tests run each one through the same checks. */
export const APPS: readonly ExampleApp[] = [
  { name: 'express', dir: path.join(examplesDir, 'express-app'), listener: (host) => createExpressApp(host) },
  { name: 'koa', dir: path.join(examplesDir, 'koa-app'), listener: (host) => createKoaApp(host).callback() },
];

/** A running example process. */
export interface RunningApp {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Runs an app's start command (`node --conditions=source --import tsx
 * src/main.ts`) on a free port with `env`, and resolves once it printed its
 * URL.
 */
export function runApp(app: ExampleApp, env: Record<string, string | undefined>): Promise<RunningApp> {
  const childEnv: Record<string, string | undefined> = { ...process.env, DATABASE_URL: undefined, REDIS_URL: undefined, PORT: '0', ...env };
  for (const name of Object.keys(childEnv)) if (childEnv[name] === undefined) delete childEnv[name];
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
    cwd: app.dir,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${app.name} app did not start within 30 s:\n${out}`));
    }, 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app.name} app exited with ${code} before listening:\n${out}`));
    });
    child.stdout!.on('data', () => {
      const match = /running at http:\/\/[^:\s]+:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ base: `http://127.0.0.1:${match[1]}`, output: () => out, stop });
      }
    });
  });
}

/** The system Chromium the UI's browser tests use too; never downloaded. */
export const CHROMIUM = '/usr/bin/chromium';

/** True under `CI=true` / `CI=1`. */
export function isCi(): boolean {
  return process.env['CI'] === 'true' || process.env['CI'] === '1';
}

/**
 * Whether the browser tests can run. Without Chromium: a loud skip outside
 * CI, a failure under CI (a green run must not hide tests that did not run).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const what = `example end-to-end tests: ${CHROMIUM} is missing (apt-get install chromium)`;
  if (isCi()) throw new Error(`FAILING ${what}. Under CI=true a missing browser is an error, not a skip.`);
  console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING ${what}\n${'!'.repeat(78)}\n`);
  return false;
}

/** A headless system Chromium, driven by puppeteer-core. */
export type BrowserLike = Browser;
/** A page of it. */
export type PageLike = Page;

/** Launches headless system Chromium (never a downloaded browser) with puppeteer-core. */
export async function launchChromium(): Promise<BrowserLike> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
