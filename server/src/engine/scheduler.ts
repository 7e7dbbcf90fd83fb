// Schedules. BullMQ job schedulers on the `schedules` queue (one per enabled, undeleted workflow
// with a cron schedule, keyed by the workflow id, in the workflow's zone or else its tenant's)
// produce one `fire` job per slot; the schedule worker turns a slot into an execution.
//
// A slot fires at most one execution: its idempotency key is `slot:<workflowId>:<slotISO>`, so
// two workers handling the same slot (a re-delivered job, catch-up racing a late fire) get the
// same execution. Workflow.lastSlotAt remembers the last slot handled; slots between it and now
// that were never fired (everything was down) are counted in missedSlots and, with catch-up
// policy LATEST, the newest of them runs late.
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { eventTopics } from '../events.ts';
import type { Logger } from '../logger.ts';
import type { LogSink } from '../logs/types.ts';
import { createRedis } from '../redis.ts';
import { assertCron, fireTimesBetween, nextFire } from './cron.ts';
import { triggerExecution, type EngineDeps } from './executions.ts';
import { bullPrefix, FIRE_LEAD_MS, fireRepeatStrategy, QUEUE_NAMES, subscribeWhenReady, type Queues } from './queues.ts';
import type { AlertEmitter } from './alerts.ts';
import { inSpan } from '../tracing/tracing.ts';

export interface ScheduleFireData {
  kind: 'schedule';
  workflowId: string;
  tenantId: string;
}

export function schedulerId(workflowId: string): string {
  return `wf:${workflowId}`;
}

export function slotIdempotencyKey(workflowId: string, slot: Date): string {
  return `slot:${workflowId}:${slot.toISOString()}`;
}

export interface SchedulerDeps {
  db: PrismaClient;
  queues: Queues;
  now?: () => Date;
}

export async function reconcileWorkflowSchedule(deps: SchedulerDeps, workflowId: string): Promise<'upserted' | 'removed'> {
  const wf = await deps.db.workflow.findUnique({ where: { id: workflowId }, include: { tenant: { select: { timezone: true } } } });
  const tz = wf ? (wf.timezone ?? wf.tenant.timezone) : 'UTC';
  let valid = !!wf?.schedule;
  if (wf?.schedule) {
    try {
      assertCron(wf.schedule, tz);
    } catch {
      valid = false; // the API validates on write; an old bad row must not break reconciliation
    }
  }
  if (!wf || !wf.enabled || wf.deletedAt || !valid) {
    await deps.queues.schedules.removeJobScheduler(schedulerId(workflowId));
    return 'removed';
  }
  const existing = await deps.queues.schedules.getJobScheduler(schedulerId(wf.id));
  const fresh = !existing || existing.pattern !== wf.schedule || existing.tz !== tz;
  const now = (deps.now ?? (() => new Date()))();
  if (fresh) {
    // A new, changed or re-enabled schedule owes nothing for the time before now: without this,
    // catch-up would count the slots of a disabled period (or of another cron) as missed.
    await deps.db.workflow.update({ where: { id: wf.id }, data: { lastSlotAt: now } });
  }
  const data: ScheduleFireData = { kind: 'schedule', workflowId: wf.id, tenantId: wf.tenantId };
  const opts = { removeOnComplete: { count: 1000 }, removeOnFail: { age: 7 * 24 * 3600 } };
  await deps.queues.schedules.upsertJobScheduler(schedulerId(wf.id), { pattern: wf.schedule!, tz }, { name: 'fire', data, opts });
  const next = fresh ? nextFire(wf.schedule!, tz, now) : undefined;
  if (next && next.getTime() - now.getTime() < FIRE_LEAD_MS) {
    // The scheduler's first fire job is due FIRE_LEAD_MS before its slot, so a slot closer than
    // that would only be handled with the one after it, a whole period late. Fire it now; the
    // run job still waits for the slot. The id ends in the fire time, as slotOf() reads it.
    await deps.queues.schedules.add('fire', data, { ...opts, jobId: firstFireJobId(wf.id, next) });
  }
  return 'upserted';
}

/** Upserts every scheduled workflow and removes schedulers whose workflow no longer wants one. */
export async function reconcileAllSchedules(deps: SchedulerDeps): Promise<{ upserted: number; removed: number }> {
  const wanted = await deps.db.workflow.findMany({
    where: { enabled: true, deletedAt: null, schedule: { not: null } },
    select: { id: true },
  });
  let upserted = 0;
  const keep = new Set<string>();
  for (const wf of wanted) {
    if ((await reconcileWorkflowSchedule(deps, wf.id)) === 'upserted') {
      upserted++;
      keep.add(schedulerId(wf.id));
    }
  }
  let removed = 0;
  for (const s of await deps.queues.schedules.getJobSchedulers(0, -1)) {
    const id = s.key ?? s.id;
    if (id && id.startsWith('wf:') && !keep.has(id)) {
      await deps.queues.schedules.removeJobScheduler(id);
      removed++;
    }
  }
  return { upserted, removed };
}

