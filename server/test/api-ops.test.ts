// The operations API: maintenance status, log retention, bulk operations and alert destinations,
// through HTTP with real keys of every role.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationSecret } from '../src/engine/alerts.ts';
import { processBulkOperation } from '../src/engine/bulk.ts';
import { createQueues } from '../src/engine/queues.ts';
import { startTestApp } from './app.ts';
import { globalId, rowIdOf, seedWorkflow, tenantWithKeys, type TestTenant } from './api-helpers.ts';

const PREFIX = `ops${randomUUID().slice(0, 8)}`;
let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  app = await startTestApp(['api'], { REDIS_PREFIX: PREFIX, OUTBOUND_ALLOW_HOSTS: 'hooks.internal', LOG_RETENTION_DAYS: '30' });
  [t, other] = [await tenantWithKeys(app.db), await tenantWithKeys(app.db)];
});
afterAll(async () => {
  const queues = createQueues(app.redis, PREFIX);
  await queues.maintenance.obliterate({ force: true }).catch(() => {});
  await queues.close();
  await app.stop();
});

const code = (body: { errors?: { extensions: { code: string } }[] }) => body.errors?.[0]?.extensions.code;
const DAY = 86_400_000;

describe('maintenanceStatus', () => {
  const MAINT = `{ maintenanceStatus { healthy failing runs { runId task status dryRun startedAt finishedAt } } }`;

  it('shows the latest run per task and which tasks fail, without internal details or errors', async () => {
    const tag = randomUUID().slice(0, 8);
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const recovered = `recovered-${tag}`;
    const broken = `broken-${tag}`;
    const dryAfterFailure = `dry-${tag}`;
    await app.db.maintenanceRun.createMany({
      data: [
        { task: recovered, status: 'FAILED', startedAt: at(30), finishedAt: at(29), error: 'old failure' },
        { task: recovered, status: 'SUCCEEDED', startedAt: at(10), finishedAt: at(9), details: { rowsDeleted: [{ tenantId: other.id }] } },
        { task: broken, status: 'SUCCEEDED', startedAt: at(30), finishedAt: at(29) },
        { task: broken, status: 'FAILED', startedAt: at(5), finishedAt: at(4), error: 'connect ECONNREFUSED 10.1.2.3:5432 secret-host' },
        { task: dryAfterFailure, status: 'FAILED', startedAt: at(20), finishedAt: at(19), error: 'lock timeout' },
        { task: dryAfterFailure, status: 'SUCCEEDED', dryRun: true, startedAt: at(2), finishedAt: at(1) },
      ],
    });
    const res = await app.graphql(MAINT, {}, t.keys.ADMIN);
    expect(res.body.errors).toBeUndefined();
    const status = res.body.data.maintenanceStatus;
    const mine = status.runs.filter((r: { task: string }) => r.task.endsWith(tag));
    expect(mine.map((r: { task: string; status: string; dryRun: boolean }) => [r.task, r.status, r.dryRun])).toEqual([
      [broken, 'FAILED', false],
      [dryAfterFailure, 'SUCCEEDED', true],
      [recovered, 'SUCCEEDED', false],
    ]);
    const latestBroken = await app.db.maintenanceRun.findFirstOrThrow({ where: { task: broken, status: 'FAILED' } });
    expect(mine[0]).toMatchObject({ runId: latestBroken.id, finishedAt: latestBroken.finishedAt!.toISOString() });
    // A dry run succeeding does not hide that the task's last real run failed.
    expect(status.failing).toEqual(expect.arrayContaining([broken, dryAfterFailure]));
    expect(status.failing).not.toContain(recovered);
    expect(status.healthy).toBe(false);
    const text = JSON.stringify(res.body);
    for (const secret of ['ECONNREFUSED', 'secret-host', 'lock timeout', other.id]) expect(text).not.toContain(secret);
  });

  it('is for ADMIN keys only', async () => {
    for (const key of [t.keys.OPERATOR, t.keys.VIEWER]) expect(code((await app.graphql(MAINT, {}, key)).body)).toBe('FORBIDDEN');
    expect(code((await app.graphql(MAINT)).body)).toBe('UNAUTHENTICATED');
  });
});

