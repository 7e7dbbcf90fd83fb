// Ending a wait: an approver's decision, a matching event, a timeout. Every path goes through
// resolveWaitpoint, whose conditional UPDATE from OPEN is the one place that decides: of two
// concurrent outcomes (approve/approve, approve/timeout, event/cancel) exactly one row update
// wins, and only the winner writes the step's result and enqueues the continuation.
//
// A continuing outcome completes the wait step, sets the run back to RUNNING and enqueues a run
// job `resume-<waitpointId>` that continues at the next step. A failing one (rejected, timed out
// with onTimeout fail) fails the step and the run right here: there is nothing left to run.
import type { Redis } from 'ioredis';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import type { ApprovalDecision, WaitpointStatus } from '../../generated/prisma/enums.ts';
import type { Viewer } from '../../auth/authenticator.ts';
import { roleAtLeast } from '../../auth/api-keys.ts';
import { AlreadyDecidedError, ForbiddenError, NotFoundError, ValidationError } from '../../errors.ts';
import { redactText } from '../../logs/redact.ts';
import { stepKey } from '../../workflows/definition.ts';
import { definitionSteps } from './cancel.ts';
import { cachedExpression, matches } from '../../workflows/expression.ts';
import type { AlertEmitter } from '../alerts.ts';
import { BACKLOG_PRIORITY, publishExecution, runJobOptions } from '../executions.ts';
import { resumeJobId, waitTimeoutJobId, type Queues } from '../queues.ts';

export interface WaitDeps {
  db: PrismaClient;
  queues: Queues;
  redis: Redis;
  redisPrefix: string;
  /** Raises RUN_FAILED when a wait fails its run (and APPROVAL_WAITING, from the sweep). */
  alerts?: AlertEmitter;
  now?: () => Date;
}

export const MAX_COMMENT_LENGTH = 2000;

/** What ends a wait. `fail` outcomes fail the run with `error`; the others continue it with `output`. */
export type WaitOutcome = {
  status: Exclude<WaitpointStatus, 'OPEN' | 'CANCELLED'>;
  output: Record<string, unknown>;
  fail?: { message: string; code: string };
  decision?: ApprovalDecision;
  by?: { apiKeyId: string; name: string } | null;
  comment?: string | null;
  event?: WaitEvent;
};

export interface WaitEvent {
  id: string;
  name: string;
  payload: unknown;
  /**
   * Set when an event is dispatched late (redispatch after a crash): only waits opened before it
   * was recorded count, as they would have had it been dispatched at once.
   */
  recordedAt?: Date;
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;
}

/**
 * Applies `outcome` if the waitpoint is still OPEN (and, when given, of `tenantId`). Returns
 * false when another outcome got there first; nothing is written then.
 */
