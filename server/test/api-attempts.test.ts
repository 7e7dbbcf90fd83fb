// Attempts through GraphQL: retryExecution(fromStep: FAILED | START), Execution.attemptNumber and
// .attempts (the chain, oldest first), StepRun.reused, the typed refusals, tenant isolation, and
// the definition's concurrency block as validateWorkflowDefinition reports it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { globalId, tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { attemptChain } from '../src/engine/resume.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let other: TestTenant;

const RETRY = `mutation($id: ID!, $from: RetryFrom) { retryExecution(id: $id, fromStep: $from) {
  __typename
  ... on ExecutionPayload { execution { id status attemptNumber retryOfId stepRuns { index status reused output } attempts { id attemptNumber status } } }
  ... on ConflictError { code message } ... on NotFoundError { code } } }`;
const EXECUTION = `query($id: ID!) { execution(id: $id) { id attemptNumber waitingForSlot attempts { id attemptNumber } stepRuns { index reused } } }`;

const definition = {
  steps: [
    { id: 'render', type: 'pdf.generate', config: { template: 'receipt' } },
    { id: 'notify', type: 'whatsapp.send', config: { to: '0917 555 0101', template: 'visa_approved' } },
    { id: 'done', type: 'log', config: { message: 'done' } },
  ],
};

/** A run that failed at step 1 after step 0 rendered a document, written as the worker leaves it. */
async function failedRun(tenantId: string) {
  const wf = await app.db.workflow.create({ data: { tenantId, name: 'pdf then whatsapp', definition } });
  const e = await app.db.workflowExecution.create({
    data: { tenantId, workflowId: wf.id, workflowVersion: 1, trigger: 'API', status: 'FAILED', stepsTotal: 3, stepsCompleted: 1, finishedAt: new Date(), error: { message: 'boom', step: 'notify' } },
  });
  await app.db.stepRun.createMany({
    data: [
      { tenantId, executionId: e.id, index: 0, name: 'render', type: 'pdf.generate', status: 'COMPLETED', attempts: 1, output: { documentId: 'doc-1', url: 'https://files.example/doc-1.pdf' } },
      { tenantId, executionId: e.id, index: 1, name: 'notify', type: 'whatsapp.send', status: 'FAILED', attempts: 1, error: { message: 'boom' } },
      { tenantId, executionId: e.id, index: 2, name: 'done', type: 'log', status: 'SKIPPED' },
    ],
  });
  return { workflowId: wf.id, id: e.id, gid: globalId('Execution', e.id) };
}

beforeAll(async () => {
  // A Redis prefix of its own: no worker of another suite runs these attempts.
  app = await startTestApp(['api'], { REDIS_PREFIX: `attempts${Date.now()}` });
  t = await tenantWithKeys(app.db);
  other = await tenantWithKeys(app.db);
});
afterAll(async () => {
  await app.stop();
});

