// The maintenance queue: the sweeper repairs a crash between row write and enqueue, and
// nightly task failures are recorded as MaintenanceRun rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueRun } from '../src/engine/executions.ts';
import { MaintenanceWorker, NIGHTLY_JOB } from '../src/engine/maintenance.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
let tenantId: string;
let workflowId: string;

async function pendingRow(ageMs: number) {
  return db.workflowExecution.create({
    data: { tenantId, workflowId, workflowVersion: 1, trigger: 'API', stepsTotal: 1, createdAt: new Date(Date.now() - ageMs) },
  });
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
  workflowId = (await db.workflow.create({ data: { tenantId, name: 'swept', definition: { steps: [{ type: 'log', config: { message: 'rescued' } }] } } })).id;
});
afterAll(async () => {
  await deps.close();
  await db.$disconnect();
});

describe('sweeper', () => {
  it('enqueues old PENDING rows that have no job, and only those; the run then completes', async () => {
    // 30 s old against a 20 s threshold: other suites' apps sweep (every tenant, in their own
    // queues) only rows older than the default 60 s, so only this sweeper ever lists these rows.
    const orphan = await pendingRow(30_000); // the trigger crashed after writing the row
    const young = await pendingRow(0); // its trigger may still be enqueueing
    const queued = await pendingRow(30_000);
    await enqueueRun(deps.queues, { executionId: queued.id, tenantId });
    const before = await deps.queues.runs.getJob(queued.id);

    const maintenance = new MaintenanceWorker({ ...deps, logger: quietLogger, sweepTenantId: tenantId, sweepIntervalMs: 200, pendingAfterMs: 20_000 });
    await maintenance.start();
    try {
      await waitFor(async () => deps.queues.runs.getJob(orphan.id), 5000, 'the orphan to be enqueued');
      const record = await waitFor(async () => db.maintenanceRun.findFirst({ where: { task: 'sweep-pending', status: 'SUCCEEDED', details: { path: ['executionIds'], array_contains: [orphan.id] } } }));
      expect((record.details as { executionIds: string[] }).executionIds).toContain(orphan.id);
      expect((record.details as { executionIds: string[] }).executionIds).not.toContain(queued.id);
      expect(await deps.queues.runs.getJob(young.id)).toBeUndefined();
      expect((await deps.queues.runs.getJob(queued.id))?.timestamp).toBe(before?.timestamp);
    } finally {
      await maintenance.stop();
    }

    const runs = new RunWorker({ ...deps, registry: createBuiltinRegistry(), logSink: collectLogs(), logger: quietLogger, driftWarnMs: 5000, concurrency: 2, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 1000 });
    await runs.start();
    try {
      await waitFor(async () => (await db.workflowExecution.findUniqueOrThrow({ where: { id: orphan.id } })).status === 'COMPLETED', 5000, 'the orphan to run');
    } finally {
      await runs.stop();
    }
  });
});

describe('nightly maintenance', () => {
  it('records every task; a failing one is a FAILED MaintenanceRun with its error and fails the job', async () => {
    const maintenance = new MaintenanceWorker({
      ...deps,
      logger: quietLogger,
      sweepIntervalMs: 60_000,
      pendingAfterMs: 60_000,
      tasks: {
        'test-ok': async () => ({ pruned: 3 }),
        'test-broken': async () => {
          throw new Error('partition lock timeout');
        },
      },
    });
    await expect(maintenance.process({ name: NIGHTLY_JOB, data: {} })).rejects.toThrow('nightly tasks failed: test-broken');
    const ok = await db.maintenanceRun.findFirstOrThrow({ where: { task: 'test-ok' } });
    expect(ok).toMatchObject({ status: 'SUCCEEDED', details: { pruned: 3 } });
    const broken = await db.maintenanceRun.findFirstOrThrow({ where: { task: 'test-broken' } });
    expect(broken).toMatchObject({ status: 'FAILED', error: 'partition lock timeout' });
    expect(broken.finishedAt).not.toBeNull();
  });
});
