// Schedules on real Redis and PostgreSQL: reconciliation after edits, fires becoming executions
// with their slot and drift, one execution per slot under races, overlap and catch-up policies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerExecution } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { handleDueSlots, reconcileAllSchedules, reconcileWorkflowSchedule, ScheduleWorker, schedulerId, slotOf, firstFireJobId, type SlotDeps } from '../src/engine/scheduler.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { nextFire } from '../src/engine/cron.ts';
import { FIRE_LEAD_MS } from '../src/engine/queues.ts';
import type { CatchUpPolicy, OverlapPolicy } from '../src/generated/prisma/enums.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
let tenantId: string;

const definition = { steps: [{ type: 'log', config: { message: 'tick' } }] };

async function scheduled(data: { schedule?: string | null; timezone?: string; overlapPolicy?: OverlapPolicy; catchUpPolicy?: CatchUpPolicy; lastSlotAt?: Date; definition?: object }) {
  return db.workflow.create({ data: { tenantId, name: 'sched', definition, schedule: '*/10 * * * *', ...data } });
}

function slotDeps(now?: Date, sink = collectLogs()): SlotDeps & { sink: ReturnType<typeof collectLogs> } {
  return { ...deps, logger: quietLogger, logSink: sink, sink, misfireGraceMs: 60_000, now: now ? () => now : undefined };
}

function runWorker(sink = collectLogs(), driftWarnMs = 5000) {
  return new RunWorker({ ...deps, registry: createBuiltinRegistry(), logSink: sink, logger: quietLogger, driftWarnMs, concurrency: 4, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 1000 });
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db, { timezone: 'Asia/Manila' })).id;
});
afterAll(async () => {
  await deps.close();
  await db.$disconnect();
});

describe('reconciliation', () => {
  it('follows create, edit, disable and delete, and removes stale schedulers', async () => {
    const wf = await scheduled({ schedule: '0 9 * * *' });
    expect(await reconcileWorkflowSchedule(deps, wf.id)).toBe('upserted');
    const scheduler = await deps.queues.schedules.getJobScheduler(schedulerId(wf.id));
    expect(scheduler).toMatchObject({ pattern: '0 9 * * *', tz: 'Asia/Manila' });
    // The fire job runs FIRE_LEAD_MS before the slot, which cron.ts computes.
    expect(scheduler!.next! + FIRE_LEAD_MS).toBe(nextFire('0 9 * * *', 'Asia/Manila', new Date())!.getTime());
    const first = (await db.workflow.findUniqueOrThrow({ where: { id: wf.id } })).lastSlotAt;
    expect(first).not.toBeNull(); // a new schedule owes nothing from before it existed

    await db.workflow.update({ where: { id: wf.id }, data: { schedule: '30 6 * * 1-5', timezone: 'Europe/London' } });
    await reconcileWorkflowSchedule(deps, wf.id);
    expect(await deps.queues.schedules.getJobScheduler(schedulerId(wf.id))).toMatchObject({ pattern: '30 6 * * 1-5', tz: 'Europe/London' });

    await db.workflow.update({ where: { id: wf.id }, data: { enabled: false } });
    expect(await reconcileWorkflowSchedule(deps, wf.id)).toBe('removed');
    expect(await deps.queues.schedules.getJobScheduler(schedulerId(wf.id))).toBeUndefined();

    // A scheduler whose workflow was deleted behind our back, and a workflow that lost its scheduler.
    const gone = await scheduled({ schedule: '0 * * * *' });
    await reconcileWorkflowSchedule(deps, gone.id);
    await db.workflow.update({ where: { id: gone.id }, data: { deletedAt: new Date() } });
    const missing = await scheduled({ schedule: '15 * * * *' });
    const result = await reconcileAllSchedules(deps);
    expect(result.removed).toBeGreaterThanOrEqual(1);
    expect(await deps.queues.schedules.getJobScheduler(schedulerId(gone.id))).toBeUndefined();
    expect(await deps.queues.schedules.getJobScheduler(schedulerId(missing.id))).toMatchObject({ pattern: '15 * * * *' });
    await db.workflow.update({ where: { id: missing.id }, data: { deletedAt: new Date() } });
    await reconcileWorkflowSchedule(deps, missing.id);
  });
});

