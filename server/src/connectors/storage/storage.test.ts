import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilesRoute } from '../../http/files.ts';
import { SupabaseStorageSimulator } from '../../simulators/supabase-storage.ts';
import { LocalStorage, signLocalKey } from './local.ts';
import { StorageError, type ObjectStorage } from './storage.ts';
import { SupabaseStorage } from './supabase.ts';

describe('local storage and the signed file route', () => {
  const secret = randomBytes(32);
  let root: string;
  let server: Server;
  let base: string;
  let storage: ObjectStorage;

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fd-storage-'));
    root = path.join(dir, 'root');
    await writeFile(path.join(dir, 'secret.txt'), 'outside the root');
    const route = createFilesRoute({ root, signingSecret: secret });
    server = createServer(async (req, res) => {
      if (!(await route(req, res, new URL(req.url!, 'http://x')))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    storage = new LocalStorage({ root, publicUrl: base, signingSecret: secret });
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(path.dirname(root), { recursive: true, force: true });
  });

  it('stores, overwrites, and serves through a signed link', async () => {
    await storage.put('receipts/a.pdf', Buffer.from('%PDF-old'), 'application/pdf');
    await storage.put('receipts/a.pdf', Buffer.from('%PDF-new'), 'application/pdf');
    const url = await storage.signedUrl('receipts/a.pdf', 60);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(await res.text()).toBe('%PDF-new');
  });

  it('refuses tampered, expired and unsigned links', async () => {
    const url = new URL(await storage.signedUrl('receipts/a.pdf', 60));
    const tampered = new URL(url);
    tampered.searchParams.set('exp', String(Number(url.searchParams.get('exp')) + 1000));
    expect((await fetch(tampered)).status).toBe(403);
    const other = new URL(url);
    other.pathname = '/files/receipts/b.pdf';
    expect((await fetch(other)).status).toBe(403);
    const past = Math.floor(Date.now() / 1000) - 1;
    expect((await fetch(`${base}/files/receipts/a.pdf?exp=${past}&sig=${signLocalKey(secret, 'receipts/a.pdf', past)}`)).status).toBe(403);
    expect((await fetch(`${base}/files/receipts/a.pdf`)).status).toBe(403);
  });

  it('makes path traversal impossible even with a valid signature', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const key of ['../secret.txt', '..%2Fsecret.txt', '%2e%2e/secret.txt', 'receipts/../../secret.txt', '/etc/passwd', '%2Fetc%2Fpasswd', '..\\secret.txt', 'receipts/%00.pdf']) {
      const res = await fetch(`${base}/files/${key}?exp=${exp}&sig=${signLocalKey(secret, decodeURIComponent(key), exp)}`);
      expect(res.status, key).not.toBe(200);
      expect(await res.text()).not.toContain('outside the root');
    }
    await expect(storage.put('../escape.pdf', Buffer.from('x'), 'application/pdf')).rejects.toBeInstanceOf(StorageError);
    await expect(storage.signedUrl('a/../../b', 60)).rejects.toBeInstanceOf(StorageError);
  });

  it('removes objects', async () => {
    await storage.put('tmp/x.pdf', Buffer.from('x'), 'application/pdf');
    const url = await storage.signedUrl('tmp/x.pdf', 60);
    await storage.remove(['tmp/x.pdf']);
    expect((await fetch(url)).status).toBe(404);
  });
});

describe('Supabase storage against the simulator', () => {
  const sim = new SupabaseStorageSimulator();
  let storage: SupabaseStorage;
  beforeAll(async () => {
    await sim.start();
    storage = new SupabaseStorage({ url: sim.baseUrl, serviceKey: sim.serviceKey, bucket: 'documents', backoffBaseMs: 2 });
  });
  afterAll(() => sim.stop());

  it('uploads with upsert, signs a fetchable link, and removes', async () => {
    await storage.put('receipts/j1.pdf', Buffer.from('%PDF-1'), 'application/pdf');
    await storage.put('receipts/j1.pdf', Buffer.from('%PDF-2'), 'application/pdf');
    const upload = sim.requests.find((r) => r.method === 'POST' && r.path === '/storage/v1/object/documents/receipts/j1.pdf')!;
    expect(upload.headers).toMatchObject({ 'x-upsert': 'true', 'content-type': 'application/pdf', apikey: sim.serviceKey, authorization: `Bearer ${sim.serviceKey}` });
    const url = await storage.signedUrl('receipts/j1.pdf', 60);
    expect(url).toMatch(new RegExp(`^${sim.baseUrl}/storage/v1/object/sign/documents/receipts/j1.pdf\\?token=`));
    const res = await fetch(url);
    expect(await res.text()).toBe('%PDF-2');
    const bad = new URL(url);
    bad.searchParams.set('token', `${bad.searchParams.get('token')}x`);
    expect(await (await fetch(bad)).json()).toMatchObject({ statusCode: '400', error: 'InvalidJWT' });
    await storage.remove(['receipts/j1.pdf']);
    const err = await storage.signedUrl('receipts/j1.pdf', 60).catch((e: StorageError) => e);
    expect(err).toMatchObject({ transient: false, code: '404' });
  });

  it('answers a duplicate upload without upsert the way the real server does (HTTP 400, statusCode "409")', async () => {
    const raw = createClient(sim.baseUrl, sim.serviceKey, { auth: { persistSession: false } }).storage.from('documents');
    await raw.upload('dup.txt', Buffer.from('a'));
    const { error } = await raw.upload('dup.txt', Buffer.from('b'));
    expect(error).toMatchObject({ status: 400, statusCode: '409' });
  });

  it('retries 429/5xx/544 and gives up on permanent errors at once', async () => {
    sim.fail(1, { status: 429, body: { statusCode: '429', error: 'too_many_connections', code: 'SlowDown', message: 'Too many connections issued to the database' } });
    sim.fail(1, { status: 544, body: { statusCode: '544', error: 'DatabaseTimeout', message: 'timeout' } });
    await storage.put('receipts/j2.pdf', Buffer.from('%PDF'), 'application/pdf');
    sim.fail(3, { status: 500, body: { statusCode: '500', error: 'internal', message: 'boom' } });
    await expect(storage.put('receipts/j3.pdf', Buffer.from('%PDF'), 'application/pdf')).rejects.toMatchObject({ transient: true, code: '500' });
    const wrongKey = new SupabaseStorage({ url: sim.baseUrl, serviceKey: 'nope', bucket: 'documents', backoffBaseMs: 2 });
    const n = sim.requests.length;
    await expect(wrongKey.put('receipts/j4.pdf', Buffer.from('%PDF'), 'application/pdf')).rejects.toMatchObject({ transient: false });
    expect(sim.requests.length - n).toBe(1);
    const gateway = await fetch(`${sim.baseUrl}/storage/v1/object/documents/x.pdf`, { method: 'POST', body: 'x' });
    expect(gateway.status).toBe(401);
    expect(await gateway.json()).toMatchObject({ message: 'No API key found in request' });
    const noBucket = new SupabaseStorage({ url: sim.baseUrl, serviceKey: sim.serviceKey, bucket: 'missing', backoffBaseMs: 2 });
    await expect(noBucket.put('a.pdf', Buffer.from('x'), 'application/pdf')).rejects.toMatchObject({ transient: false, code: '404' });
  });

  it('expires signed links', async () => {
    await storage.put('receipts/short.pdf', Buffer.from('%PDF'), 'application/pdf');
    const url = await storage.signedUrl('receipts/short.pdf', 1);
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await (await fetch(url)).json()).toMatchObject({ statusCode: '400', error: 'ExpiredToken' });
  });
});
