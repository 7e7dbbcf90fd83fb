// The real `worker` role as a process (main.ts): it starts the run, schedule and maintenance
// workers, runs a triggered execution with its log line written, and drains on SIGTERM.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { triggerExecution } from '../src/engine/executions.ts';
import { createQueues } from '../src/engine/queues.ts';
import { createRedis } from '../src/redis.ts';
import { waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
const db = testDb();
const redis = createRedis();
const redisPrefix = `w${randomUUID().slice(0, 8)}`;
const queues = createQueues(redis, redisPrefix);

afterAll(async () => {
  for (const q of [queues.runs, queues.schedules, queues.maintenance]) await q.obliterate({ force: true }).catch(() => {});
  await queues.close();
  redis.disconnect();
  await db.$disconnect();
});

it('runs executions in the worker role and drains on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', tsx, main, 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'info', REDIS_PREFIX: redisPrefix, SHUTDOWN_TIMEOUT_MS: '3000', WORKER_NAME: 'role-test-worker' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(async () => output.includes('flowdeck started') || undefined, 20_000, `the worker role to start: ${output}`);
    expect(output).toContain('schedules reconciled');
    const tenantId = (await createTestTenant(db)).id;
    const wf = await db.workflow.create({ data: { tenantId, name: 'role', definition: { steps: [{ type: 'log', config: { message: 'from the worker role' } }] } } });
    const { execution } = await triggerExecution({ db, redis, queues, redisPrefix }, { tenantId, workflowId: wf.id, trigger: 'API' });
    await waitFor(async () => (await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id } })).status === 'COMPLETED', 10_000, 'the run');
    const line = await waitFor(async () => db.logEntry.findFirst({ where: { tenantId, executionId: execution.id } }), 5000, 'its log line');
    expect(line).toMatchObject({ level: 'INFO', message: 'from the worker role', step: 'step0' });
    // WORKER_NAME tells which process ran the run (the cluster test counts runs per worker with it).
    expect((await queues.runs.getJob(execution.id))?.processedBy).toBe('role-test-worker');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
