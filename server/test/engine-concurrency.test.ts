// Concurrency limits end to end on real PostgreSQL and Redis with several in-process run
// workers: per-key limits under 1,000 runs over 50 keys (never more than the limit at once, each
// run completed exactly once, FIFO per key, other keys not held up), the workflow-wide limit,
// cancelling a waiting run, and the safety nets when a slot holder's worker dies; the per-key
// cases both with a workflow-wide limit and with keys only.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cancelExecution, triggerExecution } from '../src/engine/executions.ts';
import { promoteStaleWaiting, SLOT_RECHECK_MS, takeSlot } from '../src/engine/concurrency.ts';
import { promotionEnqueuer } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { StepRegistry } from '../src/engine/steps/registry.ts';
import { createRedis } from '../src/redis.ts';
import type { WorkflowDefinition } from '../src/workflows/definition.ts';
import { validateDefinition } from '../src/workflows/definition.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { maxOverlap, probeRecords, probeStep, type ProbeRecord } from './engine-fixtures/probe-step.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
const probeRedis = createRedis();
let tenantId: string;
let workers: RunWorker[] = [];

function startWorkers(n: number, concurrency = 8, opts: { stalledIntervalMs?: number; lockDurationMs?: number } = {}) {
  const started = Array.from({ length: n }, () => {
    const w = new RunWorker({
      ...deps,
      registry: new StepRegistry().register(probeStep(probeRedis, deps.redisPrefix)),
      logSink: collectLogs(),
      logger: quietLogger,
      driftWarnMs: 5000,
      concurrency,
      // Short: BullMQ skips stalled checks for this long after any worker's last one, and the
      // crash test's rescuer must not wait for a previous test's worker's interval.
      stalledIntervalMs: opts.stalledIntervalMs ?? 1000,
      lockDurationMs: opts.lockDurationMs ?? 30_000,
      drainMs: 1000,
    });
    workers.push(w);
    return w.start();
  });
  return Promise.all(started);
}

async function workflow(definition: WorkflowDefinition) {
  expect(validateDefinition(definition)).toMatchObject({ ok: true });
  return (await db.workflow.create({ data: { tenantId, name: 'limited', definition: definition as object } })).id;
}

const trigger = (workflowId: string, key: string) => triggerExecution(deps, { tenantId, workflowId, trigger: 'API', context: { key } }).then((r) => r.execution);

async function allFinished(ids: string[], timeoutMs: number) {
  return waitFor(async () => {
    const n = await db.workflowExecution.count({ where: { id: { in: ids }, status: { in: ['COMPLETED', 'FAILED', 'CANCELLED'] } } });
    return n === ids.length;
  }, timeoutMs, `${ids.length} runs to finish`);
}

function byKey(records: ProbeRecord[]) {
  const groups = new Map<string, ProbeRecord[]>();
  for (const r of records) groups.set(r.key, [...(groups.get(r.key) ?? []), r]);
  return groups;
}

const status = (id: string) => db.workflowExecution.findUniqueOrThrow({ where: { id } });

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
});
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await probeRedis.del(`${deps.redisPrefix}:test-probe`);
});
afterAll(async () => {
  probeRedis.disconnect();
  await deps.close();
  await db.$disconnect();
});

