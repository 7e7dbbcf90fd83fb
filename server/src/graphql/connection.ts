// Keyset pagination for every list: rows are ordered newest first by (sortField, id) or by id
// alone (ids are UUIDv7, so id order is creation order), and a cursor is the key of its row.
// A page is "rows strictly past the cursor's key", so inserts and deletes elsewhere in the
// list never shift a page: no OFFSET, no repeats, no gaps. Cursors are opaque base64url.
import { GraphQLError } from 'graphql';

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A row's position: the value it is ordered by (absent when ordered by id alone) and its id. */
export interface Key {
  sort?: Date;
  id: string;
}

export interface KeysetOptions<T> {
  /** Tag inside the cursor so a cursor of one list is refused by another. */
  kind: string;
  args: PageArgs;
  /** Prisma field the list is ordered by before id; omit to order by id only. */
  sortField?: string;
  keyOf: (row: T) => Key;
  defaultSize?: number;
  maxSize?: number;
  /** Rows after `where` (a Prisma where on the key), in `direction`, at most `take`. */
  fetch: (page: { where: Record<string, unknown>; orderBy: Record<string, 'asc' | 'desc'>[]; take: number }) => Promise<T[]>;
  count: () => Promise<number>;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * totalCount of the lists that grow without bound (executions, logs, deliveries, synced data)
 * counts at most this many rows: an exact count reads every matching index entry, which over a
 * tenant's millions of log lines costs seconds and would let one request hold a connection that
 * long. Counting stops at the cap, so the answer costs at most a capped index range scan (tens of
 * milliseconds); the same cap as logRetentionPreview.
 */
export const TOTAL_COUNT_CAP = 100_000;
export const CAPPED_COUNT_DESCRIPTION = `Matching items, counted only when selected, up to ${TOTAL_COUNT_CAP.toLocaleString('en-US')}: a list with more reports ${TOTAL_COUNT_CAP.toLocaleString('en-US')} (narrow the filter to count exactly).`;

function badInput(path: string, message: string): GraphQLError {
  return new GraphQLError(`${path} ${message}`, { extensions: { code: 'BAD_USER_INPUT', path } });
}

export function encodeCursor(kind: string, key: Key): string {
  return Buffer.from(JSON.stringify([kind, key.sort?.getTime() ?? null, key.id])).toString('base64url');
}

function decodeCursor(kind: string, cursor: string, argName: string): Key {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Every part is checked before it reaches a query: an id that is not a UUID or a time
    // outside what a Date holds failed inside PostgreSQL as "Unexpected error.".
    if (Array.isArray(parsed) && parsed.length === 3 && parsed[0] === kind && typeof parsed[2] === 'string' && UUID.test(parsed[2]) && (parsed[1] === null || Number.isFinite(new Date(parsed[1] as number).getTime()))) {
      return { id: parsed[2], sort: parsed[1] === null ? undefined : new Date(parsed[1] as number) };
    }
  } catch {
    // fall through: any undecodable cursor gets the same answer
  }
  throw badInput(argName, 'is not a cursor of this list');
}

/** Where-clause for rows strictly before (`lt`, further down the newest-first list) or after a key. */
function beyond(sortField: string | undefined, key: Key, op: 'lt' | 'gt'): Record<string, unknown> {
  if (!sortField || !key.sort) return { id: { [op]: key.id } };
  return { OR: [{ [sortField]: { [op]: key.sort } }, { [sortField]: key.sort, id: { [op]: key.id } }] };
}

export function checkPageArgs(args: PageArgs, maxSize: number): void {
  for (const name of ['first', 'last'] as const) {
    const v = args[name];
    if (v != null && (v < 0 || v > maxSize)) throw badInput(name, `must be from 0 to ${maxSize}`);
  }
  if (args.first != null && args.last != null) throw badInput('last', 'cannot be combined with first');
}

/**
 * A first page built from the newest `first + 1` rows of one list, already in newest-first
 * order (the batched first pages of nested lists load those themselves): the same edges and
 * pageInfo as keysetConnection would give.
 */
export function firstPageOf<T>(kind: string, rows: T[], first: number, keyOf: (row: T) => Key): Omit<Connection<T>, 'totalCount'> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(kind, keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

export async function keysetConnection<T>(opts: KeysetOptions<T>): Promise<Connection<T>> {
  const { args, kind, sortField, defaultSize = 20, maxSize = 100 } = opts;
  checkPageArgs(args, maxSize);
  const after = args.after ? decodeCursor(kind, args.after, 'after') : undefined;
  const before = args.before ? decodeCursor(kind, args.before, 'before') : undefined;
  // Walking backward (last/before) reads the list in ascending order and reverses the page.
  const backward = args.last != null || (args.first == null && before !== undefined && after === undefined);
  const size = (backward ? args.last : args.first) ?? defaultSize;
  const bounds: Record<string, unknown>[] = [];
  if (after) bounds.push(beyond(sortField, after, 'lt'));
  if (before) bounds.push(beyond(sortField, before, 'gt'));
  const dir = backward ? 'asc' : 'desc';
  const orderBy = [...(sortField ? [{ [sortField]: dir } as Record<string, 'asc' | 'desc'>] : []), { id: dir } as Record<string, 'asc' | 'desc'>];
  const rows = size === 0 ? [] : await opts.fetch({ where: bounds.length ? { AND: bounds } : {}, orderBy, take: size + 1 });
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (backward) page.reverse();
  const edges = page.map((node) => ({ cursor: encodeCursor(kind, opts.keyOf(node)), node }));
  let total: Promise<number> | undefined;
  return {
    edges,
    pageInfo: {
      // The far side of the cursor we came from is known to exist without another query.
      hasNextPage: backward ? before !== undefined : more,
      hasPreviousPage: backward ? more : after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: () => (total ??= opts.count()),
  };
}
