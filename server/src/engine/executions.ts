// Creating, cancelling and retrying executions. The row is written first (PENDING) and the
// BullMQ job second, with the execution id as the job id: a job never exists without its row,
// and enqueueing the same execution twice is a no-op. A crash between the two is repaired by
// the sweeper (sweeper.ts), which enqueues PENDING rows that have no job.
import type { Redis } from 'ioredis';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { ExecutionStatus, TriggerKind } from '../generated/prisma/enums.ts';
import type { WorkflowExecution } from '../generated/prisma/client.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { eventTopics, publishEvent, type CancelEvent, type ExecutionEvent } from '../events.ts';
import type { DateRangeSpec, WorkflowDefinition } from '../workflows/definition.ts';
import { validateRevision } from '../workflows/definition.ts';
import { Batcher, perOwner } from '../batcher.ts';
import { uuidv7 } from '../uuid7.ts';
import { runWrites, type NewExecution } from './run-writes.ts';
import { triggerWorkflows, type TriggerWorkflow } from './trigger-workflows.ts';
import { resolveDateRange } from '../workflows/date-range.ts';
import type { Queues, RunJobData } from './queues.ts';
import { INPUT_LIMITS, jsonTooLarge } from '../security/input-limits.ts';
import { injectTraceContext } from '../tracing/tracing.ts';
import { concurrencyKeyOf, promoteAfterFinish, type PromotionEnqueue } from './concurrency.ts';
import { cancelWaiting } from './waits/cancel.ts';

export const FINISHED_STATUSES: readonly ExecutionStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface EngineDeps {
  db: PrismaClient;
  queues: Queues;
  /** Command connection used to publish events. */
  redis: Redis;
  redisPrefix: string;
  now?: () => Date;
}

export interface TriggerInput {
  tenantId: string;
  workflowId: string;
  trigger: TriggerKind;
  /** Template variables; merged over the definition's `variables`. */
  context?: Record<string, unknown>;
  /** Overrides the definition's date range. */
  dateRange?: DateRangeSpec;
  /** A repeat within 24 hours returns the first execution instead of creating another. */
  idempotencyKey?: string;
  /** For scheduled runs: the slot this run fires for. */
  scheduledFor?: Date;
  /** Start no earlier than this (the run job is delayed until then). */
  runAt?: Date;
  retryOfId?: string;
  /** A retry's place in its chain of attempts (engine/resume.ts). */
  attempt?: { number: number; resumeFromIndex: number | null };
  /** Runs after the row is written and before its job is enqueued (resume.ts copies reused steps). */
  afterInsert?: (execution: WorkflowExecution) => Promise<void>;
  /** The event that started the run (trigger EVENT). */
  eventId?: string;
}

export interface TriggerResult {
  execution: WorkflowExecution;
  /** false when an idempotency key matched an earlier execution. */
  created: boolean;
}

/**
 * BullMQ priority of runs that were not fired by a schedule (manual, API, retries). BullMQ takes
 * every job without a priority before any prioritized one, so a slot's run is next in line
 * instead of behind a backlog: during a 2,000-run burst through the API, per-second slots
 * started up to 58 s late (p99) in the cluster test when all runs shared one FIFO. Among
 * themselves, prioritized runs keep their order.
 */
export const BACKLOG_PRIORITY = 1;

export function runPriority(trigger: TriggerKind): number {
  return trigger === 'SCHEDULE' ? 0 : BACKLOG_PRIORITY;
}

