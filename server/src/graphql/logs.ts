// Workflow logs: the Logs Explorer's list (keyset pages through logs/query.ts) and the live
// logAdded subscription with the same filter type. logAdded(after:) first replays what the
// client missed since its cursor (and RESUME_OVERLAP_MS before it), then continues live, with no
// gap; a line is sent once per subscription.
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import type { LogEntry, PrismaClient } from '../generated/prisma/client.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import { eventTopics, type LogBatchEvent } from '../events.ts';
import { decodeLogCursor, encodeLogCursor, logWhere, queryLogs, type LogCursor, type LogFilter } from '../logs/query.ts';
import { builder } from './builder.ts';
import { CAPPED_COUNT_DESCRIPTION, checkPageArgs, TOTAL_COUNT_CAP, type PageArgs } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { LogLevelEnum } from './enums.ts';
import { globalId, localId } from './ids.ts';

const NO_ROW = '00000000-0000-0000-0000-000000000000';
const MAX_PAGE = 500;
const REPLAY_PAGE = 1000;
/** A client further behind than this reads the backlog with logs(...) pages, not one burst. */
const MAX_REPLAY = 10_000;
/**
 * A line's cursor is the time it was logged, but each worker writes its lines in batches of its
 * own, so lines are committed (and reach subscribers) out of cursor order: a line logged before
 * the last one a client received can still be on its way. Resuming strictly after that cursor
 * lost such lines (5 of 453 in the cluster test, a client moving to another api process). So a
 * resume also replays what was logged this long before the cursor, and later lines older than the
 * cursor are delivered too; the client drops by id the few it already has.
 */
export const RESUME_OVERLAP_MS = 10_000;

