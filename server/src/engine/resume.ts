// Retry from the failed step. A failed run is retried as a new attempt (a new execution linked
// by retryOfId, attemptNumber + 1) whose steps before the failed one are not run again: their
// StepRuns are copied, COMPLETED with the recorded outputs and reusedFromStepRunId pointing at the
// step run that really produced them (so a PDF rendered by attempt 1 is the one attempt 3 sends),
// and the run starts at the failed step with those outputs as if it had just produced them.
//
// Refused (typed ConflictError) when the run did not fail at a step, or when the workflow has
// changed so that the recorded outputs no longer describe what the new attempt would run: a reused
// step whose type, id or config differs, or a definition with fewer steps. The failed step itself
// may change — fixing it is the usual reason to retry.
import { Prisma, type PrismaClient, type WorkflowExecution } from '../generated/prisma/client.ts';
import type { TriggerKind } from '../generated/prisma/enums.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { stepKey, validateDefinition, type StepDefinition } from '../workflows/definition.ts';
import { retryExecution, type EngineDeps } from './executions.ts';
import { uuidv7 } from '../uuid7.ts';

export type RetryFrom = 'START' | 'FAILED';

/** Retries a failed or cancelled run: from its first step (START, the default) or from the step that failed. */
export async function retryExecutionFrom(deps: EngineDeps, tenantId: string, executionId: string, from: RetryFrom, trigger: TriggerKind = 'MANUAL'): Promise<WorkflowExecution> {
  if (from === 'START') return retryExecution(deps, tenantId, executionId, trigger);
  const { db } = deps;
  const original = await db.workflowExecution.findFirst({ where: { id: executionId, tenantId }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
  if (!original) throw new NotFoundError('Execution', executionId);
  if (original.status !== 'FAILED') throw new ConflictError(`Only a failed execution can be retried from its failed step (this one is ${original.status})`);
  const failed = original.stepRuns.find((s) => s.status === 'FAILED');
  if (!failed) throw new ConflictError('This execution failed before any step ran; retry it from the start');
  const reusable = original.stepRuns.filter((s) => s.index < failed.index);
  if (reusable.length !== failed.index || reusable.some((s) => s.status !== 'COMPLETED')) {
    throw new ConflictError('Not every step before the failed one completed; retry it from the start');
  }
  const [ran, current] = await Promise.all([
    db.workflowRevision.findUnique({ where: { workflowId_version: { workflowId: original.workflowId, version: original.workflowVersion } }, select: { definition: true } }),
    db.workflow.findFirst({ where: { id: original.workflowId, tenantId, deletedAt: null }, select: { definition: true } }),
  ]);
  if (!current) throw new NotFoundError('Workflow', original.workflowId);
  const changed = incompatibility(ran?.definition ?? current.definition, current.definition, failed.index);
  if (changed) throw new ConflictError(`The workflow changed since this run (${changed}); retry it from the start`);
  return retryExecution(deps, tenantId, executionId, trigger, {
    // Copied before the job exists, so the new attempt shows its reused steps at once.
    resume: { fromIndex: failed.index, afterInsert: async (e) => void (await reuseEarlierSteps(db, e)) },
  });
}

/** Why the steps before `failedIndex` of `before` are not the same in `now`, or null. */
export function incompatibility(before: unknown, now: unknown, failedIndex: number): string | null {
  const a = validateDefinition(before);
  const b = validateDefinition(now);
  if (!b.ok) return 'its definition is invalid';
  if (!a.ok) return 'the definition this run used is invalid';
  if (b.definition.steps.length <= failedIndex) return `it has ${b.definition.steps.length} steps now`;
  for (let i = 0; i < failedIndex; i++) {
    const x = a.definition.steps[i]!;
    const y = b.definition.steps[i]!;
    if (x.type !== y.type || stepKey(x, i) !== stepKey(y, i)) return `step ${i} is now ${y.type} "${stepKey(y, i)}"`;
    if (canonical(x.config) !== canonical(y.config)) return `the config of step ${i} ("${stepKey(y, i)}") changed`;
  }
  return null;
}

function canonical(value: unknown): string {
  if (value === undefined) return '{}';
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : 1))) : v,
  );
}

