// Events meet waiting steps on the whole app (api + worker): sendEvent and POST /events resume the
// runs parked at a wait.event step whose match holds, only in the sender's tenant, and a repeated
// event key resumes nothing more. The same event can also start workflows while it resumes others,
// and an event a stopped process recorded but never dispatched is dispatched by the sweep, once.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { globalId, rowIdOf, tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { waitFor } from './engine-deps.ts';
import { createQueues } from '../src/engine/queues.ts';
import { redispatchEvents } from '../src/triggers/redispatch-events.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let a: TestTenant;
let b: TestTenant;

const TRIGGER = `mutation($id: ID!, $input: TriggerWorkflowInput) { triggerWorkflow(id: $id, input: $input) { ... on TriggerWorkflowPayload { execution { id } } } }`;
const SEND = `mutation($input: SendEventInput!) { sendEvent(input: $input) { __typename ... on SendEventPayload { duplicate executionIds } } }`;

/** A workflow that waits for `event` about its own applicant, then logs. */
async function waitingWorkflow(tenant: TestTenant, event: string) {
  const wf = await app.db.workflow.create({
    data: {
      tenantId: tenant.id,
      name: `waits for ${event}`,
      definition: {
        steps: [
          { type: 'wait.event', id: 'status', config: { event, match: 'event.payload.applicantId == input.applicantId', timeout: '1h', onTimeout: 'fail' } },
          { type: 'log', id: 'after', config: { message: 'resumed for {{applicantId}}' } },
        ],
      },
    },
  });
  return globalId('Workflow', wf.id);
}

async function start(tenant: TestTenant, workflowGid: string, applicantId: string) {
  const r = await app.graphql(TRIGGER, { id: workflowGid, input: { context: { applicantId } } }, tenant.keys.OPERATOR);
  return rowIdOf(r.body.data.triggerWorkflow.execution.id as string);
}

