// Workflow mutations and helpers through the real API: validation with JSON paths and no partial
// write, versions, soft delete, schedule reconciliation, roles, cronPreview across DST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type Queues } from '../src/engine/queues.ts';
import { schedulerId } from '../src/engine/scheduler.ts';
import { startTestApp } from './app.ts';
import { rowIdOf, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let queues: Queues;

const RESULT = `__typename
  ... on WorkflowPayload { workflow { id name version enabled schedule timezone definition } }
  ... on ValidationError { message code problems { path message } }
  ... on NotFoundError { code }
  ... on ConflictError { message code }`;
const CREATE = `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { ${RESULT} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { ${RESULT} } }`;

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
  queues = createQueues(app.redis, app.config.redisPrefix);
});
afterAll(async () => {
  await queues.close();
  await app.stop();
});

async function create(input: Record<string, unknown>, key = t.keys.ADMIN) {
  return (await app.graphql(CREATE, { input }, key)).body;
}

describe('createWorkflow', () => {
  it('creates a scheduled workflow and registers its job scheduler in its zone', async () => {
    const body = await create({ name: 'Nightly sync', definition: VALID_DEFINITION, schedule: '30 2 * * *', timezone: 'Europe/Berlin' });
    expect(body.data.createWorkflow).toMatchObject({ __typename: 'WorkflowPayload', workflow: { name: 'Nightly sync', version: 1, enabled: true, schedule: '30 2 * * *' } });
    const id = rowIdOf(body.data.createWorkflow.workflow.id);
    const scheduler = await queues.schedules.getJobScheduler(schedulerId(id));
    expect(scheduler).toMatchObject({ pattern: '30 2 * * *', tz: 'Europe/Berlin' });
  });

  it('lists every definition problem with its JSON path and writes nothing', async () => {
    const before = await app.db.workflow.count({ where: { tenantId: t.id } });
    const body = await create({
      name: '  ',
      definition: { steps: [{ type: 'whatsapp.send', config: {} }, { type: 'nope' }], extra: 1 },
      schedule: '61 * * * *',
    });
    const r = body.data.createWorkflow;
    expect(r.__typename).toBe('ValidationError');
    expect(r.code).toBe('BAD_USER_INPUT');
    const paths = r.problems.map((p: { path: string }) => p.path);
    expect(paths).toContain('name');
    expect(paths).toContain('definition/extra');
    expect(paths).toContain('definition/steps/1/type');
    expect(paths.some((p: string) => p.startsWith('definition/steps/0/config'))).toBe(true);
    expect(paths).toContain('schedule');
    expect(await app.db.workflow.count({ where: { tenantId: t.id } })).toBe(before);
  });

  it('refuses an unknown time zone', async () => {
    const r = (await create({ name: 'tz', definition: VALID_DEFINITION, schedule: '0 * * * *', timezone: 'Mars/Olympus' })).data.createWorkflow;
    expect(r.problems).toEqual([{ path: 'timezone', message: '"Mars/Olympus" is not an IANA time zone' }]);
  });

  it('is ADMIN only', async () => {
    for (const key of [t.keys.OPERATOR, t.keys.VIEWER]) {
      const body = await create({ name: 'x', definition: VALID_DEFINITION }, key);
      expect(body.data).toBeNull();
      expect(body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    }
    const anon = await app.graphql(CREATE, { input: { name: 'x', definition: VALID_DEFINITION } });
    expect(anon.body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('updateWorkflow, enable/disable, delete', () => {
  it('bumps the version, refuses a stale expectedVersion, and keeps the row unchanged on invalid input', async () => {
    const wf = (await create({ name: 'v', definition: VALID_DEFINITION })).data.createWorkflow.workflow;
    const ok = (await app.graphql(UPDATE, { id: wf.id, input: { name: 'v2', expectedVersion: 1 } }, t.keys.ADMIN)).body.data.updateWorkflow;
    expect(ok.workflow).toMatchObject({ name: 'v2', version: 2 });
    const stale = (await app.graphql(UPDATE, { id: wf.id, input: { name: 'v3', expectedVersion: 1 } }, t.keys.ADMIN)).body.data.updateWorkflow;
    expect(stale).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT' });
    const bad = (await app.graphql(UPDATE, { id: wf.id, input: { name: 'v4', definition: { steps: [] } } }, t.keys.ADMIN)).body.data.updateWorkflow;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.problems[0].path).toBe('definition/steps');
    const row = await app.db.workflow.findFirstOrThrow({ where: { tenantId: t.id, name: 'v2' } });
    expect(row.version).toBe(2);
  });

  it('disabling removes the job scheduler, enabling restores it; delete is soft and hides the workflow', async () => {
    const wf = (await create({ name: 'sched', definition: VALID_DEFINITION, schedule: '*/5 * * * *' })).data.createWorkflow.workflow;
    const rowId = rowIdOf(wf.id);
    expect(await queues.schedules.getJobScheduler(schedulerId(rowId))).toBeTruthy();
    const disabled = (await app.graphql(`mutation($id: ID!) { disableWorkflow(id: $id) { ${RESULT} } }`, { id: wf.id }, t.keys.ADMIN)).body.data.disableWorkflow;
    expect(disabled.workflow.enabled).toBe(false);
    expect(await queues.schedules.getJobScheduler(schedulerId(rowId))).toBeFalsy();
    await app.graphql(`mutation($id: ID!) { enableWorkflow(id: $id) { ${RESULT} } }`, { id: wf.id }, t.keys.ADMIN);
    expect(await queues.schedules.getJobScheduler(schedulerId(rowId))).toBeTruthy();

    const del = await app.graphql(`mutation($id: ID!) { deleteWorkflow(id: $id) { __typename ... on DeleteWorkflowPayload { deletedWorkflowId } } }`, { id: wf.id }, t.keys.ADMIN);
    expect(del.body.data.deleteWorkflow.deletedWorkflowId).toBe(wf.id);
    expect(await queues.schedules.getJobScheduler(schedulerId(rowId))).toBeFalsy();
    expect((await app.db.workflow.findUniqueOrThrow({ where: { id: rowId } })).deletedAt).not.toBeNull();
    const look = await app.graphql(`query($id: ID!) { workflow(id: $id) { id } node(id: $id) { id } }`, { id: wf.id }, t.keys.VIEWER);
    expect(look.body.data).toEqual({ workflow: null, node: null });
    const again = await app.graphql(`mutation($id: ID!) { deleteWorkflow(id: $id) { __typename } }`, { id: wf.id }, t.keys.ADMIN);
    expect(again.body.data.deleteWorkflow.__typename).toBe('NotFoundError');
  });

  it('filters the list by enabled and search', async () => {
    await create({ name: 'Meta insights daily', description: 'ads', definition: VALID_DEFINITION });
    await create({ name: 'POS orders', definition: VALID_DEFINITION, enabled: false });
    const q = `query($f: WorkflowFilter) { workflows(first: 50, filter: $f) { totalCount edges { node { name enabled } } } }`;
    const search = (await app.graphql(q, { f: { search: 'META daily' } }, t.keys.VIEWER)).body.data.workflows;
    expect(search.edges.map((e: any) => e.node.name)).toEqual(['Meta insights daily']);
    const disabled = (await app.graphql(q, { f: { enabled: false } }, t.keys.VIEWER)).body.data.workflows;
    expect(disabled.edges.every((e: any) => !e.node.enabled)).toBe(true);
    expect(disabled.totalCount).toBe(disabled.edges.length);
  });
});

describe('cronPreview and validateWorkflowDefinition', () => {
  const PREVIEW = `query($e: String!, $tz: String, $n: Int) { cronPreview(expression: $e, timezone: $tz, count: $n) { __typename ... on CronPreview { timezone times } ... on ValidationError { problems { path message } } } }`;

  it('keeps local wall-clock time across a DST change', async () => {
    // America/New_York springs forward on 2027-03-14 and falls back on 2027-11-07.
    const r = (await app.graphql(PREVIEW, { e: '0 9 * * *', tz: 'America/New_York', n: 3 }, t.keys.VIEWER)).body.data.cronPreview;
    expect(r.__typename).toBe('CronPreview');
    expect(r.times).toHaveLength(3);
    const { cronPreview } = await import('../src/workflows/schedule.ts');
    const times = cronPreview('0 9 * * *', 'America/New_York', 4, new Date('2027-03-12T12:00:00Z')).map((d) => d.toISOString());
    expect(times).toEqual(['2027-03-12T14:00:00.000Z', '2027-03-13T14:00:00.000Z', '2027-03-14T13:00:00.000Z', '2027-03-15T13:00:00.000Z']);
  });

  it("defaults to the tenant's zone and returns typed problems", async () => {
    const r = (await app.graphql(PREVIEW, { e: '0 9 * * *' }, t.keys.VIEWER)).body.data.cronPreview;
    expect(r.timezone).toBe('Asia/Manila');
    expect(new Date(r.times[0]).getUTCHours()).toBe(1);
    const bad = (await app.graphql(PREVIEW, { e: 'every day', n: 1000 }, t.keys.VIEWER)).body.data.cronPreview;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.problems.map((p: any) => p.path).sort()).toEqual(['count', 'expression']);
  });

  it("gives each workflow's next run in its zone or the tenant's, and none when it is paused or unscheduled", async () => {
    const id = async (input: Record<string, unknown>) => (await create({ definition: VALID_DEFINITION, ...input })).data.createWorkflow.workflow.id;
    const manila = await id({ name: 'next-run manila', schedule: '0 6 * * *' }); // the tenant's zone: 06:00 +08:00 = 22:00 UTC
    const utc = await id({ name: 'next-run utc', schedule: '0 6 * * *', timezone: 'UTC' });
    const paused = await id({ name: 'next-run paused', schedule: '0 6 * * *', enabled: false });
    const manual = await id({ name: 'next-run manual' });
    const before = Date.now();
    const q = `{ workflows(first: 100, filter: { search: "next-run" }) { edges { node { id nextRunAt } } } }`;
    const byId = new Map((await app.graphql(q, {}, t.keys.VIEWER)).body.data.workflows.edges.map((e: any) => [e.node.id, e.node.nextRunAt]));
    const nextAt = (utcHour: number) => {
      const d = new Date(before);
      d.setUTCHours(utcHour, 0, 0, 0);
      if (d.getTime() <= before) d.setUTCDate(d.getUTCDate() + 1);
      return d.toISOString();
    };
    expect(byId.get(manila)).toBe(nextAt(22));
    expect(byId.get(utc)).toBe(nextAt(6));
    expect(byId.get(paused)).toBeNull();
    expect(byId.get(manual)).toBeNull();
  });

  it('validates a definition without saving', async () => {
    const q = `query($d: JSON!) { validateWorkflowDefinition(definition: $d) { valid problems { path message } } }`;
    expect((await app.graphql(q, { d: VALID_DEFINITION }, t.keys.VIEWER)).body.data.validateWorkflowDefinition).toEqual({ valid: true, problems: [] });
    const bad = (await app.graphql(q, { d: { steps: [{ type: 'pdf.generate' }], dateRange: { kind: 'absolute', since: '2026-01-05', until: '2026-01-01' } } }, t.keys.VIEWER)).body.data.validateWorkflowDefinition;
    expect(bad.valid).toBe(false);
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(bad.problems.every((p: any) => p.path.startsWith('/'))).toBe(true);
  });
});
