// Tenant isolation: another tenant's ADMIN key runs every query, mutation and node path with
// tenant A's ids. Each answer must equal the answer for an id that never existed, and A's rows
// must be unchanged afterwards.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLogCursor } from '../src/logs/query.ts';
import { startTestApp } from './app.ts';
import { globalId, seedWorkflow, tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let a: TestTenant;
let b: TestTenant;
const ids: Record<string, string> = {};
let logCursor: string;

async function snapshot(tenantId: string) {
  const [workflows, executions, integrations, apiKeys, bulkOperations, alertDestinations, tenant] = await Promise.all([
    app.db.workflow.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    app.db.workflowExecution.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    app.db.integration.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    app.db.apiKey.findMany({ where: { tenantId }, orderBy: { id: 'asc' }, omit: { lastUsedAt: true } }),
    app.db.bulkOperation.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }),
    app.db.alertDestination.findMany({ where: { tenantId }, orderBy: { id: 'asc' }, include: { deliveries: true } }),
    app.db.tenant.findUniqueOrThrow({ where: { id: tenantId } }),
  ]);
  return { workflows, executions, integrations, apiKeys, bulkOperations, alertDestinations, tenant };
}

beforeAll(async () => {
  app = await startTestApp();
  [a, b] = [await tenantWithKeys(app.db), await tenantWithKeys(app.db)];
  const wf = await seedWorkflow(app.db, a.id);
  const failed = await app.db.workflowExecution.create({ data: { tenantId: a.id, workflowId: wf.id, workflowVersion: 1, trigger: 'MANUAL', status: 'FAILED' } });
  const pending = await app.db.workflowExecution.create({ data: { tenantId: a.id, workflowId: wf.id, workflowVersion: 1, trigger: 'MANUAL' } });
  const integration = await app.db.integration.create({ data: { tenantId: a.id, kind: 'PANCAKE_POS', name: 'pos' } });
  const key = await app.db.apiKey.findFirstOrThrow({ where: { tenantId: a.id, role: 'VIEWER' } });
  const log = await app.db.logEntry.create({ data: { tenantId: a.id, level: 'INFO', message: 'secret of A', workflowId: wf.id, executionId: failed.id } });
  await app.db.metaAdInsight.create({ data: { tenantId: a.id, accountId: 'acc', adId: 'ad', date: new Date('2026-11-01'), campaignId: 'c1' } });
  await app.db.posOrder.create({ data: { tenantId: a.id, shopId: 'shop', orderId: 'o1', orderedAt: new Date(), localDate: new Date('2026-11-01'), utmCampaign: 'c1' } });
  const bulk = await app.db.bulkOperation.create({ data: { tenantId: a.id, kind: 'CANCEL', filter: { statuses: ['PENDING'] }, total: 1 } });
  const destination = await app.db.alertDestination.create({ data: { tenantId: a.id, name: 'pager', url: 'https://93.184.216.34/x', events: ['RUN_FAILED'] } });
  await app.db.alertDelivery.create({ data: { tenantId: a.id, destinationId: destination.id, event: 'RUN_FAILED', payload: { secret: 'of A' } } });
  await app.db.tenant.update({ where: { id: a.id }, data: { logRetention: { DEBUG: 3 } } });
  Object.assign(ids, {
    BulkOperation: globalId('BulkOperation', bulk.id),
    AlertDestination: globalId('AlertDestination', destination.id),
    Workflow: wf.gid,
    FailedExecution: globalId('Execution', failed.id),
    PendingExecution: globalId('Execution', pending.id),
    Integration: globalId('Integration', integration.id),
    ApiKey: globalId('ApiKey', key.id),
  });
  logCursor = encodeLogCursor(log);
});
afterAll(() => app.stop());

const missing = (typename: string) => globalId(typename, randomUUID());

