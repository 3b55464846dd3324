/**
 * The server that the docs' client samples (` ```js client `, ` ```python `)
 * talk to: keygate's management API on node:http, plus `GET /weather`
 * protected by `requireApiKey({ scopes: ['weather:read'] })`, on 127.0.0.1.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Actor, type ApiKey, createKeyManager, createNodeGuard, createNodeHandler } from '../../packages/core/src/index.js';

/** A running sample server and the keys samples use. */
export interface SampleServer {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** An automation key with `keys:*`, `usage:read`, `audit:read`: the samples' `KEYGATE_ADMIN_KEY`. */
  adminKey: string;
  /** A key with `weather:read`, for `/weather`. */
  apiKey: string;
  /** Creates a new key and returns its id: each sample gets its own, so revoke or delete in one does not affect another. */
  freshKeyId(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a {@link SampleServer} on an ephemeral loopback port. */
export async function startSampleServer(): Promise<SampleServer> {
  const manager = createKeyManager({
    config: { storeSecretsServerSide: true, masterKeys: [{ id: 'docs', key: randomBytes(32).toString('base64') }] },
  });
  const owner: Actor = { id: 'docs-owner', tenantId: 'docs', role: 'admin' };
  const admin = await manager.create(owner, { name: 'docs automation', scopes: ['keys:*', 'usage:read', 'audit:read'], rateLimit: null });
  const client = await manager.create(owner, { name: 'docs client', scopes: ['weather:read'], rateLimit: null });
  // No session in the samples: the API key on the request is the actor.
  const api = createNodeHandler(manager, { getActor: () => undefined });
  const guard = createNodeGuard(manager, { scopes: ['weather:read'] });
  const server = createServer((req: IncomingMessage & { apiKey?: ApiKey }, res) =>
    api(req, res, () => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/weather') {
        res.statusCode = 404;
        return void res.end();
      }
      guard(req, res, () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ forecast: 'sunny', key: req.apiKey?.name }));
      });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    adminKey: admin.secret,
    apiKey: client.secret,
    freshKeyId: async () => (await manager.create(owner, { name: 'docs sample key', scopes: ['weather:read'] })).key.id,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await manager.close();
    },
  };
}
