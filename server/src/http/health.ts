import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Redis } from 'ioredis';
import { migrationsApplied } from '../migrate.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: { database: boolean; redis: boolean; migrations: boolean };
}

/** /readyz: the process can serve (database and Redis answer, every migration is applied). */
export async function checkReadiness(db: PrismaClient, redis: Redis): Promise<ReadinessReport> {
  const withTimeout = <T>(p: Promise<T>, ms = 2_000) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
  const [database, redisOk, migrations] = await Promise.all([
    withTimeout(db.$queryRawUnsafe('SELECT 1')).then(() => true, () => false),
    withTimeout(redis.ping()).then((r) => r === 'PONG', () => false),
    withTimeout(migrationsApplied((sql) => db.$queryRawUnsafe(sql))).catch(() => false),
  ]);
  const checks = { database, redis: redisOk, migrations };
  return { ready: database && redisOk && migrations, checks };
}
