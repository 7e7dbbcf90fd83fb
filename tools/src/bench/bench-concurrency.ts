// Concurrency limits (engine/concurrency.ts): 1,000 runs over 50 keys with keyLimit 1 (with a
// workflow-wide limit, and keys only) against
// the same 1,000 runs with no limit, on three in-process run workers: total time, the gap between
// a run of a key finishing and the next run of that key starting (p50/p95: how quickly a freed
// slot is handed on), and overlaps seen (runs of one key holding a slot at the same time: must
// be 0). Then what an unlimited workflow pays: runs/s of 5,000 no-op runs of a workflow without
// a concurrency block, set beside the same runs of a workflow with a limit no run ever reaches.
import { randomUUID } from 'node:crypto';
import { metric, percentile } from './bench-metrics.ts';
import { createDb } from '../../../server/src/db.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { createLogger } from '../../../server/src/logger.ts';
import { triggerExecution } from '../../../server/src/engine/executions.ts';
import { createQueues } from '../../../server/src/engine/queues.ts';
import { RunWorker } from '../../../server/src/engine/run-worker.ts';
import { StepRegistry } from '../../../server/src/engine/steps/registry.ts';
import type { WorkflowDefinition } from '../../../server/src/workflows/definition.ts';
import type { BenchEnv } from './bench-env.ts';
import { noopStep } from './bench-engine-shared.ts';