export async function resolveWaitpoint(deps: WaitDeps, id: string, outcome: WaitOutcome, tenantId?: string): Promise<boolean> {
  const { db } = deps;
  const at = (deps.now ?? (() => new Date()))();
  const done = await db.$transaction(async (tx) => {
    const won = await tx.waitpoint.updateMany({
      where: { id, status: 'OPEN', ...(tenantId ? { tenantId } : {}) },
      data: {
        status: outcome.status,
        resolvedAt: at,
        decision: outcome.decision ?? null,
        decidedByKeyId: outcome.by?.apiKeyId ?? null,
        decidedByName: outcome.by?.name ?? null,
        comment: outcome.comment ?? null,
        ...(outcome.event ? { event: toJson(outcome.event) } : {}),
      },
    });
    if (won.count === 0) return undefined;
    const w = await loadWaitpoint(tx, id);
    const ex = w.execution;
    const output = toJson(outcome.output);
    if (!outcome.fail) {
      await tx.stepRun.update({ where: { id: w.stepRunId }, data: { status: 'COMPLETED', output, finishedAt: at } });
      await tx.workflowExecution.updateMany({ where: { id: ex.id, status: 'WAITING' }, data: { status: 'RUNNING', stepsCompleted: { increment: 1 } } });
      return { ...ex, failed: false as const };
    }
    const steps = await definitionSteps(tx, ex.workflowId, ex.workflowVersion);
    const step = steps[w.stepIndex];
    const error = {
      message: redactText(outcome.fail.message),
      step: step ? stepKey(step, w.stepIndex) : `step${w.stepIndex}`,
      date: null,
      source: w.kind === 'APPROVAL' ? 'wait.approval' : 'wait.event',
      code: outcome.fail.code,
    };
    await tx.stepRun.update({ where: { id: w.stepRunId }, data: { status: 'FAILED', output, error, finishedAt: at } });
    await tx.stepRun.createMany({
      data: steps.slice(w.stepIndex + 1).map((s, i) => ({ tenantId: ex.tenantId, executionId: ex.id, index: w.stepIndex + 1 + i, name: s.name ?? null, type: s.type, status: 'SKIPPED' as const })),
      skipDuplicates: true,
    });
    await tx.workflowExecution.updateMany({ where: { id: ex.id, status: 'WAITING' }, data: { status: 'FAILED', finishedAt: at, error } });
    return { ...ex, failed: true as const, error };
  });
  if (!done) return false;
  const event = { tenantId: done.tenantId, executionId: done.id, workflowId: done.workflowId };
  await deps.queues.maintenance.remove(waitTimeoutJobId(id)).catch(() => undefined);
  if (done.failed) {
    await publishExecution(deps, { ...event, status: 'FAILED' });
    await deps.alerts?.emit(done.tenantId, 'RUN_FAILED', { executionId: done.id, workflowId: done.workflowId, error: done.error });
    return true;
  }
  // RUNNING goes out before the continuation is queued: a worker could otherwise finish the run
  // and publish COMPLETED first, leaving subscribers on a stale RUNNING.
  await publishExecution(deps, { ...event, status: 'RUNNING' });
  await enqueueResume(deps.queues, id, done.id, done.tenantId);
  return true;
}

type Tx = Prisma.TransactionClient;

async function loadWaitpoint(tx: Tx, id: string) {
  return tx.waitpoint.findUniqueOrThrow({
    where: { id },
    select: { stepRunId: true, stepIndex: true, kind: true, execution: { select: { id: true, tenantId: true, workflowId: true, workflowVersion: true } } },
  });
}

/** The run job that continues a resolved wait; its id makes enqueueing it twice a no-op. */
export async function enqueueResume(queues: Queues, waitpointId: string, executionId: string, tenantId: string): Promise<void> {
  await queues.runs.add('run', { executionId, tenantId }, { ...runJobOptions(executionId, 0, BACKLOG_PRIORITY), jobId: resumeJobId(waitpointId) });
}

/**
 * An approver's decision. Refused (typed, nothing written) when the approval is not the
 * caller's tenant's, the caller's role is below its approverRole, or it was already decided.
 */
export async function decideApproval(
  deps: WaitDeps,
  viewer: Pick<Viewer, 'tenantId' | 'apiKeyId' | 'role'>,
  waitpointId: string,
  decision: ApprovalDecision,
  comment?: string | null,
): Promise<void> {
  const { db } = deps;
  const wp = await db.waitpoint.findFirst({ where: { id: waitpointId, tenantId: viewer.tenantId, kind: 'APPROVAL' } });
  if (!wp) throw new NotFoundError('Approval', waitpointId);
  const needed = wp.approverRole ?? 'OPERATOR';
  if (!roleAtLeast(viewer.role, needed)) throw new ForbiddenError(`Deciding this approval needs the ${needed} role or above`);
  if (wp.status !== 'OPEN') throw new AlreadyDecidedError(wp.status);
  const text = comment?.trim() || null;
  if (text && text.length > MAX_COMMENT_LENGTH) throw new ValidationError([{ path: 'comment', message: `must be at most ${MAX_COMMENT_LENGTH} characters` }]);
  const key = await db.apiKey.findFirst({ where: { id: viewer.apiKeyId, tenantId: viewer.tenantId }, select: { name: true } });
  const by = { apiKeyId: viewer.apiKeyId, name: key?.name ?? 'unknown key' };
  const at = (deps.now ?? (() => new Date()))();
  const output = { decision, by, comment: text, at: at.toISOString(), timedOut: false };
  const outcome: WaitOutcome = {
    status: 'RESOLVED',
    output,
    decision,
    by,
    comment: text,
    ...(decision === 'REJECT' ? { fail: { message: `Rejected by ${by.name}${text ? `: ${text}` : ''}`, code: 'APPROVAL_REJECTED' } } : {}),
  };
  if (!(await resolveWaitpoint(deps, waitpointId, outcome, viewer.tenantId))) {
    const now = await db.waitpoint.findUnique({ where: { id: waitpointId }, select: { status: true } });
    throw new AlreadyDecidedError(now?.status ?? 'RESOLVED');
  }
}

