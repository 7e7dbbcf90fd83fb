// The maintenance queue: a frequent sweep of PENDING runs without a job, and a nightly slot for
// housekeeping tasks that other areas register (the logs area adds its prune). Every nightly
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

export type MaintenanceTask = (ctx: { db: PrismaClient; logger: Logger }) => Promise<Record<string, unknown> | void>;

export interface MaintenanceOptions {
  db: PrismaClient;
  queues: Queues;
  redisPrefix: string;
  logger: Logger;
  sweepIntervalMs: number;
  /** PENDING rows younger than this are left alone (their trigger may still be enqueueing). */
  pendingAfterMs: number;
  /** Cron (UTC) of the nightly housekeeping slot. */
  nightlyCron?: string;
  /** Nightly tasks by name. */
  tasks?: Record<string, MaintenanceTask>;
  connect?: () => Redis;
}

export const SWEEP_JOB = 'sweep-pending';
export const NIGHTLY_JOB = 'nightly';

/** Runs `fn` as a recorded MaintenanceRun; failures are recorded, logged and rethrown. */
export async function recordedRun(
  db: PrismaClient,
  logger: Logger,
  task: string,
  fn: () => Promise<Record<string, unknown> | void>,
  recordSuccess: (details: Record<string, unknown> | void) => boolean = () => true,
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
    await db.maintenanceRun
      .create({ data: { task, status: 'FAILED', startedAt, finishedAt: new Date(), error: message } })
      .catch((e) => logger.error({ err: e, task }, 'could not record a failed maintenance task'));
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
    await q.upsertJobScheduler(NIGHTLY_JOB, { pattern: opts.nightlyCron ?? '0 3 * * *', tz: 'UTC' }, { name: NIGHTLY_JOB, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } } });
    this.connection = (opts.connect ?? (() => createRedis()))();
    this.worker = new Worker(QUEUE_NAMES.maintenance, (job) => this.process(job), {
      connection: this.connection,
      prefix: bullPrefix(opts.redisPrefix),
      concurrency: 1,
      settings: { repeatStrategy },
    });
    this.worker.on('error', (err) => opts.logger.error({ err }, 'maintenance worker error'));
    await this.worker.waitUntilReady();
  }

  async process(job: Pick<Job, 'name'>): Promise<unknown> {
    const { db, logger } = this.opts;
    if (job.name === SWEEP_JOB) {
      return recordedRun(
        db,
        logger,
        SWEEP_JOB,
        async () => {
          const res = await sweepPending(this.opts, this.opts.pendingAfterMs);
          if (res.enqueued.length) logger.warn({ enqueued: res.enqueued }, 'enqueued PENDING runs that had no job');
          return { checked: res.checked, enqueued: res.enqueued.length, executionIds: res.enqueued };
        },
        (d) => !!d && (d.enqueued as number) > 0,
      );
    }
    if (job.name === NIGHTLY_JOB) {
      const failed: string[] = [];
      for (const [name, task] of Object.entries(this.opts.tasks ?? {})) {
        // One failing task does not stop the others; the job fails at the end so BullMQ shows it.
        await recordedRun(db, logger, name, () => task({ db, logger })).catch(() => failed.push(name));
      }
      if (failed.length) throw new Error(`nightly tasks failed: ${failed.join(', ')}`);
      return { tasks: Object.keys(this.opts.tasks ?? {}) };
    }
    throw new Error(`unknown maintenance job ${job.name}`);
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
    this.worker = undefined;
  }
}
