// Input that PostgreSQL or our validators cannot take gets a typed BAD_USER_INPUT answer that
// says where the problem is, and changes nothing — never "Unexpected error." or an HTTP 500:
// NUL characters, absurdly nested JSON, out-of-range or garbage cursors and instants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../src/graphql/connection.ts';
import { startTestApp } from './app.ts';
import { seedWorkflow, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';
import { connectedWs } from './ws-client.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let wf: { gid: string };

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
  wf = await seedWorkflow(app.db, t.id);
});
afterAll(() => app.stop());

const CREATE = `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename ... on ValidationError { problems { path message } } } }`;

function nested(levels: number): unknown {
  let v: unknown = { message: 'deep' };
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** Every error of the answer is BAD_USER_INPUT, and none is the masked "Unexpected error.". */
function expectBadInput(body: { errors?: any[]; data?: unknown }, what: string) {
  expect(body.errors?.length, what).toBeGreaterThan(0);
  for (const e of body.errors!) {
    expect(e.message, what).not.toBe('Unexpected error.');
    expect(e.extensions?.code, what).toBe('BAD_USER_INPUT');
  }
}

describe('NUL characters', () => {
  it.each([
    ['a workflow name', CREATE, { input: { name: 'a\u0000b', definition: VALID_DEFINITION } }, 'variables.input.name'],
    ['a key inside a JSON definition', CREATE, { input: { name: 'nul key', definition: { steps: [{ type: 'log', config: { 'mes\u0000sage': 'x' } }] } } }, 'variables.input.definition.steps[0].config.mes\u0000sage'],
    ['a value inside a JSON definition', CREATE, { input: { name: 'nul value', definition: { steps: [{ type: 'log', config: { message: 'x\u0000' } }] } } }, 'variables.input.definition.steps[0].config.message'],
    ['a workflow search', 'query($s: String) { workflows(first: 5, filter: { search: $s }) { totalCount } }', { s: '\u0000' }, 'variables.s'],
    ['a log search', 'query($s: String) { logs(first: 5, filter: { search: $s }) { edges { cursor } } }', { s: 'x\u0000y' }, 'variables.s'],
    ['a trigger idempotency key', 'mutation($id: ID!, $k: String) { triggerWorkflow(id: $id, input: { idempotencyKey: $k }) { __typename } }', { k: 'k\u0000' }, 'variables.k'],
  ])('in %s: BAD_USER_INPUT at its path, nothing written', async (_what, query, variables, path) => {
    const vars = { ...variables, ...(query.includes('$id') ? { id: wf.gid } : {}) };
    const before = await app.db.workflow.count({ where: { tenantId: t.id } });
    const res = await app.graphql(query, vars, t.keys.ADMIN);
    expectBadInput(res.body, path);
    expect(res.body.errors![0].extensions.path).toBe(path);
    expect(await app.db.workflow.count({ where: { tenantId: t.id } })).toBe(before);
  });

  it('in a string literal of the document', async () => {
    const res = await app.graphql('{ workflows(first: 5, filter: { search: "a\\u0000b" }) { totalCount } }', {}, t.keys.VIEWER);
    expectBadInput(res.body, 'literal');
  });

  it('over graphql-ws too', async () => {
    const s = await connectedWs(app.url, t.keys.VIEWER);
    s.send({ id: '1', type: 'subscribe', payload: { query: 'subscription($f: LogFilterInput) { logAdded(filter: $f) { id } }', variables: { f: { search: '\u0000' } } } });
    const frame = await s.next();
    const errors = frame.payload?.errors ?? frame.payload;
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    s.ws.close();
  });

  it('in the log export: HTTP 400 naming the parameter, not 500', async () => {
    for (const query of ['search=%00', 'search=a%00b&format=csv', 'workflowId=%00']) {
      const res = await fetch(`${app.url}/api/v1/logs/export?${query}`, { headers: { authorization: `Bearer ${t.keys.VIEWER}` } });
      expect(res.status, query).toBe(400);
      expect((await res.json()).problems[0].message, query).toMatch(/NUL/);
    }
  });
});

describe('deeply nested JSON', () => {
  it('2,500 levels in a definition are refused with BAD_USER_INPUT, over HTTP, for create and validate', async () => {
    const definition = { steps: [{ type: 'log', config: nested(2_500) }] };
    const created = await app.graphql(CREATE, { input: { name: 'deep', definition } }, t.keys.ADMIN);
    expectBadInput(created.body, 'create');
    expect(created.body.errors![0].message).toMatch(/nested deeper than 32 levels/);
    const validated = await app.graphql('query($d: JSON!) { validateWorkflowDefinition(definition: $d) { __typename } }', { d: definition }, t.keys.VIEWER);
    expectBadInput(validated.body, 'validate');
    expect(await app.db.workflow.count({ where: { tenantId: t.id, name: 'deep' } })).toBe(0);
  });

  it('a definition of ordinary depth still passes', async () => {
    const ok = await app.graphql(CREATE, { input: { name: 'fine depth', definition: { steps: [{ type: 'log', config: { message: 'x', extra: nested(10) } }] } } }, t.keys.ADMIN);
    expect(ok.body.errors).toBeUndefined();
  });
});

describe('cursors and instants', () => {
  const EXECUTIONS = 'query($a: String) { executions(first: 5, after: $a) { edges { cursor } } }';
  const LOGS = 'query($a: String) { logs(first: 5, after: $a) { edges { cursor } } }';
  const b64 = (s: string) => Buffer.from(s).toString('base64url');

  it.each([
    ['garbage', EXECUTIONS, 'not-a-cursor-%%%'],
    ['an id that is not a UUID', EXECUTIONS, encodeCursor('Execution', { id: "x' OR 1=1", sort: new Date() })],
    ['a time out of range', EXECUTIONS, b64(JSON.stringify(['Execution', 1e300, '0190c2b4-0000-7000-8000-000000000000']))],
    ['a log cursor with a time out of range', LOGS, b64('L:99999999999999999999:0190c2b4-0000-7000-8000-000000000000')],
    ['a log cursor of garbage', LOGS, '%%%'],
  ])('%s: BAD_USER_INPUT', async (what, query, cursor) => {
    const res = await app.graphql(query, { a: cursor }, t.keys.VIEWER);
    expectBadInput(res.body, what);
  });

  it('an instant beyond what PostgreSQL stores: BAD_USER_INPUT', async () => {
    for (const since of ['+275000-01-01T00:00:00Z', '-010000-01-01T00:00:00Z']) {
      const res = await app.graphql('query($s: DateTime) { logs(first: 5, filter: { since: $s }) { edges { cursor } } }', { s: since }, t.keys.VIEWER);
      expectBadInput(res.body, since);
    }
  });
});
