import type { IncomingMessage } from 'node:http';
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
