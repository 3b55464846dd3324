import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createKeyManager } from '../manager.js';
import { runHttpConformance, listenOnLoopback } from '../testing/http-suite.js';
import { createNodeGuard, createNodeHandler, writeNodeResponse } from './node.js';
import { problem } from './problem.js';

runHttpConformance('node:http handler', ({ manager, basePath, actorFromHeaders, trustProxy, hostRoutes }) => {
  // The host's own proxy setting; keygate only ever sees the address it is given.
  const getIp = (req: IncomingMessage) =>
    trustProxy && typeof req.headers['x-forwarded-for'] === 'string' ? req.headers['x-forwarded-for'].split(',')[0]!.trim() : req.socket.remoteAddress;
  const api = createNodeHandler(manager, { basePath, getActor: (req: IncomingMessage) => actorFromHeaders(req.headers), getIp });
  const guards = new Map(hostRoutes.map((r) => [r.path, { route: r, guard: createNodeGuard(manager, { scopes: r.scopes ?? [], mode: r.mode ?? 'all', getIp, ...(r.tags ? { tags: r.tags } : {}) }) }]));
  return listenOnLoopback((req, res) => {
    api(req, res, () => {
      const entry = guards.get((req.url ?? '').split('?')[0]!);
      if (!entry) return writeNodeResponse(res, problem('NOT_FOUND'));
      entry.guard(req, res, (error) => {
        const key = (req as IncomingMessage & { apiKey?: { id: string; tenantId: string } }).apiKey!;
        const fail = error !== undefined || entry.route.respond !== 'ok';
        res.statusCode = fail ? 500 : 200;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(fail ? { error: 'boom' } : { keyId: key.id, tenantId: key.tenantId }));
      });
    });
  });
});

describe('createNodeGuard counting', () => {
  it('counts each request once with the status it ends with, answered at once, later, or never', async () => {
    const statuses: number[] = [];
    const manager = createKeyManager({ hooks: { onResponse: (event) => void statuses.push(event.status) } });
    const { secret } = await manager.create({ id: 'a', tenantId: 't', role: 'admin' }, { name: 'counted', rateLimit: null });
    const guard = createNodeGuard(manager);
    const server = await listenOnLoopback((req, res) =>
      guard(req, res, () => {
        if (req.url === '/now') {
          res.statusCode = 404;
          res.end();
        } else if (req.url === '/later') {
          setTimeout(() => {
            res.statusCode = 201;
            res.end();
          }, 20);
        }
        // '/never' does not answer: the client gives up.
      }),
    );
    const call = (path: string, signal?: AbortSignal) => fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${secret}` }, ...(signal ? { signal } : {}) });
    const settled = async (count: number) => {
      for (let i = 0; i < 100 && statuses.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    try {
      expect((await call('/now')).status).toBe(404);
      await settled(1);
      expect(statuses).toEqual([404]);
      expect((await call('/later')).status).toBe(201);
      await settled(2);
      expect(statuses).toEqual([404, 201]);
      await expect(call('/never', AbortSignal.timeout(100))).rejects.toThrow();
      await settled(3);
      expect(statuses).toEqual([404, 201, 500]);
    } finally {
      await server.close();
      await manager.close();
    }
  });
});
