// runStats and schedulerLag: runs by status over time, failure rate, duration percentiles per
// workflow and per step type, and slot → start lag, in the tenant's zone. HOUR and DAY buckets
// read the rollup tables (bounded by buckets × workflows, never by the number of runs); MINUTE
// buckets (windows up to a day) read the runs themselves through the (tenantId, createdAt) index.
// Each part is one statement, run only when asked for.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { bucketIndex, GRAIN, rawBucketSql, wholeDays, type Window } from './buckets.ts';
import { addTo, binValue, percentiles, quantile, type Histogram, type Percentiles } from './histogram.ts';
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
  p95: number | null;
}

export interface RunCountsByTime {
  /** Per bucket, in window order. */
  buckets: RunCounts[];
  totals: RunCounts;
  byWorkflow: Map<string, RunCounts>;
  /** HOUR and DAY: each workflow's p95 duration (ms) per bucket, from the rollups' p95 bins. */
  p95ByWorkflow: Map<string, (number | null)[]>;
}

export async function runCounts(scope: StatsScope): Promise<RunCountsByTime> {
  const { bucket } = scope.window;
  const { p, values } = sqlParams();
  const tenant = p(scope.tenantId);
  const range = (column: string) => `${column} >= ${p(scope.window.from)} AND ${column} < ${p(scope.window.to)}`;
  const workflow = scope.workflowId ? `AND "workflowId" = ${p(scope.workflowId)}::uuid` : '';
  const sql =
    bucket === 'MINUTE'
      ? `SELECT ${rawBucketSql('MINUTE', '"createdAt"', '')} AS b, "workflowId" AS wf, NULL::int AS p95,
           count(*) FILTER (WHERE "status" = 'PENDING')::int AS pending, count(*) FILTER (WHERE "status" IN ('RUNNING', 'WAITING'))::int AS running,
           count(*) FILTER (WHERE "status" = 'COMPLETED')::int AS completed, count(*) FILTER (WHERE "status" = 'FAILED')::int AS failed,
           count(*) FILTER (WHERE "status" = 'CANCELLED')::int AS cancelled
         FROM "WorkflowExecution"
         WHERE "tenantId" = ${tenant}::uuid AND ${range('"createdAt"')} ${workflow}
         GROUP BY 1, 2`
      : `SELECT slot AS b, "workflowId" AS wf, "p95Bin" AS p95, pending, running, completed, failed, cancelled
         FROM "RunRollup"
         WHERE "tenantId" = ${tenant}::uuid AND grain = '${GRAIN[bucket]}' AND ${range('slot')} ${workflow}`;
  const rows = await scope.db.$queryRawUnsafe<CountRow[]>(sql, ...values);
  const index = bucketIndex(scope.window);
  const buckets = scope.window.starts.map(emptyCounts);
  const totals = emptyCounts();
  const byWorkflow = new Map<string, RunCounts>();
  const p95ByWorkflow = new Map<string, (number | null)[]>();
  for (const row of rows) {
    const i = index.get(row.b.getTime());
    if (i === undefined) continue;
    addCounts(buckets[i]!, row);
    addCounts(totals, row);
    let wf = byWorkflow.get(row.wf);
    if (!wf) byWorkflow.set(row.wf, (wf = emptyCounts()));
    addCounts(wf, row);
    if (row.p95 !== null) {
      let series = p95ByWorkflow.get(row.wf);
      if (!series) p95ByWorkflow.set(row.wf, (series = scope.window.starts.map(() => null)));
      series[i] = binValue(row.p95);
    }
  }
  return { buckets, totals, byWorkflow, p95ByWorkflow };
}

/** 'w' run durations per workflow, 's' step durations per type, 'l' schedule lag per workflow. */
export type DurationKind = 'w' | 's' | 'l';

interface BinRow {
  b: Date | null;
  subject: string;
  bin: number;
  n: number;
}

const RAW_MEASURE = {
  w: { ms: `extract(epoch FROM "finishedAt" - "startedAt") * 1000`, where: `"status" IN ('COMPLETED', 'FAILED') AND "startedAt" IS NOT NULL AND "finishedAt" IS NOT NULL` },
  l: { ms: `"driftMs"`, where: `"driftMs" IS NOT NULL` },
};

/**
 * Histograms of one kind over the whole window, per subject. MINUTE windows read raw runs for
 * 'w' and 'l'; steps have no time index of their own, so 's' reads the hour slots covering the
 * window. HOUR and DAY windows read whole local days from the day rollups and the hours at the
 * edges from the hour rollups. Lag's all-workflows subject ('*') is left out.
 */