describe('concurrency limits', () => {
  // With a workflow-wide limit (never reached here) the key's line also takes the workflow's lock;
  // keys only (no `limit`) decides under the key's lock alone (migration 20261206040000).
  it.each([
    ['with a workflow limit', { limit: 1000, key: 'input.key', keyLimit: 1 }],
    ['keys only', { key: 'input.key', keyLimit: 1 }],
  ])('1,000 runs over 50 keys, keyLimit 1, 3 workers, %s: never two of a key at once, each run once, FIFO per key', async (_mode, concurrency) => {
    await startWorkers(3, 8);
    const wf = await workflow({ concurrency, steps: [{ type: 'delay', config: { ms: 5 } }] });
    const runs = [];
    // Created in order (one await per batch keeps createdAt order within a key).
    for (let batch = 0; batch < 20; batch++) {
      runs.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => trigger(wf, `k${k}`)))));
    }
    const ids = runs.map((r) => r.id);
    await allFinished(ids, 180_000);

    const rows = await db.workflowExecution.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, attempts: true, createdAt: true, concurrencyKey: true, parkedAt: true } });
    expect(rows.filter((r) => r.status !== 'COMPLETED')).toEqual([]);
    // Marked RUNNING once each: a parked pass does not count as an attempt.
    expect(rows.filter((r) => r.attempts !== 1)).toEqual([]);
    expect(rows.filter((r) => r.parkedAt !== null)).toEqual([]);
    expect(new Set(rows.map((r) => r.concurrencyKey)).size).toBe(50);

    const records = await probeRecords(probeRedis, deps.redisPrefix);
    // Every run's step ran exactly once.
    expect(records).toHaveLength(1000);
    expect(new Set(records.map((r) => r.executionId)).size).toBe(1000);
    const groups = byKey(records);
    expect(groups.size).toBe(50);
    const order = new Map(runs.map((r, i) => [r.id, i]));
    for (const [key, group] of groups) {
      expect(maxOverlap(group), `key ${key}`).toBe(1);
      // FIFO: the key's runs ran in the order they were created.
      const ran = [...group].sort((a, b) => a.start - b.start).map((r) => order.get(r.executionId)!);
      expect(ran, `key ${key}`).toEqual([...ran].sort((a, b) => a - b));
    }
    // Keys ran side by side: far more than one run at a time overall.
    expect(maxOverlap(records)).toBeGreaterThan(5);
    // Nothing left that could run any of them again (a parking job may still be handing its job back).
    const idle = { wait: 0, active: 0, delayed: 0, prioritized: 0 };
    await waitFor(async () => JSON.stringify(await deps.queues.runs.getJobCounts('wait', 'active', 'delayed', 'prioritized')) === JSON.stringify(idle), 5000, 'the queue to empty');
  }, 240_000);

  it.each([
    ['with a workflow limit', { limit: 10, key: 'input.key' }],
    ['keys only', { key: 'input.key' }],
  ])('a busy key does not hold up another key (%s)', async (_mode, concurrency) => {
    await startWorkers(2, 4);
    const wf = await workflow({ concurrency, steps: [{ type: 'delay', config: { ms: 1500 } }] });
    const slow = await trigger(wf, 'a');
    const queued = await trigger(wf, 'a');
    await waitFor(async () => (await status(slow.id)).status === 'RUNNING', 10_000, 'a to start');
    await waitFor(async () => (await status(queued.id)).parkedAt, 10_000, 'the second a to wait');
    const other = await trigger(wf, 'b');
    await waitFor(async () => (await status(other.id)).status === 'RUNNING', 1000, 'b to start while a runs');
    expect((await status(slow.id)).status).toBe('RUNNING');
    expect((await status(queued.id)).status).toBe('PENDING');
    await allFinished([slow.id, queued.id, other.id], 15_000);
  });

  it('a workflow-wide limit without a key: at most `limit` at once, in creation order', async () => {
    await startWorkers(3, 4);
    const wf = await workflow({ concurrency: { limit: 3 }, steps: [{ type: 'delay', config: { ms: 40 } }] });
    const runs: Awaited<ReturnType<typeof trigger>>[] = [];
    for (let i = 0; i < 30; i++) runs.push(await trigger(wf, `r${i}`));
    await allFinished(runs.map((r) => r.id), 60_000);
    const rows = await db.workflowExecution.findMany({ where: { id: { in: runs.map((r) => r.id) } } });
    expect(rows.every((r) => r.status === 'COMPLETED' && r.attempts === 1 && r.concurrencyKey === '')).toBe(true);
    const records = (await probeRecords(probeRedis, deps.redisPrefix)).filter((r) => runs.some((x) => x.id === r.executionId));
    expect(records).toHaveLength(30);
    const overlap = maxOverlap(records);
    expect(overlap).toBeLessThanOrEqual(3);
    expect(overlap).toBeGreaterThanOrEqual(2);
    // Slots are handed out in creation order.
    const started = [...rows].sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.createdAt.getTime() - b.createdAt.getTime());
    const positions = started.map((r) => runs.findIndex((x) => x.id === r.id));
    for (let i = 3; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 3]!);
  });

  it('cancelling a waiting run cancels it at once; the next in line starts when the slot frees', async () => {
    await startWorkers(1, 4);
    const wf = await workflow({ concurrency: { limit: 1 }, steps: [{ type: 'delay', config: { ms: 800 } }] });
    const holder = await trigger(wf, 'x');
    await waitFor(async () => (await status(holder.id)).status === 'RUNNING', 10_000, 'the holder to start');
    const b = await trigger(wf, 'x');
    const c = await trigger(wf, 'x');
    await waitFor(async () => (await status(b.id)).parkedAt && (await status(c.id)).parkedAt, 10_000, 'b and c to wait');
    const cancelled = await cancelExecution(deps, tenantId, b.id);
    expect(cancelled.status).toBe('CANCELLED');
    await allFinished([holder.id, c.id], 15_000);
    expect((await status(c.id)).status).toBe('COMPLETED');
    expect((await status(b.id)).status).toBe('CANCELLED');
    const ran = (await probeRecords(probeRedis, deps.redisPrefix)).map((r) => r.executionId);
    expect(ran).toEqual([holder.id, c.id]);
  });

  it('two takers of the last slot: exactly one gets it (advisory lock)', async () => {
    const wf = await workflow({ concurrency: { limit: 1, key: 'input.key' }, steps: [{ type: 'delay', config: { ms: 1 } }] });
    const spec = { limit: 1, key: 'input.key' };
    // Rows only (no worker): both are PENDING and first in line of their own view.
    const a = await trigger(wf, 'same');
    const b = await trigger(wf, 'other');
    const [da, db2] = await Promise.all([
      takeSlot(db, { ...a, concurrencyKey: a.concurrencyKey! }, spec, new Date()),
      takeSlot(db, { ...b, concurrencyKey: b.concurrencyKey! }, spec, new Date()),
    ]);
    // Different keys, but the workflow-wide limit of 1 allows one of them.
    expect([da.outcome, db2.outcome].sort()).toEqual(['PARKED', 'TAKEN']);
    await db.workflowExecution.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { status: 'CANCELLED' } });
  });

  it.each([
    ['with a workflow limit', { limit: 1, key: 'input.key' }],
    ['keys only', { key: 'input.key' }],
  ])('a slot freed without a promotion (crash after finishing) is found by the sweep after SLOT_RECHECK_MS (%s)', async (_mode, concurrency) => {
    await startWorkers(1, 2);
    // Longer than the worker's drain: stopping it hands the holder back unfinished.
    const wf = await workflow({ concurrency, steps: [{ type: 'delay', config: { ms: 5000 } }] });
    const holder = await trigger(wf, 'k');
    await waitFor(async () => (await status(holder.id)).status === 'RUNNING', 10_000, 'the holder to start');
    const waiting = await trigger(wf, 'k');
    await waitFor(async () => (await status(waiting.id)).parkedAt, 10_000, 'the second run to wait');
    // Stop the worker (the holder is handed back, still RUNNING), then "finish" the holder the
    // way a crash right after its last write would leave it: COMPLETED, nobody promoted.
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await db.workflowExecution.update({ where: { id: holder.id }, data: { status: 'COMPLETED', finishedAt: new Date() } });
    // Its handed-back job goes too (the crash lost it along with the promotion).
    expect(await deps.queues.runs.remove(holder.id)).toBe(1);
    await startWorkers(1, 2);
    const sweep = (at: Date) => promoteStaleWaiting({ db, enqueue: promotionEnqueuer(deps.queues), tenantId, now: () => at });
    // Not yet stale: left alone.
    expect(await sweep(new Date())).toEqual([]);
    expect(await sweep(new Date(Date.now() + SLOT_RECHECK_MS + 1000))).toEqual([waiting.id]);
    await allFinished([waiting.id], 10_000);
    expect((await status(waiting.id)).status).toBe('COMPLETED');
  });

  it("a slot holder's worker killed: stalled-job recovery finishes the holder and the waiting run is promoted", async () => {
    const wf = await workflow({ concurrency: { limit: 1, key: 'input.key' }, steps: [{ type: 'delay', config: { ms: 1500 } }] });
    const victim = startChild({ LOCK_MS: '1000', STALLED_MS: '500' });
    await victim.ready;
    const holder = await trigger(wf, 'k');
    await waitFor(async () => (await status(holder.id)).status === 'RUNNING', 10_000, 'the holder to start');
    const waiting = await trigger(wf, 'k');
    await waitFor(async () => (await status(waiting.id)).parkedAt, 10_000, 'the second run to wait');
    victim.child.kill('SIGKILL');
    await victim.exited;
    // The rescuer notices the victim's lapsed lock quickly.
    await startWorkers(1, 2, { stalledIntervalMs: 300, lockDurationMs: 10_000 });
    await allFinished([holder.id, waiting.id], 20_000).catch(async (err: unknown) => {
      console.log(victim.output(), await status(holder.id), await status(waiting.id), await deps.queues.runs.getJobCounts());
      throw err;
    });
    const [h, w] = [await status(holder.id), await status(waiting.id)];
    expect([h.status, w.status]).toEqual(['COMPLETED', 'COMPLETED']);
    expect(h.attempts).toBe(2);
    expect(w.attempts).toBe(1);
    // The waiting run started only after the holder finished.
    expect(w.startedAt!.getTime()).toBeGreaterThanOrEqual(h.finishedAt!.getTime());
  });
});

const script = fileURLToPath(new URL('./engine-fixtures/run-worker-process.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));

function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', tsx, script], {
    env: { ...process.env, ENGINE_PREFIX: deps.redisPrefix, PROBE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = waitFor(async () => output.includes('worker ready') || undefined, 15_000, `child ready (${output})`);
  return { child, exited, ready, output: () => output };
}
