// A run reaching wait.approval or wait.event: the engine records a Waitpoint, marks the step run
// and the run WAITING in one transaction, and the job returns, freeing its worker slot. Nothing
// of the wait lives in memory: resolve.ts continues the run from PostgreSQL, in any process.
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import type { ApiKeyRole } from '../../generated/prisma/enums.ts';
import type { LogSink } from '../../logs/types.ts';
import type { StepDefinition } from '../../workflows/definition.ts';
import { render } from '../../workflows/template.ts';
import { waitTimeoutJobId, type Queues } from '../queues.ts';
import { StepError, type StepRunner } from '../steps/types.ts';
import { DurationError, parseDuration } from './duration.ts';

export const WAIT_STEP_TYPES = ['wait.approval', 'wait.event'] as const;
export const WAIT_TIMEOUT_JOB = 'wait-timeout';

export function isWaitStep(type: string): boolean {
  return (WAIT_STEP_TYPES as readonly string[]).includes(type);
}

export interface WaitApprovalConfig {
  title?: string;
  message: string;
  approverRole?: ApiKeyRole;
  timeout?: string;
  onTimeout?: 'approve' | 'reject' | 'fail';
}

export interface WaitEventConfig {
  event: string;
  match?: string;
  timeout?: string;
  onTimeout?: 'fail' | 'continue';
}

export interface EnterWaitDeps {
  db: PrismaClient;
  /** For the delayed timeout job; without it the sweep (sweep.ts) times the wait out. */
  queues?: Queues;
  logSink: LogSink;
}

export interface EnterWait {
  tenantId: string;
  workflowId: string;
  executionId: string;
  index: number;
  key: string;
  step: StepDefinition;
  input: Record<string, unknown>;
  /** Outputs of the steps before this one, by step key (what a match may read as `steps`). */
  outputs: Record<string, unknown>;
  now: Date;
}

/** 'WAITING': parked. 'CANCELLED': a cancel was requested before the run could park; nothing was written. */
export async function enterWait(deps: EnterWaitDeps, w: EnterWait): Promise<{ outcome: 'WAITING' | 'CANCELLED'; waitpointId?: string }> {
  const { db } = deps;
  const raw = (w.step.config ?? {}) as Record<string, unknown>;
  let timeoutMs: number | undefined;
  try {
    timeoutMs = typeof raw.timeout === 'string' ? parseDuration(raw.timeout) : undefined;
  } catch (err) {
    if (err instanceof DurationError) throw new StepError(err.message, { retryable: false, source: w.step.type });
    throw err;
  }
  const timeoutAt = timeoutMs === undefined ? null : new Date(w.now.getTime() + timeoutMs);
  let fields: Omit<Prisma.WaitpointUncheckedCreateInput, 'tenantId' | 'executionId' | 'stepRunId' | 'stepIndex' | 'timeoutAt'>;
  if (w.step.type === 'wait.approval') {
    const c = raw as unknown as WaitApprovalConfig;
    // Only the texts people read are templated.
    fields = {
      kind: 'APPROVAL',
      title: c.title === undefined ? null : String(render(c.title, w.input)),
      message: String(render(c.message, w.input)),
      approverRole: c.approverRole ?? 'OPERATOR',
      onTimeout: c.onTimeout ?? 'fail',
    };
  } else {
    const c = raw as unknown as WaitEventConfig;
    fields = {
      kind: 'EVENT',
      eventName: c.event,
      match: c.match ?? null,
      // Fixed now: the earlier steps' outputs and the input do not change while the run waits.
      scope: JSON.parse(JSON.stringify({ input: w.input, steps: w.outputs })) as Prisma.InputJsonObject,
      onTimeout: c.onTimeout ?? 'fail',
    };
  }
  const parked = await db.$transaction(async (tx) => {
    // The lock orders this against cancelExecution's write of cancelRequestedAt (see cancel.ts).
    const res = await tx.workflowExecution.updateMany({
      where: { id: w.executionId, status: 'RUNNING', cancelRequestedAt: null },
      data: { status: 'WAITING' },
    });
    if (res.count === 0) return undefined;
    const stepRun = await tx.stepRun.update({
      where: { executionId_index: { executionId: w.executionId, index: w.index } },
      data: { status: 'WAITING' },
      select: { id: true },
    });
    // A re-run of a job that parked before (its worker died after the commit) finds its waitpoint.
    return tx.waitpoint.upsert({
      where: { executionId_stepIndex: { executionId: w.executionId, stepIndex: w.index } },
      create: { ...fields, tenantId: w.tenantId, executionId: w.executionId, stepRunId: stepRun.id, stepIndex: w.index, timeoutAt },
      update: {},
      select: { id: true, timeoutAt: true },
    });
  });
  if (!parked) return { outcome: 'CANCELLED' };
  if (parked.timeoutAt && deps.queues) {
    // The sweep is the safety net should this job be lost; this makes a timeout on time.
    await deps.queues.maintenance
      .add(WAIT_TIMEOUT_JOB, { waitpointId: parked.id }, {
        jobId: waitTimeoutJobId(parked.id),
        delay: Math.max(0, parked.timeoutAt.getTime() - Date.now()),
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      })
      .catch(() => undefined);
  }
  const what = fields.kind === 'APPROVAL' ? `an approval (${fields.approverRole} or above)` : `event ${fields.eventName}`;
  deps.logSink.log({
    tenantId: w.tenantId,
    workflowId: w.workflowId,
    executionId: w.executionId,
    step: w.key,
    level: 'INFO',
    message: `Waiting for ${what}${timeoutAt ? ` until ${timeoutAt.toISOString()}` : ''}`,
    metadata: { waitpointId: parked.id },
  });
  return { outcome: 'WAITING', waitpointId: parked.id };
}

/**
 * Registry entries for the wait steps, so the registry names every type a definition may use.
 * The engine parks a run at these steps itself (enterWait) and never calls run().
 */
export const waitStepRunners: StepRunner[] = WAIT_STEP_TYPES.map((type) => ({
  type,
  retrySafe: false,
  run: async () => {
    throw new StepError(`${type} is run by the engine, not through the registry`, { retryable: false, source: 'engine' });
  },
}));
