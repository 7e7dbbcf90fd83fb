// Events through the real API: event triggers indexed from the definition (create, update,
// delete), filters, tenant isolation, idempotent sendEvent, POST /events, disabled workflows not
// started, roles, and the events list.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { rowIdOf, tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let other: TestTenant;

const SEND = `mutation($input: SendEventInput!) { sendEvent(input: $input) {
  __typename ... on SendEventPayload { duplicate executionIds event { id name payload idempotencyKey executions { id trigger input } } }
  ... on ValidationError { problems { path message } } } }`;
const CREATE_WF = `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on WorkflowPayload { workflow { id } } ... on ValidationError { problems { path message } } } }`;

/** A fresh event name per test, so tests never start each other's workflows. */
const eventName = () => `visa.status.changed.${randomUUID().slice(0, 8)}`;

async function workflowOn(events: { name: string; filter?: string }[], tenant = t, extra: Record<string, unknown> = {}) {
  const res = await app.graphql(CREATE_WF, { input: { name: `on ${events[0]?.name}`, definition: { steps: [{ type: 'log', config: { message: 'x' } }], triggers: { events } }, ...extra } }, tenant.keys.ADMIN);
  const r = res.body.data?.createWorkflow;
  if (r?.__typename !== 'WorkflowPayload') throw new Error(JSON.stringify(res.body));
  return { gid: r.workflow.id as string, id: rowIdOf(r.workflow.id) };
}

async function send(input: Record<string, unknown>, key = t.keys.OPERATOR) {
  return (await app.graphql(SEND, { input }, key)).body;
}

const startedWorkflows = async (executionIds: string[]) =>
  (await app.db.workflowExecution.findMany({ where: { id: { in: executionIds.map(rowIdOf) } }, select: { workflowId: true } })).map((e) => e.workflowId).sort();

beforeAll(async () => {
  app = await startTestApp(['api'], { REDIS_PREFIX: `events${randomUUID().slice(0, 8)}`, RATE_LIMIT_PER_MINUTE: '0' });
  [t, other] = await Promise.all([tenantWithKeys(app.db), tenantWithKeys(app.db)]);
});
afterAll(() => app.stop());

describe('event triggers in the definition', () => {
  it('refuses a filter that does not parse or reads anything but `event`, with its JSON path', async () => {
    for (const [filter, message] of [
      ["event.payload.status == 'A' &&", /end|expect/i],
      ["input.status == 'A'", /'input'/],
    ] as const) {
      const res = await app.graphql(CREATE_WF, { input: { name: 'bad', definition: { steps: [{ type: 'log', config: { message: 'x' } }], triggers: { events: [{ name: 'a.b', filter }] } } } }, t.keys.ADMIN);
      const r = res.body.data.createWorkflow;
      expect(r.__typename).toBe('ValidationError');
      expect(r.problems[0].path).toBe('definition/triggers/events/0/filter');
      expect(r.problems[0].message).toMatch(message);
    }
  });

  it('is indexed on create, re-indexed on update and dropped on delete', async () => {
    const name = eventName();
    const wf = await workflowOn([{ name }]);
    expect(await app.db.workflowEventTrigger.findMany({ where: { workflowId: wf.id }, select: { eventName: true, tenantId: true } })).toEqual([{ eventName: name, tenantId: t.id }]);
    const renamed = eventName();
    await app.graphql(`mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { __typename } }`, { id: wf.gid, input: { definition: { steps: [{ type: 'log', config: { message: 'x' } }], triggers: { events: [{ name: renamed, filter: 'event.payload.ok' }] } } } }, t.keys.ADMIN);
    expect(await app.db.workflowEventTrigger.findMany({ where: { workflowId: wf.id }, select: { eventName: true, filter: true } })).toEqual([{ eventName: renamed, filter: 'event.payload.ok' }]);
    await app.graphql(`mutation($id: ID!) { deleteWorkflow(id: $id) { __typename } }`, { id: wf.gid }, t.keys.ADMIN);
    expect(await app.db.workflowEventTrigger.count({ where: { workflowId: wf.id } })).toBe(0);
    const r = await send({ name: renamed, payload: { ok: true } });
    expect(r.data.sendEvent.executionIds).toEqual([]);
  });
});

