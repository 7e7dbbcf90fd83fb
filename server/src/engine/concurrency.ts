// Concurrency control: a workflow's `concurrency` block caps how many of its runs hold a slot at
// once (`limit`), and with a `key` expression how many per key value (`keyLimit`, default 1).
//
// A run's key is computed when it is triggered (concurrencyKeyOf, stored on the row), so the
// order of each key's queue — createdAt, then id — is fixed before any worker sees the run. When
// a worker claims it, takeSlot decides under transaction-scoped advisory locks: it starts if its
// key has a free slot that no older PENDING run of the same key is in line for, and the workflow
// is under its limit. Otherwise the run is PARKED: it stays PENDING with parkedAt set and its job
// ends, so a waiting run occupies no worker and never blocks runs of other keys.
//
// Whoever frees a slot (a run finishing in any way, a cancel of a queued run) calls
// promoteWaiting, which enqueues the runs now first in line under a job id derived from their
// parkedAt, so two promotions of the same parking add one job. promoteStaleWaiting, from the
// maintenance sweep, repeats that for parked runs older than SLOT_RECHECK_MS: a crash between
// freeing a slot and promoting delays the next run; it never strands it.
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ExecutionStatus } from '../generated/prisma/enums.ts';
import { cachedExpression } from '../workflows/expression.ts';
import type { ConcurrencySpec, WorkflowDefinition } from '../workflows/definition.ts';
import { validateRevision } from '../workflows/definition.ts';
import type { TriggerKind } from '../generated/prisma/enums.ts';

/**
 * Statuses in which a run holds one of its workflow's slots. A status added here (e.g. a run
 * waiting for an approval) keeps its slot until the run finishes.
 */
export const SLOT_HOLDING_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'WAITING'];

/** Parked runs older than this are re-checked by the maintenance sweep (promoteStaleWaiting). */
export const SLOT_RECHECK_MS = 15_000;

/** Key values longer than this are stored as a hash (the value itself is never shown). */
const MAX_KEY_LENGTH = 200;

/**
 * The stored key of a new run: null when the workflow has no limit (the run never looks at
 * slots), '' for a workflow-wide limit without a key, else the key value as JSON (so 1 and "1"
 * are different keys; a missing value is "null").
 */
