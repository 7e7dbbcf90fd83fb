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
import { compileExpression, type Expression } from '../workflows/expression.ts';
import type { ConcurrencySpec, WorkflowDefinition } from '../workflows/definition.ts';
import { validateRevision } from '../workflows/definition.ts';
import type { TriggerKind } from '../generated/prisma/enums.ts';

/**
 * Statuses in which a run holds one of its workflow's slots. A status added here (e.g. a run
 * waiting for an approval) keeps its slot until the run finishes.
 */
export const SLOT_HOLDING_STATUSES: readonly ExecutionStatus[] = ['RUNNING'];

/** Parked runs older than this are re-checked by the maintenance sweep (promoteStaleWaiting). */
export const SLOT_RECHECK_MS = 15_000;

/** Key values longer than this are stored as a hash (the value itself is never shown). */
const MAX_KEY_LENGTH = 200;

const compiled = new Map<string, Expression>();
function keyExpression(source: string): Expression {
  let e = compiled.get(source);
  if (!e) {
    e = compileExpression(source);
    if (compiled.size >= 1000) compiled.delete(compiled.keys().next().value!);
    compiled.set(source, e);
  }
  return e;
}

/**
 * The stored key of a new run: null when the workflow has no limit (the run never looks at
 * slots), '' for a workflow-wide limit without a key, else the key value as JSON (so 1 and "1"
 * are different keys; a missing value is "null").
 */
export function concurrencyKeyOf(spec: ConcurrencySpec | undefined, input: Record<string, unknown>): string | null {
  if (!spec) return null;
  if (spec.key === undefined) return '';
  const text = JSON.stringify(keyExpression(spec.key).evaluate({ input }) ?? null);
  return text.length <= MAX_KEY_LENGTH ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The spec a run is governed by: the one of the revision it was triggered with. */
export function groupLimit(spec: ConcurrencySpec, key: string): number {
  return key === '' ? spec.limit : (spec.keyLimit ?? 1);
}

export interface SlotRun {
  id: string;
  tenantId: string;
  workflowId: string;
  concurrencyKey: string;
  createdAt: Date;
}

export type SlotDecision =
  /** The run holds a slot now (marked RUNNING in the same transaction by `mark`). */
  | { outcome: 'TAKEN' }
  /** No slot: parked; `promote` when the slot was free but older runs are first in line. */
  | { outcome: 'PARKED'; promote: boolean }
  /** The run is no longer PENDING (cancelled, or taken by another job): nothing to do. */
  | { outcome: 'GONE' };

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

const lockKey = (workflowId: string, key?: string) => (key === undefined ? `concurrency:${workflowId}` : `concurrency:${workflowId}:${key}`);

/**
 * Takes a slot for a PENDING run, or parks it. The key's lock serialises the runs of one key;
 * the workflow's lock (always second, so no two transactions wait on each other in a cycle) makes
 * the workflow-wide count exact and is what promoteWaiting takes, so a run parking and a run
 * finishing never miss each other. `mark` marks the run RUNNING and returns the rows it changed.
 */
export async function takeSlot(db: PrismaClient, run: SlotRun, spec: ConcurrencySpec, mark: (tx: Tx) => Promise<number>, now: Date): Promise<SlotDecision> {
  const limit = groupLimit(spec, run.concurrencyKey);
  return db.$transaction(async (tx) => {
    if (run.concurrencyKey !== '') await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(run.workflowId, run.concurrencyKey)}, 0))`;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(run.workflowId)}, 0))`;
    // Each count is a range of the (workflowId, status, concurrencyKey, createdAt, id) index; the
    // line ahead is counted only as far as it matters.
    const [c] = await tx.$queryRaw<{ holdersAll: number; holdersKey: number; ahead: number }[]>`
      SELECT (SELECT count(*) FROM "WorkflowExecution" WHERE "workflowId" = ${run.workflowId}::uuid AND "tenantId" = ${run.tenantId}::uuid
                AND status = ANY(${HOLDING}::"ExecutionStatus"[]) AND "concurrencyKey" IS NOT NULL)::int AS "holdersAll",
             (SELECT count(*) FROM "WorkflowExecution" WHERE "workflowId" = ${run.workflowId}::uuid AND "tenantId" = ${run.tenantId}::uuid
                AND status = ANY(${HOLDING}::"ExecutionStatus"[]) AND "concurrencyKey" = ${run.concurrencyKey})::int AS "holdersKey",
             (SELECT count(*) FROM (SELECT 1 FROM "WorkflowExecution" WHERE "workflowId" = ${run.workflowId}::uuid AND "tenantId" = ${run.tenantId}::uuid
                AND status = 'PENDING' AND "concurrencyKey" = ${run.concurrencyKey} AND "cancelRequestedAt" IS NULL
                AND ("createdAt", id) < (${run.createdAt}::timestamptz, ${run.id}::uuid) LIMIT ${limit}::int) line)::int AS ahead`;
    const keyFree = c!.holdersKey < limit;
    const workflowFree = c!.holdersAll < spec.limit;
    if (keyFree && workflowFree && c!.holdersKey + c!.ahead < limit) {
      return (await mark(tx)) === 1 ? { outcome: 'TAKEN' } : { outcome: 'GONE' };
    }
    const parked = await tx.workflowExecution.updateMany({ where: { id: run.id, status: 'PENDING', cancelRequestedAt: null }, data: { parkedAt: now } });
    if (parked.count === 0) return { outcome: 'GONE' };
    return { outcome: 'PARKED', promote: keyFree && workflowFree };
  }, SLOT_TX);
}

