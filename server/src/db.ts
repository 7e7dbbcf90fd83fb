import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { getConfig } from './config.ts';

export { PrismaClient };
export type Db = PrismaClient;

/** The node-postgres pool under each client createDb() made. */
const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * A Prisma client over a node-postgres pool that we own (Prisma 7 ignores pool settings in the
 * URL), so the engine's hot path can run named prepared statements on the same connections
 * (see preparedQuery). $disconnect() also ends the pool.
 */
export function createDb(url: string, poolSize = 10): PrismaClient {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection that breaks (database restart) is dropped and replaced, not fatal.
  pool.on('error', () => {});
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const disconnect = client.$disconnect.bind(client);
  Object.defineProperty(client, '$disconnect', {
    value: async () => {
      await disconnect();
      if (!pool.ended) await pool.end();
    },
  });
  pools.set(client, pool);
  return client;
}

/**
 * Runs a statement as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call, which for the engine's batched CTEs costs more than
 * executing them. Clients that createDb() did not make fall back to Prisma's raw query.
 * `text` uses $1, $2… placeholders; the row values come back as node-postgres parses them.
 */
export async function preparedQuery<T>(db: PrismaClient, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = pools.get(db);
  if (!pool) return db.$queryRawUnsafe<T[]>(text, ...values);
  const res = await pool.query<T & pg.QueryResultRow>({ name, text, values });
  return res.rows;
}

/** A write refused by a unique constraint (two requests raced for the same key or name). */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
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
