// The safety net for events: sendEvent records an event, then dispatches it (starts the matching
// workflows, resumes the matching waits) and marks it dispatched. A process that dies in between
// leaves an event whose runs were never started. The maintenance sweep (sweep-pending) finds
// those events once they are older than the sweep's threshold and dispatches them again: a run
// already started for (event, workflow) is found by its idempotency key, a wait already resumed
// is no longer OPEN, and only waits opened before the event was recorded count.
import type { EngineDeps } from '../engine/executions.ts';
import { onEventRecorded } from './send-event.ts';

const BATCH = 100;

export interface RedispatchOptions {
  /** Events recorded longer ago than this and still not dispatched are dispatched again. */
  olderThanMs: number;
  /** Limits the sweep to one tenant (test suites share one database but not one queue). */
  tenantId?: string;
}

/** Dispatches undispatched events older than the threshold; returns their ids. */
export async function redispatchEvents(deps: EngineDeps, opts: RedispatchOptions): Promise<string[]> {
  const now = (deps.now ?? (() => new Date()))();
  const events = await deps.db.event.findMany({
    where: { dispatchedAt: null, createdAt: { lt: new Date(now.getTime() - opts.olderThanMs) }, ...(opts.tenantId ? { tenantId: opts.tenantId } : {}) },
    select: { id: true, tenantId: true, name: true, payload: true, createdAt: true },
    orderBy: { createdAt: 'asc' },
    take: BATCH,
  });
  for (const e of events) {
    await onEventRecorded(deps, e.tenantId, { id: e.id, name: e.name, payload: e.payload as Record<string, unknown>, recordedAt: e.createdAt });
  }
  return events.map((e) => e.id);
}
