// The maintenance queue: a frequent sweep of PENDING runs without a job, a nightly slot for
// housekeeping tasks that other areas register (the logs area adds its prune), and bulk
// cancel/retry operations (bulk.ts) and alert webhook deliveries (alerts.ts). Every nightly
// task run, and every sweep that repaired something or failed, is recorded as a MaintenanceRun,
// and failures are logged at error level, so they are visible through the API.
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { repeatStrategy } from './cron.ts';
import { bullPrefix, QUEUE_NAMES, type Queues } from './queues.ts';
import { sweepPending } from './sweeper.ts';
import { promoteStaleWaiting } from './concurrency.ts';
import { promotionEnqueuer } from './executions.ts';
import { BULK_JOB, processBulkOperation, type BulkJobData } from './bulk.ts';
import { extractTraceContext, inSpan, SpanKind } from '../tracing/tracing.ts';
import { deliverAlert, DELIVER_ALERT_JOB, type AlertEmitter, type DeliverDeps } from './alerts.ts';
import { WAIT_TIMEOUT_JOB } from './waits/enter.ts';
import { timeoutWaitpoint } from './waits/resolve.ts';
import { sweepWaits } from './waits/sweep.ts';
import { redispatchEvents } from '../triggers/redispatch-events.ts';

export type MaintenanceTask = (ctx: { db: PrismaClient; logger: Logger }) => Promise<Record<string, unknown> | void>;

export interface MaintenanceOptions {
  db: PrismaClient;
  queues: Queues;
  /** Command connection (bulk cancels publish through it). */
  redis: Redis;
  redisPrefix: string;
  logger: Logger;
  sweepIntervalMs: number;
  /** PENDING rows younger than this are left alone (their trigger may still be enqueueing). */
  pendingAfterMs: number;
  /** Limits the sweeper to one tenant (tests); production sweeps every tenant. */
  sweepTenantId?: string;
  /** Cron (UTC) of the nightly housekeeping slot. */
  nightlyCron?: string;
  /** Nightly tasks by name. */
  tasks?: Record<string, MaintenanceTask>;
  /** Raises MAINTENANCE_FAILED alerts. */
  alerts?: AlertEmitter;
  /** What delivering alert webhooks needs; without it deliver-alert jobs fail. */
  delivery?: Omit<DeliverDeps, 'db'>;
  connect?: () => Redis;
  /** APPROVAL_ALERT_AFTER_MS: an approval waiting longer raises APPROVAL_WAITING (once). */
  approvalAlertAfterMs?: number;
}

/** Timeouts, long-waiting approvals and lost continuations of waits (waits/sweep.ts). */
export const WAITS_SWEEP_JOB = 'sweep-waits';

export const SWEEP_JOB = 'sweep-pending';
export const NIGHTLY_JOB = 'nightly';

/** Runs `fn` as a recorded MaintenanceRun; failures are recorded, logged and rethrown. */
export async function recordedRun(
  db: PrismaClient,
  logger: Logger,
  task: string,
  fn: () => Promise<Record<string, unknown> | void>,
  recordSuccess: (details: Record<string, unknown> | void) => boolean = () => true,
  alerts?: AlertEmitter,
): Promise<Record<string, unknown> | void> {
  const startedAt = new Date();
  try {
    const details = await fn();
    if (recordSuccess(details)) {
      await db.maintenanceRun.create({
        data: { task, status: 'SUCCEEDED', startedAt, finishedAt: new Date(), details: (details ?? Prisma.DbNull) as Prisma.InputJsonObject },
      });
    }
    return details;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    logger.error({ err, task }, 'maintenance task failed');
    const run = await db.maintenanceRun
      .create({ data: { task, status: 'FAILED', startedAt, finishedAt: new Date(), error: message } })
      .catch((e) => logger.error({ err: e, task }, 'could not record a failed maintenance task'));
    // Operator-level: tenants get the task name and the record id, not the internal error.
    await alerts?.emit(null, 'MAINTENANCE_FAILED', { task, maintenanceRunId: run ? run.id : null, failedAt: new Date().toISOString() });
    throw err;
  }
}

export class MaintenanceWorker {
  readonly name = 'maintenance';
  private worker: Worker | undefined;
  private connection: Redis | undefined;

  constructor(private readonly opts: MaintenanceOptions) {}