export interface SlotDeps extends EngineDeps {
  logger: Logger;
  logSink: LogSink;
  /** A slot handled later than this after its time counts as missed (unless caught up). */
  misfireGraceMs: number;
  /** Raises SLOT_MISSED alerts. */
  alerts?: AlertEmitter;
}

export interface SlotResult {
  /** The execution fired for the newest slot fired, if any. */
  executionId?: string;
  slot?: Date;
  missed: number;
  skippedForOverlap: boolean;
}

/**
 * Handles the slots of a workflow that are due: the one a `fire` job carries, or (at worker
 * start, without one) whatever came due while no worker ran. Slots newer than the grace period
 * fire (late is not missed); older unhandled ones are missed, except that catch-up LATEST runs
 * the newest of them when nothing newer runs.
 */
export async function handleDueSlots(deps: SlotDeps, workflowId: string, firedSlot?: Date): Promise<SlotResult> {
  const { db } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const result: SlotResult = { missed: 0, skippedForOverlap: false };
  const wf = await db.workflow.findUnique({ where: { id: workflowId }, include: { tenant: { select: { timezone: true } } } });
  if (!wf || !wf.enabled || wf.deletedAt || !wf.schedule) return result;
  const tz = wf.timezone ?? wf.tenant.timezone;
  const handledUntil = wf.lastSlotAt;
  const onTime = (slot: Date) => now.getTime() - slot.getTime() <= deps.misfireGraceMs;
  // Slots after the fired one have fire jobs of their own; a fire job only looks back.
  const fresh = handledUntil ? fireTimesBetween(wf.schedule, tz, handledUntil, firedSlot ?? now) : [];
  if (firedSlot && (!handledUntil || firedSlot > handledUntil) && !fresh.some((d) => d.getTime() === firedSlot.getTime())) fresh.push(firedSlot);
  const late = fresh.filter((s) => !onTime(s));
  const toFire = fresh.filter(onTime);
  // A fire job overtaken by a newer slot's job (concurrent handling) still fires its own slot;
  // the slot key makes that a no-op if it already ran.
  if (firedSlot && handledUntil && firedSlot <= handledUntil && onTime(firedSlot)) toFire.unshift(firedSlot);
  const catchUp = wf.catchUpPolicy === 'LATEST' && late.length > 0 && toFire.length === 0 ? late.at(-1) : undefined;
  if (catchUp) toFire.push(catchUp);
  const missed = late.length - (catchUp ? 1 : 0);
  const log = deps.logger.child({ workflowId, tenantId: wf.tenantId });

  for (const slot of toFire) {
    const active =
      wf.overlapPolicy === 'SKIP'
        ? await db.workflowExecution.count({
            where: { workflowId, status: { in: ['PENDING', 'RUNNING', 'WAITING'] }, OR: [{ scheduledFor: null }, { scheduledFor: { not: slot } }] },
          })
        : 0;
    if (active > 0) {
      result.skippedForOverlap = true;
      log.warn({ slot: slot.toISOString() }, 'slot skipped: the previous run is still going (overlap policy SKIP)');
      deps.logSink.log({ tenantId: wf.tenantId, workflowId, level: 'WARN', message: `Slot ${slot.toISOString()} skipped: the previous run is still going (overlap policy SKIP)` });
      continue;
    }
    try {
      const { execution } = await triggerExecution(deps, {
        tenantId: wf.tenantId,
        workflowId,
        trigger: 'SCHEDULE',
        scheduledFor: slot,
        // Fired ahead of its slot: the run job waits for the slot itself.
        runAt: slot,
        idempotencyKey: slotIdempotencyKey(workflowId, slot),
      });
      result.executionId = execution.id;
      result.slot = slot;
    } catch (err) {
      // Disabled or deleted between the read and the trigger: the slot is simply not run.
      log.warn({ err, slot: slot.toISOString() }, 'slot not run');
    }
  }
  const newest = fresh.at(-1);
  if (!newest) return result;
  // Recorded after the triggers: a crash in between handles the slots again, and their keys
  // return the same executions. The condition lets one of two racing handlers count misses.
  const recorded = await db.workflow.updateMany({
    where: { id: workflowId, lastSlotAt: handledUntil },
    data: { lastSlotAt: newest, missedSlots: { increment: missed } },
  });
  if (recorded.count === 1 && missed > 0) {
    result.missed = missed;
    log.warn({ missed, catchUp: wf.catchUpPolicy, latest: late.at(-1)!.toISOString() }, 'missed schedule slots');
    deps.logSink.log({
      tenantId: wf.tenantId,
      workflowId,
      level: 'WARN',
      message: `${missed} scheduled slot(s) missed up to ${late.at(-1)!.toISOString()} (catch-up policy ${wf.catchUpPolicy})`,
      metadata: { missed, catchUpPolicy: wf.catchUpPolicy },
    });
    await deps.alerts?.emit(wf.tenantId, 'SLOT_MISSED', { workflowId, missed, latestMissed: late.at(-1)!.toISOString(), catchUpPolicy: wf.catchUpPolicy });
  }
  return result;
}

