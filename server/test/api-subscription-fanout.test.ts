// Fan-out cost of live subscriptions: one Redis event must cost one row load and one resolution
// per distinct subscription (API key, document, variables), however many sockets subscribed to
// it. Counted as the SQL statements the app issues per event, for 1 and for 40 subscribers.
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { eventTopics, publishEvent, type ExecutionEvent } from '../src/events.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis } from '../src/redis.ts';
import { globalId, tenantWithKeys, VALID_DEFINITION, type TestTenant } from './api-helpers.ts';

const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 4 }), log: [{ emit: 'event', level: 'query' }] });
const statements: string[] = [];
db.$on('query', (e) => statements.push(e.query));
const redis = createRedis();
let app: Awaited<ReturnType<typeof startApp>>;
let wsUrl: string;
let t: TestTenant;
let workflowId: string;
let executionIds: string[];
const sockets: WebSocket[] = [];
const topic = () => eventTopics(loadConfig(process.env).redisPrefix).executions;

const QUERY = 'subscription($w: ID, $e: ID) { executionUpdated(workflowId: $w, executionId: $e) { id status workflow { name } } }';

/** A subscribed socket; `received` counts its `next` frames. */
async function subscriber(variables: Record<string, string>) {
  const ws = new WebSocket(wsUrl, ['graphql-transport-ws']);
  sockets.push(ws);
  const state = { received: 0, errors: [] as unknown[] };
  ws.on('message', (data) => {
    const f = JSON.parse(String(data));
    if (f.type === 'connection_ack') ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables } }));
    else if (f.type === 'next') {
      if (f.payload.errors) state.errors.push(f.payload.errors);
      state.received++;
    } else if (f.type === 'error') state.errors.push(f.payload);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: t.keys.VIEWER } }));
  return state;
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const event = (executionId: string): ExecutionEvent => ({ tenantId: t.id, executionId, workflowId, status: 'RUNNING' });

/**
 * Publishes until every subscriber has a frame (they subscribe asynchronously), then measures
 * one event: the statements it cost and that every subscriber got it.
 */
async function statementsPerEvent(subs: { received: number; errors: unknown[] }[], executionId: string): Promise<string[]> {
  while (!subs.every((s) => s.received > 0)) {
    await publishEvent(redis, topic(), t.id, event(executionId));
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200)); // the last warm-up events are delivered
  const before = subs.map((s) => s.received);
  statements.length = 0;
  await publishEvent(redis, topic(), t.id, event(executionId));
  await until(() => subs.every((s, i) => s.received === before[i]! + 1), 'the event at every subscriber');
  await new Promise((r) => setTimeout(r, 100));
  for (const s of subs) expect(s.errors).toEqual([]);
  return statements.filter((s) => s.includes('"WorkflowExecution"') || s.includes('"Workflow"'));
}

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0', FLOWDECK_ROLES: 'api', RATE_LIMIT_PER_MINUTE: '0' });
  app = await startApp({ config, db, redis, logger: createLogger('silent') });
  wsUrl = `ws://127.0.0.1:${app.port}/graphql`;
  t = await tenantWithKeys(db);
  workflowId = (await db.workflow.create({ data: { tenantId: t.id, name: 'fan-out', definition: VALID_DEFINITION } })).id;
  executionIds = [];
  for (let i = 0; i < 2; i++) executionIds.push((await db.workflowExecution.create({ data: { tenantId: t.id, workflowId, workflowVersion: 1, trigger: 'API', stepsTotal: 1 } })).id);
});
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await app.stop();
  await db.$disconnect();
  redis.disconnect();
});

describe('subscription fan-out', () => {
  it('an event costs the same statements for 1 subscriber as for 40 with the same filter, and one more set per distinct filter', async () => {
    const byWorkflow = { w: globalId('Workflow', workflowId) };
    const one = [await subscriber(byWorkflow)];
    const alone = await statementsPerEvent(one, executionIds[0]!);
    // The execution row with its workflow, joined in one statement (relationJoins).
    expect(alone.length, alone.join('\n')).toBe(1);

    const many = [...one];
    for (let i = 0; i < 39; i++) many.push(await subscriber(byWorkflow));
    const shared = await statementsPerEvent(many, executionIds[0]!);
    expect(shared.length, shared.join('\n')).toBe(alone.length);

    // A second filter (one execution) is a second execution of the subscription: one more set.
    const other = [];
    for (let i = 0; i < 10; i++) other.push(await subscriber({ ...byWorkflow, e: globalId('Execution', executionIds[0]!) }));
    const two = await statementsPerEvent([...many, ...other], executionIds[0]!);
    expect(two.length, two.join('\n')).toBe(2 * alone.length);
  });

  it('a subscriber that leaves does not end the others’ shared subscription', async () => {
    const byWorkflow = { w: globalId('Workflow', workflowId), e: globalId('Execution', executionIds[1]!) };
    const first = await subscriber(byWorkflow);
    const second = await subscriber(byWorkflow);
    await statementsPerEvent([first, second], executionIds[1]!);
    sockets.at(-2)!.close(); // the first subscriber, whose subscription started the shared one
    await new Promise((r) => setTimeout(r, 200));
    const before = second.received;
    await publishEvent(redis, topic(), t.id, event(executionIds[1]!));
    await until(() => second.received === before + 1, 'the event at the remaining subscriber');
  });
});
