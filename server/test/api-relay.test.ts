// Relay connections over a seeded dataset: every list walked forward (first/after) and backward
// (last/before) while rows are inserted between pages — no repeats, no gaps, consistent order —
// and the number of SQL queries per list field, which must not grow with the page (no N+1).
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis } from '../src/redis.ts';
import { globalId, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';

// The app runs on a client whose every SQL statement is counted.
const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 4 }), log: [{ emit: 'event', level: 'query' }] });
const statements: { query: string; params: string }[] = [];
db.$on('query', (e) => statements.push({ query: e.query, params: e.params }));
const redis = createRedis();
let app: Awaited<ReturnType<typeof startApp>>;
let url: string;
let t: TestTenant;

async function gql(query: string, variables: Record<string, unknown> = {}) {
  // The walks pass the nested list's workflow id to every document; only one declares it.
  if (!query.includes('$wf')) delete variables.wf;
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

const day = (n: number) => new Date(Date.UTC(2026, 9, 1 + n));
let workflowIds: string[] = [];
let seededExecutionsOfFirst: string[] = [];

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0', FLOWDECK_ROLES: 'api', RATE_LIMIT_PER_MINUTE: '0' });
  app = await startApp({ config, db, redis, logger: createLogger('silent') });
  url = `http://127.0.0.1:${app.port}`;
  t = await tenantWithKeys(db);
  for (let i = 0; i < 23; i++) workflowIds.push((await db.workflow.create({ data: { tenantId: t.id, name: `wf ${i}`, definition: VALID_DEFINITION } })).id);
  for (let i = 0; i < 40; i++) {
    const e = await db.workflowExecution.create({ data: { tenantId: t.id, workflowId: workflowIds[i % 2]!, workflowVersion: 1, trigger: 'MANUAL', stepsTotal: 2 } });
    if (i % 2 === 0) seededExecutionsOfFirst.push(e.id);
    await db.stepRun.createMany({ data: [0, 1].map((index) => ({ tenantId: t.id, executionId: e.id, index, type: 'log' })) });
  }
  const base = Date.now() - 3_600_000;
  // Several entries share a millisecond, so the id tie-break of the keyset is exercised.
  await db.logEntry.createMany({ data: Array.from({ length: 45 }, (_, i) => ({ tenantId: t.id, level: 'INFO' as const, message: `line ${i}`, workflowId: workflowIds[i % 5], createdAt: new Date(base + Math.floor(i / 3) * 1000) })) });
  for (let i = 0; i < 11; i++) await db.integration.create({ data: { tenantId: t.id, kind: 'META_ADS', name: `acct ${i}` } });
  for (let i = 0; i < 12; i++) {
    const dest = await db.alertDestination.create({ data: { tenantId: t.id, name: `hook ${i}`, url: `https://93.184.216.${i}/h`, events: ['RUN_FAILED'] } });
    await db.alertDelivery.createMany({ data: Array.from({ length: 3 }, (_, k) => ({ tenantId: t.id, destinationId: dest.id, event: 'RUN_FAILED' as const, payload: { k }, createdAt: new Date(Date.now() - k * 1000) })) });
  }
  await db.metaAdInsight.createMany({ data: Array.from({ length: 30 }, (_, i) => ({ tenantId: t.id, accountId: 'a', adId: `ad${i % 4}`, date: day(Math.floor(i / 4)) })) });
  await db.posOrder.createMany({ data: Array.from({ length: 30 }, (_, i) => ({ tenantId: t.id, shopId: 's', orderId: `o${i}`, orderedAt: day(i % 9), localDate: day(i % 9) })) });
});
afterAll(async () => {
  await app.stop();
  await db.$disconnect();
  redis.disconnect();
});

interface Walkable {
  name: string;
  /** The connection selection, with $first/$after/$last/$before forwarded. */
  field: string;
  /** Reads the connection out of the response. */
  pick?: (data: any) => any;
  /** Inserts one row while a walk is under way. */
  insert: () => Promise<unknown>;
  expected: () => Promise<number>;
}

