// Bulk cancel / retry: one BulkOperation row per request, worked off by a `bulk` job on the
// maintenance queue in keyset order (id ascending). Progress counters and the cursor are written
// after every batch, so the API shows progress, a stop request is honoured between batches, and
// a re-run after a crash continues after the cursor. Retries carry the idempotency key
// `bulk:<operationId>:<executionId>`, so even a batch repeated after a crash retries nothing twice.
import type { BulkOperation, Prisma } from '../generated/prisma/client.ts';
import type { BulkOperationKind, ExecutionStatus } from '../generated/prisma/enums.ts';
import { ConflictError, NotFoundError, ValidationError, type InputProblem } from '../errors.ts';
import { cancelExecution, retryExecution, type EngineDeps } from './executions.ts';
import { injectTraceContext, type TraceCarrier } from '../tracing/tracing.ts';

export interface BulkFilter {
  workflowId?: string;
  statuses?: ExecutionStatus[];
  /** ISO timestamps bounding the executions' createdAt (inclusive). */
  createdFrom?: string;
  createdTo?: string;
}

export const BULK_JOB = 'bulk';

export interface BulkJobData {
  bulkOperationId: string;
  /** W3C trace context of the mutation that asked for it (only when tracing is on). */
  trace?: TraceCarrier;
}

const BATCH = 100;
const ALLOWED: Record<BulkOperationKind, ExecutionStatus[]> = {
  CANCEL: ['PENDING', 'RUNNING', 'WAITING'],
  RETRY: ['FAILED', 'CANCELLED'],
};
const FINISHED_BULK = ['COMPLETED', 'FAILED', 'STOPPED'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function validateFilter(kind: BulkOperationKind, filter: BulkFilter): BulkFilter {
  const problems: InputProblem[] = [];
  if (filter.workflowId !== undefined && !UUID.test(filter.workflowId)) problems.push({ path: 'filter.workflowId', message: 'must be a workflow id' });
  const statuses = filter.statuses ?? ALLOWED[kind];
  const bad = statuses.filter((s) => !ALLOWED[kind].includes(s));
  if (bad.length || statuses.length === 0) problems.push({ path: 'filter.statuses', message: `${kind} applies to ${ALLOWED[kind].join(', ')} executions` });
  for (const key of ['createdFrom', 'createdTo'] as const) {
    if (filter[key] !== undefined && Number.isNaN(Date.parse(filter[key]))) problems.push({ path: `filter.${key}`, message: 'must be an ISO date-time' });
  }
  if (filter.createdFrom && filter.createdTo && Date.parse(filter.createdFrom) > Date.parse(filter.createdTo)) {
    problems.push({ path: 'filter.createdTo', message: 'must not be before createdFrom' });
  }
  if (problems.length) throw new ValidationError(problems);
  return { ...filter, statuses };
}

function where(tenantId: string, filter: BulkFilter, before: Date, after?: string | null): Prisma.WorkflowExecutionWhereInput {
  return {
    tenantId,
    ...(filter.workflowId ? { workflowId: filter.workflowId } : {}),
    status: { in: filter.statuses! },
    // Only what existed when the operation was asked for: retries it creates never match it.
    createdAt: {
      lte: filter.createdTo ? new Date(Math.min(Date.parse(filter.createdTo), before.getTime())) : before,
      ...(filter.createdFrom ? { gte: new Date(filter.createdFrom) } : {}),
    },
    ...(after ? { id: { gt: after } } : {}),
  };
}

export async function startBulkOperation(deps: EngineDeps, input: { tenantId: string; kind: BulkOperationKind; filter: BulkFilter }): Promise<BulkOperation> {
  const filter = validateFilter(input.kind, input.filter);
  const now = (deps.now ?? (() => new Date()))();
  const total = await deps.db.workflowExecution.count({ where: where(input.tenantId, filter, now) });
  const op = await deps.db.bulkOperation.create({
    data: { tenantId: input.tenantId, kind: input.kind, filter: filter as Prisma.InputJsonObject, total, createdAt: now },
  });
  const trace = injectTraceContext();
  const data: BulkJobData = { bulkOperationId: op.id, ...(trace ? { trace } : {}) };
  await deps.queues.maintenance.add(BULK_JOB, data, { jobId: `bulk-${op.id}`, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } });
  return op;
}

/** Asks a running operation to stop after its current batch. */
export async function stopBulkOperation(deps: EngineDeps, tenantId: string, id: string): Promise<BulkOperation> {
  const op = await deps.db.bulkOperation.findFirst({ where: { id, tenantId } });
  if (!op) throw new NotFoundError('BulkOperation', id);
  if (FINISHED_BULK.includes(op.status)) throw new ConflictError(`The bulk operation already finished (${op.status})`);
  return deps.db.bulkOperation.update({ where: { id }, data: { stopRequestedAt: op.stopRequestedAt ?? new Date() } });
}

/** The body of a `bulk` job. */
export async function processBulkOperation(deps: EngineDeps, id: string): Promise<BulkOperation> {
  const { db } = deps;
  let op = await db.bulkOperation.findUniqueOrThrow({ where: { id } });
  if (FINISHED_BULK.includes(op.status)) return op;
  op = await db.bulkOperation.update({ where: { id }, data: { status: 'RUNNING', startedAt: op.startedAt ?? new Date() } });
  const filter = op.filter as BulkFilter;
  try {
    for (;;) {
      const fresh = await db.bulkOperation.findUniqueOrThrow({ where: { id }, select: { stopRequestedAt: true, cursor: true } });
      if (fresh.stopRequestedAt) return await db.bulkOperation.update({ where: { id }, data: { status: 'STOPPED', finishedAt: new Date() } });
      const batch = await db.workflowExecution.findMany({
        where: where(op.tenantId, filter, op.createdAt, fresh.cursor),
        select: { id: true },
        orderBy: { id: 'asc' },
        take: BATCH,
      });
      if (batch.length === 0) return await db.bulkOperation.update({ where: { id }, data: { status: 'COMPLETED', finishedAt: new Date() } });
      let succeeded = 0;
      for (const { id: executionId } of batch) {
        try {
          if (op.kind === 'CANCEL') await cancelExecution(deps, op.tenantId, executionId);
          else await retryExecution(deps, op.tenantId, executionId, 'MANUAL', { idempotencyKey: `bulk:${id}:${executionId}` });
          succeeded++;
        } catch (err) {
          // Finished (or retried) since it matched: counted as processed, not as done.
          if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
        }
      }
      await db.bulkOperation.update({
        where: { id },
        data: { processed: { increment: batch.length }, succeeded: { increment: succeeded }, cursor: batch.at(-1)!.id },
      });
    }
  } catch (err) {
    await db.bulkOperation.update({ where: { id }, data: { status: 'FAILED', finishedAt: new Date(), error: (err as Error).message } });
    throw err;
  }
}
