import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPg } from '@prisma/adapter-pg';
import { cancelExecution, retryExecution, triggerExecution } from '../src/engine/executions.ts';
import { runWrites } from '../src/engine/run-writes.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { uuidv7 } from '../src/uuid7.ts';
import { ConflictError, NotFoundError } from '../src/errors.ts';
import { createEngineDeps } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
let tenantId: string;
let workflowId: string;

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
  workflowId = (
    await db.workflow.create({
      data: {
        tenantId,
        name: 'sync',
        definition: { dateRange: { kind: 'relative', days: 3 }, variables: { a: 1 }, steps: [{ type: 'log', config: { message: 'hi {{a}}' } }] },
      },
    })
  ).id;
});
afterAll(async () => {
  await deps.close();
  await db.$disconnect();
});

describe('triggerExecution', () => {
  it('writes the PENDING row, then a job whose id is the execution id', async () => {
    const { execution, created } = await triggerExecution(deps, { tenantId, workflowId, trigger: 'API', context: { b: 2 } });
    expect(created).toBe(true);
    expect(execution).toMatchObject({ status: 'PENDING', stepsTotal: 1, input: { a: 1, b: 2 } });
    expect(execution.rangeEnd!.getTime() - execution.rangeStart!.getTime()).toBe(2 * 86_400_000);
    const job = await deps.queues.runs.getJob(execution.id);
    expect(job?.data).toEqual({ executionId: execution.id, tenantId });
  });

  it('returns the same execution for a repeated idempotency key, even when requests race', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => triggerExecution(deps, { tenantId, workflowId, trigger: 'API', idempotencyKey: 'order-42' })),
    );
    const ids = new Set(results.map((r) => r.execution.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await db.workflowExecution.count({ where: { tenantId, idempotencyKey: 'order-42' } })).toBe(1);
  });

  it('answers with exactly the row the batched INSERT stored', async () => {
    const { execution } = await triggerExecution(deps, { tenantId, workflowId, trigger: 'API', context: { nested: { n: null, list: [1, 'two'] } } });
    expect(execution).toEqual(await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id } }));
  });

  it('batches concurrent triggers; a missing workflow fails only its own request', async () => {
    const missing = '0190d1f0-0000-7000-8000-000000000000';
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => triggerExecution(deps, { tenantId, workflowId: i === 7 ? missing : workflowId, trigger: 'API', context: { i } })),
    );
    expect(results[7]).toMatchObject({ status: 'rejected', reason: expect.any(NotFoundError) });
    const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.execution);
    expect(ok).toHaveLength(39);
    const stored = await db.workflowExecution.findMany({ where: { id: { in: ok.map((e) => e.id) } }, select: { id: true, input: true } });
    expect(stored.map((e) => (e.input as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 7));
    const jobs = await Promise.all(ok.map((e) => deps.queues.runs.getJob(e.id)));
    expect(jobs.every((j, k) => j?.data.executionId === ok[k]!.id)).toBe(true);
  });

  it('never runs a remembered revision once the workflow changed: edits, disabling and deleting are seen by the next trigger', async () => {
    const wf = await db.workflow.create({ data: { tenantId, name: 'revisions', definition: { steps: [{ type: 'log', config: { message: 'v1' } }] } } });
    await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' }); // remembers v1
    await db.workflow.update({ where: { id: wf.id }, data: { version: 2, definition: { steps: [{ type: 'log', config: { message: 'v2' } }, { type: 'log', config: { message: 'v2' } }] } } });
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' });
    expect(execution).toMatchObject({ workflowVersion: 2, stepsTotal: 2 });
    expect(await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id } })).toMatchObject({ workflowVersion: 2, stepsTotal: 2 });
    await db.workflow.update({ where: { id: wf.id }, data: { enabled: false } });
    await expect(triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' })).rejects.toBeInstanceOf(ConflictError);
    await db.workflow.update({ where: { id: wf.id }, data: { enabled: true } });
    await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' });
    await db.workflow.update({ where: { id: wf.id }, data: { deletedAt: new Date() } });
    await expect(triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' })).rejects.toBeInstanceOf(NotFoundError);
    expect(await db.workflowExecution.count({ where: { workflowId: wf.id } })).toBe(3);
  });

  it('runs the batched statements through Prisma when the client has no pool of ours (no prepared statements)', async () => {
    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 2 }) });
    try {
      const { execution } = await triggerExecution({ ...deps, db: plain }, { tenantId, workflowId, trigger: 'API', context: { via: 'prisma' } });
      expect(execution).toEqual(await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id } }));
      const claimed = await runWrites(plain).claim({ id: execution.id, at: new Date(), stepId: uuidv7() });
      expect(claimed).toMatchObject({ id: execution.id, status: 'PENDING', marked: true, firstStepStarted: true, workflowVersion: 1 });
      expect(JSON.parse(claimed!.definition)).toMatchObject({ steps: [{ type: 'log' }] });
      const done = await runWrites(plain).completeStep({ tenantId, executionId: execution.id, index: 0, output: { ok: true }, at: new Date(), runOutput: { step0: { ok: true } } });
      expect(done).toEqual({ cancelRequested: false, status: 'COMPLETED' });
      const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: true } });
      expect(row).toMatchObject({ status: 'COMPLETED', stepsCompleted: 1, output: { step0: { ok: true } } });
      expect(row.stepRuns.map((s) => [s.status, s.output])).toEqual([['COMPLETED', { ok: true }]]);
    } finally {
      await plain.$disconnect();
      await deps.queues.runs.remove((await db.workflowExecution.findFirstOrThrow({ where: { tenantId, input: { path: ['via'], equals: 'prisma' } } })).id).catch(() => 0);
    }
  });

  it('treats another tenant’s workflow as missing', async () => {
    const other = await createTestTenant(db);
    await expect(triggerExecution(deps, { tenantId: other.id, workflowId, trigger: 'API' })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('cancelExecution and retryExecution', () => {
  it('cancels a pending run at once and removes its job; a second cancel is a conflict', async () => {
    const { execution } = await triggerExecution(deps, { tenantId, workflowId, trigger: 'MANUAL' });
    const cancelled = await cancelExecution(deps, tenantId, execution.id);
    expect(cancelled.status).toBe('CANCELLED');
    expect(await deps.queues.runs.getJob(execution.id)).toBeUndefined();
    await expect(cancelExecution(deps, tenantId, execution.id)).rejects.toBeInstanceOf(ConflictError);
  });

  it('retries a cancelled run as a new execution over the same dates', async () => {
    const { execution } = await triggerExecution(deps, { tenantId, workflowId, trigger: 'MANUAL' });
    await cancelExecution(deps, tenantId, execution.id);
    const retry = await retryExecution(deps, tenantId, execution.id);
    expect(retry).toMatchObject({ retryOfId: execution.id, status: 'PENDING' });
    expect(retry.rangeStart).toEqual(execution.rangeStart);
    expect(retry.rangeEnd).toEqual(execution.rangeEnd);
    await expect(retryExecution(deps, tenantId, retry.id)).rejects.toBeInstanceOf(ConflictError);
  });
});
