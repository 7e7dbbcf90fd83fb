import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { getConfig } from './config.ts';
import { pgConnection } from './tls.ts';

export { PrismaClient };
export type Db = PrismaClient;

/** The node-postgres pool under each client createDb() made. */
const pools = new WeakMap<PrismaClient, pg.Pool>();
/** Per client: how to open its pool of generic-plan connections (see genericPlanQuery), and the pool once opened. */
const genericPools = new WeakMap<PrismaClient, { open: () => pg.Pool; pool?: pg.Pool }>();

/**
 * A Prisma client over a node-postgres pool that we own (Prisma 7 ignores pool settings in the
 * URL), so the engine's hot path can run named prepared statements on the same connections
 * (see preparedQuery). $disconnect() also ends the pool.
 */
export function createDb(url: string, poolSize = 10): PrismaClient {
  const { connectionString, ssl } = pgConnection(url);
  const pool = tolerantPool({ connectionString, ssl, max: poolSize });
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const generic: { open: () => pg.Pool; pool?: pg.Pool } = {
    // A few connections suffice: they serve only the log pages, each a millisecond or two.
    open: () => (generic.pool ??= tolerantPool({ connectionString, ssl, max: Math.max(2, Math.ceil(poolSize / 4)), options: '-c plan_cache_mode=force_generic_plan' })),
  };
  const disconnect = client.$disconnect.bind(client);
  Object.defineProperty(client, '$disconnect', {
    value: async () => {
      await disconnect();
      if (!pool.ended) await pool.end();
      if (generic.pool && !generic.pool.ended) await generic.pool.end();
    },
  });
  pools.set(client, pool);
  genericPools.set(client, generic);
  return client;
}

function tolerantPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  // An idle connection that breaks (database restart) is dropped and replaced, not fatal.
  pool.on('error', () => {});
  // So is one that is checked out but between two queries when the server terminates it: pg
  // emits that error on the client, which the pool does not listen to while it is lent out, and
  // an 'error' event without a listener ended the worker process (cluster test, PostgreSQL
  // restart). The next query on it fails, and the pool drops it when it comes back.
  pool.on('connect', (connection) => connection.on('error', () => {}));
  return pool;
}

/** How a statement's cached plan is renewed: see preparedQuery. */
const FIRST_REPLAN_AT = 50;
const MAX_REPLAN_INTERVAL = 100_000;
const planGenerations = new Map<string, { generation: number; uses: number; replanAt: number }>();
/** Per connection: the plan generation of each statement prepared on it. */
const preparedOn = new WeakMap<pg.PoolClient, Map<string, number>>();

/**
 * Runs a statement as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call, which for the engine's batched CTEs costs more than
 * executing them. Clients that createDb() did not make fall back to Prisma's raw query.
 * `text` uses $1, $2… placeholders; the row values come back as node-postgres parses them.
 *
 * A prepared statement keeps the generic plan PostgreSQL chose after its first executions, and
 * on tables that were nearly empty then, that plan is a sequential scan which grows slower as the
 * table fills: over 20,000 runs on a fresh database, a batch of step completions took 5-6 ms
 * instead of about 1 ms, and PostgreSQL spent 384-427 µs of CPU per run instead of 213-235 µs.
 * Autovacuum's ANALYZE replaces such plans only about once a minute. So each statement is
 * prepared again, under a new name, whenever this process's use of it has doubled (from 50 uses,
 * then at least every 100,000): a handful of plans over a process's life, each made against the
 * tables as they are by then.
 */
export async function preparedQuery<T>(db: PrismaClient, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRawUnsafe<T[]>(text, ...values);
  return runPrepared<T>(pool, name, text, values);
}