/** What a waitpoint's onTimeout does. */
export function timeoutOutcome(wp: { kind: 'APPROVAL' | 'EVENT'; onTimeout: string; eventName: string | null }, at: Date): WaitOutcome {
  if (wp.kind === 'APPROVAL') {
    const base = { by: null, comment: null, at: at.toISOString(), timedOut: true };
    if (wp.onTimeout === 'approve') return { status: 'TIMED_OUT', decision: 'APPROVE', output: { decision: 'APPROVE', ...base } };
    if (wp.onTimeout === 'reject') {
      return { status: 'TIMED_OUT', decision: 'REJECT', output: { decision: 'REJECT', ...base }, fail: { message: 'Rejected: nobody decided before the timeout', code: 'APPROVAL_REJECTED' } };
    }
    return { status: 'TIMED_OUT', output: { decision: null, ...base }, fail: { message: 'Nobody decided the approval before the timeout', code: 'APPROVAL_TIMED_OUT' } };
  }
  if (wp.onTimeout === 'continue') return { status: 'TIMED_OUT', output: { timedOut: true } };
  return { status: 'TIMED_OUT', output: { timedOut: true }, fail: { message: `Event ${wp.eventName} did not arrive before the timeout`, code: 'WAIT_TIMED_OUT' } };
}

/** Times a waitpoint out if it is OPEN and due; false otherwise (decided meanwhile, or not due yet). */
export async function timeoutWaitpoint(deps: WaitDeps, waitpointId: string): Promise<boolean> {
  const now = (deps.now ?? (() => new Date()))();
  const wp = await deps.db.waitpoint.findUnique({ where: { id: waitpointId }, select: { status: true, kind: true, onTimeout: true, eventName: true, timeoutAt: true } });
  if (!wp || wp.status !== 'OPEN' || !wp.timeoutAt || wp.timeoutAt > now) return false;
  return resolveWaitpoint(deps, waitpointId, timeoutOutcome(wp, now));
}

/** How many OPEN waits one event looks at, at most (oldest first). */
export const MAX_WAITS_PER_EVENT = 1000;

/**
 * Resumes the tenant's OPEN wait.event steps waiting for this event's name whose match holds
 * for {event, input, steps}. Only waits already OPEN count: an event sent before a run reached
 * its wait step does not resume it. Returns the ids of the waitpoints it resolved.
 */
export async function resumeWaitsForEvent(deps: WaitDeps, tenantId: string, event: WaitEvent): Promise<string[]> {
  const open = await deps.db.waitpoint.findMany({
    where: { tenantId, status: 'OPEN', kind: 'EVENT', eventName: event.name, ...(event.recordedAt ? { createdAt: { lte: event.recordedAt } } : {}) },
    select: { id: true, match: true, scope: true },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: MAX_WAITS_PER_EVENT,
  });
  const shown = { id: event.id, name: event.name, payload: event.payload ?? null };
  const matching = open.filter((wp) => {
    const scope = { ...((wp.scope ?? {}) as Record<string, unknown>), event: shown };
    // A stored match was checked when its definition was saved; one that no longer compiles matches nothing.
    try {
      return wp.match === null || matches(cachedExpression(wp.match), scope);
    } catch {
      return false;
    }
  });
  // Each resolution is its own short transaction on its own rows; a few at a time (oldest
  // first) so one event that resumes hundreds of runs does not take a transaction each in turn.
  const resumed: string[] = [];
  for (let i = 0; i < matching.length; i += RESOLVE_PARALLEL) {
    const batch = matching.slice(i, i + RESOLVE_PARALLEL);
    const won = await Promise.all(batch.map((wp) => resolveWaitpoint(deps, wp.id, { status: 'RESOLVED', output: shown, event: shown }, tenantId)));
    batch.forEach((wp, j) => won[j] && resumed.push(wp.id));
  }
  return resumed;
}

const RESOLVE_PARALLEL = 4;
