import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { createQueues } from '../engine/queues.ts';
import { testDb } from '../../test/helpers.ts';
import { LOG_MAINTENANCE_JOB, LOG_MAINTENANCE_SCHEDULER, createLogMaintenance } from './maintenance-job.ts';

const db = testDb();
afterAll(() => db.$disconnect());

describe('log maintenance job', () => {
  it('schedules itself on the maintenance queue and runs when the job fires', async () => {
    const config = loadConfig({ ...process.env, REDIS_PREFIX: `t${randomUUID().slice(0, 8)}`, LOG_MAINTENANCE_CRON: '5 4 * * *' });
    const component = createLogMaintenance({ config, db, logger: createLogger('silent') });
    const redis = createRedis(config.redisUrl);
    const queues = createQueues(redis, config.redisPrefix);
    await component.start();
    try {
      // Starting twice (a second worker process) keeps one scheduler.
      const again = createLogMaintenance({ config, db, logger: createLogger('silent') });
      await again.start();
      await again.stop();
      const schedulers = await queues.maintenance.getJobSchedulers();
      expect(schedulers).toEqual([expect.objectContaining({ key: LOG_MAINTENANCE_SCHEDULER, pattern: '5 4 * * *', tz: 'UTC', name: LOG_MAINTENANCE_JOB })]);

      const since = new Date();
      const job = await queues.maintenance.add(LOG_MAINTENANCE_JOB, { dryRun: true });
      const deadline = Date.now() + 20_000;
      while (!(await job.isCompleted()) && !(await job.isFailed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await job.isCompleted()).toBe(true);
      const run = await db.maintenanceRun.findFirst({ where: { task: 'log-maintenance', dryRun: true, startedAt: { gte: since } } });
      expect(run).toMatchObject({ status: 'SUCCEEDED' });
    } finally {
      await component.stop();
      await queues.maintenance.obliterate({ force: true }).catch(() => {});
      await queues.close();
      redis.disconnect();
    }
  });
});
