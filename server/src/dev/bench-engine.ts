// Engine throughput and latency, beside raw BullMQ as the ceiling, in one run on one machine.
// The engine's step is a no-op, so what is measured is the engine itself: the execution row,
// the job, the RUNNING/COMPLETED transitions, the StepRun and the published events.
import { metric } from './bench-metrics.ts';
import { Queue, Worker } from 'bullmq';
import { createDb } from '../db.ts';
import { createRedis } from '../redis.ts';
import { createLogger } from '../logger.ts';
import { eventTopics, type ExecutionEvent } from '../events.ts';
import { triggerExecution, type EngineDeps } from '../engine/executions.ts';
import { bullPrefix, createQueues, subscribeWhenReady } from '../engine/queues.ts';
import { RunWorker } from '../engine/run-worker.ts';
import { reconcileWorkflowSchedule, ScheduleWorker } from '../engine/scheduler.ts';
import { StepRegistry } from '../engine/steps/registry.ts';
import type { StepRunner } from '../engine/steps/types.ts';
import type { BenchEnv } from './bench.ts';

const RAW_JOBS = 20_000;
const ENGINE_RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 3_000);
const WORKER_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const LATENCY_RATE_PER_S = 100;
const LATENCY_SECONDS = 3;
const SCHEDULED_WORKFLOWS = 20;
const SCHEDULE_SECONDS = 6;

/** Registered under `log` (definitions only name known types); does nothing. */
const noop: StepRunner = { type: 'log', retrySafe: true, run: async () => null };

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function rawBullmq(redisUrl: string): Promise<number> {
  const connection = createRedis(redisUrl);
  const queue = new Queue('raw', { connection, prefix: bullPrefix('bench') });
  for (let i = 0; i < RAW_JOBS; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, RAW_JOBS - i) }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
  }
  let done = 0;
  const t0 = performance.now();
  const workerConnection = createRedis(redisUrl);
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker('raw', async () => null, { connection: workerConnection, prefix: bullPrefix('bench'), concurrency: WORKER_CONCURRENCY });
    worker.on('completed', () => {
      if (++done === RAW_JOBS) void worker.close().then(resolve);
    });
  });
  await finished;
  const rate = RAW_JOBS / ((performance.now() - t0) / 1000);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return rate;
}

