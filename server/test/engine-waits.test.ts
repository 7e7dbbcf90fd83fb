// Waiting steps end to end on real PostgreSQL and Redis: wait.approval and wait.event park the
// run (WAITING, no worker held), decisions / events / timeouts resolve it exactly once, a resume
// job continues it at the next step, cancel ends it at once, and long waits raise an alert.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cancelExecution, triggerExecution } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { resumeJobId, subscribeWhenReady, waitTimeoutJobId } from '../src/engine/queues.ts';
import { MaintenanceWorker } from '../src/engine/maintenance.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { decideApproval, resumeWaitsForEvent, timeoutWaitpoint, type WaitDeps } from '../src/engine/waits/resolve.ts';
import { sweepWaits } from '../src/engine/waits/sweep.ts';
import type { AlertEmitter } from '../src/engine/alerts.ts';
import { createApiKey } from '../src/auth/api-keys.ts';
import { AlreadyDecidedError, ForbiddenError, NotFoundError } from '../src/errors.ts';
import { eventTopics, type ExecutionEvent } from '../src/events.ts';
import type { ApiKeyRole } from '../src/generated/prisma/enums.ts';
import { createRedis } from '../src/redis.ts';
import { validateDefinition, type WorkflowDefinition } from '../src/workflows/definition.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
const subscriber = createRedis();
const events: ExecutionEvent[] = [];
const alerts: { tenantId: string | null; event: string; data: Record<string, unknown> }[] = [];
const alertEmitter: AlertEmitter = { emit: async (tenantId, event, data) => void alerts.push({ tenantId, event, data }) };
const waitDeps: WaitDeps = { ...deps, alerts: alertEmitter };
let tenantId: string;
let otherTenantId: string;
let worker: RunWorker | undefined;
const viewers: Partial<Record<ApiKeyRole, { tenantId: string; apiKeyId: string; role: ApiKeyRole }>> = {};

function startWorker(concurrency = 4) {
  worker = new RunWorker({
    ...deps,
    registry: createBuiltinRegistry(),
    logSink: collectLogs(),
    logger: quietLogger,
    driftWarnMs: 5000,
    retryBackoffMs: 5,
    concurrency,
    stalledIntervalMs: 30_000,
    lockDurationMs: 30_000,
    drainMs: 2000,
  });
  return worker.start();
}

async function workflow(definition: WorkflowDefinition, tenant = tenantId) {
  const v = validateDefinition(definition);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  return (await db.workflow.create({ data: { tenantId: tenant, name: 'waits', definition: definition as object } })).id;
}

async function start(workflowId: string, context?: Record<string, unknown>, tenant = tenantId) {
  return (await triggerExecution(deps, { tenantId: tenant, workflowId, trigger: 'API', context })).execution.id;
}

const load = (id: string) => db.workflowExecution.findUniqueOrThrow({ where: { id }, include: { stepRuns: { orderBy: { index: 'asc' } }, waitpoints: true } });

async function untilStatus(id: string, statuses: string[], what = statuses.join('/')) {
  return waitFor(async () => {
    const e = await load(id);
    return statuses.includes(e.status) && e;
  }, 15_000, `run ${id} to be ${what}`);
}

const waiting = (id: string) => untilStatus(id, ['WAITING']);
const finished = (id: string) => untilStatus(id, ['COMPLETED', 'FAILED', 'CANCELLED'], 'finished');
const openWaitpoint = async (id: string) => (await waiting(id)).waitpoints[0]!;

const approvalFlow = (config: Record<string, unknown> = {}): WorkflowDefinition => ({
  steps: [
    { type: 'log', id: 'before', config: { message: 'before' } },
    { type: 'wait.approval', id: 'approve', config: { title: 'Send to {{name}}?', message: 'Message for {{name}}', ...config } },
    { type: 'log', id: 'after', config: { message: 'after' } },
  ],
});

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
  otherTenantId = (await createTestTenant(db)).id;
  for (const role of ['VIEWER', 'OPERATOR', 'ADMIN'] as const) {
    const { apiKey } = await createApiKey(db, { tenantId, name: `${role.toLowerCase()} key`, role });
    viewers[role] = { tenantId, apiKeyId: apiKey.id, role };
  }
  await subscribeWhenReady(subscriber, `${eventTopics(deps.redisPrefix).executions}:${tenantId}`);
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

