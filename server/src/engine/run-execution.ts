// Runs one execution: the body of a `run` job. Steps run in order through the registry, each
// recorded as a StepRun upserted on (executionId, index), so a job re-run after its worker died
// continues where the dead one stopped: completed steps are not run again, and the interrupted
// step runs again with the same idempotency key. The first failing step fails the run.
import type { Redis } from 'ioredis';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { ExecutionStatus, StepStatus } from '../generated/prisma/enums.ts';
import type { Logger } from '../logger.ts';
import { redactText } from '../logs/redact.ts';
import type { LogSink } from '../logs/types.ts';
import { stepKey, validateRevision, type StepDefinition } from '../workflows/definition.ts';
import { render, TemplateError } from '../workflows/template.ts';
import { FINISHED_STATUSES, publishExecution } from './executions.ts';
import { AbortedError, backoffDelay, DEFAULT_BACKOFF_MS, DEFAULT_STEP_ATTEMPTS, sleep } from './retry.ts';
import type { StepRegistry } from './steps/registry.ts';
import type { AlertEmitter } from './alerts.ts';
import { StepError, type StepContext } from './steps/types.ts';
import { runWrites } from './run-writes.ts';
import { addProgress, takeBackStepProgress } from './progress.ts';
import { uuidv7 } from '../uuid7.ts';
import { isDatabaseUnavailable } from '../db.ts';
import { inSpan, setActiveSpanAttributes, tracingEnabled } from '../tracing/tracing.ts';
import { promoteWaiting, takeSlot } from './concurrency.ts';
import { promotionEnqueuer } from './executions.ts';
import type { Queues } from './queues.ts';
import { reuseEarlierSteps } from './resume.ts';
import { enterWait, isWaitStep } from './waits/enter.ts';

/** The abort reason of a cancel request; any other reason (shutdown) hands the run back. */
export const CANCEL_REASON = 'cancel';

export interface RunDeps {
  db: PrismaClient;
  redis: Redis;
  redisPrefix: string;
  registry: StepRegistry;
  logSink: LogSink;
  logger: Logger;
  /** Drift (start − slot) above which a scheduled run logs a warning. */
  driftWarnMs: number;
  /** First retry delay of a failed step when its definition sets none. */
  retryBackoffMs?: number;
  /** Raises RUN_FAILED and DRIFT_EXCEEDED alerts. */
  alerts?: AlertEmitter;
  /** Counts finished runs and steps for /metrics (metrics/metrics.ts). */
  metrics?: RunMetrics;
  /**
   * Schedules wait timeouts (engine/waits/; without it only the sweep times waits out), and
   * enqueues runs waiting for a concurrency slot when one frees (engine/concurrency.ts).
   */
  queues?: Queues;
  now?: () => Date;
}

/** What the engine reports to Prometheus: in memory, so the hot path pays a few additions. */
export interface RunMetrics {
  runFinished(status: 'COMPLETED' | 'FAILED' | 'CANCELLED', seconds: number): void;
  stepFinished(type: string, status: 'COMPLETED' | 'FAILED', seconds: number): void;
  /** A scheduled run's first start, seconds after its slot (the scheduler's lag). */
  scheduledRunStarted(driftSeconds: number): void;
}

/**
 * NOOP: nothing to do (unknown or already finished). INTERRUPTED: stopped by shutdown before
 * finishing; the caller hands the job back so another worker continues it. QUEUED: a scheduled
 * run of a QUEUE-policy workflow whose previous run is still going; the caller retries later.
 * WAITING: parked at a wait step (engine/waits/); the job ends and a resume job continues the run.
 */
export type RunOutcome = 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED' | 'NOOP' | 'QUEUED' | 'WAITING' | 'PARKED';

export interface ExecutionError {
  message: string;
  step: string | null;
  date: string | null;
  source: string;
  accountId?: string;
  shopId?: string;
  code?: string | number;
}

