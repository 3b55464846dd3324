/**
 * Start-up shared by the example hosts: settings from the environment, the
 * UI bundle, keygate's storage, the HTTP server, the banner, and a clean
 * shutdown that flushes usage counts.
 *
 * @module
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DemoHost } from './host.js';
import { readSettings, type Env } from './settings.js';
import { ensureUiBundle } from './ui-assets.js';

/** A listening example host. */
export interface StartedServer {
  host: DemoHost;
  server: Server;
  url: string;
  /** Stops listening, then flushes and closes keygate. */
  stop(): Promise<void>;
}

/**
 * Starts an example host: `app` is the framework's request listener built
 * around the {@link DemoHost} (an Express app, or a Koa app's `callback()`).
 * Prints the URL and the demo logins.
 */
export async function startServer(framework: string, appName: string, app: (host: DemoHost) => RequestListener, env: Env = process.env): Promise<StartedServer> {
  const settings = readSettings(framework, appName, env);
  const [host] = await Promise.all([DemoHost.start(settings), ensureUiBundle()]);
  const server = createServer(app(host));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const shown = settings.host === '127.0.0.1' || settings.host === '::1' || settings.host === '0.0.0.0' ? 'localhost' : settings.host;
  const url = `http://${shown}:${port}`;
  console.log(host.banner(url));
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => host.close()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('shutdown failed:', error instanceof Error ? error.message : error);
          process.exit(1);
        },
      );
    });
  }
  return { host, server, url, stop };
}