describe('log retention', () => {
  const RETENTION = `DEBUG INFO WARN ERROR defaultDays customLevels`;
  const SET = `mutation($i: LogRetentionInput!) { setLogRetention(input: $i) { __typename
    ... on SetLogRetentionPayload { logRetention { ${RETENTION} } } ... on ValidationError { problems { path message } } } }`;

  it('shows the default, sets per-level days, and refuses bad input without changing anything', async () => {
    const tenant = await tenantWithKeys(app.db);
    const initial = await app.graphql(`{ logRetention { ${RETENTION} } }`, {}, tenant.keys.VIEWER);
    expect(initial.body.data.logRetention).toEqual({ DEBUG: 30, INFO: 30, WARN: 30, ERROR: 30, defaultDays: 30, customLevels: [] });

    const set = await app.graphql(SET, { i: { DEBUG: 7, ERROR: 60 } }, tenant.keys.ADMIN);
    expect(set.body.data.setLogRetention).toEqual({
      __typename: 'SetLogRetentionPayload',
      logRetention: { DEBUG: 7, INFO: 30, WARN: 30, ERROR: 60, defaultDays: 30, customLevels: ['DEBUG', 'ERROR'] },
    });
    const stored = async () => (await app.db.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).logRetention;
    expect(await stored()).toEqual({ DEBUG: 7, ERROR: 60 });

    const bad = await app.graphql(SET, { i: { DEBUG: 0, INFO: 5000, WARN: 10 } }, tenant.keys.ADMIN);
    expect(bad.body.data.setLogRetention.__typename).toBe('ValidationError');
    expect(bad.body.data.setLogRetention.problems.map((p: { path: string }) => p.path)).toEqual(['input.DEBUG', 'input.INFO']);
    expect(await stored()).toEqual({ DEBUG: 7, ERROR: 60 });

    expect(code((await app.graphql(SET, { i: { DEBUG: 1 } }, tenant.keys.OPERATOR)).body)).toBe('FORBIDDEN');
    expect(await stored()).toEqual({ DEBUG: 7, ERROR: 60 });

    const cleared = await app.graphql(SET, { i: { DEBUG: null } }, tenant.keys.ADMIN);
    expect(cleared.body.data.setLogRetention.logRetention.customLevels).toEqual([]);
    expect(await stored()).toBeNull();
  });

  // Retention stays within the suites' 90-day default: a longer one anywhere in the database moves
  // the partition cutoff that the log-maintenance suites running alongside expect.
  it('previews what retention would remove for this tenant only', async () => {
    const tenant = await tenantWithKeys(app.db);
    await app.graphql(SET, { i: { DEBUG: 7, ERROR: 60 } }, tenant.keys.ADMIN);
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    const line = (tenantId: string, level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', days: number) => ({ tenantId, level, message: 'm', createdAt: ago(days) });
    await app.db.logEntry.createMany({
      data: [
        ...[10, 11, 12].map((d) => line(tenant.id, 'DEBUG', d)),
        ...[1, 2].map((d) => line(tenant.id, 'DEBUG', d)),
        line(tenant.id, 'INFO', 40),
        line(tenant.id, 'INFO', 20),
        line(tenant.id, 'ERROR', 45),
        line(tenant.id, 'ERROR', 70),
        ...[10, 55].map((d) => line(other.id, 'DEBUG', d)),
      ],
    });
    const before = await app.db.logEntry.count({ where: { tenantId: tenant.id } });
    const res = await app.graphql(`{ logRetentionPreview { level days before rows exact } }`, {}, tenant.keys.ADMIN);
    expect(res.body.errors).toBeUndefined();
    const byLevel = Object.fromEntries(res.body.data.logRetentionPreview.map((p: { level: string }) => [p.level, p]));
    expect(byLevel.DEBUG).toMatchObject({ days: 7, rows: 3, exact: true });
    expect(byLevel.INFO).toMatchObject({ days: 30, rows: 1 });
    expect(byLevel.WARN).toMatchObject({ days: 30, rows: 0 });
    expect(byLevel.ERROR).toMatchObject({ days: 60, rows: 1 });
    expect(Date.parse(byLevel.DEBUG.before)).toBeGreaterThan(ago(7).getTime() - 60_000);
    expect(await app.db.logEntry.count({ where: { tenantId: tenant.id } })).toBe(before);
    expect(code((await app.graphql(`{ logRetentionPreview { rows } }`, {}, tenant.keys.OPERATOR)).body)).toBe('FORBIDDEN');
  });
});

describe('bulk operations', () => {
  const OP = `id kind status total processed succeeded percent stopRequestedAt filter { workflowId statuses since until }`;
  const RESULT = `__typename ... on BulkOperationPayload { bulkOperation { ${OP} } } ... on ValidationError { problems { path message } } ... on NotFoundError { entity } ... on ConflictError { message }`;
  const RETRY = `mutation($f: ExecutionFilter) { bulkRetryExecutions(filter: $f) { ${RESULT} } }`;
  const CANCEL = `mutation($f: ExecutionFilter) { bulkCancelExecutions(filter: $f) { ${RESULT} } }`;
  const STOP = `mutation($id: ID!) { stopBulkOperation(id: $id) { ${RESULT} } }`;

  it('retries the matching executions in the background and shows the progress', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const otherWf = await seedWorkflow(app.db, t.id);
    const data = (workflowId: string, status: 'FAILED' | 'COMPLETED' | 'PENDING') => ({ tenantId: t.id, workflowId, workflowVersion: 1, trigger: 'API' as const, status });
    await app.db.workflowExecution.createMany({ data: [data(wf.id, 'FAILED'), data(wf.id, 'FAILED'), data(wf.id, 'FAILED'), data(wf.id, 'COMPLETED'), data(otherWf.id, 'FAILED')] });

    expect(code((await app.graphql(RETRY, { f: { workflowId: wf.gid } }, t.keys.VIEWER)).body)).toBe('FORBIDDEN');
    const until = new Date(Date.now() + 60_000).toISOString();
    const started = await app.graphql(RETRY, { f: { workflowId: wf.gid, until } }, t.keys.OPERATOR);
    const op = started.body.data.bulkRetryExecutions.bulkOperation;
    expect(op).toMatchObject({ kind: 'RETRY', status: 'PENDING', total: 3, processed: 0, percent: 0, filter: { workflowId: wf.gid, statuses: ['FAILED', 'CANCELLED'], since: null, until } });
    const job = await createQueues(app.redis, PREFIX).maintenance.getJob(`bulk-${rowIdOf(op.id)}`);
    expect(job?.name).toBe('bulk');

    // The worker's part, as the maintenance worker runs it.
    const queues = createQueues(app.redis, PREFIX);
    await processBulkOperation({ db: app.db, queues, redis: app.redis, redisPrefix: PREFIX }, rowIdOf(op.id));
    await queues.close();
    const done = await app.graphql(`query($id: ID!) { bulkOperation(id: $id) { ${OP} finishedAt } node(id: $id) { id } }`, { id: op.id }, t.keys.VIEWER);
    expect(done.body.data.bulkOperation).toMatchObject({ status: 'COMPLETED', total: 3, processed: 3, succeeded: 3, percent: 100 });
    expect(done.body.data.node).toEqual({ id: op.id });
    expect(await app.db.workflowExecution.count({ where: { workflowId: wf.id, retryOfId: { not: null } } })).toBe(3);
    expect(await app.db.workflowExecution.count({ where: { workflowId: otherWf.id } })).toBe(1);

    const stopDone = await app.graphql(STOP, { id: op.id }, t.keys.OPERATOR);
    expect(stopDone.body.data.stopBulkOperation.__typename).toBe('ConflictError');

    const list = await app.graphql(`{ bulkOperations(first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage } } }`, {}, t.keys.VIEWER);
    expect(list.body.data.bulkOperations.edges[0].node.id).toBe(op.id);
  });

  it('stops a pending operation, and refuses bad filters without creating anything', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    await app.db.workflowExecution.create({ data: { tenantId: t.id, workflowId: wf.id, workflowVersion: 1, trigger: 'API' } });
    const count = () => app.db.bulkOperation.count({ where: { tenantId: t.id } });
    const before = await count();
    const cases: [string, Record<string, unknown>, string][] = [
      [CANCEL, { statuses: ['FAILED'] }, 'filter.statuses'],
      [CANCEL, { triggers: ['API'] }, 'filter.triggers'],
      [RETRY, { since: '2026-11-02T00:00:00Z', until: '2026-11-01T00:00:00Z' }, 'filter.until'],
    ];
    for (const [doc, f, path] of cases) {
      const res = await app.graphql(doc, { f }, t.keys.OPERATOR);
      const result = Object.values(res.body.data)[0] as { __typename: string; problems: { path: string }[] };
      expect(result.__typename, path).toBe('ValidationError');
      expect(result.problems.map((p) => p.path)).toEqual([path]);
    }
    const missingWf = await app.graphql(CANCEL, { f: { workflowId: globalId('Workflow', randomUUID()) } }, t.keys.OPERATOR);
    expect(missingWf.body.data.bulkCancelExecutions).toEqual({ __typename: 'NotFoundError', entity: 'Workflow' });
    expect(await count()).toBe(before);

    const started = await app.graphql(CANCEL, { f: { workflowId: wf.gid } }, t.keys.OPERATOR);
    const op = started.body.data.bulkCancelExecutions.bulkOperation;
    expect(op).toMatchObject({ kind: 'CANCEL', total: 1, filter: { statuses: ['PENDING', 'RUNNING', 'WAITING'] } });
    expect(code((await app.graphql(STOP, { id: op.id }, t.keys.VIEWER)).body)).toBe('FORBIDDEN');
    const stopped = await app.graphql(STOP, { id: op.id }, t.keys.OPERATOR);
    expect(stopped.body.data.stopBulkOperation.bulkOperation.stopRequestedAt).not.toBeNull();
    const queues = createQueues(app.redis, PREFIX);
    await processBulkOperation({ db: app.db, queues, redis: app.redis, redisPrefix: PREFIX }, rowIdOf(op.id));
    await queues.close();
    expect((await app.db.bulkOperation.findUniqueOrThrow({ where: { id: rowIdOf(op.id) } })).status).toBe('STOPPED');
    expect((await app.db.workflowExecution.findFirstOrThrow({ where: { workflowId: wf.id } })).status).toBe('PENDING');
  });
});

