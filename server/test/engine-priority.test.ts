// A slot's run is not stuck behind a backlog of manual and API runs: scheduled runs take the
// queue's front (BullMQ serves jobs without a priority before prioritized ones).
import { afterAll, expect, it } from 'vitest';
import { triggerExecution } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
afterAll(async () => {
  await deps.close();
  await db.$disconnect();
});

it('starts a scheduled run before API runs that were queued earlier', async () => {
  const tenantId = (await createTestTenant(db)).id;
  const wf = await db.workflow.create({ data: { tenantId, name: 'backlog', definition: { steps: [{ type: 'log', config: { message: 'run' } }] } } });
  const backlog = [];
  for (let i = 0; i < 20; i++) backlog.push((await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: i % 2 ? 'API' : 'MANUAL' })).execution.id);
  const slot = new Date();
  const scheduled = (await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'SCHEDULE', scheduledFor: slot, idempotencyKey: `slot:${wf.id}:${slot.toISOString()}` })).execution.id;
  // One run at a time, so the start order is the queue's order.
  const worker = new RunWorker({ ...deps, registry: createBuiltinRegistry(), logSink: collectLogs(), logger: quietLogger, driftWarnMs: 60_000, concurrency: 1, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 1000 });
  await worker.start();
  try {
    await waitFor(async () => (await db.workflowExecution.count({ where: { workflowId: wf.id, status: 'COMPLETED' } })) === 21, 30_000, 'every run');
  } finally {
    await worker.stop();
  }
  const order = (await db.workflowExecution.findMany({ where: { workflowId: wf.id }, orderBy: { startedAt: 'asc' }, select: { id: true } })).map((r) => r.id);
  expect(order[0]).toBe(scheduled);
  // The backlog keeps its own order.
  expect(order.slice(1)).toEqual(backlog);
});
