// Cancelling a WAITING run: no job runs it, so there is no worker to tell; the waitpoint, the
// step run and the run are cancelled here, at once. The waitpoint's conditional UPDATE from OPEN
// orders this against a concurrent decision, event or timeout (resolve.ts): one of them wins.
// Imported by executions.ts, so it imports nothing of the engine that imports executions.ts.
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { validateDefinition } from '../../workflows/definition.ts';
import { waitTimeoutJobId, type Queues } from '../queues.ts';

/** The steps of the revision a run executes (to mark the ones after a wait SKIPPED). */
export async function definitionSteps(tx: Prisma.TransactionClient, workflowId: string, version: number) {
  const revision = await tx.workflowRevision.findUnique({ where: { workflowId_version: { workflowId, version } }, select: { definition: true } });
  const definition = revision?.definition ?? (await tx.workflow.findUnique({ where: { id: workflowId }, select: { definition: true } }))?.definition;
  const v = validateDefinition(definition);
  return v.ok ? v.definition.steps : [];
}

/** true: the run was WAITING and is now CANCELLED. false: it was not waiting (or a decision won); nothing was written. */
export async function cancelWaiting(deps: { db: PrismaClient; queues?: Queues }, tenantId: string, executionId: string, at: Date): Promise<boolean> {
  const cancelled = await deps.db.$transaction(async (tx) => {
    const wp = await tx.waitpoint.findFirst({ where: { executionId, tenantId, status: 'OPEN' }, select: { id: true, stepRunId: true, stepIndex: true } });
    if (!wp) return undefined;
    const won = await tx.waitpoint.updateMany({ where: { id: wp.id, status: 'OPEN' }, data: { status: 'CANCELLED', resolvedAt: at } });
    if (won.count === 0) return undefined;
    const run = await tx.workflowExecution.updateMany({
      where: { id: executionId, tenantId, status: 'WAITING' },
      data: { status: 'CANCELLED', cancelRequestedAt: at, finishedAt: at },
    });
    if (run.count === 0) throw new Error(`waitpoint ${wp.id} was OPEN while its run was not WAITING`);
    await tx.stepRun.update({ where: { id: wp.stepRunId }, data: { status: 'CANCELLED', finishedAt: at } });
    const execution = await tx.workflowExecution.findUniqueOrThrow({ where: { id: executionId }, select: { workflowId: true, workflowVersion: true } });
    const steps = await definitionSteps(tx, execution.workflowId, execution.workflowVersion);
    await tx.stepRun.createMany({
      data: steps.slice(wp.stepIndex + 1).map((s, i) => ({ tenantId, executionId, index: wp.stepIndex + 1 + i, name: s.name ?? null, type: s.type, status: 'SKIPPED' as const })),
      skipDuplicates: true,
    });
    return wp.id;
  });
  if (!cancelled) return false;
  await deps.queues?.maintenance.remove(waitTimeoutJobId(cancelled)).catch(() => undefined);
  return true;
}
