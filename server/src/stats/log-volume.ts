// logVolume: log lines per level over time for any Logs Explorer filter, the histogram above the
// explorer. A filter of workflow, levels and time only (the common case) reads the LogRollup
// slots for HOUR and DAY buckets: cost bounded by buckets, not lines. A filter with an execution
// or search words, and MINUTE buckets, count the lines themselves through the same indexes the
// explorer's pages use; those counts stop at LINE_CAP lines and say so (exact: false) rather
// than scan millions of rows for one chart.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import { checkLogFilter, logFilterConditions, type LogFilter } from '../logs/query.ts';
import { bucketIndex, bucketSql, GRAIN, type Window } from './buckets.ts';
import { sqlParams } from './sql-params.ts';

export const LINE_CAP = 200_000;
const LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export type LevelCounts = Record<LogLevel, number>;

export interface LogVolume {
  buckets: LevelCounts[];
  totals: LevelCounts;
  /** False when the raw count stopped at LINE_CAP lines. */
  exact: boolean;
}

function emptyLevels(): LevelCounts {
  return { DEBUG: 0, INFO: 0, WARN: 0, ERROR: 0 };
}

export async function logVolume(db: PrismaClient, tenantId: string, window: Window, filter: LogFilter): Promise<LogVolume> {
  checkLogFilter(filter);
  const { p, values } = sqlParams();
  const cast = (v: unknown, type: string) => `${p(v)}::${type}`;
  const tenant = cast(tenantId, 'uuid');
  const levels = filter.levels?.length ? [...new Set(filter.levels)] : LEVELS;
  const levelCond = levels.length === LEVELS.length ? '' : `AND "level" = ANY(${cast(levels, '"LogLevel"[]')})`;
  // The filter's own since/until narrow the window further.
  const from = filter.since && filter.since > window.from ? filter.since : window.from;
  const to = filter.until && filter.until < window.to ? filter.until : window.to;
  const useRollup = window.bucket !== 'MINUTE' && !filter.executionId && !filter.search?.trim();
  let sql: string;
  let exact = true;
  if (useRollup) {
    const bucket = window.bucket as 'HOUR' | 'DAY';
    // Rollup slots are whole quarters (or days): a from/to inside one counts the whole slot.
    sql = `SELECT ${bucketSql(bucket, 'slot', bucket === 'HOUR' ? cast(window.zone, 'text') : '')} AS b, "level", sum(n)::int AS n
           FROM "LogRollup"
           WHERE "tenantId" = ${tenant} AND grain = '${GRAIN[bucket]}' AND slot >= ${cast(floorSlot(from, bucket, window), 'timestamptz')} AND slot < ${cast(to, 'timestamptz')}
             ${filter.workflowId ? `AND "workflowId" = ${cast(filter.workflowId, 'uuid')}` : ''} ${levelCond}
           GROUP BY 1, 2`;
  } else {
    const conds = logFilterConditions({ ...filter, since: from, until: to }, cast);
    const bucketExpr =
      window.bucket === 'MINUTE' ? bucketSql('MINUTE', '"createdAt"', '') : `date_trunc('${window.bucket === 'HOUR' ? 'hour' : 'day'}', "createdAt" AT TIME ZONE ${cast(window.zone, 'text')}) AT TIME ZONE $${values.length}`;
    sql = `SELECT ${bucketExpr} AS b, "level", count(*)::int AS n
           FROM (SELECT "createdAt", "level" FROM "LogEntry" WHERE "tenantId" = ${tenant} AND ${conds.join(' AND ')} ${levelCond} LIMIT ${LINE_CAP + 1}) AS l
           GROUP BY 1, 2`;
  }
  const rows = await db.$queryRawUnsafe<{ b: Date; level: LogLevel; n: number }[]>(sql, ...values);
  const index = bucketIndex(window);
  const buckets = window.starts.map(emptyLevels);
  const totals = emptyLevels();
  let counted = 0;
  for (const row of rows) {
    counted += row.n;
    const i = index.get(row.b.getTime());
    if (i === undefined) continue;
    buckets[i]![row.level] += row.n;
    totals[row.level] += row.n;
  }
  if (!useRollup && counted > LINE_CAP) exact = false;
  return { buckets, totals, exact };
}

/** The rollup slot holding `at`: rollup rows are keyed by their slot's start. */
function floorSlot(at: Date, bucket: 'HOUR' | 'DAY', window: Window): Date {
  if (bucket === 'DAY') {
    // 'd' slots are local day starts; the window's own start is one, and a later since falls in
    // the day that starts at or before it.
    const i = window.starts.findLastIndex((s) => s <= at);
    return window.starts[Math.max(0, i)]!;
  }
  const q = 15 * 60_000;
  return new Date(Math.floor(at.getTime() / q) * q);
}