  async start(): Promise<void> {
    const { opts } = this;
    const q = opts.queues.maintenance;
    await q.upsertJobScheduler(SWEEP_JOB, { every: opts.sweepIntervalMs }, { name: SWEEP_JOB, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } } });
    await q.upsertJobScheduler(WAITS_SWEEP_JOB, { every: opts.sweepIntervalMs }, { name: WAITS_SWEEP_JOB, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } } });
    await q.upsertJobScheduler(NIGHTLY_JOB, { pattern: opts.nightlyCron ?? '0 3 * * *', tz: 'UTC' }, { name: NIGHTLY_JOB, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } } });
    this.connection = (opts.connect ?? (() => createRedis()))();
    this.worker = new Worker(QUEUE_NAMES.maintenance, (job) => this.process(job), {
      connection: this.connection,
      prefix: bullPrefix(opts.redisPrefix),
      // A long bulk operation must not hold up the sweeper.
      concurrency: 3,
      settings: { repeatStrategy },
    });
    this.worker.on('error', (err) => opts.logger.error({ err }, 'maintenance worker error'));
    await this.worker.waitUntilReady();
  }

  async process(job: Pick<Job, 'name' | 'data'> & Partial<Pick<Job, 'attemptsMade' | 'opts'>>): Promise<unknown> {
    const { db, logger } = this.opts;
    if (job.name === SWEEP_JOB) {
      return recordedRun(
        db,
        logger,
        SWEEP_JOB,
        async () => {
          const res = await sweepPending({ ...this.opts, tenantId: this.opts.sweepTenantId }, this.opts.pendingAfterMs);
          if (res.enqueued.length) logger.warn({ enqueued: res.enqueued }, 'enqueued PENDING runs that had no job');
          // Runs parked for a concurrency slot longer than SLOT_RECHECK_MS: a slot freed without a promotion (crash).
          const promoted = await promoteStaleWaiting({ db, enqueue: promotionEnqueuer(this.opts.queues), tenantId: this.opts.sweepTenantId });
          if (promoted.length) logger.warn({ promoted }, 'promoted runs that waited for a concurrency slot too long');
          // Events recorded but never dispatched (the process died before starting their runs).
          const redispatched = await redispatchEvents(this.opts, { olderThanMs: this.opts.pendingAfterMs, tenantId: this.opts.sweepTenantId });
          if (redispatched.length) logger.warn({ eventIds: redispatched }, 'dispatched events a stopped process had left undispatched');
          return {
            checked: res.checked,
            enqueued: res.enqueued.length,
            executionIds: res.enqueued,
            ...(promoted.length ? { promoted: promoted.length, promotedIds: promoted } : {}),
            ...(redispatched.length ? { redispatched: redispatched.length, eventIds: redispatched } : {}),
          };
        },
        (d) => !!d && ((d.enqueued as number) > 0 || ((d.promoted as number | undefined) ?? 0) > 0 || ((d.redispatched as number | undefined) ?? 0) > 0),
        this.opts.alerts,
      );
    }
    if (job.name === WAITS_SWEEP_JOB) {
      const opts = { approvalAlertAfterMs: this.opts.approvalAlertAfterMs, tenantId: this.opts.sweepTenantId };
      return recordedRun(db, logger, WAITS_SWEEP_JOB, () => sweepWaits(this.opts, opts), (d) => !!d && ((d.timedOut as number) > 0 || (d.repaired as number) > 0), this.opts.alerts);
    }
    if (job.name === WAIT_TIMEOUT_JOB) return timeoutWaitpoint(this.opts, (job.data as { waitpointId: string }).waitpointId);
    if (job.name === NIGHTLY_JOB) {
      const failed: string[] = [];
      for (const [name, task] of Object.entries(this.opts.tasks ?? {})) {
        // One failing task does not stop the others; the job fails at the end so BullMQ shows it.
        await recordedRun(db, logger, name, () => task({ db, logger }), undefined, this.opts.alerts).catch(() => failed.push(name));
      }
      if (failed.length) throw new Error(`nightly tasks failed: ${failed.join(', ')}`);
      return { tasks: Object.keys(this.opts.tasks ?? {}) };
    }
    if (job.name === DELIVER_ALERT_JOB) {
      if (!this.opts.delivery) throw new Error('alert delivery is not configured in this process');
      const attempt = (job.attemptsMade ?? 0) + 1;
      return deliverAlert({ db, ...this.opts.delivery }, (job.data as { deliveryId: string }).deliveryId, attempt, attempt >= (job.opts?.attempts ?? 1));
    }
    if (job.name === BULK_JOB) {
      const data = job.data as BulkJobData;
      // In the trace of the bulk mutation: the runs it retries carry this span's context on.
      const attributes = { 'flowdeck.bulk_operation.id': data.bulkOperationId };
      return inSpan('bulk operation', { kind: SpanKind.CONSUMER, parent: extractTraceContext(data.trace), attributes }, () => processBulkOperation(this.opts, data.bulkOperationId));
    }
    throw new Error(`unknown maintenance job ${job.name}`);
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
    this.worker = undefined;
  }
}
