// Stats benchmark: the aggregate queries (runStats, schedulerLag, logVolume, queueStats) over
// 1,000,000 runs (2,000,000 step runs) and 10,000,000 log lines of one tenant over 90 days, timed
// as partners call them: HTTP requests to the api role. Private PostgreSQL and Redis under
// .data/bench-stats; the seed (inserted through the rollup triggers, as the engine writes rows)
// is kept between runs and skipped when present. Also reports what the triggers cost the seed.
//   npm run bench stats            (BENCH_STATS_RUNS, BENCH_STATS_LOGS, BENCH_STATS_ITERATIONS)
import path from 'node:path';
import pg from 'pg';
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { loadConfig } from '../../../server/src/config.ts';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { startApp } from '../../../server/src/app.ts';
import { createApiKey } from '../../../server/src/auth/api-keys.ts';
import { metric, percentile } from './bench-metrics.ts';
import { seedLogs } from './bench-seed.ts';

const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 1_000_000);
const LOGS = Number(process.env.BENCH_STATS_LOGS ?? 10_000_000);
const ITERATIONS = Number(process.env.BENCH_STATS_ITERATIONS ?? 30);
const DAYS = 90;
const WORKFLOWS = 20;
const say = (s: string) => process.stdout.write(`${s}\n`);
const services: Service[] = [];

async function seed(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO "Tenant"(id, name, slug, "updatedAt") VALUES (md5('bench-stats')::uuid, 'Bench stats', 'bench-stats', now())
     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
  );
  const tenant = rows[0]!.id;
  // Workflow ids as the log seed derives them (md5('w' || n)), so lines and runs agree.
  await client.query(
    `INSERT INTO "Workflow"(id, "tenantId", name, enabled, definition, "updatedAt")
     SELECT md5('w' || n)::uuid, $1, 'bench workflow ' || n, false, '{"steps":[{"type":"log","config":{"message":"x"}}]}', now()
     FROM generate_series(0, ${WORKFLOWS - 1}) n ON CONFLICT DO NOTHING`,
    [tenant],
  );
  const [{ n: runs }] = (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "WorkflowExecution" WHERE "tenantId" = $1`, [tenant])).rows as [{ n: number }];
  const to = new Date();
  const from = new Date(to.getTime() - DAYS * 86_400_000);
  if (runs !== RUNS) {
    say(`seed: ${RUNS.toLocaleString()} runs and ${(2 * RUNS).toLocaleString()} step runs over ${DAYS} days (had ${runs.toLocaleString()})`);
    await client.query(`DELETE FROM "WorkflowExecution" WHERE "tenantId" = $1`, [tenant]);
    const chunk = 100_000;
    const t0 = performance.now();
    for (let start = 0; start < RUNS; start += chunk) {
      const end = Math.min(RUNS, start + chunk) - 1;
      // Durations: 0.1-60 s, slower for higher workflow numbers and growing over the 90 days for
      // workflow 7 (a workflow getting slower). 2 % failed, 1 % cancelled, a third scheduled.
      await client.query(
        `INSERT INTO "WorkflowExecution" ("id", "tenantId", "workflowId", "workflowVersion", "status", "trigger", "scheduledFor", "driftMs",
                                          "createdAt", "startedAt", "finishedAt", "stepsTotal", "stepsCompleted", "updatedAt")
         SELECT md5('r' || g)::uuid, $1::uuid, md5('w' || (g % ${WORKFLOWS}))::uuid, 1,
                (CASE WHEN g % 50 = 0 THEN 'FAILED' WHEN g % 97 = 0 THEN 'CANCELLED' ELSE 'COMPLETED' END)::"ExecutionStatus",
                (CASE g % 3 WHEN 0 THEN 'SCHEDULE' WHEN 1 THEN 'MANUAL' ELSE 'API' END)::"TriggerKind",
                CASE WHEN g % 3 = 0 THEN ts END, CASE WHEN g % 3 = 0 THEN ((g * 7919) % 2000 + (g % 1000) / 999 * 30000)::int END,
                ts, ts + interval '40 ms',
                ts + interval '40 ms' + (100 + (g * 104729) % 60000) * (1 + (g % ${WORKFLOWS}) / 10.0)
                     * CASE WHEN g % ${WORKFLOWS} = 7 THEN 1 + 2 * g::float8 / $4 ELSE 1 END * interval '1 ms',
                2, 2, now()
         FROM (SELECT g, $2::timestamptz + (g::float8 / $4) * ($3::timestamptz - $2::timestamptz) AS ts FROM generate_series($5::bigint, $6::bigint) g) s`,
        [tenant, from, to, RUNS, start, end],
      );
      await client.query(
        `INSERT INTO "StepRun" ("id", "tenantId", "executionId", "index", "type", "status", "attempts", "startedAt", "finishedAt", "createdAt")
         SELECT md5('s' || g || '.' || k)::uuid, $1::uuid, md5('r' || g)::uuid, k,
                (ARRAY['pos.orders.sync', 'meta.insights.sync', 'pdf.generate', 'whatsapp.send'])[1 + (g + k) % 4],
                'COMPLETED'::"StepStatus", 1, ts + k * interval '20 ms', ts + k * interval '20 ms' + (5 + (g * 31 + k) % 3000) * interval '1 ms', ts
         FROM (SELECT g, $2::timestamptz + (g::float8 / $4) * ($3::timestamptz - $2::timestamptz) AS ts FROM generate_series($5::bigint, $6::bigint) g) s,
              generate_series(0, 1) k`,
        [tenant, from, to, RUNS, start, end],
      );
      say(`  ${(end + 1).toLocaleString()} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    const ms = performance.now() - t0;
    say(`seed: runs and steps in ${(ms / 1000).toFixed(0)} s (${((ms * 1000) / (3 * RUNS)).toFixed(1)} µs per row, triggers included)`);
  }
  const [{ n: lines }] = (await client.query<{ n: number }>(`SELECT coalesce(sum(n), 0)::int AS n FROM "LogRollup" WHERE "tenantId" = $1 AND grain = 'd'`, [tenant])).rows as [{ n: number }];
  if (lines !== LOGS) {
    say(`seed: ${LOGS.toLocaleString()} log lines over ${DAYS} days (had ${lines.toLocaleString()})`);
    await client.query(`DELETE FROM "LogEntry" WHERE "tenantId" = $1`, [tenant]);
    const t0 = performance.now();
    await seedLogs(client, [tenant], { rows: LOGS, days: DAYS, chunk: 500_000, onProgress: (done, total, ms) => say(`  ${done.toLocaleString()} / ${total.toLocaleString()} lines, ${(ms / 1000).toFixed(0)} s`) });
    const ms = performance.now() - t0;
    say(`seed: log lines in ${(ms / 1000).toFixed(0)} s (${((ms * 1000) / LOGS).toFixed(1)} µs per line, triggers included)`);
  }
  await client.query('VACUUM ANALYZE');
  return tenant;
}

