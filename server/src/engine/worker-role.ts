// The long-lived parts of the `worker` role, in start order: run worker, schedule worker
// (catch-up, reconciliation, fires) and the maintenance worker (sweeper, nightly slot).
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { RunMetrics } from './run-execution.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import type { LogSink } from '../logs/types.ts';
import { MaintenanceWorker, type MaintenanceTask } from './maintenance.ts';
import { AlertService } from './alerts.ts';
import { createQueues } from './queues.ts';
import { RunWorker } from './run-worker.ts';
import { ScheduleWorker } from './scheduler.ts';
import { createBuiltinRegistry } from './steps/builtin.ts';
import type { StepRegistry } from './steps/registry.ts';

export interface WorkerRoleDeps {
  config: Config;
  db: PrismaClient;
  redis: Redis;
  logger: Logger;
  logSink: LogSink;
  /** Defaults to the engine's own steps; connectors register theirs on it. */
  registry?: StepRegistry;
  nightlyTasks?: Record<string, MaintenanceTask>;
  /** The outbound-address (SSRF) guard alert webhooks must pass. */
  assertOutboundUrl(url: string): Promise<void>;
  /** Where the run worker counts finished runs and steps (/metrics). */
  metrics?: RunMetrics;
}

export function createWorkerComponents(deps: WorkerRoleDeps) {
  const { config, db, redis, logger, logSink } = deps;
  const queues = createQueues(redis, config.redisPrefix);
  const alerts = new AlertService({ db, queues, logger });
  const base = { db, redis, queues, redisPrefix: config.redisPrefix, logger, logSink, alerts };
  const { concurrency, stalledIntervalMs, lockDurationMs, name: workerName } = config.worker;
  return [
    // First in, last out: the queues outlive the workers that use them.
    { name: 'engine-queues', start: async () => {}, stop: () => queues.close() },
    new RunWorker({
      ...base,
      metrics: deps.metrics,
      registry: deps.registry ?? createBuiltinRegistry(),
      workerName,
      driftWarnMs: config.schedule.driftWarnMs,
      retryBackoffMs: config.worker.stepRetryBackoffMs,
      concurrency,
      stalledIntervalMs,
      lockDurationMs,
      // Leave a quarter of the deadline to hand unfinished runs back and close connections.
      drainMs: Math.floor(config.shutdownTimeoutMs * 0.75),
    }),
    new ScheduleWorker({ ...base, workerName, misfireGraceMs: config.schedule.misfireGraceMs, stalledIntervalMs, lockDurationMs }),
    new MaintenanceWorker({
      ...base,
      sweepIntervalMs: config.worker.sweepIntervalMs,
      pendingAfterMs: config.worker.sweepPendingAfterMs,
      approvalAlertAfterMs: config.worker.approvalAlertAfterMs,
      nightlyCron: config.logs.maintenanceCron,
      tasks: deps.nightlyTasks,
      delivery: { signingSecret: config.signingSecret, assertOutboundUrl: deps.assertOutboundUrl, outbound: { allowHosts: config.connectors.outboundAllowHosts } },
    }),
  ];
}
