import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Awaitable } from '@keygate/core';
import type { Metrics } from './metrics.js';

/** Options of {@link createMetricsHandler}. Give `bearerToken`, `authorize`, or `allowAnonymous: true`. */
export interface MetricsHandlerOptions {
  /** The scraper sends `Authorization: Bearer <token>` (Prometheus `authorization.credentials`). */
  bearerToken?: string;
  /** Your own check, e.g. an internal-network test. */
  authorize?: (req: IncomingMessage) => Awaitable<boolean>;
  /** Serve without any check: only on a port that is not reachable from outside. */
  allowAnonymous?: boolean;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A node:http handler (also an Express handler) for `GET /metrics`:
 * Prometheus text, or the JSON snapshot with `?format=json` or
 * `Accept: application/json`. The metrics are process-wide (all tenants'
 * traffic), so they are an operator's view, not part of the tenant-scoped
 * management API; the handler refuses to exist without an access rule.
 */
export function createMetricsHandler(metrics: Pick<Metrics, 'prometheus' | 'json' | 'contentType'>, options: MetricsHandlerOptions) {
  const { bearerToken, authorize, allowAnonymous } = options ?? {};
  if (bearerToken === undefined && authorize === undefined && allowAnonymous !== true) {
    throw new TypeError('createMetricsHandler: set bearerToken, authorize, or allowAnonymous: true');
  }
  if (bearerToken !== undefined && bearerToken.length < 16) throw new TypeError('createMetricsHandler: bearerToken must be at least 16 characters');
  const expected = bearerToken === undefined ? undefined : digest(bearerToken);

  const allowed = async (req: IncomingMessage): Promise<boolean> => {
    if (expected !== undefined) {
      const header = req.headers.authorization;
      const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : '';
      // Compared as digests: constant time whatever the presented length.
      if (!timingSafeEqual(digest(token), expected)) return false;
    }
    return authorize === undefined || (await authorize(req));
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (!(await allowed(req))) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' }).end();
        return;
      }
      const wantsJson = /[?&]format=json(&|$)/.test(req.url ?? '') || /application\/json/.test(req.headers.accept ?? '');
      const body = wantsJson ? JSON.stringify(await metrics.json()) : await metrics.prometheus();
      res
        .writeHead(200, { 'content-type': wantsJson ? 'application/json; charset=utf-8' : metrics.contentType, 'cache-control': 'no-store' })
        .end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}
