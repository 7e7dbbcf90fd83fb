// The run worker end to end on real PostgreSQL and Redis: steps in order, templating, StepRuns,
// progress, fail-fast, retries, cancellation and live events.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cancelExecution, triggerExecution } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { subscribeWhenReady } from '../src/engine/queues.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { StepRegistry } from '../src/engine/steps/registry.ts';
import { delayStep } from '../src/engine/steps/delay.ts';
import { StepError, type StepRunner } from '../src/engine/steps/types.ts';
import { eventTopics, type ExecutionEvent } from '../src/events.ts';
import { createRedis } from '../src/redis.ts';
import type { WorkflowDefinition } from '../src/workflows/definition.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
const subscriber = createRedis();
const events: ExecutionEvent[] = [];
let tenantId: string;
let worker: RunWorker | undefined;

function startWorker(registry: StepRegistry = createBuiltinRegistry(), sink = collectLogs()) {
  worker = new RunWorker({
    ...deps,
    registry,
    logSink: sink,
    logger: quietLogger,
    driftWarnMs: 5000,
    retryBackoffMs: 5,
    concurrency: 4,
    stalledIntervalMs: 30_000,
    lockDurationMs: 30_000,
    drainMs: 2000,
  });
  return worker.start().then(() => sink);
}

async function workflow(definition: WorkflowDefinition) {
  return (await db.workflow.create({ data: { tenantId, name: 'w', definition: definition as object } })).id;
}

async function runToEnd(workflowId: string, context?: Record<string, unknown>) {
  const { execution } = await triggerExecution(deps, { tenantId, workflowId, trigger: 'API', context });
  return waitFor(async () => {
    const e = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
    return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.status) && e;
  }, 10_000, 'the run to finish');
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
  const channel = `${eventTopics(deps.redisPrefix).executions}:${tenantId}`;
  await subscribeWhenReady(subscriber, channel);
  subscriber.on('message', (_c, m) => events.push(JSON.parse(m) as ExecutionEvent));
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  subscriber.disconnect();
  await deps.close();
  await db.$disconnect();
});

