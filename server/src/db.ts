import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';
import { getConfig } from './config.ts';

export { PrismaClient };
export type Db = PrismaClient;

/** A Prisma client over node-postgres. Pool size is set on the pg driver (Prisma 7 ignores URL params). */
export function createDb(url: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize });
  return new PrismaClient({ adapter });
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
