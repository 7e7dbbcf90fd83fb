// PDF benchmark: cold start, then warm latency of the pdf.generate step (queue → pdf worker →
// render → local-storage upload → Document row → signed link) over 100 renders of a one-page
// template, against raw page.setContent()+page.pdf() of the same HTML in the same Chromium, and
// the peak memory of the worker (Node process + Chromium process tree).
// Run: npm run bench (or node --import tsx tools/src/bench/bench-pdf.ts). Uses DATABASE_URL and
// REDIS_URL when set; otherwise private services under .data/bench (wiped first).
import { randomBytes, randomUUID } from 'node:crypto';
import { metric, percentile } from './bench-metrics.ts';
import path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import puppeteer from 'puppeteer-core';
import { createPdfGenerateStep } from '../../../server/src/connectors/pdf/generate-step.ts';
import { PdfWorker } from '../../../server/src/connectors/pdf/pdf-worker.ts';
import { TemplateStore } from '../../../server/src/connectors/pdf/templates.ts';
import { LocalStorage } from '../../../server/src/connectors/storage/local.ts';
import { makeStepContext } from '../../../server/src/connectors/test-context.ts';
import { createDb } from '../../../server/src/db.ts';
import { bullPrefix, QUEUE_NAMES } from '../../../server/src/engine/queues.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { removeDir, startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = path.join(root, '.data', 'bench');
const say = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const services: Service[] = [];

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  let databaseUrl = process.env.DATABASE_URL;
  let redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    await removeDir(dataDir);
    const [pg, redis] = await Promise.all([
      startPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: false, log: say }),
      startRedis({ dataDir: path.join(dataDir, 'redis'), log: say }),
    ]);
    services.push(pg, redis);
    databaseUrl = pg.url;
    redisUrl = redis.url;
    await migrate(databaseUrl);
  }
  const db = createDb(databaseUrl, 4);
  const redis = createRedis(redisUrl);
  const prefix = `bench${randomUUID().slice(0, 6)}`;
  const tenant = await db.tenant.create({ data: { name: 'Bench', slug: `bench-${randomUUID().slice(0, 8)}` } });
  const storage = new LocalStorage({ root: path.join(dataDir, 'storage'), publicUrl: 'http://localhost:4000', signingSecret: randomBytes(32) });
  const templates = new TemplateStore();
  const vars = { receipt_number: 'R-000123', date: '2026-11-23', business_name: 'Demo Travel', business_address: 'Makati, Metro Manila', customer_name: 'Maria Santos', items: [{ name: 'Tourist visa fee', quantity: 1, price: '2,500.00', amount: '2,500.00' }, { name: 'Service fee', quantity: 1, price: '500.00', amount: '500.00' }], currency: 'PHP', total: '3,000.00', payment_method: 'GCash' };
  const worker = new PdfWorker({
    connection: redis,
    redisPrefix: prefix,
    storage,
    templates,
    renderer: { chromiumPath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', pagePoolSize: Number(process.env.PDF_PAGE_POOL_SIZE ?? 2), maxRendersPerBrowser: Number(process.env.PDF_MAX_RENDERS_PER_BROWSER ?? 500), memLimitMb: Number(process.env.MEM_LIMIT ?? 1024) },
  });
  const queue = new Queue(QUEUE_NAMES.pdf, { connection: redis, prefix: bullPrefix(prefix) });
  const eventsConnection = redis.duplicate();
  const queueEvents = new QueueEvents(QUEUE_NAMES.pdf, { connection: eventsConnection, prefix: bullPrefix(prefix) });
  await queueEvents.waitUntilReady();
  const step = createPdfGenerateStep({ queue, queueEvents, storage, templates, signedUrlTtlSeconds: 86_400 });

  let peakNode = 0;
  let peakBrowser = 0;
  const sample = async () => {
    peakNode = Math.max(peakNode, process.memoryUsage().rss / 1024 / 1024);
    peakBrowser = Math.max(peakBrowser, await worker.renderer.sampleMemory());
  };
  const sampler = setInterval(() => void sample(), 250);

  const runStep = async () => {
    const { ctx } = makeStepContext(db, tenant);
    const t = performance.now();
    await step.run(ctx, { template: 'receipt', variables: vars });
    return performance.now() - t;
  };

  const t0 = performance.now();
  await worker.start();
  const launchMs = performance.now() - t0;
  const firstStepMs = await runStep();
  const coldMs = performance.now() - t0;

  // The three measurements are interleaved, so a busy machine slows them alike and the ratio holds.
  const html = templates.render('receipt', vars);
  const browser = await puppeteer.connect({ browserWSEndpoint: worker.renderer.browserInfo()!.wsEndpoint });
  const page = await browser.newPage();
  const rawRender = async () => {
    const t = performance.now();
    await page.setContent(html, { waitUntil: 'load' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    return { ms: performance.now() - t, bytes: pdf.length };
  };
  const pipelineRender = async (i: number) => {
    const t = performance.now();
    await worker.process({ tenantId: tenant.id, executionId: randomUUID(), template: 'receipt', variables: vars, storageKey: `receipts/bench-${i}.pdf` });
    return performance.now() - t;
  };
  for (let i = 0; i < 5; i++) {
    await runStep();
    await rawRender();
    await pipelineRender(-1);
  }
  const warm: number[] = [];
  const pipeline: number[] = [];
  const raw: number[] = [];
  let rawBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    warm.push(await runStep());
    const r = await rawRender();
    raw.push(r.ms);
    rawBytes = r.bytes;
    pipeline.push(await pipelineRender(i));
  }
  await page.close();
  await browser.disconnect();
  await sample();
  clearInterval(sampler);

  const lines = [
    `PDF benchmark (${RUNS} interleaved warm renders each of the one-page "receipt" template, ${rawBytes} bytes; page pool ${process.env.PDF_PAGE_POOL_SIZE ?? 2}, sequential)`,
    `  cold start            ${ms(coldMs)}  (browser launch ${ms(launchMs)} + first pdf.generate ${ms(firstStepMs)})`,
    `  pdf.generate warm     p50 ${ms(percentile(warm, 50))}  p95 ${ms(percentile(warm, 95))}  max ${ms(Math.max(...warm))}   (queue → worker → render → storage upload → Document row → signed URL)`,
    `  worker render+upload  p50 ${ms(percentile(pipeline, 50))}  p95 ${ms(percentile(pipeline, 95))}   (no queue)`,
    `  raw page.pdf()        p50 ${ms(percentile(raw, 50))}  p95 ${ms(percentile(raw, 95))}   (setContent + pdf of the same HTML, same Chromium, plain page)`,
    `  ratio step/raw        p50 ${(percentile(warm, 50) / percentile(raw, 50)).toFixed(2)}x  p95 ${(percentile(warm, 95) / percentile(raw, 95)).toFixed(2)}x`,
    `  browser launches      ${worker.renderer.stats.browserLaunches} (recycled after ${process.env.PDF_MAX_RENDERS_PER_BROWSER ?? 500} renders or above MEM_LIMIT)`,
    `  peak memory           worker process ${peakNode.toFixed(0)} MB RSS + Chromium tree ${peakBrowser.toFixed(0)} MB = ${(peakNode + peakBrowser).toFixed(0)} MB (MEM_LIMIT ${process.env.MEM_LIMIT ?? 1024} MB)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  metric('pdf', 'cold start', coldMs, 'ms', 'lower');
  metric('pdf', 'pdf.generate warm p50', percentile(warm, 50), 'ms', 'lower');
  metric('pdf', 'pdf.generate warm p95', percentile(warm, 95), 'ms', 'lower');
  metric('pdf', 'raw page.pdf() p95', percentile(raw, 95), 'ms', 'lower');
  metric('pdf', 'step / raw p95', percentile(warm, 95) / percentile(raw, 95), 'x', 'lower');
  metric('pdf', 'peak memory', peakNode + peakBrowser, 'MB', 'lower');

  await worker.stop();
  await queueEvents.close();
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  eventsConnection.disconnect();
  redis.disconnect();
  await db.$disconnect();
}

try {
  await main();
} finally {
  for (const s of services.reverse()) await s.stop();
}