export function runJobOptions(executionId: string, delayMs = 0, priority = 0, jobId = executionId) {
  return {
    jobId,
    ...(delayMs > 0 ? { delay: delayMs } : {}),
    ...(priority > 0 ? { priority } : {}),
    // Retries happen per step inside the run; a job is only re-run when its worker died
    // (stalled-job recovery), which steps survive through idempotency keys.
    attempts: 1,
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * Run jobs added in the same turn of the event loop go to Redis as one addBulk. If it fails, the
 * Batcher adds them one by one; a job already added is not added twice (its id is the execution id).
 */
const runEnqueuer = perOwner(
  (queue: Queues['runs']) =>
    new Batcher<{ data: RunJobData; delayMs: number; priority: number; jobId?: string }, void>(async (jobs) => {
      await queue.addBulk(jobs.map(({ data, delayMs, priority, jobId }) => ({ name: 'run', data, opts: runJobOptions(data.executionId, delayMs, priority, jobId) })));
      return jobs.map(() => undefined);
    }),
);

export async function enqueueRun(queues: Queues, data: RunJobData, delayMs = 0, priority = 0, jobId?: string): Promise<void> {
  // Taken here, in the caller's context: the batch itself is sent from the first caller's.
  const trace = injectTraceContext();
  await runEnqueuer(queues.runs).add({ data: trace ? { ...data, trace } : data, delayMs, priority, ...(jobId ? { jobId } : {}) });
}

/** How concurrency.ts enqueues a promoted run: under a job id of its own parking (see promotionJobId). */
export function promotionEnqueuer(queues: Queues): PromotionEnqueue {
  return (run, jobId) => enqueueRun(queues, { executionId: run.executionId, tenantId: run.tenantId }, 0, runPriority(run.trigger), jobId);
}

export async function publishExecution(deps: Pick<EngineDeps, 'redis' | 'redisPrefix'>, e: ExecutionEvent): Promise<void> {
  await publishEvent(deps.redis, eventTopics(deps.redisPrefix).executions, e.tenantId, e);
}

function dateOnly(day: string | null): Date | null {
  return day === null ? null : new Date(`${day}T00:00:00Z`);
}

/** The execution as a fresh INSERT of `row` leaves it (every other column at its default). */
function pendingExecution(row: NewExecution): WorkflowExecution {
  return {
    ...withoutRevision(row),
    input: row.input as Prisma.JsonObject,
    dateRange: (row.dateRange ?? null) as Prisma.JsonValue,
    rangeStart: dateOnly(row.rangeStart),
    rangeEnd: dateOnly(row.rangeEnd),
    status: 'PENDING',
    driftMs: null,
    stepsCompleted: 0,
    progress: {},
    output: null,
    error: null,
    cancelRequestedAt: null,
    idempotencyKey: row.idempotencyKey ?? null,
    concurrencyKey: row.concurrencyKey ?? null,
    parkedAt: null,
    attemptNumber: row.attemptNumber ?? 1,
    resumeFromIndex: row.resumeFromIndex ?? null,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    updatedAt: row.createdAt,
  };
}

/** The row a trigger inserts, from the workflow revision it read. */
function newExecutionRow(deps: EngineDeps, input: TriggerInput, workflow: TriggerWorkflow): NewExecution {
  const validation = validateRevision(workflow.id, workflow.updatedAt, () => workflow.definition);
  if (!validation.ok) throw new ValidationError(validation.problems, 'The stored definition is invalid');
  const definition: WorkflowDefinition = validation.definition;
  const spec = input.dateRange ?? definition.dateRange;
  let range: ReturnType<typeof resolveDateRange> | undefined;
  if (spec) {
    try {
      range = resolveDateRange(spec, workflow.zone, (deps.now ?? (() => new Date()))());
    } catch (err) {
      throw new ValidationError([{ path: 'dateRange', message: (err as Error).message }]);
    }
  }
  const createdAt = new Date();
  const runInput = { ...(definition.variables ?? {}), ...(input.context ?? {}) };
  return {
    id: uuidv7(createdAt.getTime()),
    tenantId: input.tenantId,
    workflowId: workflow.id,
    workflowVersion: workflow.version,
    trigger: input.trigger,
    scheduledFor: input.scheduledFor ?? null,
    input: runInput,
    dateRange: spec ?? null,
    rangeStart: range?.since ?? null,
    rangeEnd: range?.until ?? null,
    stepsTotal: definition.steps.length,
    retryOfId: input.retryOfId ?? null,
    eventId: input.eventId ?? null,
    createdAt,
    revision: { updatedAt: workflow.updatedAt, zone: workflow.zone },
    concurrencyKey: concurrencyKeyOf(definition.concurrency, runInput),
    ...(input.attempt ? { attemptNumber: input.attempt.number, resumeFromIndex: input.attempt.resumeFromIndex } : {}),
  };
}

function withoutRevision({ revision: _revision, ...row }: NewExecution) {
  return row;
}

async function findByIdempotencyKey(deps: EngineDeps, tenantId: string, key: string) {
  const existing = await deps.db.workflowExecution.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } } });
  if (!existing) return null;
  const now = (deps.now ?? (() => new Date()))();
  if (now.getTime() - existing.createdAt.getTime() < IDEMPOTENCY_WINDOW_MS) return existing;
  // Expired: free the key for this new request; the old execution keeps its history.
  await deps.db.workflowExecution.updateMany({ where: { id: existing.id, idempotencyKey: key }, data: { idempotencyKey: null } });
  return null;
}