describe('sendEvent', () => {
  it('starts every enabled workflow whose trigger matches, with the payload as input and the event linked', async () => {
    const name = eventName();
    const any = await workflowOn([{ name }]);
    const approved = await workflowOn([{ name, filter: "event.payload.status == 'APPROVED'" }]);
    const rejected = await workflowOn([{ name, filter: "event.payload.status == 'REJECTED'" }]);
    const disabled = await workflowOn([{ name }], t, { enabled: false });
    await workflowOn([{ name: `${name}.other` }]);
    const payload = { status: 'APPROVED', applicantId: 'A-9' };
    const r = (await send({ name, payload })).data.sendEvent;
    expect(r.__typename).toBe('SendEventPayload');
    expect(r.duplicate).toBe(false);
    expect(await startedWorkflows(r.executionIds)).toEqual([any.id, approved.id].sort());
    expect(r.event.executions).toHaveLength(2);
    for (const e of r.event.executions) expect(e).toMatchObject({ trigger: 'EVENT', input: payload });
    const rows = await app.db.workflowExecution.findMany({ where: { id: { in: r.executionIds.map(rowIdOf) } } });
    expect(rows.every((e) => e.eventId === rowIdOf(r.event.id) && e.tenantId === t.id)).toBe(true);
    expect(await app.db.workflowExecution.count({ where: { workflowId: { in: [rejected.id, disabled.id] } } })).toBe(0);
  });

  it('starts a workflow once even when two of its triggers match', async () => {
    const name = eventName();
    const wf = await workflowOn([{ name }, { name, filter: 'event.payload.n > 1' }]);
    const r = (await send({ name, payload: { n: 2 } })).data.sendEvent;
    expect(await startedWorkflows(r.executionIds)).toEqual([wf.id]);
  });

  it('is idempotent by key: a retry returns the same event and runs and starts nothing new', async () => {
    const name = eventName();
    const wf = await workflowOn([{ name }]);
    const key = `k-${randomUUID()}`;
    const first = (await send({ name, payload: { v: 1 }, idempotencyKey: key })).data.sendEvent;
    const again = (await send({ name, payload: { v: 2 }, idempotencyKey: key })).data.sendEvent;
    expect(again.duplicate).toBe(true);
    expect(again.event.id).toBe(first.event.id);
    expect(again.event.payload).toEqual({ v: 1 });
    expect(again.executionIds).toEqual(first.executionIds);
    // Concurrent sends with one new key: one event, one run.
    const key2 = `k-${randomUUID()}`;
    const both = await Promise.all([1, 2, 3].map(() => send({ name, payload: { v: 3 }, idempotencyKey: key2 })));
    expect(new Set(both.map((b) => b.data.sendEvent.event.id)).size).toBe(1);
    expect(both.filter((b) => !b.data.sendEvent.duplicate)).toHaveLength(1);
    expect(await app.db.event.count({ where: { tenantId: t.id, idempotencyKey: { in: [key, key2] } } })).toBe(2);
    expect(await app.db.workflowExecution.count({ where: { workflowId: wf.id } })).toBe(2);
  });

  it("stays in the sender's tenant: another tenant's matching workflow is not started, and the same key is theirs to use", async () => {
    const name = eventName();
    const mine = await workflowOn([{ name }]);
    const theirs = await workflowOn([{ name }], other);
    const key = `shared-${randomUUID()}`;
    const r = (await send({ name, payload: {}, idempotencyKey: key })).data.sendEvent;
    expect(await startedWorkflows(r.executionIds)).toEqual([mine.id]);
    expect(await app.db.workflowExecution.count({ where: { workflowId: theirs.id } })).toBe(0);
    const o = (await send({ name, payload: {}, idempotencyKey: key }, other.keys.OPERATOR)).data.sendEvent;
    expect(o.duplicate).toBe(false);
    expect(await startedWorkflows(o.executionIds)).toEqual([theirs.id]);
    // Neither tenant lists the other's events.
    const listed = await app.graphql(`query($n: String) { events(first: 10, filter: { name: $n }) { edges { node { id } } } }`, { n: name }, t.keys.VIEWER);
    expect(listed.body.data.events.edges.map((e: any) => e.node.id)).toEqual([r.event.id]);
  });

  it('refuses bad input as a ValidationError and records nothing; VIEWER keys may not send', async () => {
    const before = await app.db.event.count({ where: { tenantId: t.id } });
    const r = (await send({ name: 'has spaces', payload: [1], idempotencyKey: '' })).data.sendEvent;
    expect(r.__typename).toBe('ValidationError');
    expect(r.problems.map((p: any) => p.path).sort()).toEqual(['idempotencyKey', 'name', 'payload']);
    const viewer = await app.graphql(SEND, { input: { name: 'a', payload: {} } }, t.keys.VIEWER);
    expect(viewer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await app.db.event.count({ where: { tenantId: t.id } })).toBe(before);
  });
});