export function concurrencyKeyOf(spec: ConcurrencySpec | undefined, input: Record<string, unknown>): string | null {
  if (!spec) return null;
  if (spec.key === undefined) return '';
  const text = JSON.stringify(cachedExpression(spec.key).evaluate({ input }) ?? null);
  return text.length <= MAX_KEY_LENGTH ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The spec a run is governed by: the one of the revision it was triggered with. */
export function groupLimit(spec: ConcurrencySpec, key: string): number {
  // '' only when there is no key expression, and then the definition schema requires a limit.
  return key === '' ? spec.limit! : (spec.keyLimit ?? 1);
}

export interface SlotRun {
  id: string;
  tenantId: string;
  workflowId: string;
  concurrencyKey: string;
  createdAt: Date;
}

export type SlotDecision =
  /** The run holds a slot now: marked RUNNING (attempts + 1) in the same statement, started at startedAt. */
  | { outcome: 'TAKEN'; startedAt: Date }
  /** No slot: parked; `promote` when the slot was free but older runs are first in line. */
  | { outcome: 'PARKED'; promote: boolean }
  /** The run is no longer PENDING (cancelled, or taken by another job): nothing to do. */
  | { outcome: 'GONE' };

/**
 * Takes a slot for a PENDING run, or parks it: one call of flowdeck_take_slot (see the
 * migration 20261205120000_concurrency_attempts). Under the key's advisory lock, then the
 * workflow's (always in that order, so no two calls wait on each other in a cycle), it starts the
 * run if its key has a free slot that no older PENDING run of the key is in line for and the
 * workflow is under its limit; otherwise it sets parkedAt. promoteWaiting takes the workflow's
 * lock too, so a run parking and a run finishing never miss each other.
 */
export async function takeSlot(db: PrismaClient, run: SlotRun, spec: ConcurrencySpec, now: Date): Promise<SlotDecision> {
  const [r] = await db.$queryRaw<{ out_outcome: 'TAKEN' | 'PARKED' | 'GONE'; out_promote: boolean; out_started_at: Date | null }[]>`
    SELECT * FROM flowdeck_take_slot(${run.id}::uuid, ${run.tenantId}::uuid, ${run.workflowId}::uuid, ${run.concurrencyKey}::text, ${run.createdAt}::timestamptz,
                                     ${groupLimit(spec, run.concurrencyKey)}::int, ${spec.limit ?? null}::int, ${HOLDING}::text[], ${now}::timestamptz)`;
  if (r!.out_outcome === 'TAKEN') return { outcome: 'TAKEN', startedAt: r!.out_started_at! };
  if (r!.out_outcome === 'PARKED') return { outcome: 'PARKED', promote: r!.out_promote };
  return { outcome: 'GONE' };
}

/** SLOT_HOLDING_STATUSES as a query parameter. */
const HOLDING = SLOT_HOLDING_STATUSES as string[];

export interface PromoteDeps {
  db: PrismaClient;
  /** Adds a run job under `jobId` (executions.ts promotionEnqueuer); without it nothing is enqueued. */
  enqueue?: PromotionEnqueue;
}

export type PromotionEnqueue = (run: { executionId: string; tenantId: string; trigger: TriggerKind }, jobId: string) => Promise<void>;

/**
 * Enqueues the parked runs of a workflow that may start now: per key the oldest runs in line up
 * to the key's free slots, then the oldest of those up to the workflow's free slots. Only parked
 * runs get a job here (the others in line still have their own). `run.concurrencyKey` narrows
 * the pass to that key's line, unless the workflow is (or just was) at its own limit, when a
 * freed slot may belong to any key's line; null looks at every key. Returns the promoted ids.
 */
export async function promoteWaiting(deps: PromoteDeps, run: { tenantId: string; workflowId: string; concurrencyKey: string | null }, spec: ConcurrencySpec): Promise<string[]> {
  const rows = await deps.db.$queryRaw<{ out_id: string; out_parked_at: Date; out_trigger: TriggerKind }[]>`
    SELECT * FROM flowdeck_promote_waiting(${run.tenantId}::uuid, ${run.workflowId}::uuid, ${run.concurrencyKey}::text, ${spec.limit ?? null}::int, ${spec.keyLimit ?? 1}::int, ${HOLDING}::text[])`;
  if (!deps.enqueue || rows.length === 0) return [];
  await Promise.all(rows.map((r) => deps.enqueue!({ executionId: r.out_id, tenantId: run.tenantId, trigger: r.out_trigger }, promotionJobId(r.out_id, r.out_parked_at))));
  return rows.map((r) => r.out_id);
}

/** One job per parking: promoting the same parked run twice adds one job. */
export function promotionJobId(executionId: string, parkedAt: Date): string {
  return `${executionId}-p${parkedAt.getTime()}`;
}

/** The concurrency block of the revision a run was triggered with (for callers without it at hand). */
export async function revisionSpec(db: PrismaClient, run: { workflowId: string; workflowVersion: number }): Promise<ConcurrencySpec | undefined> {
  const rev = await db.workflowRevision.findUnique({ where: { workflowId_version: { workflowId: run.workflowId, version: run.workflowVersion } }, select: { definition: true, recordedAt: true } });
  const at = rev?.recordedAt;
  const definition = rev?.definition ?? (await db.workflow.findUnique({ where: { id: run.workflowId }, select: { definition: true } }))?.definition;
  if (!definition) return undefined;
  const v = at ? validateRevision(`${run.workflowId}#${run.workflowVersion}`, at, () => definition) : { ok: true as const, definition: definition as unknown as WorkflowDefinition };
  return v.ok ? v.definition.concurrency : undefined;
}

/**
 * After a run of a limited workflow ended outside the run loop (a cancel while it was queued, a
 * job that failed outside its steps): the runs behind it may start.
 */
export async function promoteAfterFinish(deps: PromoteDeps, run: { tenantId: string; workflowId: string; workflowVersion: number; concurrencyKey: string | null }): Promise<void> {
  if (run.concurrencyKey === null) return;
  const spec = await revisionSpec(deps.db, run);
  if (spec) await promoteWaiting(deps, run, spec);
}

/**
 * The safety net: workflows with runs parked longer than SLOT_RECHECK_MS get a promotion pass
 * with the spec of their oldest parked run. Returns the promoted ids.
 */
export async function promoteStaleWaiting(deps: PromoteDeps & { now?: () => Date; tenantId?: string }): Promise<string[]> {
  const now = (deps.now ?? (() => new Date()))();
  const stale = await deps.db.workflowExecution.findMany({
    where: { parkedAt: { lt: new Date(now.getTime() - SLOT_RECHECK_MS) }, status: 'PENDING', ...(deps.tenantId ? { tenantId: deps.tenantId } : {}) },
    distinct: ['workflowId'],
    orderBy: [{ workflowId: 'asc' }, { createdAt: 'asc' }],
    select: { tenantId: true, workflowId: true, workflowVersion: true, concurrencyKey: true },
    take: 500,
  });
  const promoted: string[] = [];
  for (const run of stale) {
    const spec = await revisionSpec(deps.db, run);
    if (spec) promoted.push(...(await promoteWaiting(deps, { ...run, concurrencyKey: null }, spec)));
  }
  return promoted;
}
