// The armor limits (GRAPHQL_MAX_DEPTH/ALIASES/TOKENS/COST defaults) are sized so the documents a
// dashboard needs pass, while abusive ones are refused. If a page needs a bigger document, this
// is the place that shows which limit to raise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentNode } from 'graphql';
import * as clientDocuments from '../../client/src/graphql/graphql.ts';
import { operationCost } from '../src/graphql/plugins/use-cost-limit.ts';
import { startTestApp } from './app.ts';
import { globalId, seedWorkflow, tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let ids: { wf: string; ex: string };

const EXECUTION_FIELDS = `id status trigger workflowVersion scheduledFor driftMs dateRange rangeStart rangeEnd input output error
  cancelRequestedAt idempotencyKey retryOfId createdAt startedAt finishedAt updatedAt
  progress { stepsTotal stepsCompleted percent counters }
  workflow { id name schedule timezone }
  stepRuns { id index name type status attempts output error startedAt finishedAt }`;

/** What the dashboard's pages ask for. */
const DASHBOARD_DOCUMENTS: Record<string, string> = {
  workflowsPage: `query($after: String, $f: WorkflowFilter) { viewer { role tenant { name timezone } }
    workflows(first: 50, after: $after, filter: $f) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id name description enabled schedule timezone overlapPolicy catchUpPolicy version lastSlotAt createdAt updatedAt
        executions(first: 1) { edges { node { id status createdAt finishedAt } } } } } } }`,
  workflowDetail: `query($id: ID!) { workflow(id: $id) { id name description enabled definition schedule timezone overlapPolicy catchUpPolicy version createdAt updatedAt
    executions(first: 20) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${EXECUTION_FIELDS} } } } }
    preview: cronPreview(expression: "0 2 * * *", count: 5) { __typename ... on CronPreview { timezone times } ... on ValidationError { problems { path message } } } }`,
  executionsPage: `query($f: ExecutionFilter, $after: String) { executions(first: 50, after: $after, filter: $f) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ${EXECUTION_FIELDS} } } } }`,
  executionDetail: `query($id: ID!) { execution(id: $id) { ${EXECUTION_FIELDS} }
    logs(first: 200, filter: { executionId: $id }) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id cursor level message metadata workflowId executionId step piiRedacted createdAt } } } }`,
  logsExplorer: `query($f: LogFilterInput, $after: String, $before: String) {
    logs(first: 100, after: $after, filter: $f) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id cursor level message metadata workflowId executionId step piiRedacted createdAt } } }
    older: logs(last: 100, before: $before, filter: $f) { edges { node { id } } } }`,
  syncedData: `query { metaAdInsights(first: 100) { totalCount edges { cursor node { id accountId date adId adName adsetName campaignId campaignName adStatus marketingAssociate spend impressions clicks inlineLinkClicks leads actions syncedAt } } pageInfo { hasNextPage endCursor } }
    posOrders(first: 100) { totalCount edges { cursor node { id shopId orderId status orderedAt localDate totalAmount cogs currency itemCount items adMapping utmCampaign utmContent syncedAt } } pageInfo { hasNextPage endCursor } } }`,
  settings: `query { integrations(first: 50) { totalCount edges { node { id kind name config enabled hasCredentials createdAt updatedAt } } }
    apiKeys(first: 50, includeRevoked: true) { totalCount edges { node { id name prefix role lastUsedAt expiresAt revokedAt createdAt } } } }`,
  liveExecutions: `subscription($wf: ID) { executionUpdated(workflowId: $wf) { ${EXECUTION_FIELDS} } }`,
  liveLogs: `subscription($f: LogFilterInput, $after: String) { logAdded(filter: $f, after: $after) { id cursor level message metadata workflowId executionId step createdAt } }`,
};

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
  const wf = await seedWorkflow(app.db, t.id);
  const ex = await app.db.workflowExecution.create({ data: { tenantId: t.id, workflowId: wf.id, workflowVersion: 1, trigger: 'MANUAL' } });
  ids = { wf: wf.gid, ex: globalId('Execution', ex.id) };
});
afterAll(() => app.stop());

