// The api role's HTTP server: GraphQL (and GraphiQL) at /graphql, health probes, and the few
// plain-HTTP routes other modules register. Without yoga, only the probes (worker processes).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Redis } from 'ioredis';
import type { FlowdeckYoga } from '../graphql/yoga.ts';
import { checkReadiness } from './health.ts';

/** A plain route: return true when it handled the request. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export interface HttpServerDeps {
  db: PrismaClient;
  redis: Redis;
  yoga?: FlowdeckYoga;
  host: string;
  port: number;
  routes?: RouteHandler[];
}

export interface HttpServer {
  server: Server;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function createHttpServer({ db, redis, yoga, host, port, routes = [] }: HttpServerDeps): HttpServer {
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        const report = await checkReadiness(db, redis);
        return sendJson(res, report.ready ? 200 : 503, report);
      }
      if (yoga && url.pathname === yoga.graphqlEndpoint) return void (await yoga.handle(req, res));
      for (const route of routes) if (await route(req, res, url)) return;
      sendJson(res, 404, { error: 'not found' });
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy(err as Error);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    server,
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve({ port: (server.address() as { port: number }).port }));
      }),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive sockets would hold close() open; busy ones finish their response.
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2_000).unref();
      }),
  };
}
