// What a tenant stores through the API has a size limit (security/input-limits.ts): one request
// under the 1 MB body limit could otherwise leave a megabyte in a row every list reads back.
// A breach is a ValidationError at the field's path, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_LIMITS } from '../src/security/input-limits.ts';
import { startTestApp } from './app.ts';
import { seedWorkflow, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
});
afterAll(() => app.stop());

const PROBLEMS = `... on ValidationError { code problems { path message } }`;
const gql = (query: string, variables: Record<string, unknown>) => app.graphql(query, variables, t.keys.ADMIN);
const createWorkflow = (input: Record<string, unknown>) => gql(`mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ${PROBLEMS} } }`, { input });

describe('input size limits', () => {
  it('description: at most 2,000 characters, on create and update', async () => {
    const long = 'd'.repeat(INPUT_LIMITS.descriptionChars + 1);
    expect((await createWorkflow({ name: 'long description', description: long, definition: VALID_DEFINITION })).body.data?.createWorkflow).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: 'description', message: 'is longer than 2000 characters' }],
    });
    expect(await app.db.workflow.count({ where: { tenantId: t.id, name: 'long description' } })).toBe(0);
    expect((await createWorkflow({ name: 'just fits', description: long.slice(1), definition: VALID_DEFINITION })).body.data?.createWorkflow.__typename).toBe('WorkflowPayload');

    const wf = await seedWorkflow(app.db, t.id, { name: 'to describe' });
    const updated = await gql(`mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { __typename ${PROBLEMS} } }`, { id: wf.gid, input: { description: long } });
    expect(updated.body.data?.updateWorkflow).toMatchObject({ __typename: 'ValidationError', problems: [{ path: 'description' }] });
    expect((await app.db.workflow.findUniqueOrThrow({ where: { id: wf.id } })).description).toBeNull();
  });

  it('definition: at most 256 KB, on create and in validateWorkflowDefinition', async () => {
    const definition = { steps: [{ type: 'log', config: { message: 'x'.repeat(INPUT_LIMITS.definitionBytes) } }] };
    expect((await createWorkflow({ name: 'huge definition', definition })).body.data?.createWorkflow).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: 'definition', message: 'is larger than 256 KB as JSON' }],
    });
    const validated = await gql(`query($d: JSON!) { validateWorkflowDefinition(definition: $d) { __typename ... on DefinitionValidation { valid problems { path message } } } }`, { d: definition });
    expect(JSON.stringify(validated.body)).toContain('is larger than 256 KB as JSON');
    expect(await app.db.workflow.count({ where: { tenantId: t.id, name: 'huge definition' } })).toBe(0);
  });

  it('integration config (64 KB) and credentials (16 KB)', async () => {
    const create = (i: Record<string, unknown>) => gql(`mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { __typename ${PROBLEMS} } }`, { i });
    const bigConfig = { flows: Object.fromEntries(Array.from({ length: 3_000 }, (_, n) => [`flow-${n}`, 'x'.repeat(20)])) };
    expect((await create({ kind: 'CGB_WHATSAPP', name: 'big config', config: bigConfig })).body.data?.createIntegration).toMatchObject({
      __typename: 'ValidationError',
      problems: [{ path: 'config', message: 'is larger than 64 KB as JSON' }],
    });
    expect((await create({ kind: 'CGB_WHATSAPP', name: 'big secret', credentials: { token: 't'.repeat(INPUT_LIMITS.credentialsBytes) } })).body.data?.createIntegration).toMatchObject({
      problems: [{ path: 'credentials' }],
    });
    expect(await app.db.integration.count({ where: { tenantId: t.id } })).toBe(0);
  });

  it('trigger context: at most 64 KB', async () => {
    const wf = await seedWorkflow(app.db, t.id, { name: 'to trigger' });
    const res = await gql(`mutation($id: ID!, $input: TriggerWorkflowInput) { triggerWorkflow(id: $id, input: $input) { __typename ${PROBLEMS} } }`, {
      id: wf.gid,
      input: { context: { name: 'n'.repeat(INPUT_LIMITS.contextBytes) } },
    });
    expect(res.body.data?.triggerWorkflow).toMatchObject({ __typename: 'ValidationError', problems: [{ path: 'context' }] });
    expect(await app.db.workflowExecution.count({ where: { tenantId: t.id } })).toBe(0);
  });

  it('searches: at most 500 characters', async () => {
    const s = 'word '.repeat(101);
    for (const query of ['query($s: String) { workflows(first: 5, filter: { search: $s }) { totalCount } }', 'query($s: String) { logs(first: 5, filter: { search: $s }) { edges { cursor } } }']) {
      const res = await app.graphql(query, { s }, t.keys.VIEWER);
      expect(res.body.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
    }
  });
});