export async function triggerExecution(deps: EngineDeps, input: TriggerInput): Promise<TriggerResult> {
  const { db } = deps;
  const context = jsonTooLarge(input.context, 'context', INPUT_LIMITS.contextBytes);
  if (context) throw new ValidationError([context]);
  const key = input.idempotencyKey;
  if (key !== undefined && (key.length < 1 || key.length > 200)) {
    throw new ValidationError([{ path: 'idempotencyKey', message: 'must be 1 to 200 characters' }]);
  }
  const workflows = triggerWorkflows(db);
  let execution: WorkflowExecution | undefined;
  for (let attempt = 1; !execution; attempt++) {
    // A retry after the revision check failed reads the workflow afresh.
    const workflow = attempt > 1 ? await workflows.fresh(input.tenantId, input.workflowId) : await workflows.get(input.tenantId, input.workflowId);
    if (!workflow || !workflow.enabled) {
      // A repeated key still answers with its run after the workflow was disabled or deleted.
      const existing = key === undefined ? null : await findByIdempotencyKey(deps, input.tenantId, key);
      if (existing) return { execution: existing, created: false };
      if (!workflow) throw new NotFoundError('Workflow', input.workflowId);
      throw new ConflictError('The workflow is disabled; enable it to run it');
    }
    const row: NewExecution = { ...newExecutionRow(deps, input, workflow), ...(key === undefined ? {} : { idempotencyKey: key }) };
    // The batched INSERT checks the revision the row was built from and skips a key another run
    // holds, so a new key costs this one statement; only a refused row looks further.
    if (await runWrites(db).insertExecution(row)) {
      execution = pendingExecution(row);
      continue;
    }
    if (key !== undefined) {
      // The key's holder (a repeat, or a concurrent request that won); an expired holder is freed.
      const existing = await findByIdempotencyKey(deps, input.tenantId, key);
      if (existing) return { execution: existing, created: false };
    }
    if (attempt >= 3) throw new ConflictError('The workflow kept changing while it was being triggered; try again');
    workflows.forget(input.tenantId, input.workflowId);
  }
  if (input.afterInsert) await input.afterInsert(execution);
  const now = (deps.now ?? (() => new Date()))();
  const delayMs = input.runAt ? input.runAt.getTime() - now.getTime() : 0;
  // Both after the commit, neither waiting for the other: subscribers load the row themselves.
  await Promise.all([
    enqueueRun(deps.queues, { executionId: execution.id, tenantId: execution.tenantId }, delayMs, runPriority(execution.trigger)),
    publishExecution(deps, { tenantId: execution.tenantId, executionId: execution.id, workflowId: execution.workflowId, status: execution.status }),
  ]);
  return { execution, created: true };
}

/**
 * Cancels a run. A PENDING run whose job can still be removed is cancelled at once; a running
 * one gets its cancel request recorded and its worker (in whichever process) is told through
 * Redis to abort at the next safe point. Cancelling a finished run is a ConflictError.
 */