const PAGE = `totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;
const ARGS = 'first: $first, after: $after, last: $last, before: $before';

const connections: Walkable[] = [
  { name: 'workflows', field: `conn: workflows(${ARGS}) { ${PAGE} }`, insert: () => db.workflow.create({ data: { tenantId: t.id, name: 'late', definition: VALID_DEFINITION } }), expected: () => db.workflow.count({ where: { tenantId: t.id, deletedAt: null } }) },
  { name: 'executions', field: `conn: executions(${ARGS}) { ${PAGE} }`, insert: () => db.workflowExecution.create({ data: { tenantId: t.id, workflowId: workflowIds[0]!, workflowVersion: 1, trigger: 'API' } }), expected: () => db.workflowExecution.count({ where: { tenantId: t.id } }) },
  {
    name: 'Workflow.executions (nested, top-level query per parent)',
    field: `wf: workflow(id: $wf) { conn: executions(${ARGS}) { ${PAGE} } }`,
    pick: (d) => d.wf.conn,
    insert: () => db.workflowExecution.create({ data: { tenantId: t.id, workflowId: workflowIds[0]!, workflowVersion: 1, trigger: 'API' } }),
    expected: () => db.workflowExecution.count({ where: { tenantId: t.id, workflowId: workflowIds[0]! } }),
  },
  { name: 'logs', field: `conn: logs(${ARGS}) { ${PAGE} }`, insert: () => db.logEntry.create({ data: { tenantId: t.id, level: 'WARN', message: 'late' } }), expected: () => db.logEntry.count({ where: { tenantId: t.id } }) },
  { name: 'integrations', field: `conn: integrations(${ARGS}) { ${PAGE} }`, insert: () => db.integration.create({ data: { tenantId: t.id, kind: 'PANCAKE_POS', name: randomUUID() } }), expected: () => db.integration.count({ where: { tenantId: t.id } }) },
  { name: 'apiKeys', field: `conn: apiKeys(${ARGS}) { ${PAGE} }`, insert: () => db.apiKey.create({ data: { tenantId: t.id, name: 'late', role: 'VIEWER', prefix: randomUUID().slice(0, 12), secretHash: 'x' } }), expected: () => db.apiKey.count({ where: { tenantId: t.id, revokedAt: null } }) },
  {
    name: 'metaAdInsights (keyset on date, id)',
    field: `conn: metaAdInsights(${ARGS}) { ${PAGE} }`,
    // Inserted in the middle of the date range: it may land on either side of the cursor.
    insert: () => db.metaAdInsight.create({ data: { tenantId: t.id, accountId: 'a', adId: randomUUID(), date: day(3) } }),
    expected: () => db.metaAdInsight.count({ where: { tenantId: t.id } }),
  },
  { name: 'posOrders (keyset on localDate, id)', field: `conn: posOrders(${ARGS}) { ${PAGE} }`, insert: () => db.posOrder.create({ data: { tenantId: t.id, shopId: 's', orderId: randomUUID(), orderedAt: day(4), localDate: day(4) } }), expected: () => db.posOrder.count({ where: { tenantId: t.id } }) },
];

function docFor(c: Walkable): string {
  return `query($first: Int, $after: String, $last: Int, $before: String${c.field.includes('$wf') ? ', $wf: ID!' : ''}) { ${c.field} }`;
}

async function walk(c: Walkable, direction: 'forward' | 'backward', size: number) {
  const doc = docFor(c);
  const pick = c.pick ?? ((d: any) => d.conn);
  const before = new Set((await idsNow(c)).map(String));
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const vars = direction === 'forward' ? { first: size, after: cursor } : { last: size, before: cursor };
    const conn = pick(await gql(doc, { ...vars, wf: globalId('Workflow', workflowIds[0]!) }));
    const nodes = conn.edges.map((e: any) => e.node.id);
    seen.push(...(direction === 'forward' ? nodes : [...nodes].reverse()));
    expect(conn.edges.length).toBeLessThanOrEqual(size);
    await c.insert(); // a concurrent writer between pages
    const more = direction === 'forward' ? conn.pageInfo.hasNextPage : conn.pageInfo.hasPreviousPage;
    if (!more) break;
    cursor = direction === 'forward' ? conn.pageInfo.endCursor : conn.pageInfo.startCursor;
  }
  expect(new Set(seen).size, 'no repeats').toBe(seen.length);
  for (const id of before) expect(seen, 'no gaps').toContain(id);
}

/** The ids currently in the list, newest first (one big page), as the API shows them. */
async function idsNow(c: Walkable): Promise<string[]> {
  const pick = c.pick ?? ((d: any) => d.conn);
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const conn = pick(await gql(docFor(c), { first: 100, after, wf: globalId('Workflow', workflowIds[0]!) }));
    ids.push(...conn.edges.map((e: any) => e.node.id));
    expect(conn.totalCount).toBe(await c.expected());
    if (!conn.pageInfo.hasNextPage) return ids;
    after = conn.pageInfo.endCursor;
  }
}

describe('Relay connections', () => {
  for (const c of connections) {
    it(`${c.name}: forward and backward walks see every row once under concurrent inserts`, async () => {
      await walk(c, 'forward', 7);
      await walk(c, 'backward', 6);
      // A walk in one direction and the reverse walk agree on the order.
      const forward = await idsNow(c);
      const backward: string[] = [];
      let before: string | null = null;
      for (;;) {
        const conn = (c.pick ?? ((d: any) => d.conn))(await gql(docFor(c), { last: 9, before, wf: globalId('Workflow', workflowIds[0]!) }));
        backward.unshift(...conn.edges.map((e: any) => e.node.id));
        if (!conn.pageInfo.hasPreviousPage) break;
        before = conn.pageInfo.startCursor;
      }
      expect(backward).toEqual(forward);
    });
  }

  it('answers first: 0, refuses first+last, a foreign cursor and out-of-range sizes with BAD_USER_INPUT', async () => {
    const empty = await gql(`{ workflows(first: 0) { edges { cursor } pageInfo { hasNextPage startCursor endCursor } } }`);
    expect(empty.workflows).toEqual({ edges: [], pageInfo: { hasNextPage: false, startCursor: null, endCursor: null } });
    const cursor = (await gql(`{ executions(first: 1) { pageInfo { endCursor } } }`)).executions.pageInfo.endCursor;
    for (const [doc, vars] of [
      [`{ workflows(first: 1, last: 1) { totalCount } }`, {}],
      [`query($c: String) { workflows(first: 1, after: $c) { totalCount } }`, { c: cursor }],
      [`{ workflows(first: 101) { totalCount } }`, {}],
      [`{ workflows(first: -1) { totalCount } }`, {}],
      [`{ logs(first: 1, after: "garbage") { totalCount } }`, {}],
    ] as const) {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}` }, body: JSON.stringify({ query: doc, variables: vars }) });
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code, doc).toBe('BAD_USER_INPUT');
    }
  });

  it('a deleted cursor row does not break the walk', async () => {
    const page = (await gql(`{ workflows(first: 3) { edges { cursor node { id } } } }`)).workflows;
    const last = page.edges[2];
    await db.workflow.update({ where: { id: Buffer.from(last.node.id, 'base64').toString().split(':')[1]! }, data: { deletedAt: new Date() } });
    const next = (await gql(`query($c: String) { workflows(first: 3, after: $c) { edges { node { id } } } }`, { c: last.cursor })).workflows;
    expect(next.edges).toHaveLength(3);
    expect(next.edges.map((e: any) => e.node.id)).not.toContain(last.node.id);
  });
});

