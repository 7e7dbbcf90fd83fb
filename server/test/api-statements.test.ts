// SQL statements per partner operation: the documents of the load test's partner mix
// (k6/partner-operations.json), each run against the real app on a client whose every statement
// is counted. Each count is the least the document needs with Prisma: one statement per list
// read, one per to-many relation Prisma loads beside its parent, one more only when totalCount
// is selected, and none that grows with the page size (no N+1).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis } from '../src/redis.ts';
import { TOTAL_COUNT_CAP } from '../src/graphql/connection.ts';
import { globalId, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';

const OPS = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../k6/partner-operations.json'), 'utf8')) as Record<'workflows' | 'executions' | 'execution' | 'logs' | 'trigger', string>;

const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 4 }), log: [{ emit: 'event', level: 'query' }] });
const statements: string[] = [];
db.$on('query', (e) => statements.push(e.query));
const redis = createRedis();
let app: Awaited<ReturnType<typeof startApp>>;
let url: string;
let t: TestTenant;
const workflowIds: string[] = [];
const executionIds: string[] = [];

/** Runs a document and returns the statements it issued (key lookups and lastUsedAt writes aside: the authenticator caches keys). */
async function statementsOf(query: string, variables: Record<string, unknown> = {}) {
  statements.length = 0;
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.OPERATOR}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: any; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  const sql = statements.filter((s) => !/FROM "ApiKey" k JOIN "Tenant"|^UPDATE "public"\."ApiKey"/.test(s));
  return { n: sql.length, sql, data: body.data };
}

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0', FLOWDECK_ROLES: 'api', RATE_LIMIT_PER_MINUTE: '0' });
  app = await startApp({ config, db, redis, logger: createLogger('silent') });
  url = `http://127.0.0.1:${app.port}`;
  t = await tenantWithKeys(db);
  for (let i = 0; i < 6; i++) workflowIds.push((await db.workflow.create({ data: { tenantId: t.id, name: `wf ${i}`, definition: VALID_DEFINITION } })).id);
  // Version 2 of two workflows: executions of different versions need different revisions.
  for (const id of workflowIds.slice(0, 2)) await db.workflow.update({ where: { id }, data: { definition: { steps: [{ type: 'log', config: { message: 'v2' } }] }, version: 2 } });
  for (let i = 0; i < 40; i++) {
    const e = await db.workflowExecution.create({
      data: { tenantId: t.id, workflowId: workflowIds[i % 6]!, workflowVersion: i % 6 < 2 ? 1 + (i % 2) : 1, trigger: 'API', stepsTotal: 2, status: i % 3 ? 'COMPLETED' : 'FAILED' },
    });
    executionIds.push(e.id);
    await db.stepRun.createMany({ data: [0, 1].map((index) => ({ tenantId: t.id, executionId: e.id, index, type: 'log' })) });
  }
  // Enough lines of the last hour that a page of 100 fills from the first day's window.
  await db.logEntry.createMany({
    data: Array.from({ length: 330 }, (_, i) => ({ tenantId: t.id, level: (['INFO', 'WARN', 'ERROR'] as const)[i % 3]!, message: `line ${i}`, workflowId: workflowIds[i % 6], executionId: executionIds[i % 40] })),
  });
});
afterAll(async () => {
  await app.stop();
  await db.$disconnect();
  redis.disconnect();
});