export async function benchEngine(env: BenchEnv): Promise<void> {
  const db = createDb(env.databaseUrl, Math.min(90, WORKER_CONCURRENCY + 20));
  const redis = createRedis(env.redisUrl);
  const connect = () => createRedis(env.redisUrl);
  const redisPrefix = 'bench';
  const queues = createQueues(redis, redisPrefix);
  const deps: EngineDeps = { db, redis, queues, redisPrefix };
  const logger = createLogger('error');
  const logSink = { log: () => {} };

  env.say(`raw BullMQ: ${RAW_JOBS} no-op jobs, concurrency ${WORKER_CONCURRENCY}…`);
  const rawRate = await rawBullmq(env.redisUrl);

  const tenant = await db.tenant.create({ data: { name: 'Bench', slug: `bench-${Date.now()}` } });
  const workflow = await db.workflow.create({ data: { tenantId: tenant.id, name: 'noop', definition: { steps: [{ type: 'log', config: { message: 'noop' } }] } } });
  const subscriber = connect();
  let completedEvents = 0;
  let onCompleted: (() => void) | undefined;
  await subscribeWhenReady(subscriber, `${eventTopics(redisPrefix).executions}:${tenant.id}`);
  subscriber.on('message', (_c: string, m: string) => {
    if ((JSON.parse(m) as ExecutionEvent).status === 'COMPLETED') {
      completedEvents++;
      onCompleted?.();
    }
  });
  const waitCompleted = (target: number) =>
    new Promise<void>((resolve) => {
      onCompleted = () => completedEvents >= target && resolve();
      onCompleted();
    });
  const trigger = () => triggerExecution(deps, { tenantId: tenant.id, workflowId: workflow.id, trigger: 'API' });
  const runWorker = new RunWorker({
    db, redis, redisPrefix, registry: new StepRegistry().register(noop), logSink, logger, driftWarnMs: 60_000,
    concurrency: WORKER_CONCURRENCY, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 5000, connect,
  });

  // 1. Runs only: rows and jobs exist, the worker starts on a full queue.
  env.say(`engine: ${ENGINE_RUNS} pre-triggered runs…`);
  let t = performance.now();
  await pool(Array.from({ length: ENGINE_RUNS }), 20, trigger);
  const triggerRate = ENGINE_RUNS / ((performance.now() - t) / 1000);
  t = performance.now();
  await runWorker.start();
  await waitCompleted(ENGINE_RUNS);
  const runRate = ENGINE_RUNS / ((performance.now() - t) / 1000);

  // 2. The whole engine: triggering and running at the same time.
  env.say(`engine: ${ENGINE_RUNS} runs triggered while the worker runs…`);
  t = performance.now();
  await pool(Array.from({ length: ENGINE_RUNS }), 20, trigger);
  await waitCompleted(2 * ENGINE_RUNS);
  const e2eRate = ENGINE_RUNS / ((performance.now() - t) / 1000);

  // 3. Trigger-to-start latency at a steady rate well under saturation.
  env.say(`engine: latency at ${LATENCY_RATE_PER_S} triggers/s for ${LATENCY_SECONDS} s…`);
  const ids: string[] = [];
  const paced: Promise<unknown>[] = [];
  for (let i = 0; i < LATENCY_RATE_PER_S * LATENCY_SECONDS; i++) {
    paced.push(trigger().then((r) => ids.push(r.execution.id)));
    await new Promise((r) => setTimeout(r, 1000 / LATENCY_RATE_PER_S));
  }
  await Promise.all(paced);
  await waitCompleted(2 * ENGINE_RUNS + ids.length);
  const rows = await db.workflowExecution.findMany({ where: { id: { in: ids } }, select: { createdAt: true, startedAt: true } });
  const triggerToStart = rows.map((r) => r.startedAt!.getTime() - r.createdAt.getTime()).sort((a, b) => a - b);

  // 4. Slot-to-start: every-second schedules through BullMQ job schedulers and the schedule worker.
  env.say(`engine: ${SCHEDULED_WORKFLOWS} every-second schedules for ${SCHEDULE_SECONDS} s…`);
  const scheduled = await Promise.all(
    Array.from({ length: SCHEDULED_WORKFLOWS }, (_, i) =>
      db.workflow.create({ data: { tenantId: tenant.id, name: `tick ${i}`, schedule: '* * * * * *', timezone: 'UTC', definition: { steps: [{ type: 'log', config: { message: 'tick' } }] } } }),
    ),
  );
  const scheduleWorker = new ScheduleWorker({ ...deps, logger, logSink, misfireGraceMs: 60_000, stalledIntervalMs: 30_000, lockDurationMs: 30_000, connect });
  await scheduleWorker.start();
  await new Promise((r) => setTimeout(r, SCHEDULE_SECONDS * 1000));
  for (const wf of scheduled) {
    await db.workflow.update({ where: { id: wf.id }, data: { enabled: false } });
    await reconcileWorkflowSchedule(deps, wf.id);
  }
  await scheduleWorker.stop();
  await new Promise((r) => setTimeout(r, 500));
  const fired = await db.workflowExecution.findMany({
    where: { workflowId: { in: scheduled.map((w) => w.id) }, driftMs: { not: null } },
    select: { driftMs: true, createdAt: true, scheduledFor: true },
  });
  const slotToStart = fired.map((r) => r.driftMs!).sort((a, b) => a - b);
  const slotToRow = fired.map((r) => r.createdAt.getTime() - r.scheduledFor!.getTime()).sort((a, b) => a - b);
  const missed = (await db.workflow.aggregate({ where: { id: { in: scheduled.map((w) => w.id) } }, _sum: { missedSlots: true } }))._sum.missedSlots ?? 0;

  await runWorker.stop();
  subscriber.disconnect();
  for (const q of [queues.runs, queues.schedules]) await q.obliterate({ force: true });
  await queues.close();
  redis.disconnect();
  await db.$disconnect();

  const fmt = (n: number) => n.toFixed(0);
  console.log(`\nEngine benchmark (worker concurrency ${WORKER_CONCURRENCY}, one process, ${new Date().toISOString()})\n`);
  console.log(
    table([
      ['throughput', 'per second', '% of raw BullMQ'],
      [`raw BullMQ no-op jobs (${RAW_JOBS}, pre-filled queue) — ceiling`, fmt(rawRate), '100%'],
      [`engine: trigger only (row + job + event, ${ENGINE_RUNS})`, fmt(triggerRate), `${fmt((100 * triggerRate) / rawRate)}%`],
      [`engine: run only (pre-triggered, ${ENGINE_RUNS})`, fmt(runRate), `${fmt((100 * runRate) / rawRate)}%`],
      [`engine: trigger + run, whole engine (${ENGINE_RUNS})`, fmt(e2eRate), `${fmt((100 * e2eRate) / rawRate)}%`],
    ]),
  );
  console.log();
  console.log(
    table([
      ['latency (ms)', 'samples', 'p50', 'p95', 'p99', 'max'],
      [`trigger → start at ${LATENCY_RATE_PER_S}/s`, String(triggerToStart.length), ...[50, 95, 99, 100].map((p) => fmt(percentile(triggerToStart, p)))],
      ['slot → execution row (fire handled)', String(slotToRow.length), ...[50, 95, 99, 100].map((p) => fmt(percentile(slotToRow, p)))],
      ['slot → start (driftMs)', String(slotToStart.length), ...[50, 95, 99, 100].map((p) => fmt(percentile(slotToStart, p)))],
    ]),
  );
  console.log(`\nscheduled slots missed: ${missed}; expected fires ≈ ${SCHEDULED_WORKFLOWS * SCHEDULE_SECONDS}, got ${slotToStart.length}\n`);
  metric('engine', 'raw BullMQ no-op jobs', rawRate, '/s', 'higher');
  metric('engine', 'whole engine, no-op step', e2eRate, '/s', 'higher');
  metric('engine', 'whole engine, % of raw BullMQ', (100 * e2eRate) / rawRate, '%', 'higher');
  metric('engine', 'trigger → start p99', percentile(triggerToStart, 99), 'ms', 'lower');
  metric('engine', 'slot → start p99', percentile(slotToStart, 99), 'ms', 'lower');
}
