// The run worker: a BullMQ Worker on the `runs` queue. It listens on the cancel topic so a
// cancel requested through any api process aborts the run here, and on shutdown it stops
// taking jobs, lets running ones finish, and near the deadline hands the rest back to the
// queue (they continue on another worker from their last completed step).
import { DelayedError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { eventTopics, type CancelEvent } from '../events.ts';
import { createRedis } from '../redis.ts';
import { bullPrefix, QUEUE_NAMES, subscribeWhenReady, type RunJobData } from './queues.ts';
import { CANCEL_REASON, executeRun, type RunDeps, type RunOutcome } from './run-execution.ts';
import { FINISHED_STATUSES, publishExecution } from './executions.ts';
import { isDatabaseUnavailable } from '../db.ts';
import { extractTraceContext, inSpan, SpanKind } from '../tracing/tracing.ts';
import { promoteAfterFinish } from './concurrency.ts';
import { promotionEnqueuer } from './executions.ts';

export const SHUTDOWN_REASON = 'shutdown';
/** How long a QUEUE-policy run waits before looking again whether the previous run finished. */
const QUEUE_POLL_MS = 500;
/** How long a run waits before trying again when PostgreSQL could not be reached. */
export const DB_UNAVAILABLE_RETRY_MS = 2_000;

export interface RunWorkerOptions extends RunDeps {
  /** Recorded on every job this worker takes (BullMQ's processedBy). */
  workerName?: string;
  concurrency: number;
  stalledIntervalMs: number;
  lockDurationMs: number;
  /** Running jobs may finish within this; then they are aborted and handed back. */
  drainMs: number;
  /** A new Redis connection (the worker and the cancel subscriber each need their own). */
  connect?: () => Redis;
}

export class RunWorker {
  readonly name = 'run-worker';
  private worker: Worker<RunJobData> | undefined;
  private subscriber: Redis | undefined;
  private connection: Redis | undefined;
  /** Job ids of the runs this worker holds: a run resumed after a wait runs under `resume-<waitpointId>`, not its execution id. */
  private readonly jobIds = new Map<string, string>();

  constructor(private readonly opts: RunWorkerOptions) {}

  async start(): Promise<void> {
    const { opts } = this;
    const connect = opts.connect ?? (() => createRedis());
    this.connection = connect();
    this.subscriber = connect();
    const cancelChannel = eventTopics(opts.redisPrefix).cancel;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== cancelChannel) return;
      try {
        const { executionId } = JSON.parse(message) as CancelEvent;
        this.worker?.cancelJob(this.jobIds.get(executionId) ?? executionId, CANCEL_REASON);
      } catch (err) {
        opts.logger.warn({ err }, 'bad cancel message');
      }
    });
    await subscribeWhenReady(this.subscriber, cancelChannel);
    this.worker = new Worker<RunJobData>(QUEUE_NAMES.runs, (job, token, signal) => this.process(job, token, signal), {
      connection: this.connection,
      prefix: bullPrefix(opts.redisPrefix),
      ...(opts.workerName ? { name: opts.workerName } : {}),
      concurrency: opts.concurrency,
      stalledInterval: opts.stalledIntervalMs,
      lockDuration: opts.lockDurationMs,
      // A run whose worker died is recovered once; one that kills its worker again fails.
      maxStalledCount: 1,
    });
    this.worker.on('failed', (job, err) => void this.onFailed(job, err));
    this.worker.on('error', (err) => opts.logger.error({ err }, 'run worker error'));
    await this.worker.waitUntilReady();
  }

  private async process(job: Job<RunJobData>, token: string | undefined, signal: AbortSignal | undefined): Promise<RunOutcome> {
    let outcome: RunOutcome;
    if (job.id) this.jobIds.set(job.data.executionId, job.id);
    try {
      outcome = await this.run(job, signal ?? new AbortController().signal);
    } catch (err) {
      // PostgreSQL is down (restart, failover): the run could not record its progress, let alone
      // a failure. Failing the job would leave the run RUNNING forever; instead it waits and
      // starts again, continuing from its last completed step, as after a worker crash.
      if (!isDatabaseUnavailable(err)) throw err;
      this.opts.logger.warn({ executionId: job.data.executionId, err: { message: (err as Error).message } }, `database unavailable; the run continues in ${DB_UNAVAILABLE_RETRY_MS} ms`);
      await job.moveToDelayed(Date.now() + DB_UNAVAILABLE_RETRY_MS, token);
      throw new DelayedError();
    } finally {
      this.jobIds.delete(job.data.executionId);
    }
    if (outcome === 'INTERRUPTED') {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome === 'QUEUED') {
      await job.moveToDelayed(Date.now() + QUEUE_POLL_MS, token);
      throw new DelayedError();
    }
    return outcome;
  }

  /**
   * The run in a `run` span, a child of whatever enqueued it (the trace context in the job's
   * data): one trace from the GraphQL mutation or schedule slot to the last step. A run handed
   * back (shutdown, QUEUED, database outage) gets one such span per pass, all in that trace.
   */
  private run(job: Job<RunJobData>, signal: AbortSignal): Promise<RunOutcome> {
    const { executionId, tenantId } = job.data;
    const attributes = { 'flowdeck.execution.id': executionId, 'flowdeck.tenant.id': tenantId };
    return inSpan('run', { kind: SpanKind.CONSUMER, parent: extractTraceContext(job.data.trace), attributes }, async (span) => {
      const outcome = await executeRun(this.opts, executionId, signal);
      span?.setAttribute('flowdeck.run.outcome', outcome);
      return outcome;
    });
  }

  /** A job that failed outside the step loop (stalled too often, infrastructure error) fails its run. */
  private async onFailed(job: Job<RunJobData> | undefined, err: Error): Promise<void> {
    if (!job) return;
    const { db, logger } = this.opts;
    const { executionId } = job.data;
    try {
      const execution = await db.workflowExecution.findUnique({ where: { id: executionId } });
      if (!execution || FINISHED_STATUSES.includes(execution.status)) return;
      const res = await db.workflowExecution.updateMany({
        where: { id: executionId, status: { in: ['PENDING', 'RUNNING'] } },
        data: { status: 'FAILED', finishedAt: new Date(), error: { message: err.message, step: null, date: null, source: 'engine' } },
      });
      if (res.count === 1) {
        await publishExecution(this.opts, { tenantId: execution.tenantId, executionId, workflowId: execution.workflowId, status: 'FAILED' });
        if (this.opts.queues) await promoteAfterFinish({ db, enqueue: promotionEnqueuer(this.opts.queues) }, execution);
        await this.opts.alerts?.emit(execution.tenantId, 'RUN_FAILED', { executionId, workflowId: execution.workflowId, error: { message: err.message, source: 'engine' } });
      }
      logger.error({ err, executionId }, 'run job failed outside its steps');
    } catch (e) {
      logger.error({ err: e, executionId }, 'could not record a failed run job');
    }
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const closing = worker.close();
    const timer = setTimeout(() => worker.cancelAllJobs(SHUTDOWN_REASON), this.opts.drainMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
      await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
      await this.connection?.quit().catch(() => this.connection?.disconnect());
      this.worker = undefined;
    }
  }
}