describe('retryExecution(fromStep)', () => {
  it('FAILED: a new attempt with the earlier steps reused; attempts lists the chain oldest first', async () => {
    const run = await failedRun(t.id);
    const res = await app.graphql(RETRY, { id: run.gid, from: 'FAILED' }, t.keys.OPERATOR);
    expect(res.body.errors).toBeUndefined();
    const e = res.body.data.retryExecution.execution;
    expect(e).toMatchObject({ status: 'PENDING', attemptNumber: 2, retryOfId: run.gid });
    expect(e.stepRuns).toEqual([{ index: 0, status: 'COMPLETED', reused: true, output: { documentId: 'doc-1', url: 'https://files.example/doc-1.pdf' } }]);
    expect(e.attempts.map((a: { attemptNumber: number }) => a.attemptNumber)).toEqual([1, 2]);
    expect(e.attempts[0].id).toBe(run.gid);

    // The first attempt sees the same chain.
    const first = (await app.graphql(EXECUTION, { id: run.gid }, t.keys.VIEWER)).body.data.execution;
    expect(first).toMatchObject({ attemptNumber: 1, waitingForSlot: false });
    expect(first.attempts.map((a: { id: string }) => a.id)).toEqual([run.gid, e.id]);
    expect(first.stepRuns.map((s: { reused: boolean }) => s.reused)).toEqual([false, false, false]);
  });

  it('START (the default) keeps the old behaviour: every step runs again, nothing reused', async () => {
    const run = await failedRun(t.id);
    const res = (await app.graphql(RETRY, { id: run.gid }, t.keys.OPERATOR)).body.data.retryExecution;
    expect(res.__typename).toBe('ExecutionPayload');
    expect(res.execution).toMatchObject({ attemptNumber: 2, stepRuns: [] });
  });

  it('refuses with typed errors and creates nothing: not failed, failed before any step, steps changed, another tenant, VIEWER', async () => {
    const run = await failedRun(t.id);
    const count = () => app.db.workflowExecution.count({ where: { tenantId: t.id } });
    const before = await count();

    const cancelled = await app.db.workflowExecution.create({ data: { tenantId: t.id, workflowId: run.workflowId, workflowVersion: 1, trigger: 'API', status: 'CANCELLED' } });
    const notFailed = (await app.graphql(RETRY, { id: globalId('Execution', cancelled.id), from: 'FAILED' }, t.keys.OPERATOR)).body.data.retryExecution;
    expect(notFailed).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    expect(notFailed.message).toMatch(/Only a failed execution/);

    const noStep = await app.db.workflowExecution.create({ data: { tenantId: t.id, workflowId: run.workflowId, workflowVersion: 1, trigger: 'API', status: 'FAILED' } });
    const early = (await app.graphql(RETRY, { id: globalId('Execution', noStep.id), from: 'FAILED' }, t.keys.OPERATOR)).body.data.retryExecution;
    expect(early.message).toMatch(/before any step ran/);

    // The render step became a different step: its recorded output describes nothing the workflow does now.
    await app.db.workflow.update({ where: { id: run.workflowId }, data: { version: { increment: 1 }, definition: { steps: [{ id: 'render', type: 'log', config: { message: 'x' } }, ...definition.steps.slice(1)] } } });
    const changed = (await app.graphql(RETRY, { id: run.gid, from: 'FAILED' }, t.keys.OPERATOR)).body.data.retryExecution;
    expect(changed.__typename).toBe('ConflictError');
    expect(changed.message).toMatch(/step 0 is now log "render"/);

    const foreign = (await app.graphql(RETRY, { id: run.gid, from: 'FAILED' }, other.keys.OPERATOR)).body.data.retryExecution;
    expect(foreign.__typename).toBe('NotFoundError');
    const viewer = await app.graphql(RETRY, { id: run.gid, from: 'FAILED' }, t.keys.VIEWER);
    expect(viewer.body.errors?.[0].extensions.code).toBe('FORBIDDEN');

    expect(await count()).toBe(before + 2);
  });

  it("another tenant's attempt never appears in a chain", async () => {
    const mine = await failedRun(t.id);
    const theirs = await failedRun(other.id);
    // A foreign row claiming to retry mine (only SQL could write that) stays out of my chain.
    await app.db.workflowExecution.create({ data: { tenantId: other.id, workflowId: theirs.workflowId, workflowVersion: 1, trigger: 'API', status: 'FAILED', retryOfId: mine.id } });
    const chain = (await app.graphql(EXECUTION, { id: mine.gid }, t.keys.VIEWER)).body.data.execution.attempts;
    expect(chain.map((a: { id: string }) => a.id)).toEqual([mine.gid]);
  });

  it('a run is its own row in its chain: attempts never shows it newer than the rest of the answer', async () => {
    // The answer's row (read before the run finished) against the row as it is now.
    const run = await failedRun(t.id);
    const retried = (await app.graphql(RETRY, { id: run.gid, from: 'FAILED' }, t.keys.OPERATOR)).body.data.retryExecution.execution;
    const attempt2 = await app.db.workflowExecution.findFirstOrThrow({ where: { retryOfId: run.id } });
    await app.db.workflowExecution.update({ where: { id: attempt2.id }, data: { status: 'COMPLETED', finishedAt: new Date() } });
    const chain = await attemptChain(app.db, t.id, attempt2);
    expect(chain.map((e) => [e.id, e.status])).toEqual([
      [run.id, 'FAILED'],
      [attempt2.id, 'PENDING'],
    ]);
    expect(retried.status).toBe('PENDING');
  });
});

describe('definition: concurrency', () => {
  const VALIDATE = `query($d: JSON!) { validateWorkflowDefinition(definition: $d) { valid problems { path message } } }`;
  it('accepts a limit with a key over input and a key alone, and reports a key reading anything else, keyLimit without key, limit < 1, neither limit nor key', async () => {
    const steps = [{ type: 'log', config: { message: 'x' } }];
    const check = async (concurrency: unknown) => (await app.graphql(VALIDATE, { d: { steps, concurrency } }, t.keys.VIEWER)).body.data.validateWorkflowDefinition;
    expect(await check({ limit: 5, key: 'input.applicantId', keyLimit: 1 })).toMatchObject({ valid: true });
    expect((await check({ limit: 5, key: 'event.payload.id' })).problems).toEqual([{ path: '/concurrency/key', message: "reads 'event'; only 'input' can be used here" }]);
    expect((await check({ limit: 5, key: 'input.a ==' })).problems[0].path).toBe('/concurrency/key');
    expect((await check({ limit: 5, keyLimit: 2 })).problems).toEqual([{ path: '/concurrency/keyLimit', message: 'needs a key' }]);
    expect((await check({ limit: 0 })).valid).toBe(false);
    // Keys only (no workflow-wide limit) is valid; neither a limit nor a key is not.
    expect(await check({ key: 'input.a', keyLimit: 2 })).toMatchObject({ valid: true });
    expect(await check({})).toEqual({ valid: false, problems: [{ path: '/concurrency', message: 'needs one of: limit, key' }] });
  });
});
