// Logs benchmark: `npx tsx src/bench/bench-logs.ts` from tools/ (or with DATABASE_URL and
// REDIS_URL to use existing servers). Starts a private PostgreSQL and Redis under
// .data/bench-logs, seeds BENCH_LOG_ROWS (default 10,000,000) log rows over 90 days and 5
// tenants inside PostgreSQL (generate_series, secondary indexes rebuilt after the load), then
// prints:
//   - p50/p95 of queryLogs for each Logs Explorer filter combination, first page and a page
//     10,000 rows deep;
//   - ingestion: lines/s through one LogService with redaction, end to end into PostgreSQL;
//   - write-to-subscriber latency (log() call → LogBatchEvent received over Redis) p50/p95.
// The seeded data is kept between runs; a run with the same row count skips the seed.
import { metric, percentile } from './bench-metrics.ts';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { createDb } from '../../../server/src/db.ts';
import { eventTopics, channel, type LogBatchEvent } from '../../../server/src/events.ts';
import { queryLogs, encodeLogCursor, type LogFilter } from '../../../server/src/logs/query.ts';
import { LogService } from '../../../server/src/logs/service.ts';
import { ensureBenchTenants, seedLogs } from './bench-seed.ts';
import { generateCorpus } from '../../../server/src/logs/corpus/generate.ts';
import { redactText } from '../../../server/src/logs/redact.ts';
import type { LogLevel } from '../../../server/src/generated/prisma/enums.ts';

const ROWS = Number(process.env.BENCH_LOG_ROWS ?? 10_000_000);
const ITERATIONS = Number(process.env.BENCH_LOG_ITERATIONS ?? 30);
const INGEST_LINES = Number(process.env.BENCH_LOG_INGEST_LINES ?? 100_000);
const DEEP = 10_000;
const say = (s: string) => process.stdout.write(`${s}\n`);
const services: Service[] = [];

const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;

async function servers(): Promise<{ databaseUrl: string; redisUrl: string }> {
  if (process.env.DATABASE_URL && process.env.REDIS_URL) return { databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL };
  const dir = path.resolve(import.meta.dirname, '../../../.data/bench-logs');
  const [p, r] = await Promise.all([
    startPostgres({ dataDir: path.join(dir, 'postgres'), durable: false, log: () => {} }),
    startRedis({ dataDir: path.join(dir, 'redis'), log: () => {} }),
  ]);
  services.push(p, r);
  return { databaseUrl: p.url, redisUrl: r.url };
}