/** Signals a stop at a safe point: a cancel request, or a shutdown. */
class Stop extends Error {
  constructor(readonly kind: 'cancel' | 'interrupt') {
    super(kind);
  }
}

function datesBetween(start: Date | string | null, end: Date | string | null): string[] {
  if (!start || !end) return [];
  const out: string[] = [];
  for (let t = new Date(start).getTime(); t <= new Date(end).getTime(); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function toJson(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  if (value === undefined || value === null) return Prisma.DbNull;
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

export function executionError(err: unknown, step: StepDefinition | undefined, key: string | null): ExecutionError {
  const message = err instanceof Error ? err.message : String(err);
  const d = err instanceof StepError ? err.details : {};
  const out: ExecutionError = {
    message,
    step: key,
    date: d.date ?? null,
    source: d.source ?? (err instanceof TemplateError ? 'template' : (step?.type ?? 'engine')),
  };
  if (d.accountId !== undefined) out.accountId = d.accountId;
  if (d.shopId !== undefined) out.shopId = d.shopId;
  if (d.code !== undefined) out.code = d.code;
  return out;
}

function isRetryable(err: unknown): boolean {
  if (err instanceof TemplateError) return false;
  return !(err instanceof StepError && err.details.retryable === false);
}

export async function executeRun(deps: RunDeps, executionId: string, signal: AbortSignal): Promise<RunOutcome> {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  // The run starts when a worker picks it up, not when its row has been read.
  const pickedUpAt = now();
  const execution = await runWrites(db).claim({ id: executionId, at: pickedUpAt, stepId: uuidv7() });
  if (!execution) {
    logger.warn({ executionId }, 'run job for an unknown execution');
    return 'NOOP';
  }
  if (FINISHED_STATUSES.includes(execution.status)) return 'NOOP';
  const { tenantId, workflowId } = execution;
  setActiveSpanAttributes({ 'flowdeck.workflow.id': workflowId, 'flowdeck.run.trigger': execution.trigger });
  // Made on first use: a child logger redacts its bindings, and most runs log nothing.
  let runLog: Logger | undefined;
  const log = () => (runLog ??= logger.child({ executionId, workflowId, tenantId }));
  // Events are hints (subscribers load the row), so the run does not wait for them; a connection
  // sends them in order.
  const publish = (status: ExecutionStatus) =>
    void publishExecution(deps, { tenantId, executionId, workflowId, status }).catch((err: unknown) => log().warn({ err, status }, 'could not publish an execution event'));

  // A run's duration counts from its first start, across hand-backs to other workers.
  const runStartedAt = execution.startedAt ?? pickedUpAt;
  const finished = (status: 'COMPLETED' | 'FAILED' | 'CANCELLED') => deps.metrics?.runFinished(status, (now().getTime() - runStartedAt.getTime()) / 1000);
  const finish = async (status: 'COMPLETED' | 'FAILED' | 'CANCELLED', data: { output?: unknown; error?: ExecutionError } = {}) => {
    const res = await db.workflowExecution.updateMany({
      where: { id: executionId, status: { in: ['PENDING', 'RUNNING'] } },
      data: {
        status,
        finishedAt: now(),
        ...(data.output !== undefined ? { output: toJson(data.output) } : {}),
        ...(data.error ? { error: data.error as unknown as Prisma.InputJsonObject } : {}),
      },
    });
    if (res.count === 1) {
      finished(status);
      publish(status);
      await releaseSlot();
      if (status === 'FAILED') await deps.alerts?.emit(tenantId, 'RUN_FAILED', { executionId, workflowId, error: data.error ?? null });
    }
    return status;
  };
  // The definition of the revision this run was triggered with (validated once per revision).
  const revision = () => validateRevision(`${execution.workflowId}#${execution.workflowVersion}`, execution.revisionAt, () => JSON.parse(execution.definition));
  /** A finished run of a limited workflow lets the next ones in line start (engine/concurrency.ts). */
  const releaseSlot = async () => {
    if (execution.concurrencyKey === null) return;
    const v = revision();
    if (!v.ok || !v.definition.concurrency) return;
    await promoteWaiting({ db, enqueue: deps.queues ? promotionEnqueuer(deps.queues) : undefined }, execution, v.definition.concurrency).catch((err: unknown) =>
      // The maintenance sweep (promoteStaleWaiting) promotes them later.
      log().warn({ err }, 'could not promote runs waiting for a concurrency slot'),
    );
  };

  if (execution.cancelRequestedAt || (signal.aborted && signal.reason === CANCEL_REASON)) return finish('CANCELLED');

  let startedAt = execution.startedAt ?? pickedUpAt;
  let driftMs = execution.scheduledFor ? startedAt.getTime() - execution.scheduledFor.getTime() : null;
  const markRunning = (client: Prisma.TransactionClient | PrismaClient) =>
    client.workflowExecution.updateMany({
      where: { id: executionId, status: { in: ['PENDING', 'RUNNING'] } },
      data: { status: 'RUNNING', startedAt, driftMs, attempts: { increment: 1 }, parkedAt: null },
    });
  let marked = execution.marked ? 1 : 0;
  // A concurrency limit queues the runs of its workflow itself, QUEUE-policy slots included.
  if (!marked && execution.status === 'PENDING' && execution.trigger === 'SCHEDULE' && execution.overlapPolicy === 'QUEUE' && execution.concurrencyKey === null) {
    // One at a time per workflow, in slot order: the advisory lock makes "none running and no
    // earlier slot waiting? then start" atomic.
    const slot = execution.scheduledFor!;
    const started = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${workflowId}, 0))`;
      const busy = await tx.workflowExecution.count({
        where: {
          workflowId,
          id: { not: executionId },
          OR: [
            // A run parked at a wait step is still going.
            { status: { in: ['RUNNING', 'WAITING'] } },
            { status: 'PENDING', trigger: 'SCHEDULE', OR: [{ scheduledFor: { lt: slot } }, { scheduledFor: slot, id: { lt: executionId } }] },
          ],
        },
      });
      if (busy) return -1;
      // It starts now, after its predecessor finished, not when its job was picked up.
      startedAt = execution.startedAt ?? now();
      driftMs = startedAt.getTime() - slot.getTime();
      return (await markRunning(tx)).count;
    });
    if (started === -1) return 'QUEUED';
    marked = started;
  }
  if (!marked && execution.status === 'PENDING' && execution.concurrencyKey !== null) {
    const v = revision();
    const spec = v.ok ? v.definition.concurrency : undefined;
    // An invalid revision runs (and fails below) without a slot.
    if (!spec) marked = (await markRunning(db)).count;
    else {
      // Marked RUNNING by the same statement when it gets a slot, started then (not at pickup).
      const decision = await takeSlot(db, { ...execution, concurrencyKey: execution.concurrencyKey }, spec, now());
      if (decision.outcome === 'PARKED') {
        if (decision.promote) await releaseSlot();
        return 'PARKED';
      }
      if (decision.outcome === 'TAKEN') {
        startedAt = decision.startedAt;
        driftMs = execution.scheduledFor ? startedAt.getTime() - execution.scheduledFor.getTime() : null;
        marked = 1;
      }
    }
  }
  if (marked === 0) return 'NOOP';
  publish('RUNNING');
  if (driftMs !== null && !execution.startedAt) {
    const slot = execution.scheduledFor!.toISOString();
    const late = driftMs > deps.driftWarnMs;
    deps.metrics?.scheduledRunStarted(driftMs / 1000);
    log()[late ? 'warn' : 'info']({ driftMs, scheduledFor: slot }, late ? 'scheduled run started late' : 'scheduled run started');
    deps.logSink.log({
      tenantId,
      workflowId,
      executionId,
      level: late ? 'WARN' : 'INFO',
      message: late ? `Slot ${slot} started ${driftMs} ms late (threshold ${deps.driftWarnMs} ms)` : `Slot ${slot} started after ${driftMs} ms`,
      metadata: { driftMs, scheduledFor: slot },
    });
    if (late) await deps.alerts?.emit(tenantId, 'DRIFT_EXCEEDED', { executionId, workflowId, scheduledFor: slot, driftMs, thresholdMs: deps.driftWarnMs });
  }

  const validation = revision();
  if (!validation.ok) {
    // The claim started the first step from the stored JSON; it never ran.
    if (execution.firstStepStarted) await db.stepRun.updateMany({ where: { executionId, status: 'RUNNING' }, data: { status: 'SKIPPED', startedAt: null } });
    const message = `The stored definition is invalid: ${validation.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
    return finish('FAILED', { error: { message, step: null, date: null, source: 'definition' } });
  }
  const steps = validation.definition.steps;
  if (steps.length !== execution.stepsTotal) {
    await db.workflowExecution.update({ where: { id: executionId }, data: { stepsTotal: steps.length } });
  }
  // A first attempt has no StepRuns yet; a re-run after a crash, or a resume after a wait,
  // continues from them.
  const firstAttempt = execution.attempts === 0;
  // A retry from the failed step (resume.ts) first has the earlier steps copied, with their
  // outputs, from the attempt it retries; it then starts after them like any continued run.
  if (execution.resumeFromIndex !== null) await reuseEarlierSteps(db, execution, steps);
  const resume =
    firstAttempt && execution.resumeFromIndex === null ? { index: 0, outputs: {}, recorded: new Map<number, RecordedStep>() } : await resumeFromIndex(db, executionId, steps);
  const done = resume.recorded;
  const input = (execution.input ?? {}) as Record<string, unknown>;
  const dates = datesBetween(execution.rangeStart, execution.rangeEnd);
  const outputs: Record<string, unknown> = resume.outputs;
  let cancelRequested = false;
  // On a first attempt the claim started step 0, and each completion starts the next step.
  let startedAlready = firstAttempt && execution.firstStepStarted;

  const checkpoint = () => {
    if (cancelRequested || (signal.aborted && signal.reason === CANCEL_REASON)) throw new Stop('cancel');
    if (signal.aborted) throw new Stop('interrupt');
  };
  const setStep = (index: number, status: StepStatus, data: Prisma.StepRunUpdateManyMutationInput = {}) =>
    db.stepRun.update({ where: { executionId_index: { executionId, index } }, data: { status, ...data } });

  for (let index = resume.index; index < steps.length; index++) {
    const step = steps[index]!;
    const key = stepKey(step, index);
    const previous = done.get(index);
    if (previous?.status === 'COMPLETED') {
      outputs[key] = previous.output;
      continue;
    }
    // Set while the step itself runs, so only its own failures are timed as FAILED.
    let stepStarted: number | undefined;
    try {
      checkpoint();
      const start = { tenantId, executionId, index, name: step.name ?? null, type: step.type, startedAt: now() };
      const create = { ...start, status: 'RUNNING' as const, attempts: 1 };
      if (startedAlready) startedAlready = false;
      else if (firstAttempt) await runWrites(db).startStep({ id: uuidv7(), ...start });
      else {
        // A re-run: this step may have started before, and counted some of its work.
        if (previous) await takeBackStepProgress(db, executionId, index);
        await db.stepRun.upsert({
          where: { executionId_index: { executionId, index } },
          create,
          update: { status: 'RUNNING', startedAt: now(), finishedAt: null, error: Prisma.DbNull, attempts: { increment: 1 } },
        });
      }
      if (isWaitStep(step.type)) {
        const wait = await enterWait({ db, queues: deps.queues, logSink: deps.logSink }, { tenantId, workflowId, executionId, index, key, step, input, outputs, now: now() });
        if (wait.outcome === 'CANCELLED') throw new Stop('cancel');
        publish('WAITING');
        return 'WAITING';
      }
      const tenant = { timezone: execution.timezone, defaultCountry: execution.defaultCountry };
      stepStarted = performance.now();
      const output = await tracedStep(step.type, index, signal, () => runStep(deps, { step, key, index, signal, input, dates, tenantId, workflowId, executionId, tenant }, setStep));
      outputs[key] = output;
      deps.metrics?.stepFinished(step.type, 'COMPLETED', (performance.now() - stepStarted) / 1000);
      stepStarted = undefined;
      const last = index === steps.length - 1;
      // The last step's completion completes the run in the same statement.
      const next = !last && firstAttempt ? steps[index + 1]! : undefined;
      const res = await runWrites(db).completeStep({
        tenantId,
        executionId,
        index,
        output,
        at: now(),
        ...(last ? { runOutput: outputs } : {}),
        ...(next ? { next: { id: uuidv7(), name: next.name ?? null, type: next.type } } : {}),
      });
      startedAlready = next !== undefined;
      cancelRequested = res.cancelRequested;
      if (!last) publish('RUNNING');
      else if (res.status === 'COMPLETED') {
        finished('COMPLETED');
        publish('COMPLETED');
        await releaseSlot();
        return 'COMPLETED';
      }
    } catch (err) {
      if (err instanceof Stop || err instanceof AbortedError || signal.aborted) {
        const kind = err instanceof Stop ? err.kind : signal.reason === CANCEL_REASON || cancelRequested ? 'cancel' : 'interrupt';
        if (kind === 'interrupt') {
          // Another worker continues this step; it is not finished, so it goes back to PENDING.
          await db.stepRun.updateMany({ where: { executionId, index, status: 'RUNNING' }, data: { status: 'PENDING' } });
          log().info({ step: key }, 'run interrupted by shutdown; handing it back');
          return 'INTERRUPTED';
        }
        await db.stepRun.updateMany({ where: { executionId, index, status: { in: ['RUNNING', 'PENDING'] } }, data: { status: 'CANCELLED', finishedAt: now() } });
        await skipRest(db, tenantId, executionId, steps, index + 1);
        return finish('CANCELLED');
      }
      // PostgreSQL went away under the step: not the step's failure. The run is handed back
      // (run-worker.ts) and continues from this step once the database answers again.
      if (isDatabaseUnavailable(err)) throw err;
      // Stored redacted: failure text echoes what the step was sending (a phone, an e-mail) and is
      // shown to every VIEWER and sent to alert webhooks; nothing re-reads the raw text.
      if (stepStarted !== undefined) deps.metrics?.stepFinished(step.type, 'FAILED', (performance.now() - stepStarted) / 1000);
      const failure = executionError(err, step, key);
      const error = { ...failure, message: redactText(failure.message, { region: execution.defaultCountry }) };
      await db.stepRun.updateMany({ where: { executionId, index }, data: { status: 'FAILED', finishedAt: now(), error: error as unknown as Prisma.InputJsonObject } });
      await skipRest(db, tenantId, executionId, steps, index + 1);
      log().info({ step: key, error: error.message }, 'run failed');
      return finish('FAILED', { error });
    }
  }
  return finish('COMPLETED', { output: outputs });
}

export interface RecordedStep {
  index: number;
  status: StepStatus;
  output: Prisma.JsonValue;
}

/**
 * Where a run continues: the first step that has not COMPLETED, with the outputs of the steps
 * before it read back from their StepRuns (by step key, as the run output keeps them). Used by a
 * re-run after a crash and by the resume after a wait; `recorded` has every StepRun by index.
 */
export async function resumeFromIndex(
  db: PrismaClient,
  executionId: string,
  steps: StepDefinition[],
): Promise<{ index: number; outputs: Record<string, unknown>; recorded: Map<number, RecordedStep> }> {
  const rows = await db.stepRun.findMany({ where: { executionId }, select: { index: true, status: true, output: true } });
  const recorded = new Map(rows.map((s) => [s.index, s]));
  const outputs: Record<string, unknown> = {};
  let index = 0;
  for (; index < steps.length && recorded.get(index)?.status === 'COMPLETED'; index++) outputs[stepKey(steps[index]!, index)] = recorded.get(index)!.output;
  return { index, outputs, recorded };
}

/**
 * One span per step run, a child of the run's span; the step's outside-API calls are its
 * children. Named by the step type; neither its name nor its config (user text) is recorded.
 */
function tracedStep<T>(type: string, index: number, signal: AbortSignal, run: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return run();
  return inSpan(`step ${type}`, { attributes: { 'flowdeck.step.type': type, 'flowdeck.step.index': index } }, async (span) => {
    try {
      const output = await run();
      span?.setAttribute('flowdeck.step.status', 'COMPLETED');
      return output;
    } catch (err) {
      span?.setAttribute('flowdeck.step.status', signal.aborted ? 'ABORTED' : 'FAILED');
      throw err;
    }
  });
}

/** Fail-fast leaves later steps visibly not run. */
async function skipRest(db: PrismaClient, tenantId: string, executionId: string, steps: StepDefinition[], from: number) {
  if (from >= steps.length) return;
  await db.stepRun.createMany({
    data: steps.slice(from).map((s, i) => ({ tenantId, executionId, index: from + i, name: s.name ?? null, type: s.type, status: 'SKIPPED' as const })),
    skipDuplicates: true,
  });
}

interface StepCall {
  step: StepDefinition;
  key: string;
  index: number;
  signal: AbortSignal;
  input: Record<string, unknown>;
  dates: string[];
  tenantId: string;
  workflowId: string;
  executionId: string;
  tenant: { timezone: string; defaultCountry: string };
}

async function runStep(
  deps: RunDeps,
  call: StepCall,
  setStep: (index: number, status: StepStatus, data?: Prisma.StepRunUpdateManyMutationInput) => Promise<unknown>,
): Promise<unknown> {
  const { step, key, index, signal, tenantId, workflowId, executionId } = call;
  const runner = deps.registry.get(step.type);
  if (!runner) throw new StepError(`No runner is registered for step type "${step.type}"`, { retryable: false, source: 'engine' });
  const config = render(step.config ?? {}, call.input);
  const attempts = runner.retrySafe ? (step.retry?.attempts ?? DEFAULT_STEP_ATTEMPTS) : 1;
  const baseMs = step.retry?.backoffMs ?? deps.retryBackoffMs ?? DEFAULT_BACKOFF_MS;
  const log: StepContext['log'] = (entry) => deps.logSink.log({ ...entry, tenantId, workflowId, executionId, step: key, region: call.tenant.defaultCountry });
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw new AbortedError(signal.reason);
    if (attempt > 1) setActiveSpanAttributes({ 'flowdeck.step.attempts': attempt });
    const ctx: StepContext = {
      db: deps.db,
      tenantId,
      timezone: call.tenant.timezone,
      defaultCountry: call.tenant.defaultCountry,
      workflowId,
      executionId,
      stepIndex: index,
      stepKey: key,
      attempt,
      idempotencyKey: `${executionId}:${key}`,
      signal,
      dates: call.dates,
      input: call.input,
      log,
      progress: (increments) => addProgress(deps, { tenantId, workflowId, executionId, stepIndex: index }, increments),
    };
    try {
      return await runner.run(ctx, config);
    } catch (err) {
      if (signal.aborted) throw new AbortedError(signal.reason);
      // A database outage is not the step's fault; its retries are kept for the step's own failures.
      if (attempt >= attempts || !isRetryable(err) || isDatabaseUnavailable(err)) throw err;
      const wait = backoffDelay(attempt, baseMs);
      log({ level: 'WARN', message: `Attempt ${attempt} of ${attempts} failed: ${(err as Error).message}; retrying in ${wait} ms`, metadata: { attempt, waitMs: wait } });
      await sleep(wait, signal);
      await takeBackStepProgress(deps.db, executionId, index);
      await setStep(index, 'RUNNING', { attempts: { increment: 1 } });
    }
  }
}