describe('armor limits', () => {
  it.each(Object.entries(DASHBOARD_DOCUMENTS).filter(([, d]) => d.startsWith('query')))('let the dashboard document %s through', async (_name, doc) => {
    const vars: Record<string, unknown> = {};
    if (doc.includes('$id')) vars.id = doc.includes('execution(id') ? ids.ex : ids.wf;
    const res = await app.graphql(doc, vars, t.keys.ADMIN);
    expect(res.body.errors).toBeUndefined();
  });

  it('let the subscription documents pass validation', async () => {
    // Validation runs before any event: a document over a limit would be refused at once.
    for (const doc of [DASHBOARD_DOCUMENTS.liveExecutions!, DASHBOARD_DOCUMENTS.liveLogs!]) {
      const controller = new AbortController();
      const res = await fetch(`${app.url}/graphql`, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${t.keys.VIEWER}` }, body: JSON.stringify({ query: doc }) });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await Promise.race([reader.read(), new Promise<{ value: undefined }>((r) => setTimeout(() => r({ value: undefined }), 300))])).value ?? new Uint8Array());
      expect(first).not.toMatch(/"errors"/);
      controller.abort();
    }
  });

  it('refuse abusive documents: too deep, too many aliases, too many tokens, too costly', async () => {
    let deep = 'id';
    for (let i = 0; i < 3; i++) deep = `workflow { executions(first: 1) { edges { node { ${deep} } } } }`;
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: viewer { role }`).join(' ');
    const tokens = `{ ${Array.from({ length: 2100 }, () => '__typename').join(' ')} }`;
    const costly = `{ ${Array.from({ length: 14 }, (_, i) => `w${i}: workflows(first: 100) { edges { node { ${'name description enabled schedule timezone version createdAt updatedAt '.repeat(1)} executions(first: 100) { edges { node { id status createdAt } } } } } }`).join(' ')} }`;
    const expectations: [string, RegExp, string][] = [
      [`{ executions(first: 1) { edges { node { ${deep} } } } }`, /depth/i, 'DEPTH_LIMIT_EXCEEDED'],
      [`{ ${aliases} }`, /alias/i, 'ALIAS_LIMIT_EXCEEDED'],
      [tokens, /token/i, 'TOKEN_LIMIT_EXCEEDED'],
      [costly, /cost/i, 'COST_LIMIT_EXCEEDED'],
    ];
    for (const [doc, message, code] of expectations) {
      const res = await app.graphql(doc, {}, t.keys.VIEWER);
      expect(JSON.stringify(res.body), doc.slice(0, 60)).toMatch(message);
      // A stable code, so a client need not parse the message (which hides the limits in production).
      expect(res.body.errors?.map((e) => e.extensions?.code), doc.slice(0, 60)).toEqual([code]);
      expect(res.body.data ?? null).toBeNull();
    }
  });

  // The same costly shape with its page sizes moved into variables (or their defaults) used to
  // count each list as one row, so the cost limit let it through.
  const COSTLY_WITH_VARIABLES = `query($w: Int, $e: Int = 100) { ${Array.from({ length: 14 }, (_, i) => `w${i}: workflows(first: $w) { edges { node { name description executions(first: $e) { edges { node { id status createdAt } } } } } }`).join(' ')} }`;

  it("let every dashboard document through at the largest page its lists allow (page sizes come as variables)", () => {
    for (const [name, doc] of Object.entries(clientDocuments)) {
      if (!name.endsWith('Document') || typeof doc !== 'object') continue;
      const cost = operationCost(doc as DocumentNode, undefined, { first: name.startsWith('LogsPage') ? 500 : 100, last: 100, withTotal: true }, { maxCost: app.config.graphql.maxCost });
      expect(cost, name).toBeLessThanOrEqual(app.config.graphql.maxCost);
    }
  });

  it('count page sizes given as variables, and variable defaults, in the cost', async () => {
    const res = await app.graphql(COSTLY_WITH_VARIABLES, { w: 100 }, t.keys.VIEWER);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(res.body.data ?? null).toBeNull();
    // Small pages of the same document stay under the limit: it is the sizes that cost.
    const small = await app.graphql(COSTLY_WITH_VARIABLES, { w: 2, e: 2 }, t.keys.VIEWER);
    expect(small.body.errors).toBeUndefined();
  });

  it('apply the cost limit to subscriptions over SSE with their variables', async () => {
    const doc = `subscription($n: Int!) { executionUpdated { ${Array.from({ length: 12 }, (_, i) => `a${i}: workflow { executions(first: $n) { edges { node { stepRuns { id name status output error } } } } }`).join(' ')} } }`;
    const controller = new AbortController();
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${t.keys.VIEWER}` }, body: JSON.stringify({ query: doc, variables: { n: 100 } }) });
    // Refused at once; an accepted subscription would send nothing until an event.
    const reader = res.body!.getReader();
    const first = await Promise.race([reader.read(), new Promise<{ value: undefined }>((r) => setTimeout(() => r({ value: undefined }), 3_000))]);
    controller.abort();
    expect(new TextDecoder().decode(first.value ?? new Uint8Array())).toContain('COST_LIMIT_EXCEEDED');
  });
});
