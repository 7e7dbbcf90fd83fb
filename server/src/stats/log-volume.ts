// logVolume: log lines per level over time for any Logs Explorer filter, the histogram above the
// explorer. A filter of workflow, levels and time only (the common case) reads the LogRollup
// slots for HOUR and DAY buckets: cost bounded by buckets, not lines. A filter with an execution
// or search words, and MINUTE buckets, count the lines themselves through the indexes the
// explorer's pages use, at most LINE_CAP of them: when more match, the newest LINE_CAP are
// counted exactly and countedFrom says where counting stopped (exact: false), rather than scan
// a million rows for one chart.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import { checkLogFilter, logFilterConditions, type LogFilter } from '../logs/query.ts';
import { bucketIndex, GRAIN, rawBucketSql, type Window } from './buckets.ts';
import { sqlParams } from './sql-params.ts';

export const LINE_CAP = 5_000;
const LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

export type LevelCounts = Record<LogLevel, number>;

export interface LogVolume {
  buckets: LevelCounts[];
  totals: LevelCounts;
  /** False when more than LINE_CAP lines matched and only the newest were counted. */
  exact: boolean;
  /** When not exact: the counts cover lines from this time on. */
  countedFrom: Date | null;
}

interface Row {
  b: Date;
  level: LogLevel;
  n: number;
}

function emptyLevels(): LevelCounts {
  return { DEBUG: 0, INFO: 0, WARN: 0, ERROR: 0 };
}

export async function logVolume(db: PrismaClient, tenantId: string, window: Window, filter: LogFilter): Promise<LogVolume> {
  checkLogFilter(filter);
  // The filter's own since/until narrow the window further.
  const from = filter.since && filter.since > window.from ? filter.since : window.from;
  const to = filter.until && filter.until < window.to ? filter.until : window.to;
  const levels = filter.levels?.length ? [...new Set(filter.levels)] : LEVELS;
  let rows: Row[];
  let countedFrom: Date | null = null;
  if (window.bucket !== 'MINUTE' && !filter.executionId && !filter.search?.trim()) {
    rows = await fromRollups(db, tenantId, window, filter.workflowId ?? null, levels, from, to);
  } else {
    // First the matching lines in any order, capped: exact, and cheap when few match (rare
    // search words go through the trigram index).
    const all = await countLines(db, tenantId, window, { ...filter, since: from, until: to }, levels, false);
    if (all.lines <= LINE_CAP) rows = all.rows;
    else {
      // Too many: count the newest LINE_CAP (one ordered, limited scan) and say from when.
      const newest = await countLines(db, tenantId, window, { ...filter, since: from, until: to }, levels, true);
      rows = newest.rows;
      countedFrom = newest.oldest;
    }
  }
  const index = bucketIndex(window);
  const buckets = window.starts.map(emptyLevels);
  const totals = emptyLevels();
  for (const row of rows) {
    const i = index.get(row.b.getTime());
    if (i === undefined) continue;
    buckets[i]![row.level] += row.n;
    totals[row.level] += row.n;
  }
  return { buckets, totals, exact: countedFrom === null, countedFrom };
}

async function fromRollups(db: PrismaClient, tenantId: string, window: Window, workflowId: string | null, levels: LogLevel[], from: Date, to: Date): Promise<Row[]> {
  const { p, values } = sqlParams();
  // Rollup slots are whole local hours (or days): a since inside one counts the whole slot.
  const sql = `SELECT slot AS b, "level", sum(n)::int AS n
     FROM "LogRollup"
     WHERE "tenantId" = ${p(tenantId)}::uuid AND grain = '${GRAIN[window.bucket as 'HOUR' | 'DAY']}' AND slot >= ${p(slotOf(from, window))} AND slot < ${p(to)}
       ${workflowId ? `AND "workflowId" = ${p(workflowId)}::uuid` : ''}
       ${levels.length < LEVELS.length ? `AND "level" = ANY(${p(levels)}::"LogLevel"[])` : ''}
     GROUP BY 1, 2`;
  return db.$queryRawUnsafe<Row[]>(sql, ...values);
}

/** Counts per bucket and level of at most LINE_CAP + 1 matching lines (the newest when `newest`). */
async function countLines(db: PrismaClient, tenantId: string, window: Window, filter: LogFilter, levels: LogLevel[], newest: boolean) {
  const { p, values } = sqlParams();
  const cast = (v: unknown, type: string) => `${p(v)}::${type}`;
  const conds = [`"tenantId" = ${cast(tenantId, 'uuid')}`, ...logFilterConditions(filter, cast)];
  if (levels.length < LEVELS.length) conds.push(`"level" = ANY(${cast(levels, '"LogLevel"[]')})`);
  const bucket = rawBucketSql(window.bucket, '"createdAt"', window.bucket === 'MINUTE' ? '' : cast(window.zone, 'text'));
  const limit = newest ? LINE_CAP : LINE_CAP + 1;
  const sql = `SELECT ${bucket} AS b, "level", count(*)::int AS n, min("createdAt") AS oldest
     FROM (SELECT "createdAt", "level" FROM "LogEntry" WHERE ${conds.join(' AND ')} ${newest ? 'ORDER BY "createdAt" DESC' : ''} LIMIT ${limit}) AS l
     GROUP BY 1, 2`;
  const rows = await db.$queryRawUnsafe<(Row & { oldest: Date })[]>(sql, ...values);
  const oldest = rows.reduce<Date | null>((m, r) => (m === null || r.oldest < m ? r.oldest : m), null);
  return { rows, lines: rows.reduce((n, r) => n + r.n, 0), oldest };
}

/** The start of the bucket (a rollup slot) holding `at`: the window's buckets are the slots. */
function slotOf(at: Date, window: Window): Date {
  const i = window.starts.findLastIndex((s) => s <= at);
  return window.starts[Math.max(0, i)]!;
}
