// The nightly log maintenance on the `maintenance` queue: a BullMQ job scheduler fires the
// `prune-logs` job at LOG_MAINTENANCE_CRON (UTC), and this worker runs runLogMaintenance.
// Upserting the scheduler is idempotent, so every worker process can do it at start; BullMQ
// hands each fired job to exactly one worker. A failed run is recorded (MaintenanceRun) and
// logged at error level inside runLogMaintenance; BullMQ retries it with backoff.
import { Worker, type Job } from 'bullmq';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { createQueues } from '../engine/queues.ts';
import { runLogMaintenance } from './retention.ts';

export const LOG_MAINTENANCE_JOB = 'prune-logs';
export const LOG_MAINTENANCE_SCHEDULER = 'log-maintenance-nightly';

export interface LogMaintenanceDeps {
  config: Pick<Config, 'redisUrl' | 'redisPrefix' | 'logs'>;
  db: PrismaClient;
  logger: Logger;
}

/** The worker-role component: schedules the nightly job and processes it. */
export function createLogMaintenance(deps: LogMaintenanceDeps) {
  const { config } = deps;
  let worker: Worker | undefined;
  let stopQueues: (() => Promise<void>) | undefined;
  return {
    name: 'log-maintenance',
    async start(): Promise<void> {
      const queueConnection = createRedis(config.redisUrl);
      const queues = createQueues(queueConnection, config.redisPrefix);
      const workerConnection = createRedis(config.redisUrl);
      stopQueues = async () => {
        await queues.close();
        queueConnection.disconnect();
        workerConnection.disconnect();
      };
      const queue = queues.maintenance;
      await queue.upsertJobScheduler(
        LOG_MAINTENANCE_SCHEDULER,
        { pattern: config.logs.maintenanceCron, tz: 'UTC' },
        { name: LOG_MAINTENANCE_JOB, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, removeOnComplete: 100, removeOnFail: 100 } },
      );
      worker = new Worker(
        queue.name,
        async (job: Job) => {
          // The queue is shared with other housekeeping; this worker owns only its job name.
          if (job.name !== LOG_MAINTENANCE_JOB) throw new Error(`no handler for maintenance job "${job.name}"`);
          const report = await runLogMaintenance({
            db: deps.db,
            defaultRetentionDays: config.logs.retentionDays,
            partitionsAheadDays: config.logs.partitionsAheadDays,
            logger: deps.logger,
            dryRun: job.data?.dryRun === true,
          });
          return { dropped: report.partitionsDropped.length, created: report.partitionsCreated };
        },
        { connection: workerConnection, prefix: queue.opts.prefix, concurrency: 1 },
      );
      worker.on('error', (err) => deps.logger.error({ err }, 'log maintenance worker error'));
    },
    async stop(): Promise<void> {
      await worker?.close();
      await stopQueues?.();
    },
  };
}
