// Shared checks on runs, read from PostgreSQL: finished, counted once, each effect once.
import type { Cluster } from './topology.ts';
import { until } from './client.ts';

/** Runs `task(i)` for i in [0, n) with at most `parallel` at once. */
export async function pool<T>(n: number, parallel: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export interface RunAudit {
  executions: number;
  byStatus: Record<string, number>;
  /** Executions whose row says they were started more than once (a worker died under them). */
  restarted: number;
  /** Executions with a StepRun count other than the definition's step count. */
  wrongStepRuns: number;
  /** (execution, message) pairs logged more than once: a step body that ran twice. */
  repeatedLines: number;
  /** Executions with more than one WhatsApp message recorded (the idempotency ledger). */
  doubleSends: number;
  /** Executions of steps with a whatsapp.send that recorded none. */
  missingSends: number;
}

/** Waits until no run of the workflows is PENDING or RUNNING. */
export async function waitSettled(c: Cluster, workflowIds: string[], timeoutMs: number): Promise<void> {
  await until(
    'runs to finish',
    async () => (await c.db.workflowExecution.count({ where: { workflowId: { in: workflowIds }, status: { in: ['PENDING', 'RUNNING'] } } })) === 0,
    timeoutMs,
    500,
  );
}

export async function auditRuns(c: Cluster, workflowId: string, opts: { steps: number; sends: boolean; since?: Date; ids?: string[] }): Promise<RunAudit> {
  const where = { workflowId, ...(opts.since ? { createdAt: { gte: opts.since } } : {}), ...(opts.ids ? { id: { in: opts.ids } } : {}) };
  const rows = await c.db.workflowExecution.findMany({ where, select: { id: true, status: true, attempts: true, _count: { select: { stepRuns: true } } } });
  const byStatus: Record<string, number> = {};
  for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const ids = rows.map((r) => r.id);
  const repeated = await c.db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(*) AS n FROM (SELECT "executionId", message FROM "LogEntry" WHERE "executionId" = ANY($1::uuid[]) AND level = 'INFO' GROUP BY 1, 2 HAVING count(*) > 1) t`,
    ids,
  );
  const sends = await c.db.$queryRawUnsafe<{ id: string; n: bigint }[]>(
    `SELECT e.id, count(o.id) AS n FROM unnest($1::uuid[]) AS e(id) LEFT JOIN "OutboundMessage" o ON o."executionId" = e.id GROUP BY e.id`,
    ids,
  );
  return {
    executions: rows.length,
    byStatus,
    restarted: rows.filter((r) => r.attempts > 1).length,
    wrongStepRuns: rows.filter((r) => r._count.stepRuns !== opts.steps).length,
    repeatedLines: Number(repeated[0]?.n ?? 0),
    doubleSends: opts.sends ? sends.filter((s) => Number(s.n) > 1).length : 0,
    missingSends: opts.sends ? sends.filter((s) => Number(s.n) === 0).length : 0,
  };
}

export function describeAudit(a: RunAudit): string {
  return `${a.executions} runs ${JSON.stringify(a.byStatus)}, restarted ${a.restarted}, wrong StepRun counts ${a.wrongStepRuns}, repeated log lines ${a.repeatedLines}, double sends ${a.doubleSends}, missing sends ${a.missingSends}`;
}

/** Runs per worker process, from BullMQ's processedBy. */
export async function spread(c: Cluster, ids: string[]): Promise<Record<string, number>> {
  const by = await c.processedBy(ids);
  const out: Record<string, number> = {};
  for (const w of by.values()) out[w ?? 'unknown'] = (out[w ?? 'unknown'] ?? 0) + 1;
  return out;
}