export async function windowHistograms(scope: StatsScope, kind: DurationKind): Promise<Map<string, Histogram>> {
  const { window } = scope;
  const { p, values } = sqlParams();
  const tenant = p(scope.tenantId);
  const workflow = kind !== 's' ? scope.workflowId ?? null : null;
  let sql: string;
  if (window.bucket === 'MINUTE' && kind !== 's') {
    sql = `SELECT NULL::timestamptz AS b, "workflowId"::text AS subject, flowdeck_duration_bin(${RAW_MEASURE[kind].ms}) AS bin, count(*)::int AS n
           FROM "WorkflowExecution"
           WHERE "tenantId" = ${tenant}::uuid AND "createdAt" >= ${p(window.from)} AND "createdAt" < ${p(window.to)} AND ${RAW_MEASURE[kind].where}
             ${workflow ? `AND "workflowId" = ${p(workflow)}::uuid` : ''}
           GROUP BY 2, 3`;
  } else {
    const days = window.bucket === 'MINUTE' ? null : wholeDays(window);
    const from = window.bucket === 'MINUTE' ? `flowdeck_hour_slot(${p(window.from)}::timestamptz, ${p(window.zone)}::text)` : p(window.from);
    const to = p(window.to);
    let slots = `grain = 'h' AND slot >= ${from} AND slot < ${to}`;
    if (days) {
      const [first, end] = [p(days[0]), p(days[1])];
      slots = `((grain = 'd' AND slot >= ${first} AND slot < ${end}) OR (grain = 'h' AND ((slot >= ${from} AND slot < ${first}) OR (slot >= ${end} AND slot < ${to}))))`;
    }
    sql = `SELECT NULL::timestamptz AS b, subject, bin, sum(n)::int AS n
           FROM "DurationRollup"
           WHERE "tenantId" = ${tenant}::uuid AND kind = '${kind}' AND ${slots}
             ${workflow ? `AND subject = ${p(workflow)}` : kind === 'l' ? `AND subject <> '*'` : ''}
           GROUP BY 2, 3`;
  }
  return toHistograms(await scope.db.$queryRawUnsafe<BinRow[]>(sql, ...values), scope.window, false).bySubject;
}

/**
 * Histograms per bucket of one subject: a workflow's run durations ('w', MINUTE buckets only —
 * HOUR and DAY p95 series come precomputed with the counts), or schedule lag ('l') of one
 * workflow or of all ('*').
 */
export async function bucketHistograms(scope: StatsScope, kind: 'w' | 'l'): Promise<Map<string, Histogram[]>> {
  const { window } = scope;
  const { p, values } = sqlParams();
  const tenant = p(scope.tenantId);
  let sql: string;
  if (window.bucket === 'MINUTE') {
    sql = `SELECT ${rawBucketSql('MINUTE', '"createdAt"', '')} AS b, ${kind === 'l' && !scope.workflowId ? `'*'` : `"workflowId"::text`} AS subject,
             flowdeck_duration_bin(${RAW_MEASURE[kind].ms}) AS bin, count(*)::int AS n
           FROM "WorkflowExecution"
           WHERE "tenantId" = ${tenant}::uuid AND "createdAt" >= ${p(window.from)} AND "createdAt" < ${p(window.to)} AND ${RAW_MEASURE[kind].where}
             ${scope.workflowId ? `AND "workflowId" = ${p(scope.workflowId)}::uuid` : ''}
           GROUP BY 1, 2, 3`;
  } else {
    sql = `SELECT slot AS b, subject, bin, n
           FROM "DurationRollup"
           WHERE "tenantId" = ${tenant}::uuid AND grain = '${GRAIN[window.bucket]}' AND kind = '${kind}'
             AND slot >= ${p(window.from)} AND slot < ${p(window.to)} AND subject = ${p(scope.workflowId ?? '*')} AND n <> 0`;
  }
  return toHistograms(await scope.db.$queryRawUnsafe<BinRow[]>(sql, ...values), window, true).byBucket;
}

function toHistograms(rows: BinRow[], window: Window, perBucket: boolean) {
  const index = bucketIndex(window);
  const bySubject = new Map<string, Histogram>();
  const byBucket = new Map<string, Histogram[]>();
  for (const row of rows) {
    if (row.n === 0) continue;
    if (!perBucket) {
      let h = bySubject.get(row.subject);
      if (!h) bySubject.set(row.subject, (h = new Map()));
      addTo(h, row.bin, row.n);
      continue;
    }
    const i = row.b ? index.get(row.b.getTime()) : undefined;
    if (i === undefined) continue;
    let series = byBucket.get(row.subject);
    if (!series) byBucket.set(row.subject, (series = window.starts.map(() => new Map())));
    addTo(series[i]!, row.bin, row.n);
  }
  return { bySubject, byBucket };
}

/** One histogram merging every subject's. */
export function merged(hs: Iterable<Histogram>): Histogram {
  const out: Histogram = new Map();
  for (const h of hs) for (const [bin, n] of h) addTo(out, bin, n);
  return out;
}

export function p95Series(series: Histogram[]): (number | null)[] {
  return series.map((h) => quantile(h, 0.95));
}

export type { Percentiles };
export { percentiles };
