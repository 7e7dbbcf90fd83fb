// Process-wide housekeeping (the sweeper, nightly tasks such as log maintenance) as seen by a
// tenant ADMIN, for dashboards and alerting. MaintenanceRun rows belong to no tenant, so this
// answers with what every tenant may know — the task, its status and times, which is what
// MAINTENANCE_FAILED alerts already tell them — and never the run's `details` (log maintenance
// lists other tenants' ids and row counts; the sweep lists their execution ids) nor its `error`
// (internal messages: SQL, hosts, paths). Operators read those in the logs or the table.
import type { MaintenanceStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';
import { MaintenanceRunStatusEnum } from './enums.ts';

interface LatestRun {
  id: string;
  task: string;
  status: MaintenanceStatus;
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date | null;
  /** Status of the task's latest run that was not a dry run (null: it never ran for real). */
  realStatus: MaintenanceStatus | null;
}

const MaintenanceRunRef = builder.objectRef<LatestRun>('MaintenanceRun').implement({
  description: 'The latest recorded run of one housekeeping task (process-wide, not per tenant).',
  fields: (t) => ({
    runId: t.exposeString('id', { description: 'The maintenanceRunId that MAINTENANCE_FAILED alerts carry.' }),
    task: t.exposeString('task', { description: 'The task, e.g. sweeper or log-maintenance.' }),
    status: t.expose('status', { type: MaintenanceRunStatusEnum, description: 'How it went.' }),
    dryRun: t.exposeBoolean('dryRun', { description: 'A rehearsal that changed nothing.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended; null while running.' }),
  }),
});

const MaintenanceStatusRef = builder.objectRef<{ runs: LatestRun[] }>('MaintenanceStatus').implement({
  description: 'The health of the housekeeping tasks.',
  fields: (t) => ({
    runs: t.field({ type: [MaintenanceRunRef], description: 'The latest run of every task that has run, by task name.', resolve: (s) => s.runs }),
    failing: t.stringList({
      description:
        'Tasks whose latest real (not dry) run failed. The sweeper records only sweeps that repaired something or failed, so its entry clears at its next recorded success; compare finishedAt.',
      resolve: (s) => s.runs.filter((r) => r.realStatus === 'FAILED').map((r) => r.task),
    }),
    healthy: t.boolean({ description: 'No task is failing.', resolve: (s) => !s.runs.some((r) => r.realStatus === 'FAILED') }),
  }),
});

builder.queryField('maintenanceStatus', (t) =>
  t.field({
    type: MaintenanceStatusRef,
    authScopes: { role: 'ADMIN' },
    description: 'The latest run of every housekeeping task, and which are failing (ADMIN).',
    resolve: async (_root, _args, ctx) => ({
      // A loose index scan over (task, startedAt DESC): one index probe per task, however many
      // runs the table has accumulated.
      runs: await ctx.db.$queryRaw<LatestRun[]>`
        WITH RECURSIVE tasks AS (
          (SELECT task FROM "MaintenanceRun" ORDER BY task LIMIT 1)
          UNION ALL
          SELECT (SELECT m.task FROM "MaintenanceRun" m WHERE m.task > tasks.task ORDER BY m.task LIMIT 1) FROM tasks WHERE tasks.task IS NOT NULL
        )
        SELECT r.id::text AS id, r.task, r.status::text AS status, r."dryRun", r."startedAt", r."finishedAt", h.status::text AS "realStatus"
        FROM tasks
        CROSS JOIN LATERAL (
          SELECT id, task, status, "dryRun", "startedAt", "finishedAt" FROM "MaintenanceRun" m
          WHERE m.task = tasks.task ORDER BY m."startedAt" DESC LIMIT 1) r
        LEFT JOIN LATERAL (
          SELECT status FROM "MaintenanceRun" m
          WHERE m.task = tasks.task AND NOT m."dryRun" ORDER BY m."startedAt" DESC LIMIT 1) h ON true
        WHERE tasks.task IS NOT NULL
        ORDER BY r.task`,
    }),
  }),
);
