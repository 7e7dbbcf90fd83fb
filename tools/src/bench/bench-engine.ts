// Engine throughput and latency, beside raw BullMQ as the ceiling, in one run on one machine.
// The engine's step is a no-op, so what is measured is the engine itself: the execution row,
// the job, the RUNNING/COMPLETED transitions, the StepRun and the published events.
// Each engine figure is set against the raw BullMQ run of the same shape: running a pre-filled
// queue against a pre-filled queue; triggering and running at once against adding (one job per
// call, from the same number of concurrent callers) and processing at once; and both again with
// the worker in a process of its own, as the api and worker roles are deployed. Beside each
// figure: the CPU it cost per job or run in PostgreSQL, Node and Redis (bench-cpu.ts), which is
// what decides the ratio on a machine whose cores all three share.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { metric, percentile } from './bench-metrics.ts';
import { measureCpu, type CpuUse } from './bench-cpu.ts';
import { Queue, Worker } from 'bullmq';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { eventTopics, type ExecutionEvent } from '../../../server/src/events.ts';
import { triggerExecution, type EngineDeps } from '../../../server/src/engine/executions.ts';
import { bullPrefix, createQueues, subscribeWhenReady } from '../../../server/src/engine/queues.ts';
import { RunWorker } from '../../../server/src/engine/run-worker.ts';
import { reconcileWorkflowSchedule, ScheduleWorker } from '../../../server/src/engine/scheduler.ts';
import { StepRegistry } from '../../../server/src/engine/steps/registry.ts';
import type { BenchEnv } from './bench-env.ts';
import { noopStep, RAW_QUEUE, REDIS_PREFIX, WORKER_CONCURRENCY } from './bench-engine-shared.ts';

const RAW_JOBS = 20_000;
/**
 * The whole-engine figure and its ceiling are measured as this many pairs, one right after the
 * other, and the median pair is reported: this machine's speed drifts by a third between runs a
 * minute apart, which would otherwise land on the ratio.
 */
const PAIRS = 3;
/** A second worker concurrency for the run-only phase: the engine waits on round trips, raw BullMQ on the CPU. */
const HIGH_CONCURRENCY = 200;
const ENGINE_RUNS = Number(process.env.BENCH_ENGINE_RUNS ?? 5_000);
/** Concurrent callers that trigger runs (or add raw jobs), one at a time each, like api requests. */
const PRODUCERS = 20;
const LATENCY_RATE_PER_S = 100;
const LATENCY_SECONDS = 3;
const SCHEDULED_WORKFLOWS = 20;
const SCHEDULE_SECONDS = 6;

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

/** The worker half in a process of its own (bench-engine-worker.ts); resolves once it takes jobs. */
async function workerProcess(env: BenchEnv, args: string[]): Promise<{ child: ChildProcess; line(text: string): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'bench-engine-worker.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl },
  });
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) if (out.includes(`${w.text}\n`)) w.resolve();
  });
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.includes(`${text}\n`)) return resolve();
      waiters.push({ text, resolve });
      child.once('exit', (code) => reject(new Error(`bench worker exited with ${code} before "${text}"`)));
    });
  await line('ready');
  return { child, line };
}

interface Phase {
  rate: number;
  cpu: CpuUse;
}

/** Raw BullMQ with the queue filled first (addBulk): the worker's ceiling. */
async function rawPrefilled(env: BenchEnv, concurrency: number): Promise<Phase> {
  const redisUrl = env.redisUrl;
  const connection = createRedis(redisUrl);
  const queue = new Queue(RAW_QUEUE, { connection, prefix: bullPrefix(REDIS_PREFIX) });
  for (let i = 0; i < RAW_JOBS; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, RAW_JOBS - i) }, () => ({ name: 'noop', data: {}, opts: { removeOnComplete: true } })));
  }
  let done = 0;
  const cpu = measureCpu({ ...env.pids, node: () => [process.pid] });
  const t0 = performance.now();
  const workerConnection = createRedis(redisUrl);
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(RAW_QUEUE, async () => null, { connection: workerConnection, prefix: bullPrefix(REDIS_PREFIX), concurrency });
    worker.on('completed', () => {
      if (++done === RAW_JOBS) void worker.close().then(resolve);
    });
  });
  await finished;
  const rate = RAW_JOBS / ((performance.now() - t0) / 1000);
  const used = cpu(RAW_JOBS);
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return { rate, cpu: used };
}