describe('wait.approval', () => {
  it('parks the run WAITING with the rendered message, then an approval with a comment completes it', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow()), { name: 'Ana' });
    const parked = await waiting(id);
    expect(parked.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'WAITING']);
    const wp = parked.waitpoints[0]!;
    expect(wp).toMatchObject({ kind: 'APPROVAL', status: 'OPEN', title: 'Send to Ana?', message: 'Message for Ana', approverRole: 'OPERATOR', stepIndex: 1, timeoutAt: null });
    expect(wp.stepRunId).toBe(parked.stepRuns[1]!.id);
    // The job ended: nothing of the run is active in the queue while it waits.
    expect(await deps.queues.runs.getActiveCount()).toBe(0);
    await waitFor(async () => events.some((e) => e.executionId === id && e.status === 'WAITING'), 5000, 'a WAITING event');

    // No timeout, no timeout job.
    expect(await deps.queues.maintenance.getJob(waitTimeoutJobId(wp.id))).toBeUndefined();
    await decideApproval(waitDeps, viewers.OPERATOR!, wp.id, 'APPROVE', '  looks right  ');
    const done = await finished(id);
    expect(done.status).toBe('COMPLETED');
    expect(done.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(done.stepsCompleted).toBe(3);
    const output = done.stepRuns[1]!.output as Record<string, unknown>;
    expect(output).toMatchObject({ decision: 'APPROVE', by: { apiKeyId: viewers.OPERATOR!.apiKeyId, name: 'operator key' }, comment: 'looks right', timedOut: false });
    expect(typeof output.at).toBe('string');
    // The run output has every step's output, the wait's included (read back from its StepRun).
    expect(done.output).toMatchObject({ before: { logged: true }, approve: { decision: 'APPROVE' }, after: { logged: true } });
    expect(done.waitpoints[0]).toMatchObject({ status: 'RESOLVED', decision: 'APPROVE', decidedByName: 'operator key', comment: 'looks right' });
    expect(await deps.queues.runs.getJob(resumeJobId(wp.id))).toBeTruthy();
    // Pub/sub delivery trails the database: wait for the last event, then check the order.
    await waitFor(async () => events.some((e) => e.executionId === id && e.status === 'COMPLETED'), 5000, 'a COMPLETED event');
    const statuses = events.filter((e) => e.executionId === id).map((e) => e.status);
    expect(statuses).toContain('WAITING');
    expect(statuses.at(-1)).toBe('COMPLETED');
  });

  it('a rejection fails the run with APPROVAL_REJECTED, records who and why, and skips the rest', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow()), { name: 'Ben' });
    const wp = await openWaitpoint(id);
    await decideApproval(waitDeps, viewers.ADMIN!, wp.id, 'REJECT', 'wrong visa type');
    const done = await finished(id);
    expect(done.status).toBe('FAILED');
    expect(done.error).toMatchObject({ code: 'APPROVAL_REJECTED', step: 'approve', source: 'wait.approval', message: 'Rejected by admin key: wrong visa type' });
    expect(done.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'FAILED', 'SKIPPED']);
    expect(done.stepRuns[1]!.output).toMatchObject({ decision: 'REJECT', by: { name: 'admin key' }, comment: 'wrong visa type' });
    expect(alerts.some((a) => a.event === 'RUN_FAILED' && a.data.executionId === id)).toBe(true);
    expect(await deps.queues.runs.getJob(resumeJobId(wp.id))).toBeUndefined();
  });

  it('a decision removes the pending timeout job', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow({ timeout: '1d' })), { name: 'Gus' });
    const wp = await openWaitpoint(id);
    expect(await deps.queues.maintenance.getJob(waitTimeoutJobId(wp.id))).toBeTruthy();
    await decideApproval(waitDeps, viewers.OPERATOR!, wp.id, 'APPROVE');
    expect(await deps.queues.maintenance.getJob(waitTimeoutJobId(wp.id))).toBeUndefined();
    expect((await finished(id)).status).toBe('COMPLETED');
  });

  it('refuses a role below approverRole, an unknown id and another tenant, writing nothing', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow({ approverRole: 'ADMIN' })), { name: 'Cy' });
    const wp = await openWaitpoint(id);
    await expect(decideApproval(waitDeps, viewers.VIEWER!, wp.id, 'APPROVE')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideApproval(waitDeps, viewers.OPERATOR!, wp.id, 'APPROVE')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideApproval(waitDeps, { ...viewers.ADMIN!, tenantId: otherTenantId }, wp.id, 'APPROVE')).rejects.toBeInstanceOf(NotFoundError);
    await expect(decideApproval(waitDeps, viewers.ADMIN!, '00000000-0000-7000-8000-000000000000', 'APPROVE')).rejects.toBeInstanceOf(NotFoundError);
    const still = await load(id);
    expect(still.status).toBe('WAITING');
    expect(still.waitpoints[0]).toMatchObject({ status: 'OPEN', decision: null, resolvedAt: null });
    await decideApproval(waitDeps, viewers.ADMIN!, wp.id, 'APPROVE');
    expect((await finished(id)).status).toBe('COMPLETED');
    // The first decision stands.
    await expect(decideApproval(waitDeps, viewers.ADMIN!, wp.id, 'REJECT')).rejects.toBeInstanceOf(AlreadyDecidedError);
  });

  it.each([
    ['approve', 'COMPLETED', null],
    ['reject', 'FAILED', 'APPROVAL_REJECTED'],
    ['fail', 'FAILED', 'APPROVAL_TIMED_OUT'],
  ] as const)('times out with onTimeout %s', async (onTimeout, status, code) => {
    await startWorker();
    const id = await start(await workflow(approvalFlow({ timeout: '5m', onTimeout })), { name: 'Di' });
    const wp = await openWaitpoint(id);
    expect(wp.timeoutAt!.getTime() - wp.createdAt.getTime()).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
    // Not due yet: the sweep leaves it alone.
    expect((await sweepWaits(waitDeps, { tenantId })).timedOut).toBe(0);
    const later = new Date(wp.timeoutAt!.getTime() + 1000);
    expect(await sweepWaits({ ...waitDeps, now: () => later }, { tenantId })).toMatchObject({ timedOut: 1 });
    const done = await finished(id);
    expect(done.status).toBe(status);
    expect(done.waitpoints[0]!.status).toBe('TIMED_OUT');
    expect(done.stepRuns[1]!.output).toMatchObject({ timedOut: true, by: null });
    if (code) expect(done.error).toMatchObject({ code });
    else expect(done.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
  });

  it('approve racing a timeout: exactly one outcome, one continuation', async () => {
    await startWorker();
    const wf = await workflow(approvalFlow({ timeout: '1m', onTimeout: 'reject' }));
    for (let round = 0; round < 5; round++) {
      const id = await start(wf, { name: `race ${round}` });
      const wp = await openWaitpoint(id);
      const later = new Date(wp.timeoutAt!.getTime() + 1);
      const results = await Promise.allSettled([
        decideApproval(waitDeps, viewers.OPERATOR!, wp.id, 'APPROVE'),
        timeoutWaitpoint({ ...waitDeps, now: () => later }, wp.id),
        decideApproval(waitDeps, viewers.ADMIN!, wp.id, 'APPROVE'),
      ]);
      const approvals = results.filter((r, i) => i !== 1 && r.status === 'fulfilled').length;
      const timedOut = results[1].status === 'fulfilled' && results[1].value === true;
      expect(approvals + (timedOut ? 1 : 0)).toBe(1);
      for (const [i, r] of results.entries()) if (i !== 1 && r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyDecidedError);
      const done = await finished(id);
      expect(done.status).toBe(timedOut ? 'FAILED' : 'COMPLETED');
      expect(done.waitpoints[0]!.status).toBe(timedOut ? 'TIMED_OUT' : 'RESOLVED');
      // The last step ran once (a second continuation would have counted it again).
      expect(done.stepsCompleted).toBe(timedOut ? 1 : 3);
    }
  });

  it('raises APPROVAL_WAITING once when an approval waits longer than the threshold', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow()), { name: 'Ed' });
    const wp = await openWaitpoint(id);
    const before = alerts.length;
    expect((await sweepWaits(waitDeps, { tenantId, approvalAlertAfterMs: 60_000 })).alerted).toBe(0);
    const later = () => new Date(wp.createdAt.getTime() + 61_000);
    expect((await sweepWaits({ ...waitDeps, now: later }, { tenantId, approvalAlertAfterMs: 60_000 })).alerted).toBe(1);
    expect((await sweepWaits({ ...waitDeps, now: later }, { tenantId, approvalAlertAfterMs: 60_000 })).alerted).toBe(0);
    const raised = alerts.slice(before).filter((a) => a.event === 'APPROVAL_WAITING');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ tenantId, data: { waitpointId: wp.id, executionId: id, approverRole: 'OPERATOR', thresholdMs: 60_000 } });
    await cancelExecution(deps, tenantId, id);
  });
});