describe('alert destinations', () => {
  const DEST = `id name url events enabled`;
  const CREATE = `mutation($i: CreateAlertDestinationInput!) { createAlertDestination(input: $i) { __typename
    ... on CreateAlertDestinationPayload { signingSecret alertDestination { ${DEST} } } ... on ValidationError { problems { path message } } } }`;
  const UPDATE = `mutation($id: ID!, $i: UpdateAlertDestinationInput!) { updateAlertDestination(id: $id, input: $i) { __typename
    ... on AlertDestinationPayload { alertDestination { ${DEST} } } ... on ValidationError { problems { path message } } ... on NotFoundError { entity } } }`;

  it('creates a destination with its secret shown once, updates and deletes it (ADMIN only)', async () => {
    const tenant = await tenantWithKeys(app.db);
    const input = { name: 'Ops pager', url: 'https://93.184.216.34/hooks/flowdeck', events: ['RUN_FAILED', 'SLOT_MISSED', 'RUN_FAILED'] };
    expect(code((await app.graphql(CREATE, { i: input }, tenant.keys.OPERATOR)).body)).toBe('FORBIDDEN');
    const created = await app.graphql(CREATE, { i: input }, tenant.keys.ADMIN);
    const { alertDestination: dest, signingSecret } = created.body.data.createAlertDestination;
    expect(dest).toMatchObject({ name: 'Ops pager', url: input.url, events: ['RUN_FAILED', 'SLOT_MISSED'], enabled: true });
    // The secret the workers sign with (engine/alerts.ts).
    expect(signingSecret).toBe(destinationSecret(app.config.signingSecret, rowIdOf(dest.id)));

    const listed = await app.graphql(`{ alertDestinations(first: 10) { totalCount edges { node { ${DEST} } } } }`, {}, tenant.keys.ADMIN);
    expect(listed.body.data.alertDestinations).toEqual({ totalCount: 1, edges: [{ node: dest }] });
    expect(JSON.stringify(listed.body)).not.toContain(signingSecret);
    expect(code((await app.graphql(`{ alertDestinations(first: 1) { totalCount } }`, {}, tenant.keys.OPERATOR)).body)).toBe('FORBIDDEN');

    const updated = await app.graphql(UPDATE, { id: dest.id, i: { enabled: false, events: ['MAINTENANCE_FAILED'] } }, tenant.keys.ADMIN);
    expect(updated.body.data.updateAlertDestination.alertDestination).toMatchObject({ enabled: false, events: ['MAINTENANCE_FAILED'], url: input.url });

    const del = await app.graphql(`mutation($id: ID!) { deleteAlertDestination(id: $id) { __typename ... on DeleteAlertDestinationPayload { deletedAlertDestinationId } } }`, { id: dest.id }, tenant.keys.ADMIN);
    expect(del.body.data.deleteAlertDestination.deletedAlertDestinationId).toBe(dest.id);
    expect(await app.db.alertDestination.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  it('refuses URLs the outbound guard blocks (allow-listed hosts pass) and bad input, changing nothing', async () => {
    const tenant = await tenantWithKeys(app.db);
    const refused: [Record<string, unknown>, string[]][] = [
      [{ name: 'x', url: 'http://127.0.0.1:6379/', events: ['RUN_FAILED'] }, ['input.url']],
      [{ name: 'x', url: 'http://169.254.169.254/latest/meta-data', events: ['RUN_FAILED'] }, ['input.url']],
      [{ name: 'x', url: 'file:///etc/passwd', events: ['RUN_FAILED'] }, ['input.url']],
      [{ name: ' ', url: 'not a url', events: [] }, ['input.name', 'input.url', 'input.events']],
    ];
    for (const [i, paths] of refused) {
      const res = await app.graphql(CREATE, { i }, tenant.keys.ADMIN);
      expect(res.body.data.createAlertDestination.__typename, String(i.url)).toBe('ValidationError');
      expect(res.body.data.createAlertDestination.problems.map((p: { path: string }) => p.path)).toEqual(paths);
    }
    expect(await app.db.alertDestination.count({ where: { tenantId: tenant.id } })).toBe(0);

    // OUTBOUND_ALLOW_HOSTS=hooks.internal: allowed without resolving it.
    const internal = await app.graphql(CREATE, { i: { name: 'internal', url: 'http://hooks.internal/alerts', events: ['RUN_FAILED'] } }, tenant.keys.ADMIN);
    const dest = internal.body.data.createAlertDestination.alertDestination;
    expect(dest.url).toBe('http://hooks.internal/alerts');
    const rowBefore = await app.db.alertDestination.findUniqueOrThrow({ where: { id: rowIdOf(dest.id) } });
    const badUpdate = await app.graphql(UPDATE, { id: dest.id, i: { name: 'renamed', url: 'http://10.0.0.5/x' } }, tenant.keys.ADMIN);
    expect(badUpdate.body.data.updateAlertDestination.problems.map((p: { path: string }) => p.path)).toEqual(['input.url']);
    expect(await app.db.alertDestination.findUniqueOrThrow({ where: { id: rowIdOf(dest.id) } })).toEqual(rowBefore);
  });

  it('pages the deliveries of a destination, newest first', async () => {
    const tenant = await tenantWithKeys(app.db);
    const created = await app.graphql(CREATE, { i: { name: 'd', url: 'https://93.184.216.34/x', events: ['RUN_FAILED'] } }, tenant.keys.ADMIN);
    const destId = created.body.data.createAlertDestination.alertDestination.id;
    const base = Date.now() - 60_000;
    for (const [n, status, lastStatus, lastError] of [
      [0, 'DELIVERED', 200, null],
      [1, 'FAILED', 500, 'HTTP 500'],
      [2, 'PENDING', null, 'timeout'],
    ] as const) {
      await app.db.alertDelivery.create({
        data: { tenantId: tenant.id, destinationId: rowIdOf(destId), event: 'RUN_FAILED', payload: { n }, status, attempts: n + 1, lastStatus, lastError, createdAt: new Date(base + n * 1000) },
      });
    }
    const PAGE = `query($id: ID!, $after: String) { node(id: $id) { ... on AlertDestination { deliveries(first: 2, after: $after) {
      totalCount edges { node { event payload status attempts lastStatus lastError } } pageInfo { hasNextPage endCursor } } } } }`;
    const first = (await app.graphql(PAGE, { id: destId }, tenant.keys.ADMIN)).body.data.node.deliveries;
    expect(first.totalCount).toBe(3);
    expect(first.edges.map((e: { node: { payload: { n: number } } }) => e.node.payload.n)).toEqual([2, 1]);
    expect(first.edges[1].node).toEqual({ event: 'RUN_FAILED', payload: { n: 1 }, status: 'FAILED', attempts: 2, lastStatus: 500, lastError: 'HTTP 500' });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await app.graphql(PAGE, { id: destId, after: first.pageInfo.endCursor }, tenant.keys.ADMIN)).body.data.node.deliveries;
    expect(second.edges.map((e: { node: { payload: { n: number } } }) => e.node.payload.n)).toEqual([0]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // Destinations are ADMIN-only through node(id) too.
    expect((await app.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: destId }, tenant.keys.OPERATOR)).body.data?.node ?? null).toBeNull();
  });
});
