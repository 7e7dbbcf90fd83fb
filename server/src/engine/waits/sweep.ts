// The periodic sweep of waits (maintenance queue, `sweep-waits`): times out OPEN waitpoints past
// their timeoutAt (the delayed `wait-timeout` job usually did already; this is the safety net),
// raises APPROVAL_WAITING once per approval that has waited longer than APPROVAL_ALERT_AFTER_MS,
// and re-enqueues the continuation of a resolved wait whose enqueue was lost (a crash between
// the commit and the enqueue).
import { Prisma } from '../../generated/prisma/client.ts';
import { resumeJobId } from '../queues.ts';
import { enqueueResume, timeoutWaitpoint, type WaitDeps } from './resolve.ts';

export const DEFAULT_APPROVAL_ALERT_AFTER_MS = 3_600_000;
const BATCH = 500;
/** A resolved wait whose run is still RUNNING this long after without its job gets it again. */
const REPAIR_AFTER_MS = 30_000;
/** Run jobs are kept an hour after they complete (runJobOptions); older continuations are not judged. */
const REPAIR_WINDOW_MS = 3_600_000;

export interface SweepWaitsOptions {
  approvalAlertAfterMs?: number;
  /** Limits the sweep to one tenant (test suites share one database but not one queue). */
  tenantId?: string;
}

export async function sweepWaits(deps: WaitDeps, opts: SweepWaitsOptions = {}): Promise<{ timedOut: number; alerted: number; repaired: number }> {
  const { db } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const tenant = opts.tenantId ? { tenantId: opts.tenantId } : {};
  const due = await db.waitpoint.findMany({ where: { ...tenant, status: 'OPEN', timeoutAt: { lte: now } }, select: { id: true }, orderBy: { timeoutAt: 'asc' }, take: BATCH });
  let timedOut = 0;
  for (const wp of due) if (await timeoutWaitpoint(deps, wp.id)) timedOut++;

  const alertAfter = opts.approvalAlertAfterMs ?? DEFAULT_APPROVAL_ALERT_AFTER_MS;
  const stale = await db.waitpoint.findMany({
    where: { ...tenant, kind: 'APPROVAL', status: 'OPEN', alertedAt: null, createdAt: { lte: new Date(now.getTime() - alertAfter) } },
    select: { id: true, tenantId: true, executionId: true, createdAt: true, approverRole: true, execution: { select: { workflowId: true } } },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });
  let alerted = 0;
  for (const wp of stale) {
    // Claimed first, so two sweeps in two processes alert once.
    const claimed = await db.waitpoint.updateMany({ where: { id: wp.id, alertedAt: null }, data: { alertedAt: now } });
    if (claimed.count === 0) continue;
    alerted++;
    await deps.alerts?.emit(wp.tenantId, 'APPROVAL_WAITING', {
      waitpointId: wp.id,
      executionId: wp.executionId,
      workflowId: wp.execution.workflowId,
      approverRole: wp.approverRole,
      waitingSince: wp.createdAt.toISOString(),
      waitingMs: now.getTime() - wp.createdAt.getTime(),
      thresholdMs: alertAfter,
    });
  }

  // The newest resolved, continuing wait of a run that is RUNNING: its continuation must exist.
  const tenantSql = opts.tenantId ? Prisma.sql`AND w."tenantId" = ${opts.tenantId}::uuid` : Prisma.empty;
  const lost = await db.$queryRaw<{ id: string; executionId: string; tenantId: string }[]>`
    SELECT w.id, w."executionId", w."tenantId" FROM "Waitpoint" w
    JOIN "WorkflowExecution" e ON e.id = w."executionId" AND e.status = 'RUNNING'
    JOIN "StepRun" s ON s.id = w."stepRunId" AND s.status = 'COMPLETED'
    WHERE w.status IN ('RESOLVED', 'TIMED_OUT') ${tenantSql}
      AND w."resolvedAt" BETWEEN ${new Date(now.getTime() - REPAIR_WINDOW_MS)} AND ${new Date(now.getTime() - REPAIR_AFTER_MS)}
      AND NOT EXISTS (SELECT 1 FROM "Waitpoint" later WHERE later."executionId" = w."executionId" AND later."stepIndex" > w."stepIndex")
    LIMIT ${BATCH}`;
  let repaired = 0;
  for (const wp of lost) {
    if (await deps.queues.runs.getJob(resumeJobId(wp.id))) continue;
    await enqueueResume(deps.queues, wp.id, wp.executionId, wp.tenantId);
    repaired++;
  }
  return { timedOut, alerted, repaired };
}
