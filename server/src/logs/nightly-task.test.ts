import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { testDb } from '../../test/helpers.ts';
import { logMaintenanceTask } from './nightly-task.ts';

const db = testDb();
afterAll(() => db.$disconnect());

describe('nightly log maintenance task', () => {
  it('keeps partitions ahead and records the run', async () => {
    const since = new Date();
    const details = await logMaintenanceTask(loadConfig())({ db, logger: createLogger('silent') });
    expect(details).toMatchObject({ partitionsDropped: expect.any(Number), partitionsCreated: expect.any(Number) });
    const { rows } = { rows: await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = '"LogEntry"'::regclass`) };
    expect(rows[0]!.n).toBeGreaterThanOrEqual(15);
    expect(await db.maintenanceRun.findFirst({ where: { task: 'log-maintenance', startedAt: { gte: since } } })).toMatchObject({ status: 'SUCCEEDED', dryRun: false });
  });
});
