// The HTTP limits hold on the WebSocket path too: the body limit as the largest message, and the
// cost limit with the operation's variables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { connectedWs } from './ws-client.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
});
afterAll(() => app.stop());

describe('graphql-ws limits', () => {
  it('closes the socket with 1009 on a message above GRAPHQL_MAX_BODY_BYTES, and runs nothing from it', async () => {
    const s = await connectedWs(app.url, t.keys.ADMIN);
    const description = 'x'.repeat(8_000_000);
    s.send({
      id: 'big',
      type: 'subscribe',
      payload: {
        query: 'mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { __typename } }',
        variables: { input: { name: 'ws-too-big', description, definition: { steps: [{ type: 'log', config: { message: 'hi' } }] } } },
      },
    });
    const closed = await Promise.race([s.closed, new Promise((r) => setTimeout(() => r('still open'), 5_000))]);
    expect(closed).toMatchObject({ code: 1009 });
    expect(await app.db.workflow.count({ where: { tenantId: t.id, name: 'ws-too-big' } })).toBe(0);
  });

  it('still accepts messages within the limit', async () => {
    const s = await connectedWs(app.url, t.keys.VIEWER);
    s.send({ id: '1', type: 'subscribe', payload: { query: `query { viewer { role } } # ${'x'.repeat(500_000)}` } });
    expect(await s.next()).toMatchObject({ type: 'next', payload: { data: { viewer: { role: 'VIEWER' } } } });
    s.ws.close();
  });

  it('refuses an operation whose page sizes, given as variables, cost too much', async () => {
    const s = await connectedWs(app.url, t.keys.VIEWER);
    const query = `query($n: Int) { ${Array.from({ length: 14 }, (_, i) => `w${i}: workflows(first: $n) { edges { node { name executions(first: $n) { edges { node { id status } } } } } }`).join(' ')} }`;
    s.send({ id: '1', type: 'subscribe', payload: { query, variables: { n: 100 } } });
    const frame = await s.next();
    expect(frame.payload?.errors?.[0]?.extensions?.code ?? frame.payload?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    s.ws.close();
  });
});
