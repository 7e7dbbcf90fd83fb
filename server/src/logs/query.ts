// Reading logs: the filters of the Logs Explorer, newest first, with keyset cursors on
// (createdAt, id) — stable under concurrent inserts, no OFFSET. Every query is scoped to one
// tenant; the composite indexes in the schema lead with tenantId.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { LogEntry } from '../generated/prisma/client.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import { ValidationError } from '../errors.ts';

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
  if (!m) throw new ValidationError([{ path: 'after', message: 'is not a valid cursor' }]);
  return { createdAt: new Date(Number(m[1])), id: m[2]! };
}

export function logWhere(tenantId: string, filter: LogFilter): Prisma.LogEntryWhereInput {
  const where: Prisma.LogEntryWhereInput = { tenantId };
  if (filter.workflowId) where.workflowId = filter.workflowId;
  if (filter.executionId) where.executionId = filter.executionId;
  if (filter.levels?.length) where.level = { in: filter.levels };
  if (filter.since || filter.until) {
    where.createdAt = { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) };
  }
  const words = filter.search?.trim().split(/\s+/).filter(Boolean) ?? [];
  if (words.length) where.AND = words.map((w) => ({ message: { contains: w, mode: 'insensitive' as const } }));
  return where;
}

export interface LogPage {
  entries: LogEntry[];
  hasNextPage: boolean;
}

/** One page, newest first, strictly after `after` in that order. */
export async function queryLogs(db: PrismaClient, tenantId: string, filter: LogFilter, { first = 100, after }: { first?: number; after?: string | null } = {}): Promise<LogPage> {
  if (!Number.isInteger(first) || first < 0 || first > 1000) throw new ValidationError([{ path: 'first', message: 'must be from 0 to 1000' }]);
  const where = logWhere(tenantId, filter);
  if (after) {
    const c = decodeLogCursor(after);
    where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
  }
  const rows = await db.logEntry.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: first + 1 });
  return { entries: rows.slice(0, first), hasNextPage: rows.length > first };
}
