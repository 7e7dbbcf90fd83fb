import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../../test/helpers.ts';
import { bullPrefix, QUEUE_NAMES } from '../../engine/queues.ts';
import { StepError } from '../../engine/steps/types.ts';
import { createFilesRoute } from '../../http/files.ts';
import { createRedis } from '../../redis.ts';
import { systemResolver, type HostResolver } from '../../security/outbound-guard.ts';
import { LocalStorage } from '../storage/local.ts';
import { makeStepContext } from '../test-context.ts';
import { createPdfGenerateStep, pdfJobId } from './generate-step.ts';
import { PdfWorker } from './pdf-worker.ts';
import { PdfRenderer } from './renderer.ts';
import { TemplateStore, renderTemplate } from './templates.ts';

const db = testDb();
const redis = createRedis();
const eventsConnection = redis.duplicate();
const prefix = `t${randomUUID().slice(0, 8)}`;
const secret = randomBytes(32);
const sentinelHits: string[] = [];
const publicHits: string[] = [];
let sentinel: Server; // a "private" service: must never be reached
let publicSite: Server; // plays a public web site (allow-listed host public.test)
let files: Server;
let sentinelPort = 0;
let publicPort = 0;
let dir: string;
let worker: PdfWorker;
let queue: Queue;
let queueEvents: QueueEvents;
let step: ReturnType<typeof createPdfGenerateStep>;
let tenant: Awaited<ReturnType<typeof createTestTenant>>;
const templates = new TemplateStore();

const resolve: HostResolver = async (host) => (host === 'public.test' ? [{ address: '127.0.0.1', family: 4 }] : systemResolver(host));

function listen(server: Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
}

const attackMarkup = () => {
  const s = `127.0.0.1:${sentinelPort}`;
  return `
  <img src="http://${s}/img"><iframe src="http://${s}/iframe"></iframe><iframe src="http://localhost:${sentinelPort}/iframe2"></iframe>
  <style>@import url("http://${s}/import.css"); body { background: url(http://2130706433:${sentinelPort}/bg.png) } @font-face { font-family: x; src: url(http://[::1]:${sentinelPort}/font.woff) } </style>
  <link rel="stylesheet" href="http://${s}/link.css"><link rel="prefetch" href="http://${s}/prefetch"><link rel="icon" href="http://${s}/favicon.ico">
  <object data="http://${s}/object"></object><embed src="http://${s}/embed"><video poster="http://${s}/poster.png"></video><audio src="http://${s}/a.mp3" autoplay></audio>
  <script src="http://${s}/script.js"></script><script>fetch('http://${s}/fetch'); new WebSocket('ws://${s}/ws');</script>
  <svg><image href="http://${s}/svg.png"/></svg><form action="http://${s}/form"><input type="image" src="http://${s}/input.png"></form>
  <iframe src="http://public.test:${publicPort}/redirect-in"></iframe>`;
};