async function main(): Promise<void> {
  const dir = path.resolve(import.meta.dirname, '../../../.data/bench-stats');
  const [pgService, redisService] = await Promise.all([
    startPostgres({ dataDir: path.join(dir, 'postgres'), durable: false, log: () => {} }),
    startRedis({ dataDir: path.join(dir, 'redis'), log: () => {} }),
  ]);
  services.push(pgService, redisService);
  await migrate(pgService.url);
  const client = new pg.Client({ connectionString: pgService.url });
  await client.connect();
  const tenant = await seed(client);
  const execution = (await client.query<{ id: string }>(`SELECT md5('e' || 1000)::uuid AS id`)).rows[0]!.id;
  await client.end();

  const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: pgService.url, REDIS_URL: redisService.url, ...throwawaySecrets(), PORT: '0', FLOWDECK_ROLES: 'api', RATE_LIMIT_PER_MINUTE: '0' });
  const db = createDb(config.databaseUrl, 10);
  const redis = createRedis(config.redisUrl);
  const { key } = await createApiKey(db, { tenantId: tenant, name: 'bench', role: 'ADMIN' });
  const app = await startApp({ config, db, redis, logger: createLogger('silent') });
  const url = `http://127.0.0.1:${app.port}/graphql`;
  const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
  const workflow = gid('Workflow', (await db.workflow.findFirstOrThrow({ where: { tenantId: tenant, name: 'bench workflow 7' } })).id);
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const H = 3_600_000;
  const D = 24 * H;
  const EVERYTHING = `bucket buckets { start counts { pending running completed failed cancelled failureRate } } totals { total failureRate }
    workflows { workflowId name counts { total failed failureRate } duration { count p50 p95 p99 } p95Series } stepTypes { type duration { p50 p95 p99 } }`;
  const LEAN = `buckets { start counts { completed failed cancelled running pending } } totals { total failureRate } workflows { name duration { p50 p95 p99 } }`;
  const runStats = (from: string, bucket: string, fields: string, wf = false) =>
    `{ runStats(from: "${from}", bucket: ${bucket}${wf ? `, workflowId: "${workflow}"` : ''}) { ${fields} } }`;
  const logVolume = (from: string, bucket: string, filter = '') =>
    `{ logVolume(from: "${from}", bucket: ${bucket}${filter ? `, filter: { ${filter} }` : ''}) { exact buckets { start debug info warn error } totals { total } } }`;
  const shapes: [string, string][] = [
    ['runStats MINUTE 6 h, everything', runStats(ago(6 * H), 'MINUTE', EVERYTHING)],
    ['runStats HOUR 24 h, everything (Overview)', runStats(ago(24 * H), 'HOUR', EVERYTHING)],
    ['runStats HOUR 7 d, everything', runStats(ago(7 * D), 'HOUR', EVERYTHING)],
    ['runStats DAY 14 d, everything (sparklines)', runStats(ago(14 * D), 'DAY', EVERYTHING)],
    ['runStats DAY 90 d, everything', runStats(ago(90 * D), 'DAY', EVERYTHING)],
    ['runStats HOUR 7 d, lean', runStats(ago(7 * D), 'HOUR', LEAN)],
    ['runStats DAY 90 d, lean', runStats(ago(90 * D), 'DAY', LEAN)],
    ['runStats DAY 30 d, one workflow', runStats(ago(30 * D), 'DAY', EVERYTHING, true)],
    ['schedulerLag HOUR 7 d', `{ schedulerLag(from: "${ago(7 * D)}", bucket: HOUR) { buckets { start lag { count p50 p95 p99 } } overall { p95 } workflows { name lag { p95 } } } }`],
    ['logVolume MINUTE 6 h', logVolume(ago(6 * H), 'MINUTE')],
    ['logVolume HOUR 24 h', logVolume(ago(24 * H), 'HOUR')],
    ['logVolume HOUR 7 d', logVolume(ago(7 * D), 'HOUR')],
    ['logVolume DAY 90 d', logVolume(ago(90 * D), 'DAY')],
    ['logVolume DAY 90 d, workflow + WARN/ERROR', logVolume(ago(90 * D), 'DAY', `workflowId: "${workflow}", levels: [WARN, ERROR]`)],
    ['logVolume DAY 90 d, execution', logVolume(ago(90 * D), 'DAY', `executionId: "${gid('Execution', execution)}"`)],
    ['logVolume DAY 90 d, search "deadlock" (rare)', logVolume(ago(90 * D), 'DAY', 'search: "deadlock"')],
    ['logVolume DAY 90 d, search "synced" (capped)', logVolume(ago(90 * D), 'DAY', 'search: "synced"')],
    ['queueStats', '{ queueStats { pendingRuns oldestPendingAt queues { queue waiting active delayed prioritized failed oldestWaitingAt } } }'],
  ];
  say(`\n${RUNS.toLocaleString()} runs, ${(2 * RUNS).toLocaleString()} step runs, ${LOGS.toLocaleString()} log lines, ${DAYS} days, ${WORKFLOWS} workflows; ${ITERATIONS} sequential HTTP requests per shape after 3 warm-up`);
  say(`${'shape'.padEnd(48)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)}`);
  for (const [name, query] of shapes) {
    const once = async () => {
      const started = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { errors?: unknown };
      if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) times.push(await once());
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(times, p));
    say(`${name.padEnd(48)} ${p50!.toFixed(1).padStart(8)} ${p95!.toFixed(1).padStart(8)} ${p99!.toFixed(1).padStart(8)}`);
    metric('stats', `${name} p95`, p95!, 'ms', 'lower');
  }
  await app.stop();
  await db.$disconnect();
  redis.disconnect();
}

try {
  await main();
} finally {
  for (const s of services.reverse()) await s.stop();
}