describe('a schedule enabled just before a slot', () => {
  it('still fires that slot: a fire job is added at once when the slot is nearer than the fire lead', async () => {
    const wf = await scheduled({ schedule: '0 9 * * *' });
    const slot = nextFire('0 9 * * *', 'Asia/Manila', new Date())!;
    const jobId = firstFireJobId(wf.id, slot);
    try {
      // Two seconds before the slot the scheduler's own first fire job covers it: nothing extra.
      await reconcileWorkflowSchedule({ ...deps, now: () => new Date(slot.getTime() - 2000) }, wf.id);
      expect(await deps.queues.schedules.getJob(jobId)).toBeUndefined();
      // Re-enabled 400 ms before it: the scheduler's first fire would be the next day's slot.
      await deps.queues.schedules.removeJobScheduler(schedulerId(wf.id));
      await reconcileWorkflowSchedule({ ...deps, now: () => new Date(slot.getTime() - 400) }, wf.id);
      const job = await deps.queues.schedules.getJob(jobId);
      expect(job?.name).toBe('fire');
      expect(slotOf(job!)).toEqual(slot);
      expect(job!.data).toEqual({ kind: 'schedule', workflowId: wf.id, tenantId });
    } finally {
      await deps.queues.schedules.remove(jobId);
      await db.workflow.update({ where: { id: wf.id }, data: { enabled: false } });
      await reconcileWorkflowSchedule(deps, wf.id);
    }
  });
});