describe('SQL queries per list field (no N+1)', () => {
  async function countQueries(query: string) {
    statements.length = 0;
    await gql(query);
    // The authenticator caches keys and writes lastUsedAt in the background; count only reads of the list.
    const list = statements.filter((s) => !/"ApiKey"\."prefix" = |FROM "ApiKey" k JOIN "Tenant"|^UPDATE "public"\."ApiKey"/.test(s.query));
    return { n: list.length, sql: list.map((s) => s.query), list };
  }

  /** Prisma always prints "OFFSET $n"; keyset paging means its value is 0 on every statement. */
  function offsets(list: { query: string; params: string }[]): number[] {
    return list.flatMap(({ query, params }) => {
      const m = /OFFSET \$(\d+)/.exec(query);
      return m ? [Number((JSON.parse(params) as unknown[])[Number(m[1]) - 1])] : [];
    });
  }

  const lists: [string, (n: number) => string, number][] = [
    ['workflows', (n) => `{ workflows(first: ${n}) { totalCount edges { node { id name definition version } } } }`, 2],
    ['executions with workflow and step runs', (n) => `{ executions(first: ${n}) { totalCount edges { node { id status progress { percent } workflow { id name } stepRuns { index type status } } } } }`, 2],
    ['the oldest workflows (which have runs) with their latest executions, batched', (n) => `{ workflows(last: ${n}) { edges { node { id executions(first: 3, filter: { statuses: [PENDING] }) { pageInfo { hasNextPage } edges { node { id status workflow { name } stepRuns { index } } } } } } } }`, 3],
    ['logs', (n) => `{ logs(first: ${n}) { totalCount edges { cursor node { id level message workflowId executionId } } } }`, 2],
    // INFO: the seeded lines, which all belong to a workflow (the walks above add WARN lines without one).
    ['logs with their workflows’ names', (n) => `{ logs(first: ${n}, filter: { levels: [INFO] }) { edges { node { id workflowName } } } }`, 2],
    ['integrations', (n) => `{ integrations(first: ${n}) { totalCount edges { node { id name hasCredentials } } } }`, 2],
    ['alert destinations with their last deliveries, batched', (n) => `{ alertDestinations(first: ${n}) { edges { node { id deliveries(first: 2) { pageInfo { hasNextPage } edges { cursor node { id status payload createdAt } } } } } } }`, 2],
    ['apiKeys', (n) => `{ apiKeys(first: ${n}) { totalCount edges { node { id prefix } } } }`, 2],
    ['metaAdInsights', (n) => `{ metaAdInsights(first: ${n}) { totalCount edges { node { id date spend impressions } } } }`, 2],
    ['posOrders', (n) => `{ posOrders(first: ${n}) { totalCount edges { node { id localDate totalAmount } } } }`, 2],
  ];

  it('the batched first page of Workflow.executions equals each workflow’s own first page', async () => {
    const batched = (await gql(`{ workflows(last: 30) { edges { node { id executions(first: 4) { pageInfo { hasNextPage } edges { cursor node { id } } } } } } }`)).workflows.edges;
    let compared = 0;
    for (const { node } of batched) {
      const alone = (await gql(`query($id: ID!) { workflow(id: $id) { executions(first: 4, after: null, filter: {}) { pageInfo { hasNextPage } edges { cursor node { id } } } } }`, { id: node.id })).workflow.executions;
      expect(node.executions).toEqual(alone);
      compared += node.executions.edges.length;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('names each log line’s workflow, also after the workflow was deleted', async () => {
    await db.workflow.update({ where: { id: workflowIds[4]! }, data: { deletedAt: new Date() } });
    const edges = (await gql(`{ logs(first: 45, filter: { levels: [INFO] }) { edges { node { message workflowName } } } }`)).logs.edges;
    expect(edges).toHaveLength(45);
    for (const { node } of edges) expect(node.workflowName).toBe(`wf ${Number(node.message.split(' ')[1]) % 5}`);
    await db.workflow.update({ where: { id: workflowIds[4]! }, data: { deletedAt: null } });
  });

  it('a cursor from before executions paged by createdAt (id only) still pages, by id', async () => {
    const first = (await gql(`{ executions(first: 5) { edges { node { id } } } }`)).executions.edges;
    const id = Buffer.from(first[4].node.id, 'base64').toString().split(':')[1]!;
    const old = Buffer.from(JSON.stringify(['Execution', null, id])).toString('base64url');
    const next = (await gql(`query($c: String) { executions(first: 10, after: $c) { edges { node { id } } } }`, { c: old })).executions.edges;
    expect(next.length).toBeGreaterThan(0);
    for (const e of next) expect(Buffer.from(e.node.id, 'base64').toString().split(':')[1]! < id).toBe(true);
  });

  it('a later page is a keyset predicate on the cursor, not an offset', async () => {
    const cursor = (await gql(`{ executions(first: 5) { pageInfo { endCursor } } }`)).executions.pageInfo.endCursor;
    const { list } = await countQueries(`{ executions(first: 5, after: "${cursor}") { edges { node { id } } } }`);
    // Prisma aliases the table ("t0") when relationJoins is on.
    expect(list[0]!.query).toMatch(/FROM "public"\."WorkflowExecution" AS "(t\d+)" WHERE .*"\1"\."id" < \$\d/);
    // No OFFSET, or OFFSET 0 (Prisma writes none when it joins relations).
    expect(offsets(list).filter((o) => o !== 0)).toEqual([]);
  });

  for (const [name, doc, expected] of lists) {
    it(`${name}: ${expected} statements whatever the page size`, async () => {
      const small = await countQueries(doc(2));
      const large = await countQueries(doc(30));
      expect(small.n, small.sql.join('\n')).toBe(expected);
      expect(large.n, large.sql.join('\n')).toBe(expected);
      expect(offsets(large.list).every((o) => o === 0), large.list.map((s) => `${s.query} ${s.params}`).join('\n')).toBe(true);
    });
  }
});
