// A tenant's schedules may not fire more often than its minScheduleIntervalSeconds (60 s unless
// an operator changes it): a per-second cron was accepted for anyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { seedWorkflow, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
});
afterAll(() => app.stop());

const RESULT = `__typename ... on WorkflowPayload { workflow { id schedule } } ... on ValidationError { code problems { path message } }`;
const create = (input: Record<string, unknown>) => app.graphql(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { ${RESULT} } }`, { input }, t.keys.ADMIN);

describe('the minimum schedule interval', () => {
  it('is 60 s by default and visible to the tenant', async () => {
    const res = await app.graphql('{ viewer { tenant { minScheduleIntervalSeconds } } }', {}, t.keys.VIEWER);
    expect(res.body.data?.viewer.tenant.minScheduleIntervalSeconds).toBe(60);
  });

  it.each([
    ['* * * * * *', 1],
    ['*/30 * * * * *', 30],
    ['0,10 * * * * *', 10],
  ])('refuses %s (every %i s at the shortest) with a ValidationError at schedule, and writes nothing', async (schedule, gap) => {
    const name = `too often ${schedule}`;
    const r = (await create({ name, definition: VALID_DEFINITION, schedule, timezone: 'UTC' })).body.data?.createWorkflow;
    expect(r).toMatchObject({ __typename: 'ValidationError', code: 'BAD_USER_INPUT', problems: [{ path: 'schedule', message: expect.stringContaining(`every ${gap} s`) }] });
    expect(await app.db.workflow.count({ where: { tenantId: t.id, name } })).toBe(0);
  });

  it('accepts schedules at or above the floor', async () => {
    for (const schedule of ['* * * * *', '0 * * * * *', '30 2 * * *']) {
      const r = (await create({ name: `ok ${schedule}`, definition: VALID_DEFINITION, schedule })).body.data?.createWorkflow;
      expect(r, schedule).toMatchObject({ __typename: 'WorkflowPayload', workflow: { schedule } });
    }
  });

  it('applies to updates, and follows the tenant setting', async () => {
    const wf = await seedWorkflow(app.db, t.id, { name: 'update me' });
    const update = (schedule: string) => app.graphql(`mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { ${RESULT} } }`, { id: wf.gid, input: { schedule } }, t.keys.ADMIN);
    expect((await update('*/15 * * * * *')).body.data?.updateWorkflow).toMatchObject({ __typename: 'ValidationError', problems: [{ path: 'schedule' }] });
    expect((await app.db.workflow.findUniqueOrThrow({ where: { id: wf.id } })).schedule).toBeNull();
    await app.db.tenant.update({ where: { id: t.id }, data: { minScheduleIntervalSeconds: 15 } });
    expect((await update('*/15 * * * * *')).body.data?.updateWorkflow).toMatchObject({ __typename: 'WorkflowPayload', workflow: { schedule: '*/15 * * * * *' } });
    await app.db.tenant.update({ where: { id: t.id }, data: { minScheduleIntervalSeconds: 60 } });
  });
});
