// Round-trip ceilings of this machine's PostgreSQL and Redis through the clients Flowdeck uses,
// to read the engine benchmark against: an execution costs a few writes, and no engine can run
// more executions per second than PostgreSQL takes writes divided by that number.
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import type { BenchEnv } from './bench-env.ts';
/** Prints statements/s and publishes/s at concurrency 1 and 30. */
export async function benchProbe(env: BenchEnv) {
  const db = createDb(env.databaseUrl, 30);
  const redis = createRedis(env.redisUrl);
  await db.$queryRaw`SELECT 1`;
  const time = async (name: string, n: number, conc: number, fn: () => Promise<unknown>) => {
    const t = performance.now(); let i = 0;
    await Promise.all(Array.from({ length: conc }, async () => { while (i++ < n) await fn(); }));
    console.log(name, 'conc', conc, (n / ((performance.now() - t) / 1000)).toFixed(0), '/s');
  };
  await time('pg SELECT 1', 2000, 1, () => db.$queryRaw`SELECT 1`);
  await time('pg SELECT 1', 5000, 30, () => db.$queryRaw`SELECT 1`);
  const tenant = await db.tenant.create({ data: { name: 'p', slug: 'p' + Date.now() } });
  await time('pg INSERT tenant', 2000, 30, () => db.tenant.create({ data: { name: 'x', slug: 'x' + Math.random() } }));
  await time('pg UPDATE tenant', 2000, 30, () => db.$executeRaw`UPDATE "Tenant" SET name = 'y' WHERE id = ${tenant.id}::uuid`);
  await time('redis publish', 5000, 1, () => redis.publish('x', 'y'));
  await time('redis publish', 20000, 30, () => redis.publish('x', 'y'));
  await db.$disconnect(); redis.disconnect();
}