describe('SQL statements per partner operation (the load test mix)', () => {
  it('workflows(first: 20) with totalCount: the page and the count, 2 statements', async () => {
    const { n, sql, data } = await statementsOf(OPS.workflows, { first: 20 });
    expect(data.workflows.edges).toHaveLength(6);
    expect(data.workflows.totalCount).toBe(6);
    expect(n, sql.join('\n')).toBe(2);
  });

  it('workflows without totalCount: 1 statement (the count runs only when selected)', async () => {
    const { n, sql } = await statementsOf(OPS.workflows.replace('totalCount ', ''), { first: 20 });
    expect(n, sql.join('\n')).toBe(1);
  });

  for (const [name, filter] of [
    ['by workflow', () => ({ workflowId: globalId('Workflow', workflowIds[0]!) })],
    ['by status', () => ({ statuses: ['FAILED'] })],
  ] as const) {
    it(`executions(first: 50) ${name}: 1 statement`, async () => {
      const { n, sql, data } = await statementsOf(OPS.executions, { first: 50, filter: filter() });
      expect(data.executions.edges.length).toBeGreaterThan(1);
      expect(n, sql.join('\n')).toBe(1);
    });
  }

  it('execution(id) with its step runs: 1 statement (the step runs joined as JSON: relationJoins)', async () => {
    const { n, sql, data } = await statementsOf(OPS.execution, { id: globalId('Execution', executionIds[3]!) });
    expect(data.execution.stepRuns).toHaveLength(2);
    expect(n, sql.join('\n')).toBe(1);
  });

  it('logs(first: 100) of one execution, whose few lines leave the page short: one statement per time window, at most 4', async () => {
    const { n, sql, data } = await statementsOf(OPS.logs, { first: 100, filter: { executionId: globalId('Execution', executionIds[5]!) } });
    expect(data.logs.edges.length).toBeGreaterThan(0);
    expect(n, sql.join('\n')).toBe(4);
  });

  for (const [name, filter] of [
    ['by levels', () => ({ levels: ['WARN', 'ERROR'] })],
    ['unfiltered', () => ({})],
  ] as const) {
    it(`logs(first: 100) ${name}, a page the last day fills: 1 statement`, async () => {
      const { n, sql, data } = await statementsOf(OPS.logs, { first: 100, filter: filter() });
      expect(data.logs.edges).toHaveLength(100);
      expect(n, sql.join('\n')).toBe(1);
    });
  }

  it("triggerWorkflow with a new idempotency key: 1 statement (the batched insert); the same key again: 2 (the refused insert, then the key's run)", async () => {
    // The first trigger of a workflow reads it with its tenant's zone (one joined statement) and
    // inserts; later ones reuse that revision, which the insert checks is still current.
    const warm = await statementsOf(OPS.trigger, { id: globalId('Workflow', workflowIds[1]!), input: { idempotencyKey: `warm-${Date.now()}` } });
    expect(warm.n, warm.sql.join('\n')).toBe(2);
    const input = { idempotencyKey: `stmt-${Date.now()}`, context: { n: 1 } };
    const { n, sql, data } = await statementsOf(OPS.trigger, { id: globalId('Workflow', workflowIds[1]!), input });
    expect(data.triggerWorkflow.created).toBe(true);
    expect(n, sql.join('\n')).toBe(1);
    const again = await statementsOf(OPS.trigger, { id: globalId('Workflow', workflowIds[1]!), input });
    expect(again.data.triggerWorkflow.created).toBe(false);
    expect(again.data.triggerWorkflow.execution.id).toBe(data.triggerWorkflow.execution.id);
    expect(again.n, again.sql.join('\n')).toBe(2);
  });

  it('executions with each run’s definition: the revisions of a page in 1 statement, whatever its size', async () => {
    const doc = (n: number) => `{ executions(first: ${n}) { edges { node { id workflowVersion definition } } } }`;
    const small = await statementsOf(doc(2));
    const large = await statementsOf(doc(60));
    expect(small.n, small.sql.join('\n')).toBe(2);
    expect(large.n, large.sql.join('\n')).toBe(2);
    // Each run gets its own version's definition, not its workflow's current one.
    const byId = new Map(large.data.executions.edges.map((e: any) => [e.node.id, e.node]));
    const v1 = byId.get(globalId('Execution', executionIds[0]!)) as any; // workflow 0, version 1
    const v2 = byId.get(globalId('Execution', executionIds[7]!)) as any; // workflow 1, version 2
    expect(v1.definition).toEqual(VALID_DEFINITION);
    expect(v2.definition.steps[0].config.message).toBe('v2');
  });

  it(`totalCount of a long list stops counting at ${TOTAL_COUNT_CAP}`, async () => {
    const tenant = await tenantWithKeys(db);
    // Set-based: a createMany of this size takes longer than a test may on a busy machine.
    await db.$executeRawUnsafe(
      `INSERT INTO "LogEntry" (id, "tenantId", level, message, "createdAt") SELECT gen_random_uuid(), $1::uuid, 'INFO', 'bulk ' || g, now() - g * interval '1 ms' FROM generate_series(0, $2::int - 1) g`,
      tenant.id,
      TOTAL_COUNT_CAP + 25,
    );
    const count = async (filter: object) => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.keys.VIEWER}` }, body: JSON.stringify({ query: 'query($f: LogFilterInput) { logs(first: 1, filter: $f) { totalCount } }', variables: { f: filter } }) });
      return ((await res.json()) as any).data.logs.totalCount;
    };
    expect(await count({})).toBe(TOTAL_COUNT_CAP);
    expect(await count({ search: 'bulk 1000' })).toBe(45); // the numbers below 100,025 that contain 1000: exact below the cap
  });
});
