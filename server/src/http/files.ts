// GET /files/<key>?exp=&sig= — serves local-storage objects behind HMAC-signed, expiring links
// (connectors/storage/local.ts makes them). Threat model: a link holder may tamper with the key,
// expiry or signature, or try path traversal (../, %2e%2e, encoded slashes, absolute paths);
// the signature covers key and expiry, the key must be a plain relative path, and the resolved
// file must stay under the storage root. Failures do not reveal whether a file exists.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { RouteHandler } from './server.ts';
import { assertValidKey } from '../connectors/storage/storage.ts';
import { resolveUnder, verifyLocalSignature } from '../connectors/storage/local.ts';

const TYPES: Record<string, string> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', html: 'text/plain; charset=utf-8', json: 'application/json', csv: 'text/csv' };

export function createFilesRoute(opts: { root: string; signingSecret: Buffer; now?: () => number }): RouteHandler {
  return async (req, res, url) => {
    if (!url.pathname.startsWith('/files/')) return false;
    const deny = (status: number, error: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error }));
      return true;
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'method not allowed');
    let key: string;
    try {
      key = assertValidKey(decodeURIComponent(url.pathname.slice('/files/'.length)));
    } catch {
      return deny(403, 'invalid or expired link');
    }
    const exp = Number(url.searchParams.get('exp'));
    const sig = url.searchParams.get('sig') ?? '';
    if (!verifyLocalSignature(opts.signingSecret, key, exp, sig, opts.now?.() ?? Date.now())) return deny(403, 'invalid or expired link');
    const file = resolveUnder(opts.root, key);
    if (!file) return deny(403, 'invalid or expired link');
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return deny(404, 'not found');
    res.writeHead(200, {
      'content-type': TYPES[key.split('.').pop()!.toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': `inline; filename="${key.split('/').pop()}"`,
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((resolve, reject) => createReadStream(file).on('error', reject).pipe(res).on('finish', resolve));
    return true;
  };
}
