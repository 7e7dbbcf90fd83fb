// Workers in child processes: SIGKILL mid-run loses nothing and repeats no effect, SIGTERM
// drains (finishes or hands back), and a cancel reaches a worker in another process.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelExecution, triggerExecution } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { delayStep } from '../src/engine/steps/delay.ts';
import { StepRegistry } from '../src/engine/steps/registry.ts';
import { createRedis } from '../src/redis.ts';
import type { WorkflowDefinition } from '../src/workflows/definition.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { effectStep, ledgerKey } from './engine-fixtures/effect-step.ts';
import { createTestTenant, testDb } from './helpers.ts';

const script = fileURLToPath(new URL('./engine-fixtures/run-worker-process.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
const db = testDb();
const deps = createEngineDeps(db);
const ledgerRedis = createRedis();
let tenantId: string;

function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', tsx, script], {
    env: { ...process.env, ENGINE_PREFIX: deps.redisPrefix, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = waitFor(async () => output.includes('worker ready') || undefined, 15_000, `child ready (${output})`);
  return { child, exited, ready, output: () => output };
}

async function workflow(definition: WorkflowDefinition) {
  return (await db.workflow.create({ data: { tenantId, name: 'crash', definition: definition as object } })).id;
}

const stepStatus = (executionId: string, index: number) =>
  db.stepRun.findUnique({ where: { executionId_index: { executionId, index } } }).then((s) => s?.status);

async function ledger(executionId: string) {
  return (await ledgerRedis.lrange(ledgerKey(deps.redisPrefix), 0, -1)).filter((l) => l.startsWith(executionId));
}

/** An in-process worker that recovers stalled jobs quickly. */
function rescueWorker() {
  return new RunWorker({
    ...deps,
    registry: new StepRegistry().register(delayStep).register(effectStep(ledgerRedis, deps.redisPrefix)),
    logSink: collectLogs(),
    logger: quietLogger,
    driftWarnMs: 5000,
    concurrency: 2,
    // Quick to notice the victim's expired lock, slow to lose its own: on a loaded machine a
    // short lock of the rescuer's would lapse too and fail the run as stalled twice.
    stalledIntervalMs: 300,
    lockDurationMs: 10_000,
    drainMs: 1000,
  });
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
});
afterAll(async () => {
  ledgerRedis.disconnect();
  await deps.close();
  await db.$disconnect();
});

describe('worker processes', () => {
  it('SIGKILL mid-run: another worker picks the stalled job up and the run completes exactly once', async () => {
    const wf = await workflow({
      steps: [{ type: 'log', config: { message: 'before' } }, { type: 'delay', config: { ms: 1500 } }, { type: 'log', config: { message: 'after' } }],
    });
    const victim = startChild({ LOCK_MS: '1000', STALLED_MS: '500' });
    await victim.ready;
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' });
    await waitFor(async () => (await stepStatus(execution.id, 1)) === 'RUNNING', 10_000, 'the delay step to start');
    victim.child.kill('SIGKILL');
    await victim.exited;

    const rescuer = rescueWorker();
    await rescuer.start();
    try {
      const done = await waitFor(async () => {
        const e = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
        return e.status !== 'RUNNING' && e.status !== 'PENDING' && e;
      }, 15_000, 'the rescued run to finish');
      expect(done.status).toBe('COMPLETED');
      expect(done.attempts).toBe(2);
      expect(done.stepsCompleted).toBe(3);
      // The completed first step was not run again; the interrupted delay was.
      expect(done.stepRuns.map((s) => [s.status, s.attempts])).toEqual([
        ['COMPLETED', 1],
        ['COMPLETED', 2],
        ['COMPLETED', 1],
      ]);
      expect(await ledger(execution.id)).toEqual([`${execution.id}:step0`, `${execution.id}:step2`]);
      expect(await db.outboundMessage.count({ where: { executionId: execution.id } })).toBe(2);
      // Nothing left over that could run it a third time.
      expect(await deps.queues.runs.getJobCounts('wait', 'active', 'delayed')).toEqual({ wait: 0, active: 0, delayed: 0 });
    } finally {
      await rescuer.stop();
    }
  });

  it('a cancel reaches the worker process running the execution', async () => {
    const wf = await workflow({ steps: [{ type: 'delay', config: { ms: 30_000 } }] });
    const worker = startChild({});
    await worker.ready;
    try {
      const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' });
      await waitFor(async () => (await stepStatus(execution.id, 0)) === 'RUNNING', 10_000, 'the delay to start');
      await cancelExecution(deps, tenantId, execution.id);
      const e = await waitFor(async () => {
        const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id } });
        return row.status === 'CANCELLED' && row;
      }, 5000, 'CANCELLED');
      expect(await stepStatus(execution.id, 0)).toBe('CANCELLED');
      expect(e.finishedAt!.getTime() - e.cancelRequestedAt!.getTime()).toBeLessThan(3000);
    } finally {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
  });

  it('SIGTERM drains: takes no new job, lets a short run finish and hands a long one back', async () => {
    // The short run's delay must outlast the time both runs take to start on a loaded machine
    // (the wait below needs it still running), and stay well inside the drain deadline.
    const short = await workflow({ steps: [{ type: 'delay', config: { ms: 3000 } }, { type: 'log', config: { message: 'short done' } }] });
    const long = await workflow({ steps: [{ type: 'log', config: { message: 'long start' } }, { type: 'delay', config: { ms: 60_000 } }, { type: 'log', config: { message: 'long done' } }] });
    const worker = startChild({ DRAIN_MS: '4500' });
    await worker.ready;
    const a = (await triggerExecution(deps, { tenantId, workflowId: short, trigger: 'API' })).execution;
    const b = (await triggerExecution(deps, { tenantId, workflowId: long, trigger: 'API' })).execution;
    await waitFor(async () => (await stepStatus(a.id, 0)) === 'RUNNING' && (await stepStatus(b.id, 1)) === 'RUNNING', 10_000, 'both runs to start');
    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const late = (await triggerExecution(deps, { tenantId, workflowId: short, trigger: 'API' })).execution;
    expect(await worker.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(9000);

    expect((await db.workflowExecution.findUniqueOrThrow({ where: { id: a.id } })).status).toBe('COMPLETED');
    const handedBack = await db.workflowExecution.findUniqueOrThrow({ where: { id: b.id } });
    expect(handedBack.status).toBe('RUNNING');
    expect(await stepStatus(b.id, 1)).toBe('PENDING');
    // Back in the queue, among the API runs (prioritized: scheduled runs go first; engine-priority.test.ts).
    expect(await deps.queues.runs.getJobState(b.id)).toBe('prioritized');
    expect((await db.workflowExecution.findUniqueOrThrow({ where: { id: late.id } })).status).toBe('PENDING');

    // The next worker continues the handed-back run from its interrupted step.
    await cancelExecution(deps, tenantId, late.id);
    const next = rescueWorker();
    await next.start();
    try {
      await waitFor(async () => (await stepStatus(b.id, 1)) === 'RUNNING', 10_000, 'the handed-back run to resume');
      expect(await ledger(b.id)).toEqual([`${b.id}:step0`]);
      await cancelExecution(deps, tenantId, b.id);
      await waitFor(async () => (await db.workflowExecution.findUniqueOrThrow({ where: { id: b.id } })).status === 'CANCELLED', 5000, 'CANCELLED');
    } finally {
      await next.stop();
    }
  });
});
