// Keeps BullMQ job schedulers in step with the workflows table: one scheduler per enabled,
// undeleted workflow with a cron schedule, keyed by the workflow id, firing in the workflow's
// zone (else its tenant's). Called at start for every workflow and after every change.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Queues } from './queues.ts';

export interface ScheduleFireData {
  kind: 'schedule';
  workflowId: string;
  tenantId: string;
}

export function schedulerId(workflowId: string): string {
  return `wf:${workflowId}`;
}

export interface SchedulerDeps {
  db: PrismaClient;
  queues: Queues;
}

export async function reconcileWorkflowSchedule(deps: SchedulerDeps, workflowId: string): Promise<'upserted' | 'removed'> {
  const wf = await deps.db.workflow.findUnique({ where: { id: workflowId }, include: { tenant: { select: { timezone: true } } } });
  if (!wf || !wf.enabled || wf.deletedAt || !wf.schedule) {
    await deps.queues.runs.removeJobScheduler(schedulerId(workflowId));
    return 'removed';
  }
  const data: ScheduleFireData = { kind: 'schedule', workflowId: wf.id, tenantId: wf.tenantId };
  await deps.queues.runs.upsertJobScheduler(
    schedulerId(wf.id),
    { pattern: wf.schedule, tz: wf.timezone ?? wf.tenant.timezone },
    { name: 'fire', data: data as never },
  );
  return 'upserted';
}

/** Upserts every scheduled workflow and removes schedulers whose workflow no longer wants one. */
export async function reconcileAllSchedules(deps: SchedulerDeps): Promise<{ upserted: number; removed: number }> {
  const wanted = await deps.db.workflow.findMany({
    where: { enabled: true, deletedAt: null, schedule: { not: null } },
    select: { id: true },
  });
  let upserted = 0;
  for (const wf of wanted) if ((await reconcileWorkflowSchedule(deps, wf.id)) === 'upserted') upserted++;
  const keep = new Set(wanted.map((w) => schedulerId(w.id)));
  let removed = 0;
  for (const s of await deps.queues.runs.getJobSchedulers(0, -1)) {
    const id = s.key ?? s.id;
    if (id && id.startsWith('wf:') && !keep.has(id)) {
      await deps.queues.runs.removeJobScheduler(id);
      removed++;
    }
  }
  return { upserted, removed };
}