describe('wait.event', () => {
  const eventFlow = (config: Record<string, unknown> = {}): WorkflowDefinition => ({
    steps: [
      { type: 'log', id: 'first', config: { message: 'first' } },
      { type: 'wait.event', id: 'status', config: { event: 'visa.status', match: 'event.payload.applicantId == input.applicantId && steps.first.logged == true', ...config } },
      { type: 'log', id: 'last', config: { message: 'last' } },
    ],
  });

  it('resumes only the runs whose match holds, with the event as the step output', async () => {
    await startWorker();
    const wf = await workflow(eventFlow());
    const a = await start(wf, { applicantId: 'A-1' });
    const b = await start(wf, { applicantId: 'B-2' });
    await Promise.all([waiting(a), waiting(b)]);
    // An event sent for nobody, then one of another name: nothing resumes.
    expect(await resumeWaitsForEvent(waitDeps, tenantId, { id: 'e0', name: 'visa.status', payload: { applicantId: 'Z-9' } })).toEqual([]);
    expect(await resumeWaitsForEvent(waitDeps, tenantId, { id: 'e1', name: 'visa.other', payload: { applicantId: 'A-1' } })).toEqual([]);
    const resumed = await resumeWaitsForEvent(waitDeps, tenantId, { id: 'e2', name: 'visa.status', payload: { applicantId: 'A-1', status: 'APPROVED' } });
    expect(resumed).toHaveLength(1);
    const done = await finished(a);
    expect(done.status).toBe('COMPLETED');
    expect(done.stepRuns[1]!.output).toEqual({ id: 'e2', name: 'visa.status', payload: { applicantId: 'A-1', status: 'APPROVED' } });
    expect(done.waitpoints[0]).toMatchObject({ status: 'RESOLVED', eventName: 'visa.status' });
    expect((await load(b)).status).toBe('WAITING');
    // The same event again finds nothing open for A.
    expect(await resumeWaitsForEvent(waitDeps, tenantId, { id: 'e3', name: 'visa.status', payload: { applicantId: 'A-1' } })).toEqual([]);
    await cancelExecution(deps, tenantId, b);
  });

  it('events of another tenant never resume a run', async () => {
    await startWorker();
    const id = await start(await workflow(eventFlow()), { applicantId: 'T-1' });
    await waiting(id);
    expect(await resumeWaitsForEvent(waitDeps, otherTenantId, { id: 'x', name: 'visa.status', payload: { applicantId: 'T-1' } })).toEqual([]);
    expect((await load(id)).status).toBe('WAITING');
    expect(await resumeWaitsForEvent(waitDeps, tenantId, { id: 'y', name: 'visa.status', payload: { applicantId: 'T-1' } })).toHaveLength(1);
    expect((await finished(id)).status).toBe('COMPLETED');
  });

  it('an event sent before the run reached the wait does not count', async () => {
    await startWorker();
    const wf = await workflow({
      steps: [
        { type: 'delay', config: { ms: 400 } },
        { type: 'wait.event', config: { event: 'early.bird', timeout: '1m', onTimeout: 'continue' } },
      ],
    });
    const id = await start(wf);
    await untilStatus(id, ['RUNNING']);
    expect(await resumeWaitsForEvent(waitDeps, tenantId, { id: 'early', name: 'early.bird', payload: {} })).toEqual([]);
    const wp = await openWaitpoint(id);
    // Timeout with continue: the run completes with {timedOut: true} (the wait was the last step).
    await sweepWaits({ ...waitDeps, now: () => new Date(wp.timeoutAt!.getTime() + 1) }, { tenantId });
    const done = await finished(id);
    expect(done.status).toBe('COMPLETED');
    expect(done.stepRuns[1]!.output).toEqual({ timedOut: true });
    expect(done.output).toMatchObject({ step1: { timedOut: true } });
  });

  it('times out on time through the delayed wait-timeout job, without waiting for a sweep', async () => {
    await startWorker();
    const maintenance = new MaintenanceWorker({ ...waitDeps, logger: quietLogger, sweepIntervalMs: 3_600_000, pendingAfterMs: 3_600_000, sweepTenantId: tenantId });
    await maintenance.start();
    try {
      const id = await start(await workflow(eventFlow({ timeout: '1s', onTimeout: 'continue' })), { applicantId: 'J-1' });
      const wp = await openWaitpoint(id);
      const job = await deps.queues.maintenance.getJob(waitTimeoutJobId(wp.id));
      expect(job?.opts.delay).toBeGreaterThan(0);
      const done = await finished(id);
      expect(done.status).toBe('COMPLETED');
      expect(done.waitpoints[0]!.status).toBe('TIMED_OUT');
      expect(done.stepRuns[1]!.output).toEqual({ timedOut: true });
    } finally {
      await maintenance.stop();
    }
  });

  it('times out with onTimeout fail as WAIT_TIMED_OUT', async () => {
    await startWorker();
    const id = await start(await workflow(eventFlow({ timeout: '2h' })), { applicantId: 'F-1' });
    const wp = await openWaitpoint(id);
    await sweepWaits({ ...waitDeps, now: () => new Date(wp.timeoutAt!.getTime() + 1) }, { tenantId });
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'WAIT_TIMED_OUT', step: 'status' } });
    expect(done.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'FAILED', 'SKIPPED']);
  });

  it('refuses a match reading anything but event, input and steps when the definition is saved', () => {
    const v = validateDefinition({ steps: [{ type: 'wait.event', config: { event: 'x', match: 'process.env == 1' } }] });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems[0]).toMatchObject({ path: '/steps/0/config/match' });
    const bad = validateDefinition({ steps: [{ type: 'wait.approval', config: { message: 'm', timeout: '10 minutes' } }] });
    expect(bad.ok).toBe(false);
  });
});