const RUNS = 1_000;
const KEYS = 50;
const WORKERS = 3;
const CONCURRENCY = 16;
const PRODUCERS = 20;
const COST_RUNS = Number(process.env.BENCH_CONCURRENCY_COST_RUNS ?? 5_000);

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function benchConcurrency(env: BenchEnv): Promise<void> {
  const db = createDb(env.databaseUrl, 60);
  const redis = createRedis(env.redisUrl);
  const redisPrefix = `benchconc${randomUUID().slice(0, 6)}`;
  const queues = createQueues(redis, redisPrefix);
  const logger = createLogger('error');
  const tenant = await db.tenant.create({ data: { name: 'Bench concurrency', slug: `bench-conc-${Date.now()}` } });
  const deps = { db, redis, queues, redisPrefix };
  const workers = Array.from({ length: WORKERS }, () =>
    new RunWorker({
      ...deps,
      registry: new StepRegistry().register(noopStep),
      logSink: { log: () => {} },
      logger,
      driftWarnMs: 60_000,
      concurrency: CONCURRENCY,
      stalledIntervalMs: 30_000,
      lockDurationMs: 30_000,
      drainMs: 5000,
      connect: () => createRedis(env.redisUrl),
    }),
  );
  for (const w of workers) await w.start();

  const workflow = async (name: string, concurrency?: WorkflowDefinition['concurrency']) =>
    (await db.workflow.create({ data: { tenantId: tenant.id, name, definition: { ...(concurrency ? { concurrency } : {}), steps: [{ type: 'log', config: { message: 'noop' } }] } as object } })).id;

  /** Triggers `n` runs (key k{i % KEYS}) and waits for all to finish; returns their ids and the wall time. */
  const runAll = async (workflowId: string, n: number) => {
    const t0 = performance.now();
    const ids: string[] = [];
    await pool(Array.from({ length: n }, (_, i) => i), PRODUCERS, async (i) => {
      const { execution } = await triggerExecution(deps, { tenantId: tenant.id, workflowId, trigger: 'API', context: { key: `k${i % KEYS}` } });
      ids.push(execution.id);
    });
    for (;;) {
      const done = await db.workflowExecution.count({ where: { workflowId, status: { in: ['COMPLETED', 'FAILED', 'CANCELLED'] } } });
      if (done >= n) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return { ids, ms: performance.now() - t0 };
  };

  /** A limited workflow's runs, key by key: gaps between one run finishing and the next starting, overlaps, runs not completed once. */
  async function lines(workflowId: string) {
    const rows = await db.workflowExecution.findMany({ where: { workflowId }, select: { status: true, concurrencyKey: true, startedAt: true, finishedAt: true, attempts: true } });
    const byKey = new Map<string, typeof rows>();
    for (const r of rows) byKey.set(r.concurrencyKey!, [...(byKey.get(r.concurrencyKey!) ?? []), r]);
    const gaps: number[] = [];
    let overlaps = 0;
    for (const group of byKey.values()) {
      group.sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
      for (let i = 1; i < group.length; i++) {
        const gap = group[i]!.startedAt!.getTime() - group[i - 1]!.finishedAt!.getTime();
        if (gap < 0) overlaps++;
        else gaps.push(gap);
      }
    }
    gaps.sort((a, b) => a - b);
    return { gaps, overlaps, notOnce: rows.filter((r) => r.status !== 'COMPLETED' || r.attempts !== 1).length };
  }

  try {
    env.say(`concurrency: ${RUNS} runs over ${KEYS} keys, no limit…`);
    const free = await runAll(await workflow('no limit'), RUNS);
    env.say(`concurrency: ${RUNS} runs over ${KEYS} keys, keyLimit 1 with a workflow limit…`);
    const limitedId = await workflow('keyLimit 1', { limit: RUNS, key: 'input.key', keyLimit: 1 });
    const limited = { ...(await runAll(limitedId, RUNS)), ...(await lines(limitedId)) };
    env.say(`concurrency: ${RUNS} runs over ${KEYS} keys, keyLimit 1, keys only…`);
    const keysOnlyId = await workflow('keys only, keyLimit 1', { key: 'input.key', keyLimit: 1 });
    const keysOnly = { ...(await runAll(keysOnlyId, RUNS)), ...(await lines(keysOnlyId)) };

    // Where a handoff's time goes: promotion job added → picked up by a worker.
    const jobs = await queues.runs.getJobs(['completed'], 0, 20_000);
    const pickup = jobs.filter((j) => j.id?.includes('-p')).map((j) => (j.processedOn ?? 0) - j.timestamp).sort((a, b) => a - b);
    const outcomes = new Map<string, number>();
    for (const j of jobs) outcomes.set(String(j.returnvalue), (outcomes.get(String(j.returnvalue)) ?? 0) + 1);
    env.say(`concurrency: ${jobs.length} jobs ${JSON.stringify([...outcomes])}; promotion jobs ${pickup.length}${pickup.length ? `, added → picked up p50 ${percentile(pickup, 50)} ms, p95 ${percentile(pickup, 95)} ms` : ' (every run queued on the slot locks; none parked)'}`);

    env.say(`concurrency: what unlimited runs pay — ${COST_RUNS} runs without a limit, then with a limit never reached…`);
    const unlimited = await runAll(await workflow('cost: no limit'), COST_RUNS);
    const unreached = await runAll(await workflow('cost: limit never reached', { limit: 10_000 }), COST_RUNS);

    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const rate = (ms: number) => (RUNS / (ms / 1000)).toFixed(0);
    const gap = (g: number[]) => `${percentile(g, 50)} / ${percentile(g, 95)} ms`;
    console.log(`
| ${RUNS} runs over ${KEYS} keys, ${WORKERS} workers × ${CONCURRENCY} | no limit | keyLimit 1, limit ${RUNS} | keyLimit 1, keys only |
|---|---:|---:|---:|
| total time | ${fmt(free.ms)} | ${fmt(limited.ms)} | ${fmt(keysOnly.ms)} |
| runs/s | ${rate(free.ms)} | ${rate(limited.ms)} | ${rate(keysOnly.ms)} |
| next run of a key after its slot frees, p50 / p95 | – | ${gap(limited.gaps)} | ${gap(keysOnly.gaps)} |
| overlaps (two runs of one key at once) | – | ${limited.overlaps} | ${keysOnly.overlaps} |
| runs not completed exactly once | – | ${limited.notOnce} | ${keysOnly.notOnce} |

| ${COST_RUNS} no-op runs | runs/s |
|---|---:|
| workflow without a concurrency block | ${(COST_RUNS / (unlimited.ms / 1000)).toFixed(0)} |
| workflow with a limit (10,000) no run reaches | ${(COST_RUNS / (unreached.ms / 1000)).toFixed(0)} |
`);
    metric('concurrency', 'no limit: 1,000 runs over 50 keys', free.ms / 1000, 's', 'lower');
    metric('concurrency', 'keyLimit 1: 1,000 runs over 50 keys', limited.ms / 1000, 's', 'lower');
    metric('concurrency', 'keyLimit 1: next run after a slot frees p50', percentile(limited.gaps, 50), 'ms', 'lower');
    metric('concurrency', 'keyLimit 1: next run after a slot frees p95', percentile(limited.gaps, 95), 'ms', 'lower');
    metric('concurrency', 'keyLimit 1: overlaps observed', limited.overlaps, 'runs', 'lower');
    metric('concurrency', 'keyLimit 1: runs not completed exactly once', limited.notOnce, 'runs', 'lower');
    metric('concurrency', 'keys only, keyLimit 1: 1,000 runs over 50 keys', keysOnly.ms / 1000, 's', 'lower');
    metric('concurrency', 'keys only, keyLimit 1: next run after a slot frees p95', percentile(keysOnly.gaps, 95), 'ms', 'lower');
    metric('concurrency', 'keys only, keyLimit 1: overlaps observed', keysOnly.overlaps, 'runs', 'lower');
    metric('concurrency', 'keys only, keyLimit 1: runs not completed exactly once', keysOnly.notOnce, 'runs', 'lower');
    metric('concurrency', 'unlimited workflow: no-op runs/s', COST_RUNS / (unlimited.ms / 1000), 'runs/s', 'higher');
    metric('concurrency', 'limit never reached: no-op runs/s', COST_RUNS / (unreached.ms / 1000), 'runs/s', 'higher');
  } finally {
    for (const w of workers) await w.stop();
    await queues.runs.obliterate({ force: true }).catch(() => {});
    await queues.close();
    redis.disconnect();
    await db.$disconnect();
  }
}