/** Raw BullMQ with PRODUCERS callers adding one job per call while the worker runs: the ceiling of triggering and running at once. */
async function rawAddAndProcess(env: BenchEnv, workerApart: boolean): Promise<Phase> {
  const connection = createRedis(env.redisUrl);
  const queue = new Queue(RAW_QUEUE, { connection, prefix: bullPrefix(REDIS_PREFIX) });
  let finished: Promise<void>;
  let stopWorker = async () => {};
  const nodePids = [process.pid];
  if (workerApart) {
    const w = await workerProcess(env, ['raw', String(RAW_JOBS)]);
    nodePids.push(w.child.pid!);
    finished = w.line('done');
    stopWorker = async () => void (await new Promise((r) => (w.child.exitCode === null ? w.child.once('exit', r) : r(null))));
  } else {
    const workerConnection = createRedis(env.redisUrl);
    let done = 0;
    finished = new Promise<void>((resolve) => {
      const worker = new Worker(RAW_QUEUE, async () => null, { connection: workerConnection, prefix: bullPrefix(REDIS_PREFIX), concurrency: WORKER_CONCURRENCY });
      worker.on('completed', () => {
        if (++done === RAW_JOBS) void worker.close().then(() => workerConnection.disconnect()).then(resolve);
      });
    });
  }
  const cpu = measureCpu({ ...env.pids, node: () => nodePids });
  const t0 = performance.now();
  await pool(Array.from({ length: RAW_JOBS }), PRODUCERS, () => queue.add('noop', {}, { removeOnComplete: true }));
  await finished;
  const rate = RAW_JOBS / ((performance.now() - t0) / 1000);
  const used = cpu(RAW_JOBS);
  await stopWorker();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  return { rate, cpu: used };
}

