// Reading logs: the filters of the Logs Explorer, newest first, with keyset cursors on
// (createdAt, id) — stable under concurrent inserts, no OFFSET. Every query is scoped to one
// tenant; the composite indexes in the schema lead with tenantId.
import { createHash } from 'node:crypto';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { genericPlanQuery } from '../db.ts';
import type { LogEntry } from '../generated/prisma/client.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import { ValidationError } from '../errors.ts';
import { LogLevel as LogLevels } from '../generated/prisma/enums.ts';
import { INPUT_LIMITS, textTooLong } from '../security/input-limits.ts';

const LEVELS = Object.values(LogLevels);

export interface LogFilter {
  workflowId?: string | null;
  executionId?: string | null;
  levels?: LogLevel[] | null;
  /** Inclusive lower bound on createdAt. */
  since?: Date | null;
  /** Exclusive upper bound on createdAt. */
  until?: Date | null;
  /** Words that must all appear in the message (case-insensitive). */
  search?: string | null;
}

export interface LogCursor {
  createdAt: Date;
  id: string;
}

export function encodeLogCursor(entry: LogCursor): string {
  return Buffer.from(`L:${entry.createdAt.getTime()}:${entry.id}`).toString('base64url');
}

export function decodeLogCursor(cursor: string): LogCursor {
  const m = /^L:(\d+):([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const createdAt = m ? new Date(Number(m[1])) : undefined;
  // A time beyond what a Date holds (L:99999999999999999:…) failed in the query as "Unexpected error.".
  if (!m || !UUID.test(m[2]!) || !Number.isFinite(createdAt!.getTime())) throw new ValidationError([{ path: 'after', message: 'is not a valid cursor' }]);
  return { createdAt: createdAt!, id: m[2]! };
}

export function logWhere(tenantId: string, filter: LogFilter): Prisma.LogEntryWhereInput {
  const where: Prisma.LogEntryWhereInput = { tenantId };
  if (filter.workflowId) where.workflowId = filter.workflowId;
  if (filter.executionId) where.executionId = filter.executionId;
  if (filter.levels?.length) where.level = { in: filter.levels };
  if (filter.since || filter.until) {
    where.createdAt = { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) };
  }
  const words = searchWords(filter);
  if (words.length) where.AND = words.map((w) => ({ message: { contains: w, mode: 'insensitive' as const } }));
  return where;
}

export interface LogPage {
  entries: LogEntry[];
  hasNextPage: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = `"id","tenantId","level","message","metadata","workflowId","executionId","step","piiRedacted","createdAt"`;

/** ILIKE pattern for a literal substring. */
function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function checkLogFilter(filter: LogFilter): void {
  const problems: { path: string; message: string }[] = [];
  for (const key of ['workflowId', 'executionId'] as const) {
    const v = filter[key];
    if (v && !UUID.test(v)) problems.push({ path: key, message: 'is not a valid id' });
  }
  for (const key of ['since', 'until'] as const) {
    const v = filter[key];
    if (v && !(v instanceof Date && Number.isFinite(v.getTime()))) problems.push({ path: key, message: 'is not a valid date' });
  }
  if (filter.levels?.some((l) => !(LEVELS as readonly string[]).includes(l))) problems.push({ path: 'levels', message: `must be among ${LEVELS.join(', ')}` });
  const search = textTooLong(filter.search, 'search', INPUT_LIMITS.searchChars);
  if (search) problems.push(search);
  if (problems.length) throw new ValidationError(problems);
}

/**
 * One page, newest first, strictly after `after` in that order.
 *
 * Raw SQL rather than findMany, for three plan properties Prisma cannot express:
 * - the cursor is a row comparison plus a plain upper bound on createdAt, so the index scan
 *   starts at the cursor (and partitions newer than it are pruned) instead of filtering
 *   everything newer — deep pages cost what first pages cost;
 * - a set of levels becomes one ordered index scan per level, merged (UNION ALL with a limit
 *   per branch), instead of sorting every row of those levels;
 * - search words are ILIKE predicates the trigram index on (tenantId, level, message) answers.
 */
export async function queryLogs(db: PrismaClient, tenantId: string, filter: LogFilter, page: { first?: number; after?: string | null } = {}): Promise<LogPage> {
  const first = page.first ?? 100;
  const rows: LogEntry[] = [];
  // Without search words, each shape of query (filters, levels, window bounds, cursor) is a
  // prepared statement with a generic plan (db.ts genericPlanQuery): planning over the daily
  // partitions cost more than reading the page. Search words keep plans made with their values:
  // whether the trigram index pays depends on the word.
  const generic = searchWords(filter).length === 0;
  // Every window asks for a bucket's worth of rows (the page size rounded up; the rest is cut
  // below), so a handful of texts, and prepared statements, serve every page size.
  const fetch = generic ? (PAGE_BUCKETS.find((b) => b >= first) ?? first) : first;
  for (const window of searchWindows(filter, page.after ? decodeLogCursor(page.after).createdAt : undefined)) {
    const { sql, params } = buildLogQuery(tenantId, filter, { first: generic ? fetch : first - rows.length, after: page.after }, window);
    rows.push(...(generic ? await genericPlanQuery<LogEntry>(db, statementName(sql), sql, params) : await db.$queryRawUnsafe<LogEntry[]>(sql, ...params)));
    if (rows.length > first) break;
  }
  return { entries: rows.slice(0, first), hasNextPage: rows.length > first };
}

const PAGE_BUCKETS = [25, 50, 100, 250, 500, 1000];

/** A prepared statement's name for a query text: one per shape, as the values are parameters. */
function statementName(sql: string): string {
  return `flowdeck_logs_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
}

const DAY_MS = 86_400_000;
/** How far back each successive window reaches from the newest point of the search. */
const WINDOW_SPANS_MS = [DAY_MS, 7 * DAY_MS, 35 * DAY_MS];

export interface TimeWindow {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/**
 * The time windows a page is read in, newest first: the day before the newest point (now, the
 * cursor or `until`), then the week, then five weeks, then everything older. A window spans a
 * handful of daily partitions, so its plan prunes the other ~100 at planning time — planning a
 * query over every partition and all their indexes costs more than running it — and most pages
 * fill from the first window. Sparse filters fall through to wider windows, at most four
 * queries, each strictly older than the last, so the order and the keyset are unchanged.
 */
function searchWindows(filter: LogFilter, cursorAt: Date | undefined): TimeWindow[] {
  const bounds = [filter.until, cursorAt].filter((d): d is Date => !!d).map((d) => d.getTime());
  const anchor = bounds.length ? Math.min(...bounds) : Date.now();
  const since = filter.since?.getTime() ?? -Infinity;
  const windows: TimeWindow[] = [];
  let to: number | undefined;
  for (const span of WINDOW_SPANS_MS) {
    const from = anchor - span;
    if (from <= since) break;
    windows.push({ from: new Date(from), to: to === undefined ? undefined : new Date(to) });
    to = from;
  }
  windows.push({ to: to === undefined ? undefined : new Date(to) });
  return windows;
}

/** The SQL for one window of a page (one row more than the page, to know whether another follows). */
export function buildLogQuery(tenantId: string, filter: LogFilter, { first = 100, after }: { first?: number; after?: string | null } = {}, window: TimeWindow = {}): { sql: string; params: unknown[]; first: number } {
  if (!Number.isInteger(first) || first < 0 || first > 1000) throw new ValidationError([{ path: 'first', message: 'must be from 0 to 1000' }]);
  if (!UUID.test(tenantId)) throw new ValidationError([{ path: 'tenantId', message: 'is not a valid id' }]);
  checkLogFilter(filter);
  const cursor = after ? decodeLogCursor(after) : undefined;
  const params: unknown[] = [tenantId];
  const p = (v: unknown, cast: string) => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  const conds = [`"tenantId" = $1::uuid`, ...logFilterConditions(filter, p)];
  if (window.from) conds.push(`"createdAt" >= ${p(window.from, 'timestamptz')}`);
  if (window.to) conds.push(`"createdAt" < ${p(window.to, 'timestamptz')}`);
  if (cursor) {
    const at = p(cursor.createdAt, 'timestamptz');
    conds.push(`"createdAt" <= ${at}`, `("createdAt", "id") < (${at}, ${p(cursor.id, 'uuid')})`);
  }
  const limit = first + 1;
  const order = `ORDER BY "createdAt" DESC, "id" DESC LIMIT ${limit}`;
  const levels = [...new Set(filter.levels ?? [])];
  let sql: string;
  if (levels.length <= 1 || levels.length === LEVELS.length) {
    if (levels.length === 1) conds.push(`"level" = ${p(levels[0], '"LogLevel"')}`);
    sql = `SELECT ${COLUMNS} FROM "LogEntry" WHERE ${conds.join(' AND ')} ${order}`;
  } else {
    const where = conds.join(' AND ');
    const branches = levels.map((l) => `(SELECT ${COLUMNS} FROM "LogEntry" WHERE ${where} AND "level" = ${p(l, '"LogLevel"')} ${order})`);
    sql = `SELECT * FROM (${branches.join(' UNION ALL ')}) AS l ${order}`;
  }
  return { sql, params, first };
}

/**
 * The WHERE conditions of a filter apart from tenant and levels (callers add those), with
 * p(value, cast) adding a parameter. The filter must have passed checkLogFilter.
 */
export function logFilterConditions(filter: LogFilter, p: (value: unknown, cast: string) => string): string[] {
  const conds: string[] = [];
  if (filter.workflowId) conds.push(`"workflowId" = ${p(filter.workflowId, 'uuid')}`);
  if (filter.executionId) conds.push(`"executionId" = ${p(filter.executionId, 'uuid')}`);
  if (filter.since) conds.push(`"createdAt" >= ${p(filter.since, 'timestamptz')}`);
  if (filter.until) conds.push(`"createdAt" < ${p(filter.until, 'timestamptz')}`);
  for (const word of searchWords(filter)) conds.push(`"message" ILIKE ${p(containsPattern(word), 'text')}`);
  return conds;
}

function searchWords(filter: LogFilter): string[] {
  return filter.search?.trim().split(/\s+/).filter(Boolean) ?? [];
}
