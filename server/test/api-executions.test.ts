// Trigger, cancel and retry through the API. No worker runs here, so executions stay PENDING
// until cancelled: these tests check the API's side (rows, jobs, typed errors, roles, idempotency).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type Queues } from '../src/engine/queues.ts';
import { startTestApp } from './app.ts';
import { globalId, rowIdOf, seedWorkflow, tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let queues: Queues;
let wf: Awaited<ReturnType<typeof seedWorkflow>>;

const EXEC = `id status trigger workflowVersion idempotencyKey driftMs scheduledFor rangeStart rangeEnd input
  progress { stepsTotal stepsCompleted percent counters } stepRuns { index type status } workflow { id name } retryOfId`;
const TRIGGER = `mutation($id: ID!, $input: TriggerWorkflowInput) { triggerWorkflow(id: $id, input: $input) {
  __typename ... on TriggerWorkflowPayload { created execution { ${EXEC} } }
  ... on ValidationError { problems { path message } } ... on NotFoundError { code } ... on ConflictError { code message } } }`;
const CANCEL = `mutation($id: ID!) { cancelExecution(id: $id) { __typename ... on ExecutionPayload { execution { id status cancelRequestedAt } } ... on ConflictError { code message } ... on NotFoundError { code } } }`;
const RETRY = `mutation($id: ID!) { retryExecution(id: $id) { __typename ... on ExecutionPayload { execution { id status retryOfId input rangeStart rangeEnd } } ... on ConflictError { code message } ... on NotFoundError { code } } }`;

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
  queues = createQueues(app.redis, app.config.redisPrefix);
  wf = await seedWorkflow(app.db, t.id, { name: 'runner' });
});
afterAll(async () => {
  await queues.close();
  await app.stop();
});

describe('triggerWorkflow', () => {
  it('writes a PENDING execution and its job, with the given context and date range', async () => {
    const r = (
      await app.graphql(TRIGGER, { id: wf.gid, input: { context: { name: 'Ana' }, dateRange: { kind: 'absolute', since: '2026-11-01', until: '2026-11-03' } } }, t.keys.OPERATOR)
    ).body.data.triggerWorkflow;
    expect(r).toMatchObject({
      __typename: 'TriggerWorkflowPayload',
      created: true,
      execution: { status: 'PENDING', trigger: 'API', workflowVersion: 1, rangeStart: '2026-11-01', rangeEnd: '2026-11-03', input: { name: 'Ana' }, progress: { stepsTotal: 1, stepsCompleted: 0, percent: 0 }, stepRuns: [], workflow: { id: wf.gid, name: 'runner' }, driftMs: null },
    });
    const rowId = rowIdOf(r.execution.id);
    expect(await queues.runs.getJob(rowId)).toBeTruthy();
  });

  it('shows the definition a run executes: the version it was triggered with, not the edited workflow', async () => {
    const own = await seedWorkflow(app.db, t.id, { name: 'pinned' });
    const r = (await app.graphql(TRIGGER, { id: own.gid, input: {} }, t.keys.OPERATOR)).body.data.triggerWorkflow;
    const before = (await app.db.workflow.findUniqueOrThrow({ where: { id: own.id } })).definition;
    await app.db.workflow.update({ where: { id: own.id }, data: { version: 2, definition: { steps: [{ type: 'log', config: { message: 'edited' } }] } } });
    const q = await app.graphql('query($id: ID!) { execution(id: $id) { workflowVersion definition } }', { id: r.execution.id }, t.keys.VIEWER);
    expect(q.body.data.execution).toEqual({ workflowVersion: 1, definition: before });
  });

  it('answers a repeated idempotency key with the first execution, also under concurrency', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => app.graphql(TRIGGER, { id: wf.gid, input: { idempotencyKey: 'invoice-7' } }, t.keys.OPERATOR)));
    const payloads = results.map((r) => r.body.data.triggerWorkflow);
    expect(new Set(payloads.map((p) => p.execution.id)).size).toBe(1);
    expect(payloads.filter((p) => p.created)).toHaveLength(1);
    expect(await app.db.workflowExecution.count({ where: { tenantId: t.id, idempotencyKey: 'invoice-7' } })).toBe(1);
  });

  it('refuses idempotency keys in the engine-reserved namespaces, creating nothing', async () => {
    for (const key of ['slot:x:2026-01-01T00:00:00.000Z', 'bulk:op:exec']) {
      const r = (await app.graphql(TRIGGER, { id: wf.gid, input: { idempotencyKey: key } }, t.keys.OPERATOR)).body.data.triggerWorkflow;
      expect(r.__typename).toBe('ValidationError');
      expect(await app.db.workflowExecution.count({ where: { tenantId: t.id, idempotencyKey: key } })).toBe(0);
    }
  });

  it('gives typed errors for bad input, unknown and disabled workflows, and refuses VIEWER keys, creating nothing', async () => {
    const before = await app.db.workflowExecution.count({ where: { tenantId: t.id } });
    const bad = (await app.graphql(TRIGGER, { id: wf.gid, input: { context: [1], dateRange: { kind: 'relative' } } }, t.keys.OPERATOR)).body.data.triggerWorkflow;
    expect(bad.__typename).toBe('ValidationError');
    const missing = (await app.graphql(TRIGGER, { id: globalId('Workflow', '01900000-0000-7000-8000-000000000000') }, t.keys.OPERATOR)).body.data.triggerWorkflow;
    expect(missing).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const garbage = (await app.graphql(TRIGGER, { id: 'not-an-id' }, t.keys.OPERATOR)).body.data.triggerWorkflow;
    expect(garbage.__typename).toBe('NotFoundError');
    const off = await seedWorkflow(app.db, t.id, { enabled: false });
    expect((await app.graphql(TRIGGER, { id: off.gid }, t.keys.OPERATOR)).body.data.triggerWorkflow.__typename).toBe('ConflictError');
    const viewer = await app.graphql(TRIGGER, { id: wf.gid }, t.keys.VIEWER);
    expect(viewer.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await app.db.workflowExecution.count({ where: { tenantId: t.id } })).toBe(before);
  });
});

