import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler } from './static.ts';

let server: Server;
let base: string;

beforeAll(async () => {
  const root = path.join(mkdtempSync(path.join(tmpdir(), 'fd-static-')), 'dist');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'favicon.svg'), '<svg/>');
  writeFileSync(path.join(path.dirname(root), 'secret.txt'), 'outside');
  const handle = createStaticHandler({ root });
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!(await handle(req, res, url))) res.writeHead(404).end('fallthrough');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const html = { accept: 'text/html,application/xhtml+xml' };

describe('static dashboard handler', () => {
  it('serves index.html at / without long caching', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('<title>app</title>');
  });

  it('caches hashed assets for a year', async () => {
    const res = await fetch(`${base}/assets/index-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('falls back to index.html for client routes a browser navigates to', async () => {
    const res = await fetch(`${base}/executions/0193?status=FAILED`, { headers: html });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>app</title>');
  });

  it('leaves API paths, missing files and non-HTML requests to the server', async () => {
    for (const [p, headers] of [
      ['/graphql', html],
      ['/api/v1/logs/export', html],
      ['/healthz', html],
      ['/assets/missing.js', html],
      ['/workflows', { accept: 'application/json' }],
    ] as const) {
      const res = await fetch(`${base}${p}`, { headers });
      expect(await res.text(), p).toBe('fallthrough');
    }
  });

  it('does not serve files outside its root', async () => {
    // fetch normalises plain ../ away; an encoded slash reaches the handler as written.
    for (const p of ['/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/assets%2f..%2f..%2fsecret.txt']) {
      const res = await fetch(`${base}${p}`);
      expect(await res.text(), p).not.toBe('outside');
    }
  });

  it('answers HEAD without a body and ignores other methods', async () => {
    const head = await fetch(`${base}/favicon.svg`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('6');
    const post = await fetch(`${base}/`, { method: 'POST' });
    expect(await post.text()).toBe('fallthrough');
  });
});
