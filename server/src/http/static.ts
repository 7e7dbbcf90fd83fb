// Serves the dashboard (client/dist) at /. Hashed files under /assets/ never change, so they are
// cached for a year; index.html is revalidated on every load so a deploy shows at once. Any other
// GET that asks for HTML gets index.html (the SPA's router owns those paths); API paths and files
// that do not exist fall through to the server's 404.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { RouteHandler } from './server.ts';
import { productPath } from '../paths.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths owned by the server; the SPA fallback never answers them. */
const SERVER_PATHS = /^\/(graphql|api|healthz|readyz|files)(\/|$)/;

export const CLIENT_DIST = productPath(import.meta.url, '../../../client/dist', './public');

async function fileAt(p: string) {
  try {
    const s = await stat(p);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

export function createStaticHandler({ root = CLIENT_DIST }: { root?: string } = {}): RouteHandler {
  const base = path.resolve(root);
  return async (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (SERVER_PATHS.test(url.pathname)) return false;
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return false;
    }
    // Resolving against the root and checking the prefix stops ../ and encoded traversal.
    const target = path.resolve(base, `.${rel}`);
    if (target !== base && !target.startsWith(base + path.sep)) return false;

    let file = rel.endsWith('/') ? null : await fileAt(target);
    let filePath = target;
    let immutable = file !== null && rel.startsWith('/assets/');
    if (!file) {
      const wantsHtml = (req.headers.accept ?? '').includes('text/html') || rel === '/';
      if (!wantsHtml || path.extname(rel)) return false;
      filePath = path.join(base, 'index.html');
      file = await fileAt(filePath);
      immutable = false;
      if (!file) return false;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(filePath)] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(filePath.endsWith('.html') ? { 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin' } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(filePath);
      stream.on('error', reject);
      res.on('close', resolve);
      stream.pipe(res);
    });
    return true;
  };
}