const statusOf = async (id: string) => (await app.db.workflowExecution.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;
async function until(id: string, status: string) {
  let seen = '';
  await waitFor(async () => (seen = await statusOf(id)) === status, 15_000, `execution to be ${status}`).catch(async (err: Error) => {
    const e = await app.db.workflowExecution.findUniqueOrThrow({ where: { id }, select: { error: true } });
    throw new Error(`${err.message}: it is ${seen} (${JSON.stringify(e.error)})`);
  });
}

beforeAll(async () => {
  app = await startTestApp(['api', 'worker'], { REDIS_PREFIX: `evwaits-${process.pid}-${Date.now()}`, RATE_LIMIT_PER_MINUTE: '0', SWEEP_INTERVAL_MS: '3600000', SWEEP_PENDING_AFTER_MS: '86400000' });
  [a, b] = [await tenantWithKeys(app.db), await tenantWithKeys(app.db)];
});
afterAll(() => app.stop());

describe('events resume waiting runs', () => {
  it('sendEvent resumes only the matching run of the same tenant, once per event key', async () => {
    const event = `visa.status.${randomUUID().slice(0, 8)}`;
    const [wfA, wfB] = [await waitingWorkflow(a, event), await waitingWorkflow(b, event)];
    const mine = await start(a, wfA, 'A-1');
    const neighbour = await start(a, wfA, 'A-2');
    const otherTenant = await start(b, wfB, 'A-1');
    await Promise.all([until(mine, 'WAITING'), until(neighbour, 'WAITING'), until(otherTenant, 'WAITING')]);

    const key = `k-${randomUUID()}`;
    const sent = await app.graphql(SEND, { input: { name: event, payload: { applicantId: 'A-1', status: 'APPROVED' }, idempotencyKey: key } }, a.keys.OPERATOR);
    expect(sent.body.data.sendEvent).toMatchObject({ __typename: 'SendEventPayload', duplicate: false });
    await until(mine, 'COMPLETED');
    const steps = await app.db.stepRun.findMany({ where: { executionId: mine }, orderBy: { index: 'asc' }, select: { status: true, output: true } });
    expect(steps.map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(steps[0]!.output).toMatchObject({ name: event, payload: { applicantId: 'A-1', status: 'APPROVED' } });

    // A retry of the same key is a duplicate: nothing else resumes, even a run it would now match.
    const later = await start(a, wfA, 'A-1');
    await until(later, 'WAITING');
    const retry = await app.graphql(SEND, { input: { name: event, payload: { applicantId: 'A-1', status: 'APPROVED' }, idempotencyKey: key } }, a.keys.OPERATOR);
    expect(retry.body.data.sendEvent.duplicate).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect([await statusOf(neighbour), await statusOf(otherTenant), await statusOf(later)]).toEqual(['WAITING', 'WAITING', 'WAITING']);
    expect(await app.db.waitpoint.count({ where: { executionId: mine } })).toBe(1);
  });

  it('POST /events resumes a waiting run and starts the workflows triggered by the same event', async () => {
    const event = `visa.status.${randomUUID().slice(0, 8)}`;
    const waiting = await start(a, await waitingWorkflow(a, event), 'A-7');
    const triggered = await app.db.workflow.create({ data: { tenantId: a.id, name: 'on the event', definition: { steps: [{ type: 'log', config: { message: 'x' } }], triggers: { events: [{ name: event }] } } } });
    // Workflows written straight to the database are indexed on their next save; index it as the API would.
    await app.db.workflowEventTrigger.create({ data: { tenantId: a.id, workflowId: triggered.id, eventName: event } });
    await until(waiting, 'WAITING');

    const res = await fetch(`${app.url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${a.keys.OPERATOR}` }, body: JSON.stringify({ name: event, payload: { applicantId: 'A-7', status: 'REJECTED' } }) });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { executionIds: string[] };
    expect(body.executionIds).toHaveLength(1);
    await until(waiting, 'COMPLETED');
    await until(rowIdOf(body.executionIds[0]!), 'COMPLETED');
  });

  it('an event recorded by a process that stopped before dispatching it is dispatched by the sweep, once', async () => {
    const event = `visa.status.${randomUUID().slice(0, 8)}`;
    const waitWorkflow = await waitingWorkflow(a, event);
    const waiting = await start(a, waitWorkflow, 'A-3');
    const triggered = await app.db.workflow.create({ data: { tenantId: a.id, name: 'on the event', definition: { steps: [{ type: 'log', config: { message: 'x' } }], triggers: { events: [{ name: event }] } } } });
    await app.db.workflowEventTrigger.create({ data: { tenantId: a.id, workflowId: triggered.id, eventName: event } });
    await until(waiting, 'WAITING');

    // What a process that died right after recording the event leaves behind: the row, undispatched.
    const recorded = await app.db.event.create({ data: { tenantId: a.id, name: event, payload: { applicantId: 'A-3' }, idempotencyKey: `crash-${randomUUID()}` } });
    expect(recorded.dispatchedAt).toBeNull();
    // A wait opened after the event was recorded would not have seen it: it must not now either.
    const late = await start(a, waitWorkflow, 'A-3');
    await until(late, 'WAITING');

    const queues = createQueues(app.redis, app.config.redisPrefix);
    try {
      const deps = { db: app.db, redis: app.redis, queues, redisPrefix: app.config.redisPrefix };
      expect(await redispatchEvents(deps, { olderThanMs: 0, tenantId: a.id })).toEqual([recorded.id]);
      await until(waiting, 'COMPLETED');
      const started = await app.db.workflowExecution.findMany({ where: { eventId: recorded.id }, select: { id: true, workflowId: true } });
      expect(started.map((r) => r.workflowId)).toEqual([triggered.id]);
      await until(started[0]!.id, 'COMPLETED');
      expect((await app.db.event.findUniqueOrThrow({ where: { id: recorded.id } })).dispatchedAt).not.toBeNull();

      // Dispatched: the next sweep leaves it; and dispatching it again anyway adds nothing.
      expect(await redispatchEvents(deps, { olderThanMs: 0, tenantId: a.id })).toEqual([]);
      await app.db.event.update({ where: { id: recorded.id }, data: { dispatchedAt: null } });
      expect(await redispatchEvents(deps, { olderThanMs: 0, tenantId: a.id })).toEqual([recorded.id]);
      expect(await app.db.workflowExecution.count({ where: { eventId: recorded.id } })).toBe(1);
      expect(await app.db.waitpoint.count({ where: { executionId: waiting } })).toBe(1);
      expect(await statusOf(late)).toBe('WAITING');
    } finally {
      await queues.close();
    }
  });
});
