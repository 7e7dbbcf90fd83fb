// The logs' part of the nightly housekeeping: the engine's maintenance worker runs it in its
// nightly slot (one consumer of the maintenance queue, so no job is ever handed to a worker
// that does not know it). runLogMaintenance records its own detailed MaintenanceRun.
import type { Config } from '../config.ts';
import type { MaintenanceTask } from '../engine/maintenance.ts';
import { runLogMaintenance } from './retention.ts';

export function logMaintenanceTask(config: Pick<Config, 'logs'>): MaintenanceTask {
  return async ({ db, logger }) => {
    const report = await runLogMaintenance({
      db,
      logger,
      defaultRetentionDays: config.logs.retentionDays,
      partitionsAheadDays: config.logs.partitionsAheadDays,
    });
    return { partitionsDropped: report.partitionsDropped.length, partitionsCreated: report.partitionsCreated };
  };
}