/** Seeds when the bench tenants hold fewer rows than asked; indexes are dropped and rebuilt around the load. */
async function seed(client: pg.Client, tenants: string[]): Promise<void> {
  await client.query('ANALYZE "LogEntry"');
  const { rows } = await client.query<{ n: string }>(`SELECT coalesce(sum(c.reltuples), 0)::bigint AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"LogEntry"'::regclass`);
  const have = Number(rows[0]!.n);
  if (have >= ROWS * 0.95 && have <= ROWS * 1.05) {
    say(`seed: ${have.toLocaleString()} rows already present`);
    return;
  }
  say(`seed: loading ${ROWS.toLocaleString()} rows over 90 days, ${tenants.length} tenants (had ~${have.toLocaleString()})`);
  await client.query(`DELETE FROM "LogEntry" WHERE "tenantId" = ANY($1::uuid[])`, [tenants]);
  const { rows: defs } = await client.query<{ name: string; def: string }>(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'LogEntry' AND indexname <> 'LogEntry_pkey'`,
  );
  for (const d of defs) await client.query(`DROP INDEX "${d.name}"`);
  const t0 = performance.now();
  await seedLogs(client, tenants, { rows: ROWS, chunk: 1_000_000, onProgress: (done, total, ms) => say(`  ${done.toLocaleString()} / ${total.toLocaleString()} rows, ${(ms / 1000).toFixed(0)} s`) });
  say(`seed: rows loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s; rebuilding ${defs.length} indexes`);
  await client.query('SET maintenance_work_mem = \'512MB\'');
  for (const d of defs) {
    const t = performance.now();
    await client.query(d.def.replace(' ON ONLY ', ' ON '));
    say(`  ${d.name}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  await client.query('VACUUM ANALYZE "LogEntry"');
  say(`seed: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

async function benchQueries(databaseUrl: string, client: pg.Client, tenants: string[]): Promise<void> {
  const db = createDb(databaseUrl, 4);
  const tenant = tenants[0]!;
  // Real ids from the seed: a workflow of the tenant, and a recent execution.
  const [recent] = (await client.query<{ workflowId: string; executionId: string }>(
    `SELECT "workflowId", "executionId" FROM "LogEntry" WHERE "tenantId" = $1 ORDER BY "createdAt" DESC LIMIT 1`, [tenant])).rows;
  const day = new Date(Date.now() - 86_400_000);
  const week = new Date(Date.now() - 7 * 86_400_000);
  const combos: [string, LogFilter][] = [
    ['tenant only', {}],
    ['workflow', { workflowId: recent!.workflowId }],
    ['execution', { executionId: recent!.executionId }],
    ['level ERROR', { levels: ['ERROR'] }],
    ['levels WARN+ERROR', { levels: ['WARN', 'ERROR'] as LogLevel[] }],
    ['last 24 h', { since: day }],
    ['a week, 7-8 days ago', { since: new Date(week.getTime() - 86_400_000), until: week }],
    ['search common "synced"', { search: 'synced' }],
    ['search two words "whatsapp reminder"', { search: 'whatsapp reminder' }],
    ['search rare "deadlock"', { search: 'deadlock' }],
    ['workflow + ERROR', { workflowId: recent!.workflowId, levels: ['ERROR'] }],
    ['workflow + last 24 h', { workflowId: recent!.workflowId, since: day }],
    ['execution + search "step"', { executionId: recent!.executionId, search: 'step' }],
    ['WARN+ERROR + last 24 h', { levels: ['WARN', 'ERROR'] as LogLevel[], since: day }],
    ['ERROR + search "timed out"', { levels: ['ERROR'], search: 'timed out' }],
    ['workflow + WARN+ERROR + week + search "order"', { workflowId: recent!.workflowId, levels: ['WARN', 'ERROR'] as LogLevel[], since: week, search: 'order' }],
    ['last 24 h + search "synced"', { since: day, search: 'synced' }],
  ];
  say(`\nqueryLogs, ${ITERATIONS} runs each, first: 100 (p50 / p95); deep = the page after row ${DEEP.toLocaleString()} (or the middle of smaller results)`);
  say(`${'filter'.padEnd(48)} ${'first p50'.padStart(10)} ${'first p95'.padStart(10)} ${'deep p50'.padStart(10)} ${'deep p95'.padStart(10)}  rows`);
  for (const [name, filter] of combos) {
    // Count up to twice the depth, then walk pages of at most 1,000 (the keyset path a client
    // takes) to the deep point: row DEEP, or the middle of a smaller result.
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await queryLogs(db, tenant, filter, { first: 1000, after });
      total += page.entries.length;
      if (!page.hasNextPage || total >= DEEP * 2) break;
      after = encodeLogCursor(page.entries.at(-1)!);
    }
    const target = total > DEEP ? DEEP : Math.floor(total / 2);
    let depth = 0;
    after = undefined;
    while (depth < target) {
      const page = await queryLogs(db, tenant, filter, { first: Math.min(1000, target - depth), after });
      if (!page.entries.length) break;
      depth += page.entries.length;
      after = encodeLogCursor(page.entries.at(-1)!);
    }
    const first: number[] = [];
    const deep: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      let t = performance.now();
      await queryLogs(db, tenant, filter, { first: 100 });
      first.push(performance.now() - t);
      t = performance.now();
      await queryLogs(db, tenant, filter, { first: 100, after });
      deep.push(performance.now() - t);
    }
    metric('logs', `queryLogs ${name}: first page p95`, percentile(first, 95), 'ms', 'lower');
    metric('logs', `queryLogs ${name}: deep page p95`, percentile(deep, 95), 'ms', 'lower');
    say(`${name.padEnd(48)} ${fmt(percentile(first, 50))} ${fmt(percentile(first, 95))} ${fmt(percentile(deep, 50))} ${fmt(percentile(deep, 95))}  ${total >= DEEP * 2 ? `>${(DEEP * 2).toLocaleString()}` : total.toLocaleString()} (deep at ${depth.toLocaleString()})`);
  }
  await db.$disconnect();
}

async function benchIngestion(databaseUrl: string, redisUrl: string, tenant: string): Promise<void> {
  const db = createDb(databaseUrl, 4);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const topic = eventTopics(`bench${randomUUID().slice(0, 6)}`).logs;
  const corpus = generateCorpus(7, 2_000).map((l) => l.text);

  let t = performance.now();
  for (let i = 0; i < 20_000; i++) redactText(corpus[i % corpus.length]!);
  say(`\nredaction alone: ${Math.round(20_000 / ((performance.now() - t) / 1000)).toLocaleString()} lines/s (corpus lines, ~${Math.round(corpus.reduce((n, l) => n + l.length, 0) / corpus.length)} chars)`);

  // Sustained: producers hand lines over in slices of 1,000 and yield, as a busy worker would.
  const service = new LogService({ db, redis, topic, batchSize: 500, flushIntervalMs: 200, maxBuffered: 1_000_000 });
  const executionId = randomUUID();
  t = performance.now();
  for (let i = 0; i < INGEST_LINES; i++) {
    service.log({ tenantId: tenant, level: i % 50 ? 'INFO' : 'ERROR', message: corpus[i % corpus.length]!, metadata: { i, phone: '+63 917 555 1234' }, executionId, step: 'bench' });
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  const produced = performance.now() - t;
  await service.flush();
  const total = performance.now() - t;
  const s = service.stats();
  metric('logs', 'ingestion with redaction', INGEST_LINES / (total / 1000), 'lines/s', 'higher');
  say(`ingestion: ${INGEST_LINES.toLocaleString()} lines with redaction in ${(total / 1000).toFixed(2)} s → ${Math.round(INGEST_LINES / (total / 1000)).toLocaleString()} lines/s written (log() calls took ${(produced / 1000).toFixed(2)} s); written ${s.written}, dropped ${s.dropped}`);
  await service.stop();

  // Latency at a steady 2,000 lines/s with the default batching (500 lines / 200 ms).
  const sub = new Redis(redisUrl);
  const latencies: number[] = [];
  sub.on('message', (_c, msg) => {
    const now = Date.now();
    for (const e of (JSON.parse(msg) as LogBatchEvent).entries) latencies.push(now - Date.parse(e.createdAt));
  });
  await sub.subscribe(channel(topic, tenant));
  const live = new LogService({ db, redis, topic, batchSize: 500, flushIntervalMs: 200 });
  const rate = 2_000;
  const seconds = 5;
  const start = Date.now();
  for (let sent = 0; sent < rate * seconds; ) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    for (; sent < Math.min(due, rate * seconds); sent++) live.log({ tenantId: tenant, level: 'INFO', message: corpus[sent % corpus.length]!, step: 'latency' });
    await new Promise((r) => setTimeout(r, 5));
  }
  await live.stop();
  await new Promise((r) => setTimeout(r, 300));
  metric('logs', 'write → subscriber p95', percentile(latencies, 95), 'ms', 'lower');
  say(`write-to-subscriber latency at ${rate.toLocaleString()} lines/s (batch 500 / 200 ms): p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms over ${latencies.length.toLocaleString()} lines`);
  await sub.quit();
  redis.disconnect();
  await db.$disconnect();
}

try {
  const { databaseUrl, redisUrl } = await servers();
  await migrate(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  const tenants = await ensureBenchTenants(client, 5);
  if (!process.env.BENCH_LOG_SKIP_SEED) await seed(client, tenants);
  if (!process.env.BENCH_LOG_SKIP_QUERIES) await benchQueries(databaseUrl, client, tenants);
  await benchIngestion(databaseUrl, redisUrl, tenants[4]!);
  await client.end();
} catch (err) {
  process.exitCode = 1;
  console.error(err);
} finally {
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
