// Bulk cancel and retry as background operations with progress, stop, and crash-safe re-runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processBulkOperation, startBulkOperation, stopBulkOperation } from '../src/engine/bulk.ts';
import { triggerExecution } from '../src/engine/executions.ts';
import { MaintenanceWorker } from '../src/engine/maintenance.ts';
import type { ExecutionStatus } from '../src/generated/prisma/enums.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
let tenantId: string;

async function workflow(t = tenantId) {
  return (await db.workflow.create({ data: { tenantId: t, name: 'bulk', definition: { steps: [{ type: 'log', config: { message: 'x' } }] } } })).id;
}

async function rows(workflowId: string, status: ExecutionStatus, n: number, t = tenantId) {
  await db.workflowExecution.createMany({
    data: Array.from({ length: n }, () => ({ tenantId: t, workflowId, workflowVersion: 1, trigger: 'API' as const, status, stepsTotal: 1, finishedAt: new Date() })),
  });
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
});
afterAll(async () => {
  await deps.close();
  await db.$disconnect();
});

describe('bulk operations', () => {
  it('retries every matching execution in the background, with progress, and never twice', async () => {
    const wf = await workflow();
    const other = await workflow();
    await rows(wf, 'FAILED', 130);
    await rows(wf, 'COMPLETED', 5);
    await rows(other, 'FAILED', 3);
    const otherTenant = (await createTestTenant(db)).id;
    await rows(await workflow(otherTenant), 'FAILED', 4, otherTenant);

    const op = await startBulkOperation(deps, { tenantId, kind: 'RETRY', filter: { workflowId: wf } });
    expect(op).toMatchObject({ status: 'PENDING', total: 130, processed: 0 });
    const maintenance = new MaintenanceWorker({ ...deps, logger: quietLogger, sweepTenantId: tenantId, sweepIntervalMs: 60_000, pendingAfterMs: 60_000 });
    await maintenance.start();
    let done;
    try {
      done = await waitFor(async () => {
        const row = await db.bulkOperation.findUniqueOrThrow({ where: { id: op.id } });
        return row.status !== 'PENDING' && row.status !== 'RUNNING' && row;
      }, 40_000, 'the bulk retry');
    } finally {
      await maintenance.stop();
    }
    expect(done).toMatchObject({ status: 'COMPLETED', total: 130, processed: 130, succeeded: 130 });
    expect(await db.workflowExecution.count({ where: { tenantId, workflowId: wf, retryOfId: { not: null }, status: 'PENDING' } })).toBe(130);
    expect(await db.workflowExecution.count({ where: { workflowId: other, retryOfId: { not: null } } })).toBe(0);
    expect(await db.workflowExecution.count({ where: { tenantId: otherTenant, retryOfId: { not: null } } })).toBe(0);

    // A crash after some batches means the job runs again over the same rows: nothing doubles.
    await db.bulkOperation.update({ where: { id: op.id }, data: { status: 'RUNNING', cursor: null } });
    await processBulkOperation(deps, op.id);
    expect(await db.workflowExecution.count({ where: { tenantId, workflowId: wf, retryOfId: { not: null } } })).toBe(130);
  });

  it('cancels matching runs and stops between batches when asked', async () => {
    const wf = await workflow();
    const pending = [];
    for (let i = 0; i < 12; i++) pending.push((await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' })).execution.id);
    const stopped = await startBulkOperation(deps, { tenantId, kind: 'CANCEL', filter: { workflowId: wf } });
    await stopBulkOperation(deps, tenantId, stopped.id);
    expect(await processBulkOperation(deps, stopped.id)).toMatchObject({ status: 'STOPPED', processed: 0 });
    expect(await db.workflowExecution.count({ where: { id: { in: pending }, status: 'PENDING' } })).toBe(12);

    const op = await startBulkOperation(deps, { tenantId, kind: 'CANCEL', filter: { workflowId: wf, statuses: ['PENDING'] } });
    expect(await processBulkOperation(deps, op.id)).toMatchObject({ status: 'COMPLETED', total: 12, processed: 12, succeeded: 12 });
    expect(await db.workflowExecution.count({ where: { id: { in: pending }, status: 'CANCELLED' } })).toBe(12);
    for (const id of pending) expect(await deps.queues.runs.getJob(id)).toBeUndefined();
  });

  it('rejects a filter that does not fit the action, and hides other tenants’ operations', async () => {
    await expect(startBulkOperation(deps, { tenantId, kind: 'RETRY', filter: { statuses: ['RUNNING'] } })).rejects.toBeInstanceOf(ValidationError);
    await expect(startBulkOperation(deps, { tenantId, kind: 'CANCEL', filter: { createdFrom: 'yesterday' } })).rejects.toThrow('filter.createdFrom must be an ISO date-time');
    const op = await startBulkOperation(deps, { tenantId, kind: 'CANCEL', filter: {} });
    const stranger = (await createTestTenant(db)).id;
    await expect(stopBulkOperation(deps, stranger, op.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
