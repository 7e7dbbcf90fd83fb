// The shared shape of every simulator: a small HTTP server on 127.0.0.1 with start()/stop(),
// in-memory state, and a fault queue so tests can make the next requests fail the way the real
// API might (status, body, headers, or a delay long enough to trip the client's timeout).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface SimRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Raw bytes instead of JSON. */
  raw?: Buffer;
}

export interface Fault {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait before answering (use to exceed the client's timeout). */
  delayMs?: number;
  /** Only requests whose path contains this are affected. */
  pathIncludes?: string;
}

export function json(req: SimRequest): any {
  const text = req.body.toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Orders requests across simulators (a test can check which API was called first). */
let sequence = 0;

export abstract class SimServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly faults: Fault[] = [];
  /** Every request received, for assertions (method and path with query). */
  readonly requests: Array<{ seq: number; method: string; path: string; headers: IncomingMessage['headers']; body: string }> = [];
  baseUrl = '';

  protected abstract handle(req: SimRequest): Promise<SimResponse> | SimResponse;
  /** The path prefix clients use (e.g. /api); baseUrl includes it. */
  protected basePath = '';

  /** Queue faults; each one answers one matching request instead of the normal handler. */
  fail(times: number, fault: Fault): this {
    for (let i = 0; i < times; i++) this.faults.push(fault);
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as { port: number }).port}${this.basePath}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const sreq: SimRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://sim'), headers: req.headers, body: Buffer.concat(chunks) };
    this.requests.push({ seq: ++sequence, method: sreq.method, path: sreq.url.pathname + sreq.url.search, headers: req.headers, body: sreq.body.toString('utf8') });
    let out: SimResponse;
    const i = this.faults.findIndex((f) => !f.pathIncludes || sreq.url.pathname.includes(f.pathIncludes));
    try {
      if (i >= 0) {
        const [fault] = this.faults.splice(i, 1);
        // A slow server still does the work after the client gave up (that is what makes
        // timed-out sends dangerous to retry).
        if (fault!.delayMs) await new Promise((r) => setTimeout(r, fault!.delayMs));
        out = fault!.status ? { status: fault!.status, body: fault!.body ?? {}, headers: fault!.headers } : await this.handle(sreq);
      } else out = await this.handle(sreq);
    } catch (err) {
      out = { status: 500, body: { error: String(err) } };
    }
    if (res.destroyed) return;
    if (out.raw) {
      res.writeHead(out.status, { 'content-type': 'application/octet-stream', ...out.headers });
      res.end(out.raw);
      return;
    }
    res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
    res.end(out.body === undefined ? '' : JSON.stringify(out.body));
  }
}