describe('cancelExecution and retryExecution', () => {
  it('cancels a pending run, refuses a second cancel, retries it as a new run over the same dates', async () => {
    const trig = (await app.graphql(TRIGGER, { id: wf.gid, input: { context: { name: 'Bo' }, dateRange: { kind: 'absolute', since: '2026-10-01', until: '2026-10-02' } } }, t.keys.OPERATOR)).body.data.triggerWorkflow;
    const id = trig.execution.id;
    const notYet = (await app.graphql(RETRY, { id }, t.keys.OPERATOR)).body.data.retryExecution;
    expect(notYet.__typename).toBe('ConflictError');
    const cancelled = (await app.graphql(CANCEL, { id }, t.keys.OPERATOR)).body.data.cancelExecution;
    expect(cancelled.execution.status).toBe('CANCELLED');
    expect(cancelled.execution.cancelRequestedAt).not.toBeNull();
    const again = (await app.graphql(CANCEL, { id }, t.keys.OPERATOR)).body.data.cancelExecution;
    expect(again.__typename).toBe('ConflictError');
    const retried = (await app.graphql(RETRY, { id }, t.keys.OPERATOR)).body.data.retryExecution;
    expect(retried.execution).toMatchObject({ status: 'PENDING', retryOfId: id, input: { name: 'Bo' }, rangeStart: '2026-10-01', rangeEnd: '2026-10-02' });
    expect(retried.execution.id).not.toBe(id);
  });

  it('refuses VIEWER keys and treats unknown ids as not found', async () => {
    const trig = (await app.graphql(TRIGGER, { id: wf.gid }, t.keys.OPERATOR)).body.data.triggerWorkflow;
    const viewer = await app.graphql(CANCEL, { id: trig.execution.id }, t.keys.VIEWER);
    expect(viewer.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await app.db.workflowExecution.findFirstOrThrow({ where: { tenantId: t.id, status: 'PENDING' }, orderBy: { createdAt: 'desc' } })).cancelRequestedAt).toBeNull();
    const missing = (await app.graphql(CANCEL, { id: globalId('Execution', '01900000-0000-7000-8000-000000000000') }, t.keys.OPERATOR)).body.data.cancelExecution;
    expect(missing.__typename).toBe('NotFoundError');
  });
});

describe('executions query', () => {
  it('filters by workflow, status set, trigger and time range, and exposes drift and step runs', async () => {
    const other = await seedWorkflow(app.db, t.id, { name: 'other' });
    const scheduledFor = new Date(Date.now() - 60_000);
    const exec = await app.db.workflowExecution.create({
      data: { tenantId: t.id, workflowId: other.id, workflowVersion: 1, trigger: 'SCHEDULE', status: 'COMPLETED', scheduledFor, startedAt: new Date(scheduledFor.getTime() + 1500), driftMs: 1500, stepsTotal: 2, stepsCompleted: 2, progress: { daysProcessed: 3 } },
    });
    await app.db.stepRun.createMany({ data: [1, 0].map((index) => ({ tenantId: t.id, executionId: exec.id, index, type: 'log', status: 'COMPLETED' as const })) });
    const q = `query($f: ExecutionFilter) { executions(first: 50, filter: $f) { totalCount edges { node { ${EXEC} } } } }`;
    const res = await app.graphql(q, { f: { workflowId: other.gid, statuses: ["COMPLETED", "FAILED"], triggers: ["SCHEDULE"] } }, t.keys.VIEWER);
    expect(res.body.errors).toBeUndefined();
    const byWorkflow = (await app.graphql(q, { f: { workflowId: other.gid, statuses: ['COMPLETED', 'FAILED'], triggers: ['SCHEDULE'] } }, t.keys.VIEWER)).body.data.executions;
    expect(byWorkflow.totalCount).toBe(1);
    expect(byWorkflow.edges[0].node).toMatchObject({ driftMs: 1500, progress: { stepsTotal: 2, stepsCompleted: 2, percent: 100, counters: { daysProcessed: 3 } }, stepRuns: [{ index: 0 }, { index: 1 }] });
    const future = (await app.graphql(q, { f: { since: new Date(Date.now() + 60_000).toISOString() } }, t.keys.VIEWER)).body.data.executions;
    expect(future.totalCount).toBe(0);
    const pending = (await app.graphql(q, { f: { statuses: ['PENDING'] } }, t.keys.VIEWER)).body.data.executions;
    expect(pending.edges.every((e: any) => e.node.status === 'PENDING')).toBe(true);
    expect(pending.totalCount).toBeGreaterThan(0);
  });
});