export async function benchEngine(env: BenchEnv): Promise<void> {
  const db = createDb(env.databaseUrl, Math.min(90, WORKER_CONCURRENCY + 20));
  const redis = createRedis(env.redisUrl);
  const connect = () => createRedis(env.redisUrl);
  const redisPrefix = REDIS_PREFIX;
  const queues = createQueues(redis, redisPrefix);
  const deps: EngineDeps = { db, redis, queues, redisPrefix };
  const logger = createLogger('error');
  const logSink = { log: () => {} };

  const here = () => [process.pid];
  env.say(`raw BullMQ: ${RAW_JOBS} no-op jobs, concurrency ${WORKER_CONCURRENCY}: pre-filled and with the worker apart; pre-filled at ${HIGH_CONCURRENCY} and at 1…`);
  const raw = await rawPrefilled(env, WORKER_CONCURRENCY);
  const rawApart = await rawAddAndProcess(env, true);
  const rawHigh = await rawPrefilled(env, HIGH_CONCURRENCY);
  // BullMQ's default concurrency: the "about 5,000/s on this machine" the engine issue quotes as
  // the ceiling matches this figure, not the ones measured at the engine's own concurrency.
  const rawSingle = await rawPrefilled(env, 1);

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
  const newRunWorker = (concurrency: number) =>
    new RunWorker({
      db, redis, redisPrefix, registry: new StepRegistry().register(noopStep), logSink, logger, driftWarnMs: 60_000,
      concurrency, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 5000, connect,
    });
  const runWorker = newRunWorker(WORKER_CONCURRENCY);
  /** Runs `n` pre-triggered runs with `worker` started on the full queue. */
  const runOnly = async (worker: RunWorker, n: number): Promise<Phase> => {
    const target = completedEvents + n;
    const cpu = measureCpu({ ...env.pids, node: here });
    const t0 = performance.now();
    await worker.start();
    await waitCompleted(target);
    return { rate: n / ((performance.now() - t0) / 1000), cpu: cpu(n) };
  };

  // 1. Runs only: rows and jobs exist, the worker starts on a full queue.
  env.say(`engine: ${ENGINE_RUNS} pre-triggered runs…`);
  let cpu = measureCpu({ ...env.pids, node: here });
  let t = performance.now();
  await pool(Array.from({ length: ENGINE_RUNS }), PRODUCERS, trigger);
  const triggerOnly: Phase = { rate: ENGINE_RUNS / ((performance.now() - t) / 1000), cpu: cpu(ENGINE_RUNS) };
  const run = await runOnly(runWorker, ENGINE_RUNS);

  // 2. The whole engine: triggering and running at the same time, each time right after its ceiling.
  env.say(`engine: ${PAIRS} × (raw BullMQ add while processing, then ${ENGINE_RUNS} runs triggered while the worker runs)…`);
  const pairs: { raw: Phase; engine: Phase }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const rawPhase = await rawAddAndProcess(env, false);
    const target = completedEvents + ENGINE_RUNS;
    cpu = measureCpu({ ...env.pids, node: here });
    t = performance.now();
    await pool(Array.from({ length: ENGINE_RUNS }), PRODUCERS, trigger);
    await waitCompleted(target);
    pairs.push({ raw: rawPhase, engine: { rate: ENGINE_RUNS / ((performance.now() - t) / 1000), cpu: cpu(ENGINE_RUNS) } });
  }
  const byRatio = [...pairs].sort((a, b) => a.engine.rate / a.raw.rate - b.engine.rate / b.raw.rate);
  const { raw: rawAdd, engine: e2e } = byRatio[Math.floor(PAIRS / 2)]!;

  // 3. Trigger-to-start latency at a steady rate well under saturation.
  env.say(`engine: latency at ${LATENCY_RATE_PER_S} triggers/s for ${LATENCY_SECONDS} s…`);
  const ids: string[] = [];
  const latencyTarget = completedEvents + LATENCY_RATE_PER_S * LATENCY_SECONDS;
  const paced: Promise<unknown>[] = [];
  for (let i = 0; i < LATENCY_RATE_PER_S * LATENCY_SECONDS; i++) {
    paced.push(trigger().then((r) => ids.push(r.execution.id)));
    await new Promise((r) => setTimeout(r, 1000 / LATENCY_RATE_PER_S));
  }
  await Promise.all(paced);
  await waitCompleted(latencyTarget);
  const rows = await db.workflowExecution.findMany({ where: { id: { in: ids } }, select: { createdAt: true, startedAt: true } });
  const triggerToStart = rows.map((r) => r.startedAt!.getTime() - r.createdAt.getTime());

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
  const slotToStart = fired.map((r) => r.driftMs!);
  const slotToRow = fired.map((r) => r.createdAt.getTime() - r.scheduledFor!.getTime());
  const missed = (await db.workflow.aggregate({ where: { id: { in: scheduled.map((w) => w.id) } }, _sum: { missedSlots: true } }))._sum.missedSlots ?? 0;

  await runWorker.stop();

  // 5. Runs only again, with more runs in flight per worker.
  env.say(`engine: ${ENGINE_RUNS} pre-triggered runs at concurrency ${HIGH_CONCURRENCY}…`);
  await pool(Array.from({ length: ENGINE_RUNS }), PRODUCERS, trigger);
  const highWorker = newRunWorker(HIGH_CONCURRENCY);
  const runHigh = await runOnly(highWorker, ENGINE_RUNS);
  await highWorker.stop();

  // 6. The whole engine as deployed: this process triggers (the api role), another runs.
  env.say(`engine: ${ENGINE_RUNS} runs triggered here and run by a worker process…`);
  const apart = await workerProcess(env, ['engine']);
  const before = completedEvents;
  cpu = measureCpu({ ...env.pids, node: () => [process.pid, apart.child.pid!] });
  t = performance.now();
  await pool(Array.from({ length: ENGINE_RUNS }), PRODUCERS, trigger);
  await waitCompleted(before + ENGINE_RUNS);
  const whole: Phase = { rate: ENGINE_RUNS / ((performance.now() - t) / 1000), cpu: cpu(ENGINE_RUNS) };
  apart.child.kill('SIGTERM');
  await new Promise((r) => apart.child.once('exit', r));

  subscriber.disconnect();
  for (const q of [queues.runs, queues.schedules]) await q.obliterate({ force: true });
  await queues.close();
  redis.disconnect();
  await db.$disconnect();

  const fmt = (n: number) => n.toFixed(0);
  const pct = (n: number, of: number) => `${fmt((100 * n) / of)}%`;
  const throughput: [string, Phase, Phase | undefined][] = [
    [`raw BullMQ: pre-filled queue, worker only (${RAW_JOBS})`, raw, undefined],
    [`raw BullMQ: add one job per call while processing (${RAW_JOBS}, median pair)`, rawAdd, undefined],
    [`raw BullMQ: the same, worker in its own process (${RAW_JOBS})`, rawApart, undefined],
    [`raw BullMQ: pre-filled queue, concurrency ${HIGH_CONCURRENCY} (${RAW_JOBS})`, rawHigh, undefined],
    [`raw BullMQ: pre-filled queue, concurrency 1, BullMQ's default (${RAW_JOBS})`, rawSingle, undefined],
    [`engine: trigger only (row + job + event, ${ENGINE_RUNS})`, triggerOnly, undefined],
    [`engine: run only, pre-triggered (${ENGINE_RUNS})`, run, raw],
    [`engine: trigger + run, one process (${ENGINE_RUNS}, median pair)`, e2e, rawAdd],
    [`engine: trigger + run, worker in its own process (${ENGINE_RUNS})`, whole, rawApart],
    [`engine: run only, concurrency ${HIGH_CONCURRENCY} (${ENGINE_RUNS})`, runHigh, rawHigh],
  ];
  console.log(`\nEngine benchmark (worker concurrency ${WORKER_CONCURRENCY} unless stated, ${PRODUCERS} concurrent producers, ${new Date().toISOString()})\n`);
  console.log(
    table([
      ['throughput', 'per second', 'of its raw ceiling', 'CPU µs/item: PostgreSQL', 'Node', 'Redis', 'machine busy'],
      ...throughput.map(([label, p, ceiling]) => [
        label, fmt(p.rate), ceiling ? pct(p.rate, ceiling.rate) : '', fmt(p.cpu.postgres), fmt(p.cpu.node), fmt(p.cpu.redis), `${fmt(100 * p.cpu.machineBusy)}%`,
      ]),
    ]),
  );
  console.log(
    `\nwhole engine in one process against raw BullMQ added while processing, pair by pair (the median pair is in the table): ${pairs
      .map((p) => `${fmt(p.engine.rate)}/${fmt(p.raw.rate)} = ${pct(p.engine.rate, p.raw.rate)}`)
      .join(', ')}`,
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
  metric('engine', 'raw BullMQ no-op jobs, pre-filled', raw.rate, '/s', 'higher');
  metric('engine', 'raw BullMQ no-op jobs, added while processing', rawAdd.rate, '/s', 'higher');
  metric('engine', 'raw BullMQ no-op jobs, worker apart', rawApart.rate, '/s', 'higher');
  metric('engine', `raw BullMQ no-op jobs, pre-filled, concurrency ${HIGH_CONCURRENCY}`, rawHigh.rate, '/s', 'higher');
  metric('engine', 'raw BullMQ no-op jobs, pre-filled, concurrency 1', rawSingle.rate, '/s', 'higher');
  metric('engine', 'run only, pre-triggered', run.rate, '/s', 'higher');
  metric('engine', 'run only, % of raw pre-filled', (100 * run.rate) / raw.rate, '%', 'higher');
  metric('engine', 'whole engine, no-op step', e2e.rate, '/s', 'higher');
  metric('engine', 'whole engine, % of raw added while processing', (100 * e2e.rate) / rawAdd.rate, '%', 'higher');
  metric('engine', 'whole engine, worker apart', whole.rate, '/s', 'higher');
  metric('engine', 'whole engine apart, % of raw apart', (100 * whole.rate) / rawApart.rate, '%', 'higher');
  metric('engine', `run only, concurrency ${HIGH_CONCURRENCY}`, runHigh.rate, '/s', 'higher');
  metric('engine', `run only, concurrency ${HIGH_CONCURRENCY}, % of raw at ${HIGH_CONCURRENCY}`, (100 * runHigh.rate) / rawHigh.rate, '%', 'higher');
  metric('engine', 'whole engine, CPU µs per run (PostgreSQL + Node + Redis)', e2e.cpu.postgres + e2e.cpu.node + e2e.cpu.redis, 'µs', 'lower');
  metric('engine', 'raw add while processing, CPU µs per job (Node + Redis)', rawAdd.cpu.node + rawAdd.cpu.redis, 'µs', 'lower');
  metric('engine', 'trigger → start p99', percentile(triggerToStart, 99), 'ms', 'lower');
  metric('engine', 'slot → start p99', percentile(slotToStart, 99), 'ms', 'lower');
}