/**
 * A slot's handling as the root span of its own trace: nothing upstream asked for it, and the
 * runs it fires carry this span's context in their jobs, so a scheduled run has a trace too.
 */
function tracedSlot(name: string, workflowId: string, slot: Date | undefined, handle: () => Promise<SlotResult>): Promise<SlotResult> {
  const attributes = { 'flowdeck.workflow.id': workflowId, ...(slot ? { 'flowdeck.schedule.slot': slot.toISOString() } : {}) };
  return inSpan(name, { root: true, attributes }, async (span) => {
    const result = await handle();
    span?.setAttributes({ 'flowdeck.schedule.missed': result.missed, 'flowdeck.schedule.skipped_for_overlap': result.skippedForOverlap, ...(result.executionId ? { 'flowdeck.execution.id': result.executionId } : {}) });
    return result;
  });
}

/** The fire job reconcile adds for a slot nearer than FIRE_LEAD_MS (custom ids may not contain ':'). */
export function firstFireJobId(workflowId: string, slot: Date): string {
  return `first-${workflowId}-${slot.getTime() - FIRE_LEAD_MS}`;
}

/**
 * The slot a fire job stands for: BullMQ names scheduler jobs `repeat:<schedulerId>:<millis>`,
 * and firstFireJobId() ends the same way; the millis are FIRE_LEAD_MS before the slot.
 */
export function slotOf(job: Job): Date {
  const m = /[:-](\d+)$/.exec(job.id ?? '');
  const millis = m ? Number(m[1]) : (job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0));
  return new Date(millis + FIRE_LEAD_MS);
}

export interface ScheduleWorkerOptions extends SlotDeps {
  /** Recorded on every fire job this worker takes (BullMQ's processedBy). */
  workerName?: string;
  concurrency?: number;
  stalledIntervalMs: number;
  lockDurationMs: number;
  connect?: () => Redis;
}

/**
 * Turns fire jobs into executions, catches up at start, and reconciles a workflow's scheduler
 * whenever an api process announces a change on the workflow-changed topic.
 */
export class ScheduleWorker {
  readonly name = 'scheduler';
  private worker: Worker | undefined;
  private subscriber: Redis | undefined;
  private connection: Redis | undefined;

  constructor(private readonly opts: ScheduleWorkerOptions) {}

  async start(): Promise<void> {
    const { opts } = this;
    const connect = opts.connect ?? (() => createRedis());
    // Catch up before reconciling: reconciling replaces an overdue fire job with the next one.
    const scheduled = await opts.db.workflow.findMany({
      where: { enabled: true, deletedAt: null, schedule: { not: null }, lastSlotAt: { not: null } },
      select: { id: true },
    });
    for (const wf of scheduled) {
      await tracedSlot('schedule catch-up', wf.id, undefined, () => handleDueSlots(opts, wf.id)).catch((err) => opts.logger.error({ err, workflowId: wf.id }, 'catch-up failed'));
    }
    const counts = await reconcileAllSchedules(opts);
    opts.logger.info(counts, 'schedules reconciled');

    this.subscriber = connect();
    const changed = eventTopics(opts.redisPrefix).workflowChanged;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== changed) return;
      let workflowId: string | undefined;
      try {
        workflowId = (JSON.parse(message) as { workflowId?: string }).workflowId;
      } catch {
        /* ignored below */
      }
      if (!workflowId) return opts.logger.warn({ message }, 'bad workflow-changed message');
      reconcileWorkflowSchedule(opts, workflowId).catch((err) => opts.logger.error({ err, workflowId }, 'reconcile failed'));
    });
    await subscribeWhenReady(this.subscriber, changed);

    this.connection = connect();
    this.worker = new Worker<ScheduleFireData>(QUEUE_NAMES.schedules, (job) => this.fire(job), {
      connection: this.connection,
      prefix: bullPrefix(opts.redisPrefix),
      ...(opts.workerName ? { name: opts.workerName } : {}),
      // Handling a fire is mostly waiting on PostgreSQL; many workflows share popular slots (:00).
      concurrency: opts.concurrency ?? 50,
      stalledInterval: opts.stalledIntervalMs,
      lockDuration: opts.lockDurationMs,
      settings: { repeatStrategy: fireRepeatStrategy },
    });
    this.worker.on('error', (err) => opts.logger.error({ err }, 'schedule worker error'));
    await this.worker.waitUntilReady();
  }

  private async fire(job: Job<ScheduleFireData>): Promise<SlotResult> {
    if (job.name !== 'fire') throw new Error(`unknown schedules job ${job.name}`);
    const slot = slotOf(job);
    return tracedSlot('schedule slot', job.data.workflowId, slot, () => handleDueSlots(this.opts, job.data.workflowId, slot));
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
    await this.connection?.quit().catch(() => this.connection?.disconnect());
    this.worker = undefined;
  }
}