/** Runs the document with A's id and with a never-existing id; both answers must be the same. */
async function sameAsMissing(doc: string, typename: string, aId: string) {
  const other = missing(typename);
  const withA = await app.graphql(doc, { id: aId }, b.keys.ADMIN);
  const withMissing = await app.graphql(doc, { id: other }, b.keys.ADMIN);
  const norm = (body: unknown, id: string) => JSON.parse(JSON.stringify(body).replaceAll(id, '<ID>').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<UUID>'));
  expect(withA.status).toBe(withMissing.status);
  expect(norm(withA.body, aId)).toEqual(norm(withMissing.body, other));
  return withA.body;
}

describe('another tenant', () => {
  it('sees nothing through node, nodes and the single-object queries', async () => {
    // The ids are real: their own tenant finds every one.
    for (const name of ['Workflow', 'FailedExecution', 'Integration', 'ApiKey', 'BulkOperation', 'AlertDestination']) {
      expect((await app.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: ids[name] }, a.keys.ADMIN)).body.data.node, name).toEqual({ id: ids[name] });
    }
    for (const [name, typename] of [['Workflow', 'Workflow'], ['FailedExecution', 'Execution'], ['Integration', 'Integration'], ['ApiKey', 'ApiKey'], ['BulkOperation', 'BulkOperation'], ['AlertDestination', 'AlertDestination']] as const) {
      const body = await sameAsMissing(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, typename, ids[name]!);
      expect(body.data).toEqual({ node: null, nodes: [null] });
    }
    expect((await sameAsMissing(`query($id: ID!) { workflow(id: $id) { id name } }`, 'Workflow', ids.Workflow!)).data).toEqual({ workflow: null });
    expect((await sameAsMissing(`query($id: ID!) { execution(id: $id) { id } }`, 'Execution', ids.FailedExecution!)).data).toEqual({ execution: null });
    expect((await sameAsMissing(`query($id: ID!) { bulkOperation(id: $id) { id } }`, 'BulkOperation', ids.BulkOperation!)).data).toEqual({ bulkOperation: null });
  });

  it('sees empty lists, also when filtering by the other tenant’s ids or paging from its cursor', async () => {
    const lists = await app.graphql(
      `query($wf: ID, $ex: ID, $cursor: String) {
        workflows(first: 50) { totalCount edges { node { id } } }
        executions(first: 50) { totalCount edges { node { id } } }
        byWorkflow: executions(first: 50, filter: { workflowId: $wf }) { totalCount edges { node { id } } }
        logs(first: 50) { totalCount edges { node { id } } }
        logsFiltered: logs(first: 50, filter: { workflowId: $wf, executionId: $ex }) { totalCount edges { node { id } } }
        logsPaged: logs(first: 50, after: $cursor) { edges { node { id } } }
        integrations(first: 50) { totalCount edges { node { id } } }
        apiKeys(first: 50) { totalCount }
        bulkOperations(first: 50) { totalCount edges { node { id } } }
        alertDestinations(first: 50) { totalCount edges { node { id } } }
        logRetention { DEBUG customLevels }
        metaAdInsights(first: 50, filter: { campaignId: "c1" }) { totalCount edges { node { id } } }
        posOrders(first: 50, filter: { campaign: "c1" }) { totalCount edges { node { id } } }
      }`,
      { wf: ids.Workflow, ex: ids.FailedExecution, cursor: logCursor },
      b.keys.ADMIN,
    );
    expect(lists.body.errors).toBeUndefined();
    const d = lists.body.data;
    for (const field of ['workflows', 'executions', 'byWorkflow', 'logs', 'logsFiltered', 'integrations', 'metaAdInsights', 'posOrders', 'bulkOperations', 'alertDestinations']) {
      expect(d[field], field).toEqual({ totalCount: 0, edges: [] });
    }
    expect(d.logsPaged.edges).toEqual([]);
    expect(d.apiKeys.totalCount).toBe(3); // B's own three keys only
    expect(d.logRetention).toEqual({ DEBUG: app.config.logs.retentionDays, customLevels: [] });
  });

  it('gets NotFoundError from every mutation on the other tenant’s objects, and changes nothing', async () => {
    const before = await snapshot(a.id);
    const cases: [string, string, string][] = [
      [`mutation($id: ID!) { updateWorkflow(id: $id, input: { name: "hijacked" }) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { enableWorkflow(id: $id) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { disableWorkflow(id: $id) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { deleteWorkflow(id: $id) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { triggerWorkflow(id: $id) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { cancelExecution(id: $id) { __typename } }`, 'Execution', ids.PendingExecution!],
      [`mutation($id: ID!) { retryExecution(id: $id) { __typename } }`, 'Execution', ids.FailedExecution!],
      [`mutation($id: ID!) { updateIntegration(id: $id, input: { name: "x", credentials: { a: 1 } }) { __typename } }`, 'Integration', ids.Integration!],
      [`mutation($id: ID!) { deleteIntegration(id: $id) { __typename } }`, 'Integration', ids.Integration!],
      [`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, 'ApiKey', ids.ApiKey!],
      [`mutation($id: ID!) { bulkCancelExecutions(filter: { workflowId: $id }) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { bulkRetryExecutions(filter: { workflowId: $id }) { __typename } }`, 'Workflow', ids.Workflow!],
      [`mutation($id: ID!) { stopBulkOperation(id: $id) { __typename } }`, 'BulkOperation', ids.BulkOperation!],
      [`mutation($id: ID!) { updateAlertDestination(id: $id, input: { enabled: false }) { __typename } }`, 'AlertDestination', ids.AlertDestination!],
      [`mutation($id: ID!) { deleteAlertDestination(id: $id) { __typename } }`, 'AlertDestination', ids.AlertDestination!],
    ];
    for (const [doc, typename, id] of cases) {
      const body = await sameAsMissing(doc, typename, id);
      expect(Object.values(body.data)[0], doc).toEqual({ __typename: 'NotFoundError' });
    }
    expect(await snapshot(a.id)).toEqual(before);
    expect(await app.db.workflowExecution.count({ where: { tenantId: b.id } })).toBe(0);
    expect(await app.db.bulkOperation.count({ where: { tenantId: b.id } })).toBe(0);
  });
});