/** Workflow names for the log lines of one request (or one subscription): one query per page. */
const nameLoaders = new WeakMap<GraphQLContext, DataLoader<string, string | null>>();
function workflowNames(ctx: GraphQLContext): DataLoader<string, string | null> {
  let loader = nameLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      // Deleted workflows too: their lines keep their history.
      const rows = await ctx.db.workflow.findMany({ where: { id: { in: [...ids] }, tenantId: tenantOf(ctx) }, select: { id: true, name: true } });
      const byId = new Map(rows.map((r) => [r.id, r.name]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    nameLoaders.set(ctx, loader);
  }
  return loader;
}

const LogEntryRef = builder.prismaObject('LogEntry', {
  description: 'One structured, PII-redacted log line of a workflow run.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Row id of the line (not a global id).' }),
    cursor: t.string({ description: 'Pass to logs(after:) or logAdded(after:) to continue from this line.', resolve: (e) => encodeLogCursor(e) }),
    level: t.expose('level', { type: LogLevelEnum, description: 'Severity.' }),
    message: t.exposeString('message', { description: 'The text, with personal data redacted when it was written.' }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true, description: 'Structured details, redacted like the message.' }),
    workflowId: t.id({ nullable: true, description: 'Global id of the workflow that wrote it.', resolve: (e) => (e.workflowId ? globalId('Workflow', e.workflowId) : null) }),
    workflowName: t.string({
      nullable: true,
      description: 'The name of the workflow the line belongs to, also after the workflow was deleted.',
      resolve: (e, _args, ctx) => (e.workflowId ? workflowNames(ctx).load(e.workflowId) : null),
    }),
    executionId: t.id({ nullable: true, description: 'Global id of the execution that wrote it.', resolve: (e) => (e.executionId ? globalId('Execution', e.executionId) : null) }),
    step: t.exposeString('step', { nullable: true, description: 'The step that wrote it.' }),
    piiRedacted: t.exposeBoolean('piiRedacted', { description: 'Whether personal data was found and redacted.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

export const LogFilterInput = builder.inputType('LogFilterInput', {
  description: 'The Logs Explorer filter, shared by logs and logAdded.',
  fields: (t) => ({
    workflowId: t.id({ description: 'Only lines of this workflow (global id).' }),
    executionId: t.id({ description: 'Only lines of this execution (global id).' }),
    levels: t.field({ type: [LogLevelEnum], description: 'Only lines of these levels.' }),
    since: t.field({ type: 'DateTime', description: 'Inclusive lower bound on createdAt.' }),
    until: t.field({ type: 'DateTime', description: 'Exclusive upper bound on createdAt.' }),
    search: t.string({ description: 'Words that must all appear in the message (case-insensitive).' }),
  }),
});

interface LogFilterArg {
  workflowId?: string | number | null;
  executionId?: string | number | null;
  levels?: LogLevel[] | null;
  since?: Date | null;
  until?: Date | null;
  search?: string | null;
}

/** Global ids to row ids; an id that is not one of ours filters down to nothing. */
export function toLogFilter(arg: LogFilterArg | null | undefined): LogFilter {
  if (!arg) return {};
  return {
    workflowId: arg.workflowId == null ? null : (localId(String(arg.workflowId), 'Workflow') ?? NO_ROW),
    executionId: arg.executionId == null ? null : (localId(String(arg.executionId), 'Execution') ?? NO_ROW),
    levels: arg.levels ?? null,
    since: arg.since ?? null,
    until: arg.until ?? null,
    search: arg.search ?? null,
  };
}

/** A bad cursor is the caller's mistake: a BAD_USER_INPUT answer, not a logged internal error. */
function cursorArg(cursor: string, arg: string): LogCursor {
  try {
    return decodeLogCursor(cursor);
  } catch {
    throw new GraphQLError(`${arg} is not a cursor of this list`, { extensions: { code: 'BAD_USER_INPUT', problems: [{ path: arg, message: 'is not a valid cursor' }] } });
  }
}

function isAfter(e: { createdAt: Date; id: string }, c: LogCursor): boolean {
  return e.createdAt.getTime() > c.createdAt.getTime() || (e.createdAt.getTime() === c.createdAt.getTime() && e.id > c.id);
}

/** Newest first, like the Explorer. Forward (first/after) pages are queryLogs' own. */
async function logsPage(db: PrismaClient, tenantId: string, filter: LogFilter, args: PageArgs) {
  checkPageArgs(args, MAX_PAGE);
  if ((args.before && args.first != null) || (args.after && args.last != null) || (args.after && args.before)) {
    throw new GraphQLError('Page logs forward with first/after or backward with last/before', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const backward = args.last != null || args.before != null;
  if (!backward) {
    if (args.after) cursorArg(args.after, 'after');
    const page = await queryLogs(db, tenantId, filter, { first: args.first ?? 100, after: args.after });
    return { entries: page.entries, hasNextPage: page.hasNextPage, hasPreviousPage: Boolean(args.after) };
  }
  const last = args.last ?? 100;
  const where = logWhere(tenantId, filter);
  if (args.before) {
    const c = cursorArg(args.before, 'before');
    where.AND = [...((where.AND as object[] | undefined) ?? []), { OR: [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }] }];
  }
  const rows = last === 0 ? [] : await db.logEntry.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: last + 1 });
  return { entries: rows.slice(0, last).reverse(), hasNextPage: Boolean(args.before), hasPreviousPage: rows.length > last };
}

builder.queryField('logs', (t) =>
  t.connection(
    {
      type: LogEntryRef,
      authScopes: { viewer: true },
      description: 'Newest first. Page forward with first/after, backward with last/before.',
      args: { filter: t.arg({ type: LogFilterInput, description: 'Which lines; all of them when omitted.' }) },
      resolve: async (_root, args, ctx) => {
        const tenantId = tenantOf(ctx);
        const filter = toLogFilter(args.filter);
        const page = await logsPage(ctx.db, tenantId, filter, args);
        const edges = page.entries.map((node) => ({ cursor: encodeLogCursor(node), node }));
        let total: Promise<number> | undefined;
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: page.hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: () => (total ??= ctx.db.logEntry.count({ where: logWhere(tenantId, filter), take: TOTAL_COUNT_CAP })),
        };
      },
    },
    { name: 'LogEntryConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
  ),
);

/** Cheap checks on the event's summary, so rows are loaded only for entries the client wants. */
function summaryMatches(filter: LogFilter, e: LogBatchEvent['entries'][number]): boolean {
  const at = new Date(e.createdAt);
  return (
    (!filter.workflowId || e.workflowId === filter.workflowId) &&
    (!filter.executionId || e.executionId === filter.executionId) &&
    (!filter.levels?.length || filter.levels.includes(e.level)) &&
    (!filter.since || at >= filter.since) &&
    (!filter.until || at < filter.until)
  );
}

/** Entries after the cursor that match the filter, oldest first, read through queryLogs. */
async function replaySince(db: PrismaClient, tenantId: string, filter: LogFilter, cursor: LogCursor): Promise<LogEntry[]> {
  const from: LogCursor = { createdAt: new Date(cursor.createdAt.getTime() - RESUME_OVERLAP_MS), id: NO_ROW };
  const since = filter.since && filter.since > from.createdAt ? filter.since : from.createdAt;
  const out: LogEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await queryLogs(db, tenantId, { ...filter, since }, { first: REPLAY_PAGE, after });
    out.push(...page.entries.filter((e) => isAfter(e, from) && e.id !== cursor.id));
    if (out.length > MAX_REPLAY) {
      throw new GraphQLError(`More than ${MAX_REPLAY} lines were written since this cursor; read them with logs(...) and subscribe from a newer cursor`, {
        extensions: { code: 'BAD_USER_INPUT', problems: [{ path: 'after', message: 'is too far behind to replay' }] },
      });
    }
    if (!page.hasNextPage || page.entries.length === 0) break;
    after = encodeLogCursor(page.entries.at(-1)!);
  }
  return out.reverse();
}