describe('POST /events', () => {
  const post = (body: unknown, key?: string, type = 'application/json') =>
    fetch(`${app.url}/events`, { method: 'POST', headers: { 'content-type': type, ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it('records the event and starts matching workflows (202), idempotently', async () => {
    const name = eventName();
    const wf = await workflowOn([{ name, filter: 'event.payload.amount >= 100' }]);
    const key = `http-${randomUUID()}`;
    const small = await post({ name, payload: { amount: 5 } }, t.keys.OPERATOR);
    const big = await post({ name, payload: { amount: 500 }, idempotencyKey: key }, t.keys.OPERATOR);
    const retry = await post({ name, payload: { amount: 500 }, idempotencyKey: key }, t.keys.ADMIN);
    expect(small).toMatchObject({ status: 202, body: { duplicate: false, executionIds: [] } });
    expect(big.status).toBe(202);
    expect(await startedWorkflows(big.body.executionIds)).toEqual([wf.id]);
    expect(retry.body).toEqual({ ...big.body, duplicate: true });
    expect(await app.db.workflowExecution.count({ where: { workflowId: wf.id } })).toBe(1);
  });

  it('refuses without a key (401), with a VIEWER key (403), non-JSON (415/400) and bad fields (422)', async () => {
    const results = [
      await post({ name: 'a', payload: {} }),
      await post({ name: 'a', payload: {} }, t.keys.VIEWER),
      await post('name=a', t.keys.OPERATOR, 'application/x-www-form-urlencoded'),
      await post('{"name":', t.keys.OPERATOR),
      await post({ name: '', payload: 'x' }, t.keys.OPERATOR),
    ];
    expect(results.map((r) => [r.status, r.body.error.code])).toEqual([
      [401, 'unauthenticated'],
      [403, 'forbidden'],
      [415, 'unsupported_media_type'],
      [400, 'invalid_json'],
      [422, 'invalid_input'],
    ]);
  });
});

describe('events list', () => {
  it('pages newest first and filters by name', async () => {
    const name = eventName();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push((await send({ name, payload: { i } })).data.sendEvent.event.id);
    const page1 = (await app.graphql(`query($n: String) { events(first: 3, filter: { name: $n }) { totalCount edges { node { id payload } } pageInfo { hasNextPage endCursor } } }`, { n: name }, t.keys.VIEWER)).body.data.events;
    expect(page1.totalCount).toBe(5);
    expect(page1.edges.map((e: any) => e.node.id)).toEqual(sent.slice(2).reverse());
    const page2 = (await app.graphql(`query($n: String, $a: String) { events(first: 3, after: $a, filter: { name: $n }) { edges { node { id } } pageInfo { hasNextPage } } }`, { n: name, a: page1.pageInfo.endCursor }, t.keys.VIEWER)).body.data.events;
    expect(page2.edges.map((e: any) => e.node.id)).toEqual(sent.slice(0, 2).reverse());
    expect(page2.pageInfo.hasNextPage).toBe(false);
  });
});
