// Supabase Storage simulator, answering what @supabase/storage-js 2.x actually sends
// (EXTERNAL_APIS.md §4): POST /object/{bucket}/{path} with x-upsert, POST /object/sign/{bucket}/{path}
// → {signedURL} with a verifiable, expiring token, GET of that signed URL, DELETE /object/{bucket}
// with {prefixes}, and /object/public for public buckets. Errors follow the server's quirk:
// HTTP 400 with the logical status as a string in the body's statusCode.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SimServer, json, type SimRequest, type SimResponse } from './sim-server.ts';

interface StoredObject {
  id: string;
  body: Buffer;
  contentType: string;
  createdAt: string;
}

function storageError(statusCode: string, error: string, message: string, code?: string): SimResponse {
  return { status: statusCode === '500' ? 500 : 400, body: { statusCode, error, message, ...(code ? { code } : {}) } };
}

export class SupabaseStorageSimulator extends SimServer {
  readonly serviceKey = `sim-service-${randomBytes(8).toString('hex')}`;
  readonly buckets = new Map<string, { public: boolean; objects: Map<string, StoredObject> }>([['documents', { public: false, objects: new Map() }]]);
  private readonly jwtSecret = randomBytes(32);

  private sign(payload: object): string {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}`;
    return `${head}.${createHmac('sha256', this.jwtSecret).update(head).digest('base64url')}`;
  }

  private verify(token: string): { url: string; exp: number } | 'invalid' | 'expired' {
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) return 'invalid';
    const expected = Buffer.from(createHmac('sha256', this.jwtSecret).update(`${h}.${p}`).digest('base64url'));
    if (expected.length !== Buffer.from(s).length || !timingSafeEqual(expected, Buffer.from(s))) return 'invalid';
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    return payload.exp * 1000 < Date.now() ? 'expired' : payload;
  }

  private authorized(req: SimRequest): SimResponse | null {
    const apikey = req.headers.apikey;
    if (!apikey) return { status: 401, body: { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' } };
    const bearer = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (apikey !== this.serviceKey || bearer !== this.serviceKey) return storageError('400', 'InvalidJWT', 'invalid signature', 'InvalidJWT');
    return null;
  }

  protected handle(req: SimRequest): SimResponse {
    const prefix = '/storage/v1/object/';
    if (!req.url.pathname.startsWith(prefix)) return { status: 404, body: { message: 'route not found' } };
    const parts = req.url.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
    // Signed and public reads carry no auth headers.
    if (req.method === 'GET' && parts[0] === 'sign') return this.readSigned(parts.slice(1), req.url.searchParams.get('token') ?? '');
    if (req.method === 'GET' && parts[0] === 'public') {
      const bucket = this.buckets.get(parts[1]!);
      const obj = bucket?.public ? bucket.objects.get(parts.slice(2).join('/')) : undefined;
      return obj ? { status: 200, raw: obj.body, headers: { 'content-type': obj.contentType } } : storageError('404', 'not_found', 'Object not found', 'NoSuchKey');
    }
    const denied = this.authorized(req);
    if (denied) return denied;
    if (req.method === 'POST' && parts[0] === 'sign') {
      const [bucketId, ...rest] = parts.slice(1);
      const key = rest.join('/');
      const bucket = this.buckets.get(bucketId!);
      if (!bucket) return storageError('404', 'Bucket not found', 'Bucket not found', 'NoSuchBucket');
      if (!bucket.objects.has(key)) return storageError('404', 'not_found', 'Object not found', 'NoSuchKey');
      const expiresIn = Number(json(req)?.expiresIn);
      if (!Number.isFinite(expiresIn) || expiresIn < 1) return storageError('400', 'InvalidRequest', 'expiresIn must be a positive number');
      const token = this.sign({ url: `${bucketId}/${key}`, exp: Math.floor(Date.now() / 1000) + expiresIn });
      return { status: 200, body: { signedURL: `/object/sign/${bucketId}/${key}?token=${token}` } };
    }
    const [bucketId, ...rest] = parts;
    const bucket = this.buckets.get(bucketId!);
    if (!bucket) return storageError('404', 'Bucket not found', 'Bucket not found', 'NoSuchBucket');
    const key = rest.join('/');
    if (req.method === 'POST' || req.method === 'PUT') {
      if (!key) return storageError('400', 'InvalidKey', 'Invalid key');
      const exists = bucket.objects.has(key);
      if (req.method === 'POST' && exists && req.headers['x-upsert'] !== 'true') return storageError('409', 'Duplicate', 'The resource already exists', 'KeyAlreadyExists');
      if (req.method === 'PUT' && !exists) return storageError('404', 'not_found', 'Object not found', 'NoSuchKey');
      const obj = { id: bucket.objects.get(key)?.id ?? randomUUID(), body: req.body, contentType: String(req.headers['content-type'] ?? 'text/plain;charset=UTF-8'), createdAt: new Date().toISOString() };
      bucket.objects.set(key, obj);
      return { status: 200, body: { Id: obj.id, Key: `${bucketId}/${key}` } };
    }
    if (req.method === 'DELETE' && !key) {
      const prefixes: unknown = json(req)?.prefixes;
      if (!Array.isArray(prefixes)) return storageError('400', 'InvalidRequest', 'body/prefixes must be array');
      const removed = prefixes.filter((p) => bucket.objects.delete(String(p))).map((name) => ({ name, bucket_id: bucketId }));
      return { status: 200, body: removed };
    }
    return { status: 404, body: { message: 'route not found' } };
  }

  private readSigned(parts: string[], token: string): SimResponse {
    const verdict = this.verify(token);
    if (verdict === 'invalid') return storageError('400', 'InvalidJWT', 'invalid signature', 'InvalidJWT');
    if (verdict === 'expired') return storageError('400', 'ExpiredToken', 'The provided token has expired.', 'ExpiredToken');
    if (verdict.url !== parts.join('/')) return storageError('400', 'InvalidSignature', 'The url do not match the signature', 'InvalidSignature');
    const [bucketId, ...rest] = parts;
    const obj = this.buckets.get(bucketId!)?.objects.get(rest.join('/'));
    return obj ? { status: 200, raw: obj.body, headers: { 'content-type': obj.contentType } } : storageError('404', 'not_found', 'Object not found', 'NoSuchKey');
  }
}