describe('waiting runs', () => {
  it('cancelling a WAITING run cancels it at once, and a later decision is refused', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow({ timeout: '1h' })), { name: 'Flo' });
    const wp = await openWaitpoint(id);
    const cancelled = await cancelExecution(deps, tenantId, id);
    expect(cancelled.status).toBe('CANCELLED');
    const done = await load(id);
    expect(done.stepRuns.map((s) => s.status)).toEqual(['COMPLETED', 'CANCELLED', 'SKIPPED']);
    expect(done.waitpoints[0]!.status).toBe('CANCELLED');
    await expect(decideApproval(waitDeps, viewers.ADMIN!, wp.id, 'APPROVE')).rejects.toBeInstanceOf(AlreadyDecidedError);
    expect(await timeoutWaitpoint({ ...waitDeps, now: () => new Date(Date.now() + 7_200_000) }, wp.id)).toBe(false);
    await waitFor(async () => events.some((e) => e.executionId === id && e.status === 'CANCELLED'), 5000, 'a CANCELLED event');
  });

  it('hold no worker slot: with concurrency 1, waiting runs do not block another run', async () => {
    await startWorker(1);
    const wf = await workflow(approvalFlow());
    const parked = await Promise.all([1, 2, 3].map((n) => start(wf, { name: `n${n}` })));
    for (const id of parked) await waiting(id);
    // The stats rollups count a waiting run as running (the migration's flowdeck_apply_run_deltas).
    const [rollup] = await db.$queryRaw<{ running: number }[]>`SELECT coalesce(sum(running), 0)::int AS running FROM "RunRollup" WHERE "tenantId" = ${tenantId}::uuid AND grain = 'h'`;
    const active = await db.workflowExecution.count({ where: { tenantId, status: { in: ['RUNNING', 'WAITING'] } } });
    expect(active).toBeGreaterThanOrEqual(3);
    expect(rollup!.running).toBe(active);
    const other = await start(await workflow({ steps: [{ type: 'log', config: { message: 'unblocked' } }] }));
    expect((await finished(other)).status).toBe('COMPLETED');
    // And they all continue once approved, one worker slot between them.
    for (const id of parked) await decideApproval(waitDeps, viewers.OPERATOR!, (await load(id)).waitpoints[0]!.id, 'APPROVE');
    for (const id of parked) expect((await finished(id)).status).toBe('COMPLETED');
  });

  it('the sweep re-enqueues a continuation that was lost after the decision committed', async () => {
    await startWorker();
    const id = await start(await workflow(approvalFlow()), { name: 'Hal' });
    const wp = await openWaitpoint(id);
    // No worker takes the continuation: stop it, decide, then lose the job (as a crash between
    // the commit and the enqueue would).
    await worker!.stop();
    worker = undefined;
    await decideApproval(waitDeps, viewers.OPERATOR!, wp.id, 'APPROVE');
    expect(await deps.queues.runs.remove(resumeJobId(wp.id))).toBe(1);
    expect((await load(id)).status).toBe('RUNNING');
    // Too recent to judge: the enqueue may still be on its way.
    expect((await sweepWaits(waitDeps, { tenantId })).repaired).toBe(0);
    const later = new Date(Date.now() + 60_000);
    expect((await sweepWaits({ ...waitDeps, now: () => later }, { tenantId })).repaired).toBe(1);
    // Its job exists now, so another sweep leaves it alone.
    expect((await sweepWaits({ ...waitDeps, now: () => later }, { tenantId })).repaired).toBe(0);
    await startWorker();
    const done = await finished(id);
    expect(done.status).toBe('COMPLETED');
    expect(done.stepsCompleted).toBe(3);
  });

  it('a run with two waits parks twice and resumes past each', async () => {
    await startWorker();
    const id = await start(await workflow({
      steps: [
        { type: 'wait.approval', id: 'one', config: { message: 'first' } },
        { type: 'wait.event', id: 'two', config: { event: 'second.wait' } },
        { type: 'log', id: 'three', config: { message: 'end' } },
      ],
    }));
    const first = await openWaitpoint(id);
    await decideApproval(waitDeps, viewers.OPERATOR!, first.id, 'APPROVE');
    const second = await waitFor(async () => (await load(id)).waitpoints.find((w) => w.stepIndex === 1), 10_000, 'the second wait');
    await waiting(id);
    expect(await resumeWaitsForEvent(waitDeps, tenantId, { id: 'ev', name: 'second.wait', payload: null })).toEqual([second.id]);
    const done = await finished(id);
    expect(done.status).toBe('COMPLETED');
    expect(done.output).toMatchObject({ one: { decision: 'APPROVE' }, two: { id: 'ev' }, three: { logged: true } });
  });
});
