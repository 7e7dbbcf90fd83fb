// runStats and schedulerLag: runs by status over time, failure rate, duration percentiles per
// workflow and per step type, and slot → start lag, in the tenant's zone. HOUR and DAY buckets
// read the rollup tables (bounded by buckets × workflows, never by the number of runs); MINUTE
// buckets (windows up to a day) read the runs themselves through the (tenantId, createdAt) index.
// Each part is one statement, run only when asked for.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { bucketIndex, bucketSql, GRAIN, type Window } from './buckets.ts';
import { addTo, percentiles, quantile, type Histogram, type Percentiles } from './histogram.ts';
import { sqlParams } from './sql-params.ts';

export interface RunCounts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export function emptyCounts(): RunCounts {
  return { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
}

function addCounts(into: RunCounts, row: RunCounts): void {
  for (const s of STATUSES) into[s] += row[s];
}

export interface StatsScope {
  db: PrismaClient;
  tenantId: string;
  window: Window;
  workflowId?: string | null;
}

interface CountRow extends RunCounts {
  b: Date;
  wf: string;
}

interface BinRow {
  b: Date | null;
  subject: string;
  bin: number;
  n: number;
}

export interface RunCountsByTime {
  /** Per bucket, in window order. */
  buckets: RunCounts[];
  totals: RunCounts;
  byWorkflow: Map<string, RunCounts>;
}

export async function runCounts(scope: StatsScope): Promise<RunCountsByTime> {
  const { bucket } = scope.window;
  const { p, values } = sqlParams();
  const tenant = p(scope.tenantId);
  const range = (column: string) => `${column} >= ${p(scope.window.from)} AND ${column} < ${p(scope.window.to)}`;
  const workflow = scope.workflowId ? `AND "workflowId" = ${p(scope.workflowId)}::uuid` : '';
  const sql =
    bucket === 'MINUTE'
      ? `SELECT ${bucketSql('MINUTE', '"createdAt"', '')} AS b, "workflowId" AS wf,
           count(*) FILTER (WHERE "status" = 'PENDING')::int AS pending, count(*) FILTER (WHERE "status" = 'RUNNING')::int AS running,
           count(*) FILTER (WHERE "status" = 'COMPLETED')::int AS completed, count(*) FILTER (WHERE "status" = 'FAILED')::int AS failed,
           count(*) FILTER (WHERE "status" = 'CANCELLED')::int AS cancelled
         FROM "WorkflowExecution"
         WHERE "tenantId" = ${tenant}::uuid AND ${range('"createdAt"')} ${workflow}
         GROUP BY 1, 2`
      : `SELECT ${bucketSql(bucket, 'slot', bucket === 'HOUR' ? p(scope.window.zone) : '')} AS b, "workflowId" AS wf,
           sum(pending)::int AS pending, sum(running)::int AS running, sum(completed)::int AS completed,
           sum(failed)::int AS failed, sum(cancelled)::int AS cancelled
         FROM "RunRollup"
         WHERE "tenantId" = ${tenant}::uuid AND grain = '${GRAIN[bucket]}' AND ${range('slot')} ${workflow}
         GROUP BY 1, 2`;
  const rows = await scope.db.$queryRawUnsafe<CountRow[]>(sql, ...values);
  const index = bucketIndex(scope.window);
  const buckets = scope.window.starts.map(emptyCounts);
  const totals = emptyCounts();
  const byWorkflow = new Map<string, RunCounts>();
  for (const row of rows) {
    const i = index.get(row.b.getTime());
    if (i === undefined) continue;
    addCounts(buckets[i]!, row);
    addCounts(totals, row);
    let wf = byWorkflow.get(row.wf);
    if (!wf) byWorkflow.set(row.wf, (wf = emptyCounts()));
    addCounts(wf, row);
  }
  return { buckets, totals, byWorkflow };
}

export type DurationKind = 'w' | 's' | 'l';

/**
 * Histograms of one kind ('w' run durations per workflow, 's' step durations per type, 'l'
 * schedule lag per workflow) over the window, per subject, and per bucket when `perBucket`.
 * MINUTE reads raw runs for 'w' and 'l'; steps have no time index of their own, so 's' always
 * reads the 15-minute slots covering the window.
 */
export async function durationHistograms(
  scope: StatsScope,
  kind: DurationKind,
  perBucket: boolean,
): Promise<{ bySubject: Map<string, Histogram>; byBucket: Map<string, Histogram[]> }> {
  const { bucket } = scope.window;
  const { p, values } = sqlParams();
  const tenant = p(scope.tenantId);
  const workflow = scope.workflowId && kind !== 's' ? scope.workflowId : null;
  let sql: string;
  if (bucket === 'MINUTE' && kind !== 's') {
    const ms = kind === 'w' ? `extract(epoch FROM "finishedAt" - "startedAt") * 1000` : `"driftMs"`;
    const measured = kind === 'w' ? `"status" IN ('COMPLETED', 'FAILED') AND "startedAt" IS NOT NULL AND "finishedAt" IS NOT NULL` : `"driftMs" IS NOT NULL`;
    sql = `SELECT ${perBucket ? bucketSql('MINUTE', '"createdAt"', '') : 'NULL::timestamptz'} AS b, "workflowId"::text AS subject,
             flowdeck_duration_bin(${ms}) AS bin, count(*)::int AS n
           FROM "WorkflowExecution"
           WHERE "tenantId" = ${tenant}::uuid AND "createdAt" >= ${p(scope.window.from)} AND "createdAt" < ${p(scope.window.to)} AND ${measured}
             ${workflow ? `AND "workflowId" = ${p(workflow)}::uuid` : ''}
           GROUP BY 1, 2, 3`;
  } else {
    // MINUTE step durations: steps have no time index of their own; the 15-minute slots covering
    // the window answer instead.
    const [from, to] = bucket === 'MINUTE' ? quarterCover(scope.window.from, scope.window.to) : [scope.window.from, scope.window.to];
    const bucketExpr = !perBucket || bucket === 'MINUTE' ? 'NULL::timestamptz' : bucketSql(bucket, 'slot', bucket === 'HOUR' ? p(scope.window.zone) : '');
    sql = `SELECT ${bucketExpr} AS b, subject, bin, sum(n)::int AS n
           FROM "DurationRollup"
           WHERE "tenantId" = ${tenant}::uuid AND grain = '${bucket === 'DAY' ? 'd' : 'q'}' AND kind = '${kind}'
             AND slot >= ${p(from)} AND slot < ${p(to)} ${workflow ? `AND subject = ${p(workflow)}` : ''}
           GROUP BY 1, 2, 3`;
  }
  const rows = await scope.db.$queryRawUnsafe<BinRow[]>(sql, ...values);
  const index = bucketIndex(scope.window);
  const bySubject = new Map<string, Histogram>();
  const byBucket = new Map<string, Histogram[]>();
  for (const row of rows) {
    if (row.n === 0) continue;
    let h = bySubject.get(row.subject);
    if (!h) bySubject.set(row.subject, (h = new Map()));
    addTo(h, row.bin, row.n);
    if (perBucket && row.b) {
      const i = index.get(row.b.getTime());
      if (i === undefined) continue;
      let series = byBucket.get(row.subject);
      if (!series) byBucket.set(row.subject, (series = scope.window.starts.map(() => new Map())));
      addTo(series[i]!, row.bin, row.n);
    }
  }
  return { bySubject, byBucket };
}

/** [from, to) widened to 15-minute boundaries. */
function quarterCover(from: Date, to: Date): [Date, Date] {
  const q = 15 * 60_000;
  return [new Date(Math.floor(from.getTime() / q) * q), new Date(Math.ceil(to.getTime() / q) * q)];
}

/** One histogram merging every subject's. */
export function merged(hs: Iterable<Histogram>): Histogram {
  const out: Histogram = new Map();
  for (const h of hs) for (const [bin, n] of h) addTo(out, bin, n);
  return out;
}

export function p95Series(series: Histogram[] | undefined, length: number): (number | null)[] {
  return series ? series.map((h) => quantile(h, 0.95)) : Array.from({ length }, () => null);
}

export type { Percentiles };
export { percentiles };