export interface ResumePoint {
  /** The first step this attempt runs. */
  startIndex: number;
  /** The reused steps' outputs by step key, as the run's output and later steps see them. */
  priorOutputs: Record<string, unknown>;
}

/**
 * Makes sure a resumed attempt has its reused steps (copies them from the attempt it retries when
 * missing: idempotent, so a worker re-running the job after a crash copies nothing twice) and
 * returns where it starts. `steps` names the outputs (the definition the attempt runs).
 */
export async function reuseEarlierSteps(
  db: PrismaClient,
  execution: { id: string; tenantId: string; retryOfId: string | null; resumeFromIndex: number | null },
  steps?: StepDefinition[],
): Promise<ResumePoint> {
  const startIndex = execution.resumeFromIndex ?? 0;
  if (startIndex === 0 || !execution.retryOfId) return { startIndex, priorOutputs: {} };
  let mine = await db.stepRun.findMany({ where: { executionId: execution.id, index: { lt: startIndex }, status: 'COMPLETED' }, orderBy: { index: 'asc' } });
  if (mine.length < startIndex) {
    const source = await db.stepRun.findMany({ where: { executionId: execution.retryOfId, tenantId: execution.tenantId, index: { lt: startIndex }, status: 'COMPLETED' }, orderBy: { index: 'asc' } });
    await db.$transaction(async (tx) => {
      const { count } = await tx.stepRun.createMany({
        data: source.map((s) => ({
          id: uuidv7(),
          tenantId: s.tenantId,
          executionId: execution.id,
          index: s.index,
          name: s.name,
          type: s.type,
          status: 'COMPLETED' as const,
          attempts: 0,
          output: s.output === null ? Prisma.DbNull : (s.output as Prisma.InputJsonValue),
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          // The step run that produced the output, across any number of resumed attempts.
          reusedFromStepRunId: s.reusedFromStepRunId ?? s.id,
        })),
        skipDuplicates: true,
      });
      if (count > 0) await tx.workflowExecution.update({ where: { id: execution.id }, data: { stepsCompleted: { increment: count } } });
    });
    mine = await db.stepRun.findMany({ where: { executionId: execution.id, index: { lt: startIndex }, status: 'COMPLETED' }, orderBy: { index: 'asc' } });
  }
  const priorOutputs: Record<string, unknown> = {};
  for (const s of mine) priorOutputs[steps?.[s.index] ? stepKey(steps[s.index]!, s.index) : (s.name ?? `step${s.index}`)] = s.output;
  return { startIndex, priorOutputs };
}

/** The chain of attempts an execution belongs to, oldest first (bounded walk up and down retryOfId). */
export async function attemptChain(db: PrismaClient, tenantId: string, execution: WorkflowExecution): Promise<WorkflowExecution[]> {
  const MAX = 100;
  const back: WorkflowExecution[] = [];
  let parentId = execution.retryOfId;
  while (parentId && back.length < MAX) {
    const parent = await db.workflowExecution.findFirst({ where: { id: parentId, tenantId } });
    if (!parent) break;
    back.unshift(parent);
    parentId = parent.retryOfId;
  }
  const forward: WorkflowExecution[] = [];
  let childOf = execution.id;
  while (forward.length < MAX) {
    // A run retried several times has several children: the chain follows the newest.
    const child = await db.workflowExecution.findFirst({ where: { retryOfId: childOf, tenantId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    if (!child) break;
    forward.push(child);
    childOf = child.id;
  }
  // The run itself is the row its answer already holds, not a newer read: a run finishing between
  // the two reads would otherwise answer RUNNING with its steps and COMPLETED in its attempts, and
  // a normalising client cache (the dashboard's) keeps the newer status beside the older steps.
  return [...back, execution, ...forward];
}
