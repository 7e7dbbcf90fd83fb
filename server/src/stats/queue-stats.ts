// queueStats: depth of each BullMQ queue by state and how long its oldest waiting job has
// waited, read from Redis on request (a handful of O(1)/O(log n) commands per queue). Queues are
// shared by every tenant, so these are process-wide numbers like maintenanceStatus, with no job
// data; the caller's own backlog (its PENDING runs and the oldest of them) comes from PostgreSQL.
import type { Queue } from 'bullmq';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Queues } from '../engine/queues.ts';

export interface QueueDepth {
  queue: string;
  waiting: number;
  prioritized: number;
  active: number;
  delayed: number;
  failed: number;
  /** When the oldest job now waiting (plain or prioritized) was added; null when none waits. */
  oldestWaitingAt: Date | null;
}

export async function queueDepth(queue: Queue): Promise<QueueDepth> {
  const [counts, oldestPlain, oldestPrioritized] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
    // asc: the list's oldest end; for the prioritized set, the first in line of the best priority.
    queue.getJobs(['waiting'], 0, 0, true),
    queue.getJobs(['prioritized'], 0, 0, true),
  ]);
  const stamps = [...oldestPlain, ...oldestPrioritized].filter(Boolean).map((j) => j.timestamp);
  return {
    queue: queue.name,
    waiting: counts.waiting ?? 0,
    prioritized: counts.prioritized ?? 0,
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    oldestWaitingAt: stamps.length ? new Date(Math.min(...stamps)) : null,
  };
}

export function allQueueDepths(queues: Queues): Promise<QueueDepth[]> {
  return Promise.all([queues.runs, queues.pdf, queues.schedules, queues.maintenance].map(queueDepth));
}

export interface TenantBacklog {
  pendingRuns: number;
  oldestPendingAt: Date | null;
}

/** The tenant's runs waiting to start, through the (tenantId, status, createdAt) index. */
export async function tenantBacklog(db: PrismaClient, tenantId: string): Promise<TenantBacklog> {
  const [row] = await db.$queryRaw<{ n: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS n, min("createdAt") AS oldest FROM "WorkflowExecution" WHERE "tenantId" = ${tenantId}::uuid AND "status" = 'PENDING'`;
  return { pendingRuns: row?.n ?? 0, oldestPendingAt: row?.oldest ?? null };
}
