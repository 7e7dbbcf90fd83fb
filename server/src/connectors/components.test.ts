// The wiring npm start uses: simulators + step registrations (worker role) and the pdf worker
// (pdf-worker role), started as components and driven through the registry.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import type { Component } from '../component.ts';
import { loadConfig } from '../config.ts';
import { createQueues } from '../engine/queues.ts';
import { StepRegistry } from '../engine/steps/registry.ts';
import { createFilesRoute } from '../http/files.ts';
import { createLogger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { connectorComponents, pdfWorkerComponent } from './components.ts';
import { makeStepContext } from './test-context.ts';

const db = testDb();
const redis = createRedis();
const registry = new StepRegistry();
let components: Component[] = [];
let dir: string;
let files: Server;
let config: ReturnType<typeof loadConfig>;
let queues: ReturnType<typeof createQueues>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fd-components-'));
  files = createServer();
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  const port = (files.address() as { port: number }).port;
  config = loadConfig({ ...process.env, REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`, STORAGE_LOCAL_DIR: dir, PUBLIC_URL: `http://127.0.0.1:${port}`, USE_SIMULATORS: 'true', META_REQUEST_DELAY_MS: '0', POS_REQUEST_DELAY_MS: '0', PDF_PAGE_POOL_SIZE: '1' });
  const route = createFilesRoute({ root: dir, signingSecret: config.signingSecret });
  files.on('request', (req, res) => void route(req, res, new URL(req.url!, 'http://x')));
  queues = createQueues(redis, config.redisPrefix);
  components = [...connectorComponents({ config, redis, queues, registry, logger: createLogger('silent') }), pdfWorkerComponent({ config, redis })];
  for (const c of components) await c.start();
});

afterAll(async () => {
  for (const c of [...components].reverse()) await c.stop();
  await queues.pdf.obliterate({ force: true }).catch(() => {});
  await queues.close();
  redis.disconnect();
  files.close();
  await rm(dir, { recursive: true, force: true });
  await db.$disconnect();
});

describe('connector components', () => {
  it('run every connector step against the in-process simulators and the pdf worker', async () => {
    const tenant = await createTestTenant(db);
    const { ctx } = makeStepContext(db, tenant);
    const sent = (await registry.get('whatsapp.send')!.run(ctx, { to: '0917 555 0101', template: 'visa_approved' })) as { messageId: string };
    expect(await db.outboundMessage.findUniqueOrThrow({ where: { id: sent.messageId } })).toMatchObject({ status: 'SENT', recipient: '+639175550101' });

    const daily = (await registry.get('sales.daily.sync')!.run(ctx, {})) as { metaRows: number; posOrders: number };
    expect(daily.metaRows).toBeGreaterThan(0);
    expect(daily.posOrders).toBeGreaterThan(0);

    const doc = (await registry.get('pdf.generate')!.run(ctx, { template: 'receipt', variables: { receipt_number: 'R-9' } })) as { url: string; documentId: string };
    const res = await fetch(doc.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    expect(await db.document.findUniqueOrThrow({ where: { id: doc.documentId } })).toMatchObject({ storageDriver: 'local', tenantId: tenant.id });
  });
});