describe('run worker', () => {
  it('runs steps in order with rendered variables, records each StepRun and publishes every change', async () => {
    const sink = await startWorker();
    const wf = await workflow({
      variables: { who: 'team', order: { id: 7 } },
      steps: [
        { type: 'log', id: 'greet', name: 'Greet', config: { message: 'hello {{who}}, order {{ order.id }}' } },
        { type: 'delay', name: 'Wait a little', config: { ms: 20 } },
        { type: 'log', config: { message: 'done', level: 'WARN' } },
      ],
    });
    const e = await runToEnd(wf, { who: 'Ana' });
    expect(e).toMatchObject({ status: 'COMPLETED', stepsTotal: 3, stepsCompleted: 3, attempts: 1 });
    expect(e.startedAt!.getTime()).toBeLessThanOrEqual(e.finishedAt!.getTime());
    expect(e.stepRuns.map((s) => [s.index, s.type, s.status, s.attempts])).toEqual([
      [0, 'log', 'COMPLETED', 1],
      [1, 'delay', 'COMPLETED', 1],
      [2, 'log', 'COMPLETED', 1],
    ]);
    expect(e.stepRuns.map((s) => s.name)).toEqual(['Greet', 'Wait a little', null]);
    expect(e.stepRuns[1]!.output).toEqual({ waitedMs: 20 });
    expect(e.stepRuns[0]!.startedAt!.getTime()).toBeLessThanOrEqual(e.stepRuns[1]!.startedAt!.getTime());
    const lines = sink.lines.filter((l) => l.executionId === e.id);
    expect(lines.map((l) => [l.step, l.level, l.message])).toEqual([
      ['greet', 'INFO', 'hello Ana, order 7'],
      ['step2', 'WARN', 'done'],
    ]);
    await waitFor(async () => events.some((ev) => ev.executionId === e.id && ev.status === 'COMPLETED'));
    const statuses = events.filter((ev) => ev.executionId === e.id).map((ev) => ev.status);
    // PENDING on trigger, RUNNING on start and after each step but the last, then COMPLETED.
    expect(statuses).toEqual(['PENDING', 'RUNNING', 'RUNNING', 'RUNNING', 'COMPLETED']);
  });

  it('fails fast: the first failing step fails the run with its error and no later step starts', async () => {
    await startWorker();
    const wf = await workflow({
      steps: [
        { type: 'log', config: { message: 'one' } },
        { type: 'log', id: 'boom', config: { message: 'step two broke', fail: true } },
        { type: 'delay', config: { ms: 5000 } },
      ],
    });
    const e = await runToEnd(wf);
    expect(e.status).toBe('FAILED');
    expect(e.error).toEqual({ message: 'step two broke', step: 'boom', date: null, source: 'log' });
    expect(e.stepsCompleted).toBe(1);
    expect(e.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'FAILED', 'SKIPPED']);
    expect(e.stepRuns[1]!.attempts).toBe(1); // retryable: false stops at once
    expect(e.stepRuns[2]!.startedAt).toBeNull();
  });

  it('fails a step whose template names a missing variable, naming the variable', async () => {
    await startWorker();
    const wf = await workflow({ steps: [{ type: 'log', config: { message: 'hi {{customer.name}}' } }] });
    const e = await runToEnd(wf, { customer: {} });
    expect(e.status).toBe('FAILED');
    expect(e.error).toMatchObject({ step: 'step0', source: 'template', message: 'variable "customer.name" is not defined' });
  });

  it('retries transient errors with backoff, carries the error details, and keeps the idempotency key stable', async () => {
    const seen: { attempt: number; key: string }[] = [];
    const flaky: StepRunner<{ message: string }> = {
      type: 'log',
      retrySafe: true,
      async run(ctx, config) {
        seen.push({ attempt: ctx.attempt, key: ctx.idempotencyKey });
        if (config.message === 'always' ) throw new StepError('upstream 503', { source: 'meta', date: '2026-11-20', accountId: 'act_1' });
        if (ctx.attempt < 3) throw new Error('socket hang up');
        return { ok: true };
      },
    };
    await startWorker(new StepRegistry().register(flaky).register(delayStep));
    const ok = await runToEnd(await workflow({ steps: [{ type: 'log', retry: { attempts: 3, backoffMs: 5 }, config: { message: 'flaky' } }] }));
    expect(ok.status).toBe('COMPLETED');
    expect(ok.stepRuns[0]!.attempts).toBe(3);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.key))).toEqual(new Set([`${ok.id}:step0`]));

    const bad = await runToEnd(await workflow({ steps: [{ type: 'log', retry: { attempts: 2, backoffMs: 5 }, config: { message: 'always' } }] }));
    expect(bad.status).toBe('FAILED');
    expect(bad.stepRuns[0]!.attempts).toBe(2);
    expect(bad.error).toEqual({ message: 'upstream 503', step: 'step0', date: '2026-11-20', source: 'meta', accountId: 'act_1' });
  });

  it('adds progress counters atomically, even from concurrent calls', async () => {
    const counting: StepRunner<{ message: string }> = {
      type: 'log',
      retrySafe: true,
      async run(ctx) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => ctx.progress({ daysProcessed: 1, metaFetched: i % 2 })));
        return null;
      },
    };
    await startWorker(new StepRegistry().register(counting));
    const e = await runToEnd(await workflow({ steps: [{ type: 'log', config: { message: 'x' } }, { type: 'log', config: { message: 'y' } }] }));
    expect(e.status).toBe('COMPLETED');
    expect(e.progress).toEqual({ daysProcessed: 40, metaFetched: 20 });
    expect(e.stepRuns.map((st) => st.progress)).toEqual([{ daysProcessed: 20, metaFetched: 10 }, { daysProcessed: 20, metaFetched: 10 }]);
  });

  it('counts a retried step’s work once: a new attempt takes the earlier attempt’s counters back', async () => {
    const syncing: StepRunner<{ message: string }> = {
      type: 'log',
      retrySafe: true,
      async run(ctx) {
        // Two of three days done, then a transient error; the retry walks all three days again.
        for (let day = 1; day <= 3; day++) {
          if (ctx.attempt === 1 && day === 3) throw new Error('socket hang up');
          await ctx.progress({ daysProcessed: 1, metaFetched: 10 });
        }
        return null;
      },
    };
    await startWorker(new StepRegistry().register(syncing));
    const e = await runToEnd(
      await workflow({ steps: [{ type: 'log', config: { message: 'before' } }, { type: 'log', retry: { attempts: 2, backoffMs: 5 }, config: { message: 'sync' } }] }),
    );
    expect(e.status).toBe('COMPLETED');
    expect(e.stepRuns[1]!.attempts).toBe(2);
    // Step 0 walked its three days once; step 1 twice, counted once.
    expect(e.progress).toEqual({ daysProcessed: 6, metaFetched: 60 });
    expect(e.stepRuns[1]!.progress).toEqual({ daysProcessed: 3, metaFetched: 30 });
  });

  it('counts a handed-back step’s work once when another worker runs it again', async () => {
    let firstRun = true;
    const handedBack: StepRunner<{ message: string }> = {
      type: 'log',
      retrySafe: true,
      async run(ctx) {
        await ctx.progress({ daysProcessed: 2 });
        if (firstRun) {
          firstRun = false;
          // The worker shuts down mid-step: the run goes back to the queue.
          void worker!.stop();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
        }
        return null;
      },
    };
    const registry = new StepRegistry().register(handedBack);
    await startWorker(registry);
    const wf = await workflow({ steps: [{ type: 'log', config: { message: 'once' } }] });
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' });
    await waitFor(async () => !firstRun && (await db.stepRun.findFirst({ where: { executionId: execution.id, status: 'PENDING' } })), 10_000, 'the step to be handed back');
    await startWorker(registry);
    const e = await waitFor(async () => {
      const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: true } });
      return row.status === 'COMPLETED' && row;
    }, 10_000, 'the run to complete on the second worker');
    expect(e.attempts).toBe(2);
    expect(e.stepRuns.map((st) => [st.status, st.attempts, st.progress])).toEqual([['COMPLETED', 2, { daysProcessed: 2 }]]);
    expect(e.progress).toEqual({ daysProcessed: 2 });
  });

  it('cancels a running run at its current step and marks it CANCELLED', async () => {
    await startWorker();
    const wf = await workflow({ steps: [{ type: 'log', config: { message: 'a' } }, { type: 'delay', config: { ms: 20_000 } }, { type: 'log', config: { message: 'never' } }] });
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'MANUAL' });
    await waitFor(async () => (await db.stepRun.findFirst({ where: { executionId: execution.id, index: 1, status: 'RUNNING' } })) ?? undefined);
    const requested = await cancelExecution(deps, tenantId, execution.id);
    expect(requested.cancelRequestedAt).not.toBeNull();
    const e = await waitFor(async () => {
      const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
      return row.status === 'CANCELLED' && row;
    }, 5000, 'CANCELLED');
    expect(e.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'CANCELLED', 'SKIPPED']);
    expect(e.finishedAt!.getTime() - e.cancelRequestedAt!.getTime()).toBeLessThan(5000);
  });

  it('fails a run whose stored definition no longer validates, leaving no step as if it ran', async () => {
    const wf = await workflow({ steps: [{ type: 'log', config: { message: 'fine' } }] });
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' });
    // As if the schema had moved on since the run was triggered: the type is still a string.
    await db.workflow.update({ where: { id: wf }, data: { definition: { steps: [{ type: 'log', config: { message: 'x' }, unknownField: 1 }] } } });
    const sink = await startWorker();
    const e = await waitFor(async () => {
      const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: true } });
      return row.status === 'FAILED' && row;
    });
    expect(e.status).toBe('FAILED');
    expect(e.error).toMatchObject({ source: 'definition' });
    expect(e.stepRuns.map((s) => [s.status, s.startedAt])).toEqual([['SKIPPED', null]]);
    expect(sink.lines.filter((l) => l.executionId === e.id && l.message === 'x')).toEqual([]);
  });

  it('runs the definition it was triggered with, even when the workflow is edited while the run waits', async () => {
    const wf = await workflow({ steps: [{ type: 'log', config: { message: 'version one' } }] });
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API' });
    await db.workflow.update({
      where: { id: wf },
      data: { version: { increment: 1 }, definition: { steps: [{ type: 'log', config: { message: 'version two' } }, { type: 'log', config: { message: 'two, again' } }] } },
    });
    const sink = await startWorker();
    const e = await waitFor(async () => {
      const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: true } });
      return row.status === 'COMPLETED' && row;
    });
    expect(e).toMatchObject({ workflowVersion: 1, stepsTotal: 1, stepsCompleted: 1 });
    expect(sink.lines.filter((l) => l.executionId === e.id).map((l) => l.message)).toEqual(['version one']);
    // The next trigger runs the new version.
    const next = await runToEnd(wf);
    expect(next).toMatchObject({ workflowVersion: 2, stepsTotal: 2, stepsCompleted: 2 });
    expect(await db.workflowRevision.findMany({ where: { workflowId: wf }, orderBy: { version: 'asc' }, select: { version: true } })).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('honours a cancel recorded before any worker picked the job up', async () => {
    const wf = await workflow({ steps: [{ type: 'log', config: { message: 'must not run' } }] });
    const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'MANUAL' });
    // As if cancelExecution lost the race to remove the job: the request is only recorded.
    await db.workflowExecution.update({ where: { id: execution.id }, data: { cancelRequestedAt: new Date() } });
    const sink = await startWorker();
    const e = await waitFor(async () => {
      const row = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: true } });
      return row.status === 'CANCELLED' && row;
    });
    expect(e.stepRuns).toEqual([]);
    expect(e.startedAt).toBeNull();
    expect(sink.lines.filter((l) => l.executionId === execution.id)).toEqual([]);
  });
});