/**
 * The slot transactions wait for their advisory locks and, with as many runs as a worker's
 * concurrency, for a pooled connection: Prisma's defaults (2 s to start, 5 s to finish) would
 * fail runs of a busy workflow instead of letting them wait their turn.
 */
const SLOT_TX = { maxWait: 60_000, timeout: 60_000 };

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
  const rows = await deps.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(run.workflowId)}, 0))`;
    return tx.$queryRaw<{ id: string; parkedAt: Date | null; trigger: string }[]>`
      WITH holders AS (
        SELECT "concurrencyKey" AS k, count(*)::int AS n FROM "WorkflowExecution"
        WHERE "workflowId" = ${run.workflowId}::uuid AND "tenantId" = ${run.tenantId}::uuid
          AND status = ANY(${HOLDING}::"ExecutionStatus"[]) AND "concurrencyKey" IS NOT NULL
        GROUP BY 1
      ), held AS (
        SELECT COALESCE(sum(n), 0)::int AS n FROM holders
      ), keys AS (
        SELECT DISTINCT "concurrencyKey" AS k FROM "WorkflowExecution"
        WHERE "workflowId" = ${run.workflowId}::uuid AND "tenantId" = ${run.tenantId}::uuid AND status = 'PENDING' AND "parkedAt" IS NOT NULL
          AND (${run.concurrencyKey}::text IS NULL OR "concurrencyKey" = ${run.concurrencyKey}::text OR (SELECT n FROM held) >= ${spec.limit}::int - 1)
      ), firsts AS (
        SELECT c.* FROM keys LEFT JOIN holders h ON h.k = keys.k
        CROSS JOIN LATERAL (
          SELECT e.id, e."createdAt", e."parkedAt", e.trigger::text AS trigger FROM "WorkflowExecution" e
          WHERE e."workflowId" = ${run.workflowId}::uuid AND e.status = 'PENDING' AND e."concurrencyKey" = keys.k AND e."cancelRequestedAt" IS NULL
          ORDER BY e."createdAt", e.id
          LIMIT GREATEST(0, (CASE WHEN keys.k = '' THEN ${spec.limit}::int ELSE ${spec.keyLimit ?? 1}::int END) - COALESCE(h.n, 0))
        ) c
      ), starting AS (
        SELECT * FROM firsts ORDER BY "createdAt", id LIMIT GREATEST(0, ${spec.limit}::int - (SELECT n FROM held))
      )
      SELECT id, "parkedAt", trigger FROM starting WHERE "parkedAt" IS NOT NULL`;
  }, SLOT_TX);
  if (!deps.enqueue || rows.length === 0) return [];
  await Promise.all(rows.map((r) => deps.enqueue!({ executionId: r.id, tenantId: run.tenantId, trigger: r.trigger as TriggerKind }, promotionJobId(r.id, r.parkedAt!))));
  return rows.map((r) => r.id);
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