export async function cancelExecution(deps: EngineDeps, tenantId: string, executionId: string): Promise<WorkflowExecution> {
  const { db } = deps;
  const execution = await db.workflowExecution.findFirst({ where: { id: executionId, tenantId } });
  if (!execution) throw new NotFoundError('Execution', executionId);
  if (FINISHED_STATUSES.includes(execution.status)) {
    throw new ConflictError(`The execution already finished (${execution.status})`);
  }
  const now = (deps.now ?? (() => new Date()))();
  // A WAITING run has no job to signal: it is cancelled at once (waits/cancel.ts).
  if (execution.status === 'WAITING' && (await cancelWaiting(deps, tenantId, executionId, now))) return cancelledWhileWaiting(deps, tenantId, executionId);
  if (execution.status === 'PENDING') {
    // remove() refuses a job that a worker holds the lock of; then the worker cancels it.
    const removed = await deps.queues.runs.remove(executionId).catch(() => 0);
    // A parked run (engine/concurrency.ts) has no job a worker could be in; a promotion job that
    // comes later finds it CANCELLED.
    if (removed === 1 || execution.parkedAt) {
      const res = await db.workflowExecution.updateMany({
        where: { id: executionId, status: 'PENDING' },
        data: { status: 'CANCELLED', cancelRequestedAt: now, finishedAt: now },
      });
      if (res.count === 1) {
        const updated = await db.workflowExecution.findUniqueOrThrow({ where: { id: executionId } });
        await publishExecution(deps, { tenantId, executionId, workflowId: updated.workflowId, status: 'CANCELLED' });
        // It was in its key's line (engine/concurrency.ts): the runs behind it may start now.
        await promoteAfterFinish({ db, enqueue: promotionEnqueuer(deps.queues) }, updated);
        return updated;
      }
    }
  }
  const updated = await db.workflowExecution.update({
    where: { id: executionId },
    data: { cancelRequestedAt: execution.cancelRequestedAt ?? now },
  });
  // It parked at a wait step meanwhile (after the read above): the parking transaction and this
  // write are ordered by the row lock, so the run is WAITING with the request recorded.
  if (updated.status === 'WAITING' && (await cancelWaiting(deps, tenantId, executionId, now))) return cancelledWhileWaiting(deps, tenantId, executionId);
  const event: CancelEvent = { executionId };
  await publishEvent(deps.redis, eventTopics(deps.redisPrefix).cancel, undefined, event);
  await publishExecution(deps, { tenantId, executionId, workflowId: updated.workflowId, status: updated.status });
  return updated;
}

async function cancelledWhileWaiting(deps: EngineDeps, tenantId: string, executionId: string): Promise<WorkflowExecution> {
  const updated = await deps.db.workflowExecution.findUniqueOrThrow({ where: { id: executionId } });
  await publishExecution(deps, { tenantId, executionId, workflowId: updated.workflowId, status: 'CANCELLED' });
  // A waiting run holds its concurrency slot (concurrency.ts SLOT_HOLDING_STATUSES): the next in line may start.
  await promoteAfterFinish({ db: deps.db, enqueue: promotionEnqueuer(deps.queues) }, updated);
  return updated;
}

/** Runs a failed or cancelled execution again as a new execution with the same input and dates. */
export async function retryExecution(
  deps: EngineDeps,
  tenantId: string,
  executionId: string,
  trigger: TriggerKind = 'MANUAL',
  /** A bulk retry passes one, so that re-running the bulk job never retries an execution twice. */
  options: { idempotencyKey?: string; resume?: Pick<TriggerInput, 'afterInsert'> & { fromIndex: number } } = {},
): Promise<WorkflowExecution> {
  const original = await deps.db.workflowExecution.findFirst({ where: { id: executionId, tenantId } });
  if (!original) throw new NotFoundError('Execution', executionId);
  if (original.status !== 'FAILED' && original.status !== 'CANCELLED') {
    throw new ConflictError(`Only failed or cancelled executions can be retried (this one is ${original.status})`);
  }
  const spec = original.dateRange as DateRangeSpec | null;
  // Pin the retry to the dates the original covered, even if "yesterday" has moved on.
  const dateRange: DateRangeSpec | undefined =
    spec && original.rangeStart && original.rangeEnd
      ? { kind: 'absolute', since: original.rangeStart.toISOString().slice(0, 10), until: original.rangeEnd.toISOString().slice(0, 10) }
      : undefined;
  const { execution } = await triggerExecution(deps, {
    tenantId,
    workflowId: original.workflowId,
    trigger,
    context: original.input as Record<string, unknown>,
    dateRange,
    retryOfId: original.id,
    idempotencyKey: options.idempotencyKey,
    // Every retry is the next attempt of the chain; resume.ts starts one at the failed step.
    attempt: { number: original.attemptNumber + 1, resumeFromIndex: options.resume?.fromIndex ?? null },
    ...(options.resume?.afterInsert ? { afterInsert: options.resume.afterInsert } : {}),
  });
  return execution;
}
