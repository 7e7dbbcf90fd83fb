// Repairs a crash between writing an execution row and enqueueing its job: PENDING rows older
// than a threshold that have no job get one. The job id is the execution id, so enqueueing a
// row that did have a job (a race with a slow trigger) is a no-op.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { enqueueRun, runPriority } from './executions.ts';
import type { Queues } from './queues.ts';

export interface SweepDeps {
  db: PrismaClient;
  queues: Queues;
  now?: () => Date;
  /** Limits the sweep to one tenant (test suites share one database but not one queue). */
  tenantId?: string;
}

const BATCH = 500;

export async function sweepPending(deps: SweepDeps, olderThanMs: number): Promise<{ checked: number; enqueued: string[] }> {
  const now = (deps.now ?? (() => new Date()))();
  const rows = await deps.db.workflowExecution.findMany({
    // A parked run (concurrency.ts) has no job on purpose: promoteStaleWaiting looks after it.
    where: { status: 'PENDING', parkedAt: null, createdAt: { lt: new Date(now.getTime() - olderThanMs) }, ...(deps.tenantId ? { tenantId: deps.tenantId } : {}) },
    select: { id: true, tenantId: true, trigger: true },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });
  const enqueued: string[] = [];
  for (const row of rows) {
    if (await deps.queues.runs.getJob(row.id)) continue;
    await enqueueRun(deps.queues, { executionId: row.id, tenantId: row.tenantId }, 0, runPriority(row.trigger));
    enqueued.push(row.id);
  }
  return { checked: rows.length, enqueued };
}