/** Every word of the filter's search appears in the message, case-insensitively (ILIKE '%word%'). */
function messageMatches(filter: LogFilter, message: string): boolean {
  const words = filter.search?.trim().split(/\s+/).filter(Boolean) ?? [];
  const text = message.toLowerCase();
  return words.every((w) => text.includes(w.toLowerCase()));
}

/**
 * One query per written batch per api process, however many clients subscribe: without this,
 * N live tails of a tenant cost N identical queries per batch and fall behind under load.
 * Entries are short-lived (a batch is delivered within moments), keyed by tenant and batch.
 */
const BATCH_TTL_MS = 10_000;
const batchCaches = new WeakMap<PrismaClient, Map<string, { at: number; rows: Promise<LogEntry[]> }>>();

function batchRows(db: PrismaClient, tenantId: string, batch: LogBatchEvent): Promise<LogEntry[]> {
  let cache = batchCaches.get(db);
  if (!cache) batchCaches.set(db, (cache = new Map()));
  const key = `${tenantId}:${batch.entries.length}:${batch.entries[0]?.id}:${batch.entries.at(-1)?.id}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < BATCH_TTL_MS) return hit.rows;
  for (const [k, v] of cache) if (now - v.at >= BATCH_TTL_MS) cache.delete(k);
  const times = batch.entries.map((e) => new Date(e.createdAt).getTime());
  // createdAt bounds let PostgreSQL prune LogEntry partitions.
  const rows = db.logEntry.findMany({
    where: { tenantId, id: { in: batch.entries.map((e) => e.id) }, createdAt: { gte: new Date(Math.min(...times)), lte: new Date(Math.max(...times)) } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  cache.set(key, { at: now, rows });
  rows.catch(() => cache.delete(key));
  return rows;
}

function logStream(ctx: GraphQLContext, filter: LogFilter, cursor: LogCursor | undefined): AsyncIterable<LogEntry> {
  const tenantId = tenantOf(ctx);
  return new Repeater<LogEntry>(async (push, stop) => {
    const source = ctx.pubSub.subscribe<LogBatchEvent>(eventTopics(ctx.engine.redisPrefix).logs, tenantId)[Symbol.asyncIterator]();
    void stop.then(() => source.return?.());
    const firstEvent = source.next(); // starts the Redis SUBSCRIBE
    await ctx.pubSub.listening();
    // From here on every new entry reaches us live; the replay covers everything before.
    const replayed = new Set<string>();
    let chain: Promise<void> = cursor
      ? replaySince(ctx.db, tenantId, filter, cursor).then(async (entries) => {
          for (const e of entries) {
            replayed.add(e.id);
            await push(e);
          }
        })
      : Promise.resolve();
    const deliver = async (batch: LogBatchEvent) => {
      const wanted = new Set(
        batch.entries
          .filter((e) => summaryMatches(filter, e) && !replayed.has(e.id) && e.id !== cursor?.id)
          .map((e) => e.id),
      );
      if (wanted.size === 0) return;
      // Every subscriber of this process shares one load of the batch; the search words are
      // then matched here, as logWhere's ILIKE does in SQL.
      const rows = await batchRows(ctx.db, tenantId, batch);
      for (const r of rows) if (wanted.has(r.id) && messageMatches(filter, r.message)) await push(r);
    };
    const fail = (err: unknown) => stop(err);
    chain = chain.catch(fail);
    for (let next = await firstEvent; !next.done; next = await source.next()) {
      const batch = next.value;
      chain = chain.then(() => deliver(batch)).catch(fail);
    }
    await chain;
    stop();
  });
}

builder.subscriptionField('logAdded', (t) =>
  t.field({
    type: LogEntryRef,
    authScopes: { viewer: true },
    description: "New log lines of your tenant matching the filter, oldest first. With after (a LogEntry's cursor), lines written since that one are replayed first.",
    args: { filter: t.arg({ type: LogFilterInput, description: 'Which lines; all of them when omitted.' }), after: t.arg.string({ description: "A LogEntry's cursor: replay the lines written since it first." }) },
    subscribe: (_root, args, ctx) => logStream(ctx, toLogFilter(args.filter), args.after ? cursorArg(args.after, 'after') : undefined),
    resolve: (entry) => entry as unknown as LogEntry,
  }),
);
