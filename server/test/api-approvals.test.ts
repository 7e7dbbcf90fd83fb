// The Approvals API on the whole app (api + worker roles): a run reaches wait.approval and shows
// as WAITING (also on executionUpdated), the inbox lists it oldest first, decideApproval follows
// RBAC with typed errors, and the first decision wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { globalId, rowIdOf, tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { connectedWs } from './ws-client.ts';
import { waitFor } from './engine-deps.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let a: TestTenant;
let b: TestTenant;
let workflowGid: string;

const TRIGGER = `mutation($id: ID!, $input: TriggerWorkflowInput) { triggerWorkflow(id: $id, input: $input) { __typename ... on TriggerWorkflowPayload { execution { id } } } }`;
const EXECUTION = `query($id: ID!) { execution(id: $id) { id status error stepRuns { index type status output wait { id kind status title message approverRole decision decidedBy comment timeoutAt onTimeout } } } }`;
const APPROVALS = `query($first: Int, $after: String) { approvals(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id kind status title message approverRole waitingSince timeoutAt stepIndex stepRun { index type status } execution { id status workflow { id name } } } } } }`;
const DECIDE = `mutation($id: ID!, $decision: ApprovalDecision!, $comment: String) { decideApproval(id: $id, decision: $decision, comment: $comment) {
  __typename ... on Error { code message } ... on AlreadyDecidedError { status }
  ... on DecideApprovalPayload { approval { id status decision decidedBy comment resolvedAt } execution { id status } } } }`;

async function trigger(name: string, key = a.keys.OPERATOR) {
  const r = await app.graphql(TRIGGER, { id: workflowGid, input: { context: { name } } }, key);
  return r.body.data.triggerWorkflow.execution.id as string;
}

async function execution(id: string, key = a.keys.VIEWER) {
  return (await app.graphql(EXECUTION, { id }, key)).body.data.execution;
}

const until = (id: string, statuses: string[]) => waitFor(async () => {
  const e = await execution(id);
  return statuses.includes(e.status) && e;
}, 15_000, `execution to be ${statuses.join('/')}`);

beforeAll(async () => {
  app = await startTestApp(['api', 'worker'], { REDIS_PREFIX: `approvals-${process.pid}-${Date.now()}`, SWEEP_INTERVAL_MS: '3600000', SWEEP_PENDING_AFTER_MS: '86400000' });
  [a, b] = [await tenantWithKeys(app.db), await tenantWithKeys(app.db)];
  const wf = await app.db.workflow.create({
    data: {
      tenantId: a.id,
      name: 'consultant approves',
      definition: {
        steps: [
          { type: 'log', id: 'render', config: { message: 'rendered for {{name}}' } },
          { type: 'wait.approval', id: 'approve', config: { title: 'Send to {{name}}?', message: 'Visa granted message for {{name}}', timeout: '2h', onTimeout: 'reject' } },
          { type: 'log', id: 'send', config: { message: 'sent to {{name}}' } },
        ],
      },
    },
  });
  workflowGid = globalId('Workflow', wf.id);
});
afterAll(() => app.stop());

