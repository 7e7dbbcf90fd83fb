// A quick latency measurement of the main list fields (not a test: it prints numbers).
// Starts private PostgreSQL and Redis under .data/api-latency, seeds one tenant with a
// realistic amount of data, runs the api role, and times sequential requests over HTTP.
//   node_modules/node/bin/node --import ./node_modules/tsx/dist/loader.mjs tools/src/bench/api-latency.ts [requests=200]
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { percentile } from './bench-metrics.ts';
import path from 'node:path';
import { removeDir, startPostgres, startRedis } from '../../../server/src/dev/services.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { loadConfig } from '../../../server/src/config.ts';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { startApp } from '../../../server/src/app.ts';
import { createApiKey } from '../../../server/src/auth/api-keys.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = path.join(root, '.data', 'api-latency');
const requests = Number(process.argv[2] ?? 200);
const SIZES = { workflows: 200, executions: 5_000, logs: 50_000 };

await removeDir(dataDir);
const pg = await startPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: false, log: () => {} });
const redisService = await startRedis({ dataDir: path.join(dataDir, 'redis'), log: () => {} });
try {
  await migrate(pg.url);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: pg.url,
    REDIS_URL: redisService.url,
    ...throwawaySecrets(),
    PORT: '0',
    FLOWDECK_ROLES: 'api',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const db = createDb(config.databaseUrl, 10);
  const redis = createRedis(config.redisUrl);
  const tenant = await db.tenant.create({ data: { name: 'Bench', slug: 'bench' } });
  const { key } = await createApiKey(db, { tenantId: tenant.id, name: 'bench', role: 'VIEWER' });
  const definition = { steps: [{ type: 'log', config: { message: 'hi' } }] };
  await db.workflow.createMany({ data: Array.from({ length: SIZES.workflows }, (_, i) => ({ tenantId: tenant.id, name: `workflow ${i}`, definition })) });
  const workflows = await db.workflow.findMany({ select: { id: true } });
  const statuses = ['COMPLETED', 'FAILED', 'RUNNING', 'PENDING', 'CANCELLED'] as const;
  for (let i = 0; i < SIZES.executions; i += 1000) {
    await db.workflowExecution.createMany({
      data: Array.from({ length: 1000 }, (_, j) => ({ tenantId: tenant.id, workflowId: workflows[(i + j) % workflows.length]!.id, workflowVersion: 1, trigger: 'SCHEDULE' as const, status: statuses[(i + j) % 5]!, stepsTotal: 3 })),
    });
  }
  const now = Date.now();
  const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
  for (let i = 0; i < SIZES.logs; i += 5000) {
    await db.logEntry.createMany({
      data: Array.from({ length: 5000 }, (_, j) => ({ tenantId: tenant.id, level: levels[(i + j) % 4]!, message: `step finished item ${i + j}`, workflowId: workflows[(i + j) % workflows.length]!.id, createdAt: new Date(now - (SIZES.logs - i - j) * 1000) })),
    });
  }
  await db.$executeRawUnsafe('ANALYZE');
  const app = await startApp({ config, db, redis, logger: createLogger('silent') });
  const url = `http://127.0.0.1:${app.port}/graphql`;
  const docs: Record<string, string> = {
    'workflows(first: 20)': '{ workflows(first: 20) { totalCount edges { cursor node { id name enabled schedule version updatedAt } } pageInfo { hasNextPage endCursor } } }',
    'executions(first: 50)': '{ executions(first: 50) { totalCount edges { cursor node { id status trigger createdAt driftMs progress { percent } workflow { id name } } } pageInfo { hasNextPage endCursor } } }',
    'logs(first: 100)': '{ logs(first: 100) { edges { cursor node { id level message workflowId createdAt } } pageInfo { hasNextPage endCursor } } }',
  };
  console.log(`seeded ${SIZES.workflows} workflows, ${SIZES.executions} executions, ${SIZES.logs} log lines; ${requests} sequential requests each after 20 warm-up`);
  for (const [name, query] of Object.entries(docs)) {
    const once = async () => {
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < requests; i++) times.push(await once());
    const pct = (p: number) => percentile(times, p).toFixed(1);
    console.log(`${name.padEnd(24)} p50 ${pct(50)} ms   p95 ${pct(95)} ms   max ${Math.max(...times).toFixed(1)} ms`);
  }
  await app.stop();
  await db.$disconnect();
  redis.disconnect();
} finally {
  await redisService.stop();
  await pg.stop();
  await removeDir(dataDir);
}