/**
 * preparedQuery on connections whose prepared statements always use their generic plan
 * (plan_cache_mode = force_generic_plan), for reads of the partitioned LogEntry table. Planned
 * with its values, a page of one run's lines costs PostgreSQL 0.5-5 ms of planning per time
 * window (every daily partition in the window and its indexes are considered) against 0.05-0.7 ms
 * of execution; the generic plan is made once per connection and prunes partitions when it runs
 * (measured on the load test's 10 million lines: 11 ms of planning over four windows for an old
 * run, against 1.4 ms for the generic plan's whole search). PostgreSQL would not pick the generic
 * plan by itself: its estimate counts every partition the pruning later skips. Other statements
 * keep their custom plans on the main pool, where the values matter (a rare status, a common one).
 */
export async function genericPlanQuery<T>(db: PrismaClient, name: string, text: string, values: unknown[]): Promise<T[]> {
  const generic = genericPools.get(db);
  if (!generic) return db.$queryRawUnsafe<T[]>(text, ...values);
  return runPrepared<T>(generic.open(), name, text, values);
}

async function runPrepared<T>(pool: pg.Pool, name: string, text: string, values: unknown[]): Promise<T[]> {
  let plan = planGenerations.get(name);
  if (!plan) planGenerations.set(name, (plan = { generation: 0, uses: 0, replanAt: FIRST_REPLAN_AT }));
  if (++plan.uses >= plan.replanAt) {
    plan.generation++;
    plan.replanAt = plan.uses + Math.min(plan.uses, MAX_REPLAN_INTERVAL);
  }
  const client = await pool.connect();
  try {
    let prepared = preparedOn.get(client);
    if (!prepared) preparedOn.set(client, (prepared = new Map()));
    const had = prepared.get(name);
    // node-postgres remembers which names it parsed on a connection; a new generation gets a new
    // name, and the old plan is dropped on the server.
    if (had !== undefined && had !== plan.generation) await client.query(`DEALLOCATE "${name}_${had}"`);
    prepared.set(name, plan.generation);
    const res = await client.query<T & pg.QueryResultRow>({ name: `${name}_${plan.generation}`, text, values });
    client.release();
    return res.rows;
  } catch (err) {
    // As pg's pool.query does: a connection that saw an error is not reused.
    client.release(err as Error);
    throw err;
  }
}

/** A write refused by a unique constraint (two requests raced for the same key or name). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

/** Prisma's codes for "cannot reach / lost the server / no connection free in time". */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
/** Socket errors, and PostgreSQL's connection-exception class (08) and shutdown/starting-up codes (57P01-57P03). */
const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|08\d{3}|57P0[123])$/;
const UNAVAILABLE_MESSAGES =
  /Can't reach database server|Connection terminated|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|Server has closed the connection|Client has encountered a connection error/i;

/**
 * Whether an error means PostgreSQL could not be reached or dropped the connection (a restart,
 * a failover, a network cut), as opposed to a query it refused. Such an operation may well
 * succeed once the database is back: callers retry it or hand the work back instead of
 * recording a failure (which they could not write anyway). Looks through Prisma's wrapping and
 * the driver adapter's cause chain.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  // fetch() fails with a TypeError whose cause carries the socket code: an outside API, not us.
  if (err instanceof TypeError) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof e.code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(e.code) || UNAVAILABLE_CODES.test(e.code))) return true;
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}

/**
 * Runs `op` again every `delayMs` while the database is unreachable (at most `maxMs`, or until
 * `signal` aborts), for a write whose loss would lose knowledge that exists nowhere else, such as
 * "this message was sent".
 */
export async function retryWhileDatabaseUnavailable<T>(op: () => Promise<T>, { signal, maxMs = 120_000, delayMs = 500 }: { signal?: AbortSignal; maxMs?: number; delayMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() + delayMs > deadline || signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** The node-postgres pool under a client createDb() made (diagnostics, tests, /metrics). */
export function poolOf(db: PrismaClient): pg.Pool | undefined {
  return pools.get(db);
}

let shared: PrismaClient | undefined;

/** The process-wide client, created from the configuration on first use. */
export function getDb(): PrismaClient {
  if (!shared) {
    const config = getConfig();
    shared = createDb(config.databaseUrl, config.databasePoolSize);
  }
  return shared;
}

export async function closeDb(): Promise<void> {
  const client = shared;
  shared = undefined;
  await client?.$disconnect();
}