describe('approvals', () => {
  it('a run waiting for approval shows WAITING with its wait, live on executionUpdated', async () => {
    const ws = await connectedWs(app.url, a.keys.VIEWER);
    ws.send({ type: 'subscribe', id: 's', payload: { query: 'subscription($w: ID) { executionUpdated(workflowId: $w) { id status } }', variables: { w: workflowGid } } });
    // The relay subscribes asynchronously; give it a moment before the run starts.
    await new Promise((r) => setTimeout(r, 300));
    const id = await trigger('Ana');
    const seen: string[] = [];
    await waitFor(async () => {
      const f = await ws.next(10_000);
      if (f.type === 'next' && f.payload.data.executionUpdated.id === id) seen.push(f.payload.data.executionUpdated.status);
      return seen.includes('WAITING');
    }, 15_000, 'a WAITING update');
    ws.ws.close();

    const e = await until(id, ['WAITING']);
    expect(e.stepRuns.map((s: { status: string }) => s.status)).toEqual(['COMPLETED', 'WAITING']);
    expect(e.stepRuns[0].wait).toBeNull();
    expect(e.stepRuns[1].wait).toMatchObject({ kind: 'APPROVAL', status: 'OPEN', title: 'Send to Ana?', message: 'Visa granted message for Ana', approverRole: 'OPERATOR', decision: null, onTimeout: 'reject' });
    expect(new Date(e.stepRuns[1].wait.timeoutAt).getTime()).toBeGreaterThan(Date.now() + 7_000_000);
  });

  it('the inbox lists OPEN approvals of the tenant, oldest first, paging forward', async () => {
    const second = await trigger('Ben');
    await until(second, ['WAITING']);
    const page = (await app.graphql(APPROVALS, { first: 1 }, a.keys.VIEWER)).body.data.approvals;
    expect(page.totalCount).toBeGreaterThanOrEqual(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.edges[0].node).toMatchObject({ kind: 'APPROVAL', status: 'OPEN', title: 'Send to Ana?', stepIndex: 1, stepRun: { index: 1, type: 'wait.approval', status: 'WAITING' }, execution: { status: 'WAITING', workflow: { id: workflowGid, name: 'consultant approves' } } });
    const next = (await app.graphql(APPROVALS, { first: 10, after: page.pageInfo.endCursor }, a.keys.VIEWER)).body.data.approvals;
    expect(next.edges.map((e: { node: { title: string } }) => e.node.title)).toContain('Send to Ben?');
    expect(next.edges.map((e: { node: { title: string } }) => e.node.title)).not.toContain('Send to Ana?');
    const all = [...page.edges, ...next.edges].map((e: { node: { waitingSince: string } }) => e.node.waitingSince);
    expect([...all].sort()).toEqual(all);
    // Another tenant's inbox is empty.
    expect((await app.graphql(APPROVALS, {}, b.keys.ADMIN)).body.data.approvals).toMatchObject({ totalCount: 0, edges: [] });
    const bad = await app.graphql(APPROVALS, { after: 'bm9wZQ' }, a.keys.VIEWER);
    expect(bad.body.errors![0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('decideApproval: FORBIDDEN below approverRole, NOT_FOUND for other tenants, then APPROVE once', async () => {
    const id = await trigger('Cy');
    const e = await until(id, ['WAITING']);
    const wpId = e.stepRuns[1].wait.id;
    const viewer = (await app.graphql(DECIDE, { id: wpId, decision: 'APPROVE' }, a.keys.VIEWER)).body.data.decideApproval;
    expect(viewer).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    const other = (await app.graphql(DECIDE, { id: wpId, decision: 'APPROVE' }, b.keys.ADMIN)).body.data.decideApproval;
    expect(other).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const junk = (await app.graphql(DECIDE, { id: globalId('Execution', rowIdOf(id)), decision: 'APPROVE' }, a.keys.ADMIN)).body.data.decideApproval;
    expect(junk.__typename).toBe('NotFoundError');
    const long = (await app.graphql(DECIDE, { id: wpId, decision: 'APPROVE', comment: 'x'.repeat(2001) }, a.keys.OPERATOR)).body.data.decideApproval;
    expect(long.__typename).toBe('ValidationError');
    expect((await execution(id)).stepRuns[1].wait.status).toBe('OPEN');

    const ok = (await app.graphql(DECIDE, { id: wpId, decision: 'APPROVE', comment: 'Checked the passport number' }, a.keys.OPERATOR)).body.data.decideApproval;
    expect(ok).toMatchObject({ __typename: 'DecideApprovalPayload', approval: { id: wpId, status: 'RESOLVED', decision: 'APPROVE', decidedBy: 'OPERATOR', comment: 'Checked the passport number' } });
    const again = (await app.graphql(DECIDE, { id: wpId, decision: 'REJECT' }, a.keys.ADMIN)).body.data.decideApproval;
    expect(again).toMatchObject({ __typename: 'AlreadyDecidedError', code: 'ALREADY_DECIDED', status: 'RESOLVED' });
    const done = await until(id, ['COMPLETED', 'FAILED']);
    expect(done.status).toBe('COMPLETED');
    expect(done.stepRuns.map((s: { status: string }) => s.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(done.stepRuns[1].output).toMatchObject({ decision: 'APPROVE', by: { name: 'OPERATOR' }, comment: 'Checked the passport number' });
  });

  it('concurrent decisions: exactly one wins, the other gets AlreadyDecidedError', async () => {
    const id = await trigger('Di');
    const wpId = (await until(id, ['WAITING'])).stepRuns[1].wait.id;
    const answers = await Promise.all([
      app.graphql(DECIDE, { id: wpId, decision: 'APPROVE' }, a.keys.OPERATOR),
      app.graphql(DECIDE, { id: wpId, decision: 'REJECT', comment: 'no' }, a.keys.ADMIN),
    ]);
    const kinds = answers.map((r) => r.body.data.decideApproval.__typename).sort();
    expect(kinds).toEqual(['AlreadyDecidedError', 'DecideApprovalPayload']);
    const winner = answers.find((r) => r.body.data.decideApproval.__typename === 'DecideApprovalPayload')!.body.data.decideApproval.approval.decision;
    const done = await until(id, ['COMPLETED', 'FAILED']);
    expect(done.status).toBe(winner === 'APPROVE' ? 'COMPLETED' : 'FAILED');
    if (winner === 'REJECT') expect(done.error).toMatchObject({ code: 'APPROVAL_REJECTED' });
  });

  it('cancelExecution of a WAITING run cancels it at once and empties its inbox entry', async () => {
    const id = await trigger('Ed');
    const wpId = (await until(id, ['WAITING'])).stepRuns[1].wait.id;
    const r = await app.graphql(`mutation($id: ID!) { cancelExecution(id: $id) { __typename ... on ExecutionPayload { execution { status } } } }`, { id }, a.keys.OPERATOR);
    expect(r.body.data.cancelExecution).toEqual({ __typename: 'ExecutionPayload', execution: { status: 'CANCELLED' } });
    const nodes = (await app.graphql(APPROVALS, { first: 100 }, a.keys.VIEWER)).body.data.approvals.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(nodes).not.toContain(wpId);
    expect((await execution(id)).stepRuns[1].wait.status).toBe('CANCELLED');
  });
});
