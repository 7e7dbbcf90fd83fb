// A waiting run lives in PostgreSQL, not in a worker: SIGKILL the worker process while the run
// waits, start another, send the event, and the run completes exactly once (every effect once).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerExecution } from '../src/engine/executions.ts';
import { resumeWaitsForEvent } from '../src/engine/waits/resolve.ts';
import { createRedis } from '../src/redis.ts';
import type { WorkflowDefinition } from '../src/workflows/definition.ts';
import { createEngineDeps, waitFor } from './engine-deps.ts';
import { ledgerKey } from './engine-fixtures/effect-step.ts';
import { createTestTenant, testDb } from './helpers.ts';

const script = fileURLToPath(new URL('./engine-fixtures/run-worker-process.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
const db = testDb();
const deps = createEngineDeps(db);
const ledgerRedis = createRedis();
let tenantId: string;
const children: ReturnType<typeof spawn>[] = [];

function startChild() {
  const child = spawn(process.execPath, ['--import', tsx, script], { env: { ...process.env, ENGINE_PREFIX: deps.redisPrefix }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = waitFor(async () => output.includes('worker ready') || undefined, 20_000, 'the worker process to start');
  return { child, exited, ready };
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  ledgerRedis.disconnect();
  await deps.close();
  await db.$disconnect();
});

describe('a waiting run across a worker restart', () => {
  it('survives SIGKILL of its worker and completes exactly once when the event arrives', async () => {
    const definition: WorkflowDefinition = {
      steps: [
        { type: 'log', id: 'render', config: { message: 'before the wait' } },
        { type: 'wait.event', id: 'status', config: { event: 'visa.status.changed', match: 'event.payload.applicantId == input.applicantId' } },
        { type: 'log', id: 'notify', config: { message: 'after the wait' } },
      ],
    };
    const workflowId = (await db.workflow.create({ data: { tenantId, name: 'restart', definition: definition as object } })).id;
    const first = startChild();
    await first.ready;
    const { execution } = await triggerExecution(deps, { tenantId, workflowId, trigger: 'API', context: { applicantId: 'APP-42' } });
    const id = execution.id;
    await waitFor(async () => (await db.workflowExecution.findUniqueOrThrow({ where: { id } })).status === 'WAITING', 20_000, 'the run to wait');

    first.child.kill('SIGKILL');
    await first.exited;
    const second = startChild();
    await second.ready;

    expect((await db.workflowExecution.findUniqueOrThrow({ where: { id } })).status).toBe('WAITING');
    const resumed = await resumeWaitsForEvent(deps, tenantId, { id: 'evt-1', name: 'visa.status.changed', payload: { applicantId: 'APP-42', status: 'GRANTED' } });
    expect(resumed).toHaveLength(1);
    // A repeat of the event (a partner's retry) finds nothing open.
    expect(await resumeWaitsForEvent(deps, tenantId, { id: 'evt-2', name: 'visa.status.changed', payload: { applicantId: 'APP-42' } })).toEqual([]);

    const done = await waitFor(async () => {
      const e = await db.workflowExecution.findUniqueOrThrow({ where: { id }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.status) && e;
    }, 20_000, 'the run to finish');
    expect(done.status).toBe('COMPLETED');
    expect(done.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(done.stepRuns[1]!.output).toMatchObject({ id: 'evt-1', payload: { status: 'GRANTED' } });
    // Give a duplicate continuation time to show itself, then count every effect.
    await new Promise((r) => setTimeout(r, 500));
    const ledger = (await ledgerRedis.lrange(ledgerKey(deps.redisPrefix), 0, -1)).filter((l) => l.startsWith(id));
    expect(ledger).toEqual([`${id}:render`, `${id}:notify`]);
    expect(await db.outboundMessage.count({ where: { executionId: id } })).toBe(2);
    expect(done.stepsCompleted).toBe(3);

    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);
});
