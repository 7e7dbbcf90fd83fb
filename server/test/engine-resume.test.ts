// Retry from the failed step on the real stack pieces: the run worker with the connector steps
// against the in-process simulators, and the pdf worker with its Chromium. A run renders a PDF and
// then fails at whatsapp.send; after the step is fixed, a FAILED retry reuses the recorded PDF
// (no second render) and runs only the WhatsApp step; a START retry runs everything again.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Component } from '../src/component.ts';
import { loadConfig } from '../src/config.ts';
import { connectorComponents, pdfWorkerComponent } from '../src/connectors/components.ts';
import { triggerExecution } from '../src/engine/executions.ts';
import { createQueues } from '../src/engine/queues.ts';
import { retryExecutionFrom } from '../src/engine/resume.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { ConflictError } from '../src/errors.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis } from '../src/redis.ts';
import { updateWorkflow } from '../src/workflows/service.ts';
import { collectLogs, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const redis = createRedis();
const registry = createBuiltinRegistry();
let components: Component[] = [];
let dir: string;
let config: ReturnType<typeof loadConfig>;
let queues: ReturnType<typeof createQueues>;
let worker: RunWorker;
let tenantId: string;
let deps: { db: typeof db; redis: typeof redis; queues: typeof queues; redisPrefix: string };

const definition = (whatsappTemplate: string, receipt = 'R-77') => ({
  steps: [
    { id: 'render', type: 'pdf.generate' as const, config: { template: 'receipt', variables: { receipt_number: receipt } } },
    { id: 'notify', type: 'whatsapp.send' as const, retry: { attempts: 1 }, config: { to: '0917 555 0101', template: whatsappTemplate } },
  ],
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fd-resume-'));
  config = loadConfig({ ...process.env, REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`, STORAGE_LOCAL_DIR: dir, PUBLIC_URL: 'http://127.0.0.1:9', USE_SIMULATORS: 'true', PDF_PAGE_POOL_SIZE: '1' });
  queues = createQueues(redis, config.redisPrefix);
  deps = { db, redis, queues, redisPrefix: config.redisPrefix };
  components = [...connectorComponents({ config, redis, queues, registry, logger: createLogger('silent') }), pdfWorkerComponent({ config, redis })];
  for (const c of components) await c.start();
  worker = new RunWorker({ ...deps, registry, logSink: collectLogs(), logger: quietLogger, driftWarnMs: 5000, concurrency: 2, stalledIntervalMs: 30_000, lockDurationMs: 60_000, drainMs: 1000 });
  await worker.start();
  tenantId = (await createTestTenant(db)).id;
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  for (const c of [...components].reverse()) await c.stop();
  for (const q of [queues.runs, queues.pdf]) await q.obliterate({ force: true }).catch(() => {});
  await queues.close();
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
  await db.$disconnect();
});

async function finished(id: string) {
  return waitFor(async () => {
    const e = await db.workflowExecution.findUniqueOrThrow({ where: { id }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
    return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.status) && e;
  }, 60_000, 'the run to finish');
}

const renders = () => db.document.count({ where: { tenantId } });

describe('retry from the failed step', () => {
  it('reuses the rendered PDF and runs only the failed WhatsApp step; START runs everything again', async () => {
    const wf = (await db.workflow.create({ data: { tenantId, name: 'visa pdf then whatsapp', definition: definition('no-such-flow') } })).id;
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API', context: { applicantId: 'A-1' } });
    const first = await finished(execution.id);
    expect(first.status).toBe('FAILED');
    expect(first.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'FAILED']);
    expect(await renders()).toBe(1);
    const pdf = first.stepRuns[0]!.output as { documentId: string; url: string };

    // The step that failed is fixed (the usual reason to retry); the render step is unchanged.
    await updateWorkflow(deps, tenantId, wf, { definition: definition('visa_approved') });
    const attempt2 = await retryExecutionFrom(deps, tenantId, execution.id, 'FAILED', 'API');
    expect(attempt2).toMatchObject({ retryOfId: execution.id, attemptNumber: 2, resumeFromIndex: 1 });
    // The reused step is there at once, before a worker picks the attempt up.
    const reusedNow = await db.stepRun.findMany({ where: { executionId: attempt2.id } });
    expect(reusedNow.map((s) => [s.index, s.status, s.reusedFromStepRunId])).toEqual([[0, 'COMPLETED', first.stepRuns[0]!.id]]);

    const second = await finished(attempt2.id);
    expect(second.status).toBe('COMPLETED');
    expect(second.attempts).toBe(1);
    expect(second.stepsCompleted).toBe(2);
    expect(second.stepRuns.map((s) => [s.index, s.status, s.reusedFromStepRunId !== null])).toEqual([
      [0, 'COMPLETED', true],
      [1, 'COMPLETED', false],
    ]);
    // The recorded PDF is the one this attempt used: no second render.
    expect(second.stepRuns[0]!.output).toEqual(pdf);
    expect(await renders()).toBe(1);
    expect((second.output as Record<string, { documentId?: string }>).render?.documentId).toBe(pdf.documentId);
    expect(await db.outboundMessage.count({ where: { executionId: attempt2.id } })).toBe(1);

    // START (the default) re-runs every step: a second render.
    const fresh = await retryExecutionFrom(deps, tenantId, execution.id, 'START', 'API');
    expect(fresh).toMatchObject({ retryOfId: execution.id, attemptNumber: 2, resumeFromIndex: null });
    const third = await finished(fresh.id);
    expect(third.status).toBe('COMPLETED');
    expect(third.stepRuns.every((s) => s.reusedFromStepRunId === null)).toBe(true);
    expect(await renders()).toBe(2);
  }, 120_000);

  it('refuses a FAILED retry of a run that did not fail, or after the steps before the failure changed; nothing is created', async () => {
    const wf = (await db.workflow.create({ data: { tenantId, name: 'refusals', definition: definition('no-such-flow', 'R-1') } })).id;
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' });
    expect((await finished(execution.id)).status).toBe('FAILED');
    const before = await db.workflowExecution.count({ where: { tenantId } });

    // The render step now renders another receipt: its recorded PDF is not what it would make.
    await updateWorkflow(deps, tenantId, wf, { definition: definition('visa_approved', 'R-2') });
    const changed = retryExecutionFrom(deps, tenantId, execution.id, 'FAILED');
    await expect(changed).rejects.toBeInstanceOf(ConflictError);
    await expect(changed).rejects.toThrow(/config of step 0 \("render"\) changed/);

    // Back to the same render step: allowed, and it completes.
    await updateWorkflow(deps, tenantId, wf, { definition: definition('visa_approved', 'R-1') });
    const ok = await retryExecutionFrom(deps, tenantId, execution.id, 'FAILED');
    const done = await finished(ok.id);
    expect(done.status).toBe('COMPLETED');
    await expect(retryExecutionFrom(deps, tenantId, ok.id, 'FAILED')).rejects.toThrow(/Only a failed execution/);
    expect(await db.workflowExecution.count({ where: { tenantId } })).toBe(before + 1);
  }, 120_000);
});