beforeAll(async () => {
  sentinel = createServer((req, res) => {
    sentinelHits.push(req.url!);
    res.end('private');
  });
  sentinelPort = await listen(sentinel);
  publicSite = createServer((req, res) => {
    publicHits.push(req.url!);
    if (req.url === '/redirect-in') return void res.writeHead(302, { location: `http://127.0.0.1:${sentinelPort}/via-redirect` }).end();
    if (req.url === '/style.css') return void res.writeHead(200, { 'content-type': 'text/css' }).end(`@import url(http://127.0.0.1:${sentinelPort}/nested.css); h1 { color: red }`);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><head><link rel="stylesheet" href="/style.css"><meta http-equiv="refresh" content="0;url=http://127.0.0.1:${sentinelPort}/refresh"></head><body><h1>Public page</h1>${attackMarkup()}</body></html>`);
  });
  publicPort = await listen(publicSite);

  dir = await mkdtemp(path.join(tmpdir(), 'fd-pdf-'));
  const route = createFilesRoute({ root: path.join(dir, 'storage'), signingSecret: secret });
  files = createServer(async (req, res) => void (await route(req, res, new URL(req.url!, 'http://x'))));
  const filesPort = await listen(files);
  const storage = new LocalStorage({ root: path.join(dir, 'storage'), publicUrl: `http://127.0.0.1:${filesPort}`, signingSecret: secret });

  worker = new PdfWorker({
    connection: redis,
    redisPrefix: prefix,
    storage,
    renderer: { chromiumPath: '/usr/bin/chromium', pagePoolSize: 2, maxRendersPerBrowser: 1000, memLimitMb: 4096, outbound: { resolve, allowHosts: ['public.test'] } },
  });
  await worker.start();
  queue = new Queue(QUEUE_NAMES.pdf, { connection: redis, prefix: bullPrefix(prefix) });
  queueEvents = new QueueEvents(QUEUE_NAMES.pdf, { connection: eventsConnection, prefix: bullPrefix(prefix) });
  await queueEvents.waitUntilReady();
  step = createPdfGenerateStep({ queue, queueEvents, storage, templates, signedUrlTtlSeconds: 86_400 });
  tenant = await createTestTenant(db);
});

afterAll(async () => {
  await worker.stop();
  await queueEvents.close();
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  eventsConnection.disconnect();
  redis.disconnect();
  for (const s of [sentinel, publicSite, files]) s.closeAllConnections(), s.close();
  await rm(dir, { recursive: true, force: true });
  await db.$disconnect();
});

const visaVars = { reference: 'VC-2026-0042', issued_on: '2026-11-23', holder_name: 'Maria <b>Santos</b>', passport_number: 'P1234567A', nationality: 'Philippines', visa_type: 'Tourist', destination: 'Japan', valid_from: '2026-12-01', valid_until: '2027-03-01', status: 'APPROVED', issuer: 'Demo Travel' };

describe('pdf.generate through the pdf queue and worker', () => {
  it('renders a template, stores receipts/{jobId}.pdf, records a Document and returns a 24 h signed link', async () => {
    const { ctx } = makeStepContext(db, tenant);
    const out = (await step.run(ctx, { template: 'visa_certificate', variables: visaVars })) as { documentId: string; url: string; storageKey: string; expiresAt: string };
    expect(out.storageKey).toMatch(/^receipts\/pdf-[0-9a-f]{32}\.pdf$/);
    const res = await fetch(out.url);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const doc = await db.document.findUniqueOrThrow({ where: { id: out.documentId } });
    expect(doc).toMatchObject({ tenantId: tenant.id, storageKey: out.storageKey, storageDriver: 'local', template: 'visa_certificate', sizeBytes: bytes.length, checksum: createHash('sha256').update(bytes).digest('hex') });
    expect(Math.abs(doc.linkExpiresAt.getTime() - Date.now() - 86_400_000)).toBeLessThan(60_000);
    expect((bytes.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length).toBe(1);
    // The job stays 24 h for re-runs, without the personal data it was rendered from.
    const job = await queue.getJob(pdfJobId(ctx.idempotencyKey));
    expect(job!.data).toEqual({ tenantId: tenant.id, executionId: ctx.executionId, storageKey: out.storageKey, template: 'visa_certificate' });
    if (existsSync('/usr/bin/pdftotext')) {
      await writeFile(path.join(dir, 'v.pdf'), bytes);
      const text = execFileSync('/usr/bin/pdftotext', [path.join(dir, 'v.pdf'), '-']).toString();
      expect(text).toContain('VC-2026-0042');
      expect(text).toContain('Maria <b>Santos</b>');
    }
  });

  it('re-running the step reuses the job, the object and the Document row', async () => {
    const { ctx } = makeStepContext(db, tenant);
    const first = (await step.run(ctx, { template: 'receipt', variables: { receipt_number: 'R-1', items: [{ name: 'Visa fee', quantity: 1, price: '2,500', amount: '2,500' }], total: '2,500', currency: 'PHP' } })) as { documentId: string };
    const renders = worker.renderer.stats.renders;
    const docs = await db.document.count({ where: { tenantId: tenant.id } });
    const again = (await step.run({ ...ctx, attempt: 2 }, { template: 'receipt', variables: { receipt_number: 'R-1' } })) as { documentId: string };
    expect(again.documentId).toBe(first.documentId);
    expect(worker.renderer.stats.renders).toBe(renders);
    expect(await db.document.count({ where: { tenantId: tenant.id } })).toBe(docs);
  });

  it('rejects bad config with a typed error and enqueues nothing', async () => {
    const { ctx } = makeStepContext(db, tenant);
    const before = await queue.count();
    for (const config of [{ template: 'nope' }, { template: '../../etc/passwd' }, {}, { template: 'receipt', url: 'https://example.com' }, { url: 'file:///etc/passwd' }, { template: 'receipt', variables: [] }]) {
      const err = await step.run(ctx, config as never).catch((e: StepError) => e);
      expect(err).toBeInstanceOf(StepError);
      expect((err as StepError).details).toMatchObject({ retryable: false, code: 'INVALID_CONFIG' });
    }
    expect(await queue.count()).toBe(before);
  });

  it('refuses URL renders of private addresses permanently', async () => {
    for (const url of [`http://127.0.0.1:${sentinelPort}/`, `http://localhost:${sentinelPort}/`, `http://public.test:${publicPort}/redirect-in`]) {
      const { ctx } = makeStepContext(db, tenant);
      const err = (await step.run(ctx, { url }).catch((e: StepError) => e)) as StepError;
      expect(err.details, url).toMatchObject({ retryable: false, code: 'RENDER_REFUSED' });
    }
    expect(sentinelHits).toEqual([]);
  });

  it('stops waiting when cancelled', async () => {
    const { ctx, abort } = makeStepContext(db, tenant);
    abort.abort();
    await expect(step.run(ctx, { template: 'receipt', variables: {} })).rejects.toThrow(/cancel/);
  });
});

describe('renderer isolation', () => {
  it('lets no template sub-request out (img, iframe, CSS @import, fonts, scripts, redirects, …)', async () => {
    const tdir = path.join(dir, 'templates');
    await mkdir(tdir, { recursive: true });
    await writeFile(path.join(tdir, 'hostile.html'), `<html><head><meta http-equiv="refresh" content="0;url=http://127.0.0.1:${sentinelPort}/refresh"></head><body><h1>{{title}}</h1>${attackMarkup()}</body></html>`);
    const publicBefore = publicHits.length;
    const html = new TemplateStore(tdir).render('hostile', { title: `<img src="http://127.0.0.1:${sentinelPort}/var">` });
    expect(html).not.toContain(`<img src="http://127.0.0.1:${sentinelPort}/var">`);
    const pdf = await worker.renderer.renderHtml(html);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await new Promise((r) => setTimeout(r, 300)); // a late meta refresh would land here
    expect(sentinelHits).toEqual([]);
    expect(publicHits.length).toBe(publicBefore);
  });

  it('URL renders fetch public resources through the guard and never the private ones', async () => {
    const pdf = await worker.renderer.renderUrl(`http://public.test:${publicPort}/page`);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await new Promise((r) => setTimeout(r, 300));
    expect(publicHits).toEqual(expect.arrayContaining(['/page', '/style.css', '/redirect-in']));
    expect(sentinelHits).toEqual([]);
  });

  it('recycles the browser after N renders', async () => {
    const r = new PdfRenderer({ chromiumPath: '/usr/bin/chromium', pagePoolSize: 1, maxRendersPerBrowser: 2, memLimitMb: 4096 });
    try {
      for (let i = 0; i < 3; i++) await r.renderHtml(`<p>${i}</p>`);
      expect(r.stats.browserLaunches).toBe(2);
    } finally {
      await r.stop();
    }
  });

  it('recycles the browser when it grows past MEM_LIMIT', async () => {
    const r = new PdfRenderer({ chromiumPath: '/usr/bin/chromium', pagePoolSize: 1, maxRendersPerBrowser: 1000, memLimitMb: 1 });
    try {
      await r.start();
      expect(r.stats.peakBrowserMemoryMb).toBeGreaterThan(10);
      await r.renderHtml('<p>1</p>');
      expect(r.stats.browserLaunches).toBe(2);
    } finally {
      await r.stop();
    }
  });

  it('escapes every variable', () => {
    expect(renderTemplate('<p title="{{a}}">{{a}} {{b.c}} {{missing}}</p>', { a: `"><script>x</script>'`, b: { c: 1 } })).toBe(
      '<p title="&#34;&#62;&#60;script&#62;x&#60;/script&#62;&#39;">&#34;&#62;&#60;script&#62;x&#60;/script&#62;&#39; 1 </p>',
    );
  });
});