describe('fires', () => {
  it('turns each slot into one SCHEDULE execution with scheduledFor and drift', async () => {
    const sink = collectLogs();
    const wf = await scheduled({ schedule: '* * * * * *', timezone: 'UTC' });
    const scheduler = new ScheduleWorker({ ...slotDeps(), stalledIntervalMs: 30_000, lockDurationMs: 30_000 });
    const runs = runWorker(sink);
    await runs.start();
    await scheduler.start();
    try {
      const executions = await waitFor(async () => {
        const rows = await db.workflowExecution.findMany({ where: { workflowId: wf.id, status: 'COMPLETED' }, orderBy: { scheduledFor: 'asc' } });
        return rows.length >= 3 && rows;
      }, 8000, 'three completed scheduled runs');
      for (const e of executions) {
        expect(e.trigger).toBe('SCHEDULE');
        expect(e.scheduledFor!.getUTCMilliseconds()).toBe(0);
        expect(e.idempotencyKey).toBe(`slot:${wf.id}:${e.scheduledFor!.toISOString()}`);
        expect(e.driftMs).toBe(e.startedAt!.getTime() - e.scheduledFor!.getTime());
        expect(e.driftMs!).toBeGreaterThanOrEqual(0);
      }
      const slots = executions.map((e) => e.scheduledFor!.getTime());
      expect(new Set(slots).size).toBe(slots.length);
      expect(sink.lines.some((l) => l.executionId === executions[0]!.id && /^Slot \S+ started (after \d+ ms|\d+ ms late)/.test(l.message))).toBe(true);
    } finally {
      await db.workflow.update({ where: { id: wf.id }, data: { enabled: false } });
      await reconcileWorkflowSchedule(deps, wf.id);
      await scheduler.stop();
      await runs.stop();
    }
  });

  it('fires a slot at most once when handlers race, and warns when a run starts late', async () => {
    const slot = new Date(Math.floor(Date.now() / 1000) * 1000);
    const now = new Date(slot.getTime() + 500);
    const wf = await scheduled({ schedule: '* * * * * *', timezone: 'UTC', lastSlotAt: new Date(slot.getTime() - 999) });
    const d = slotDeps(now);
    // Two deliveries of the fire job and a starting worker's catch-up, all at once.
    const results = await Promise.all([handleDueSlots(d, wf.id, slot), handleDueSlots(d, wf.id, slot), handleDueSlots(d, wf.id)]);
    const executions = await db.workflowExecution.findMany({ where: { workflowId: wf.id } });
    expect(executions).toHaveLength(1);
    expect(executions[0]!.scheduledFor).toEqual(slot);
    expect(new Set(results.map((r) => r.executionId).filter(Boolean))).toEqual(new Set([executions[0]!.id]));
    const after = await db.workflow.findUniqueOrThrow({ where: { id: wf.id } });
    expect(after).toMatchObject({ lastSlotAt: slot, missedSlots: 0 });

    const late = await scheduled({ schedule: '* * * * * *', timezone: 'UTC', lastSlotAt: new Date(now.getTime() - 11_000) });
    const lateSlot = new Date(Math.floor(now.getTime() / 1000) * 1000 - 10_000);
    await handleDueSlots(slotDeps(new Date(lateSlot.getTime() + 500)), late.id, lateSlot);
    const sink = collectLogs();
    const runs = runWorker(sink, 5000);
    await runs.start();
    try {
      const e = await waitFor(async () => {
        const row = await db.workflowExecution.findFirst({ where: { workflowId: late.id, status: 'COMPLETED' } });
        return row ?? undefined;
      }, 5000, 'the late run');
      expect(e.scheduledFor).toEqual(lateSlot);
      expect(e.driftMs!).toBeGreaterThan(5000);
      expect(sink.lines.find((l) => l.executionId === e.id && l.level === 'WARN')?.message).toMatch(/started \d+ ms late \(threshold 5000 ms\)/);
    } finally {
      await runs.stop();
    }
  });

  it('overlap SKIP skips a slot while a run is going; ALLOW starts another', async () => {
    const now = new Date('2026-11-23T10:00:20Z');
    const slot = new Date('2026-11-23T10:00:00Z');
    for (const [policy, expected] of [['SKIP', 1], ['ALLOW', 2]] as const) {
      const wf = await scheduled({ overlapPolicy: policy, lastSlotAt: new Date('2026-11-23T09:50:00Z') });
      await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'MANUAL' });
      const r = await handleDueSlots(slotDeps(now), wf.id, slot);
      expect(r.skippedForOverlap).toBe(policy === 'SKIP');
      expect(await db.workflowExecution.count({ where: { workflowId: wf.id } })).toBe(expected);
      expect((await db.workflow.findUniqueOrThrow({ where: { id: wf.id } })).lastSlotAt).toEqual(slot);
    }
  });

  it('overlap QUEUE starts the scheduled run only after the previous one finished', async () => {
    const wf = await scheduled({ overlapPolicy: 'QUEUE', definition: { steps: [{ type: 'delay', config: { ms: 600 } }] } });
    const runs = runWorker();
    await runs.start();
    try {
      const first = (await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'MANUAL' })).execution;
      await waitFor(async () => (await db.workflowExecution.findUniqueOrThrow({ where: { id: first.id } })).status === 'RUNNING');
      const queued = (await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'SCHEDULE', scheduledFor: new Date() })).execution;
      const both = await waitFor(async () => {
        const rows = await db.workflowExecution.findMany({ where: { id: { in: [first.id, queued.id] }, status: 'COMPLETED' } });
        return rows.length === 2 && rows;
      }, 8000, 'both runs');
      const a = both.find((r) => r.id === first.id)!;
      const b = both.find((r) => r.id === queued.id)!;
      expect(b.startedAt!.getTime()).toBeGreaterThanOrEqual(a.finishedAt!.getTime());
    } finally {
      await runs.stop();
    }
  });

  it('overlap QUEUE runs waiting slots in slot order, whichever job is looked at first', async () => {
    const wf = await scheduled({ overlapPolicy: 'QUEUE', definition: { steps: [{ type: 'delay', config: { ms: 300 } }] } });
    const runs = runWorker();
    await runs.start();
    try {
      const first = (await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'MANUAL' })).execution;
      await waitFor(async () => (await db.workflowExecution.findUniqueOrThrow({ where: { id: first.id } })).status === 'RUNNING');
      const base = Date.now();
      // Later slots are queued first, so their jobs are ahead in the queue.
      const slots = [3, 2, 1].map((k) => new Date(base + k * 1000));
      const queued: { id: string }[] = [];
      for (const slot of slots) queued.push((await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'SCHEDULE', scheduledFor: slot })).execution);
      const done = await waitFor(async () => {
        const rows = await db.workflowExecution.findMany({ where: { id: { in: queued.map((q) => q.id) }, status: 'COMPLETED' } });
        return rows.length === 3 && rows;
      }, 15_000, 'the queued runs');
      const order = done.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime()).map((r) => r.scheduledFor!.getTime());
      expect(order).toEqual([...slots].reverse().map((d) => d.getTime()));
    } finally {
      await runs.stop();
    }
  });

  it('after downtime counts missed slots; catch-up LATEST runs the newest one late, NONE runs none', async () => {
    const now = new Date('2026-11-23T10:05:00Z');
    const down = new Date('2026-11-23T09:05:00Z'); // slots 09:10 … 10:00 came and went
    const none = await scheduled({ catchUpPolicy: 'NONE', timezone: 'UTC', lastSlotAt: down });
    const latest = await scheduled({ catchUpPolicy: 'LATEST', timezone: 'UTC', lastSlotAt: down });
    const rNone = await handleDueSlots(slotDeps(now), none.id);
    const rLatest = await handleDueSlots(slotDeps(now), latest.id);
    expect(rNone).toMatchObject({ missed: 6 });
    expect(rNone.executionId).toBeUndefined();
    expect(rLatest).toMatchObject({ missed: 5, slot: new Date('2026-11-23T10:00:00Z') });
    const rows = await db.workflow.findMany({ where: { id: { in: [none.id, latest.id] } } });
    for (const w of rows) expect(w.lastSlotAt).toEqual(new Date('2026-11-23T10:00:00Z'));
    expect(rows.find((w) => w.id === none.id)!.missedSlots).toBe(6);
    expect(rows.find((w) => w.id === latest.id)!.missedSlots).toBe(5);
    const caughtUp = await db.workflowExecution.findUniqueOrThrow({ where: { id: rLatest.executionId! } });
    expect(caughtUp).toMatchObject({ trigger: 'SCHEDULE', scheduledFor: new Date('2026-11-23T10:00:00Z') });
    // Handling again (a second worker starting) changes nothing.
    expect(await handleDueSlots(slotDeps(now), latest.id)).toMatchObject({ missed: 0 });
    expect(await db.workflowExecution.count({ where: { workflowId: latest.id } })).toBe(1);
  });
});
