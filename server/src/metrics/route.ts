// GET /metrics in the Prometheus text format, on the api's port and on a worker's HEALTH_PORT.
// Off (404) unless METRICS_TOKEN is set: metrics describe load, queues and memory, which an
// anonymous caller has no business reading. With it, the scraper sends `Authorization: Bearer`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteHandler } from '../http/server.ts';
import type { Metrics } from './metrics.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function createMetricsRoute(metrics: Metrics, token: string | undefined): RouteHandler {
  // Compared as digests, so the comparison takes the same time whatever the length of the guess.
  const expected = token === undefined ? undefined : digest(token);
  return async (req, res, url) => {
    if (url.pathname !== '/metrics') return false;
    if (!expected) return false; // the server's 404
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!given || !timingSafeEqual(digest(given), expected)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: 'a valid METRICS_TOKEN bearer token is required' }));
      return true;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
    res.end(body);
    return true;
  };
}
