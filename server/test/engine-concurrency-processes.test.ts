// Concurrency limits across worker processes: 300 runs over 30 keys (keyLimit 1) on two worker
// processes, one SIGKILLed mid-way. The survivor recovers the victim's stalled runs; every run
// completes exactly once, and no two runs of a key ever ran at the same time.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerExecution } from '../src/engine/executions.ts';
import { createRedis } from '../src/redis.ts';
import { createEngineDeps, waitFor } from './engine-deps.ts';
import { maxOverlap, probeRecords } from './engine-fixtures/probe-step.ts';
import { createTestTenant, testDb } from './helpers.ts';

const script = fileURLToPath(new URL('./engine-fixtures/run-worker-process.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
const db = testDb();
const deps = createEngineDeps(db);
const redis = createRedis();
let tenantId: string;

function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', tsx, script], {
    env: { ...process.env, ENGINE_PREFIX: deps.redisPrefix, PROBE: '1', CONCURRENCY: '8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = waitFor(async () => output.includes('worker ready') || undefined, 20_000, `child ready (${output})`);
  return { child, exited, ready, output: () => output };
}

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
});
afterAll(async () => {
  redis.disconnect();
  await deps.close();
  await db.$disconnect();
});

describe('concurrency limits across worker processes', () => {
  it('300 runs over 30 keys, 2 worker processes, one SIGKILLed mid-way: all complete exactly once, never two of a key at once', async () => {
    const definition = { concurrency: { limit: 100, key: 'input.key' }, steps: [{ type: 'delay', config: { ms: 30 } }, { type: 'log', config: { message: 'sent' } }] };
    const wf = (await db.workflow.create({ data: { tenantId, name: 'limited', definition } })).id;
    // The victim's locks lapse quickly; the survivor checks for stalled jobs often and keeps its own.
    const victim = startChild({ LOCK_MS: '1000', STALLED_MS: '500' });
    const survivor = startChild({ LOCK_MS: '10000', STALLED_MS: '300' });
    await Promise.all([victim.ready, survivor.ready]);
    try {
      const ids: string[] = [];
      for (let batch = 0; batch < 10; batch++) {
        const runs = await Promise.all(Array.from({ length: 30 }, (_, k) => triggerExecution(deps, { tenantId, workflowId: wf, trigger: 'API', context: { key: `k${k}` } })));
        ids.push(...runs.map((r) => r.execution.id));
      }
      // Mid-way: a third of the runs done.
      await waitFor(async () => (await db.workflowExecution.count({ where: { id: { in: ids }, status: 'COMPLETED' } })) >= 100, 60_000, '100 runs to complete');
      victim.child.kill('SIGKILL');
      await victim.exited;
      await waitFor(async () => (await db.workflowExecution.count({ where: { id: { in: ids }, status: { in: ['COMPLETED', 'FAILED', 'CANCELLED'] } } })) === ids.length, 120_000, 'every run to finish');

      const rows = await db.workflowExecution.findMany({ where: { id: { in: ids } } });
      expect(rows.filter((r) => r.status !== 'COMPLETED').map((r) => [r.id, r.status, r.error])).toEqual([]);
      // Runs the victim held were run on by the survivor (attempts 2); none more than that.
      expect(rows.every((r) => r.attempts === 1 || r.attempts === 2)).toBe(true);
      // The outward effect happened once per run (idempotency key), however often a step was re-run.
      expect(await db.outboundMessage.count({ where: { executionId: { in: ids } } })).toBe(300);
      const records = (await probeRecords(redis, deps.redisPrefix)).filter((r) => ids.includes(r.executionId));
      expect(new Set(records.map((r) => r.executionId)).size).toBe(300);
      const groups = new Map<string, typeof records>();
      for (const r of records) groups.set(r.key, [...(groups.get(r.key) ?? []), r]);
      expect(groups.size).toBe(30);
      for (const [key, group] of groups) expect(maxOverlap(group), `key ${key}`).toBe(1);
      const idle = { wait: 0, active: 0, delayed: 0, prioritized: 0 };
      await waitFor(async () => JSON.stringify(await deps.queues.runs.getJobCounts('wait', 'active', 'delayed', 'prioritized')) === JSON.stringify(idle), 5000, 'the queue to empty');
    } finally {
      victim.child.kill('SIGKILL');
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }
  }, 240_000);
});
