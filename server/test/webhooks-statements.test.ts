// SQL statements per webhook delivery and per event, on a client whose every statement is
// counted. The hot path of a busy trigger is one statement: the trigger (secrets decrypted, schema
// compiled) and the workflow revision are remembered, the rate limit lives in Redis, and the run's
// INSERT itself checks the revision and the idempotency key.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { PrismaClient } from '../src/generated/prisma/client.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis } from '../src/redis.ts';
import { replayWebhook, sendWebhook } from '../src/simulators/webhook-sender.ts';
import { globalId, tenantWithKeys, type TestTenant } from './api-helpers.ts';

const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 4 }), log: [{ emit: 'event', level: 'query' }] });
const statements: string[] = [];
db.$on('query', (e) => statements.push(e.query));
const redis = createRedis();
let app: Awaited<ReturnType<typeof startApp>>;
let url: string;
let t: TestTenant;
let hook: { url: string; secret: string };

/** Statements of one call, key lookups aside (the authenticator caches keys). */
async function counted<T>(call: () => Promise<T>) {
  statements.length = 0;
  const result = await call();
  const sql = statements.filter((s) => !/FROM "ApiKey" k JOIN "Tenant"|^UPDATE "public"\."ApiKey"/.test(s));
  return { result, n: sql.length, sql };
}

beforeAll(async () => {
  const config = loadConfig({ ...process.env, PORT: '0', FLOWDECK_ROLES: 'api', RATE_LIMIT_PER_MINUTE: '0', REDIS_PREFIX: `hookstmt${randomUUID().slice(0, 6)}` });
  app = await startApp({ config, db, redis, logger: createLogger('silent') });
  url = `http://127.0.0.1:${app.port}`;
  t = await tenantWithKeys(db);
  const wf = await db.workflow.create({ data: { tenantId: t.id, name: 'hooked', definition: { steps: [{ type: 'log', config: { message: 'x' } }] } } });
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.ADMIN}` },
    body: JSON.stringify({
      query: `mutation($input: CreateWebhookTriggerInput!) { createWebhookTrigger(input: $input) { ... on CreateWebhookTriggerPayload { signingSecret webhookTrigger { path } } } }`,
      variables: { input: { workflowId: globalId('Workflow', wf.id), name: 'stmt', payloadSchema: { type: 'object', required: ['n'] } } },
    }),
  });
  const body = (await res.json()) as any;
  hook = { url: `${url}${body.data.createWebhookTrigger.webhookTrigger.path}`, secret: body.data.createWebhookTrigger.signingSecret };
});
afterAll(async () => {
  await app.stop();
  await db.$disconnect();
  redis.disconnect();
});

describe('SQL statements per webhook delivery', () => {
  it("the first delivery reads the trigger, the workflow with its tenant's zone (one joined statement, as triggerWorkflow does), then inserts the run: 3", async () => {
    const first = await counted(() => sendWebhook({ url: hook.url, secret: hook.secret, payload: { n: 0 } }));
    expect(first.result.status).toBe(202);
    expect(first.n, first.sql.join('\n')).toBe(3);
  });

  it('a delivery to a busy trigger: 1 statement (the batched INSERT of the run)', async () => {
    for (let i = 1; i <= 5; i++) {
      const { result, n, sql } = await counted(() => sendWebhook({ url: hook.url, secret: hook.secret, payload: { n: i } }));
      expect(result.status).toBe(202);
      expect(n, sql.join('\n')).toBe(1);
    }
  });

  it('a replayed delivery: 2 (the refused INSERT, then the run holding the key)', async () => {
    const first = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { n: 99 } });
    const { result, n, sql } = await counted(() => replayWebhook(hook.url, first.sent));
    expect(result.body.duplicate).toBe(true);
    expect(n, sql.join('\n')).toBe(2);
  });

  it('refusals before the INSERT cost nothing: bad signature, schema-invalid', async () => {
    const bad = await counted(() => sendWebhook({ url: hook.url, secret: 'whsec_wrong', payload: { n: 1 } }));
    const invalid = await counted(() => sendWebhook({ url: hook.url, secret: hook.secret, payload: { nope: 1 } }));
    expect([bad.result.status, invalid.result.status]).toEqual([401, 422]);
    expect(bad.n + invalid.n, [...bad.sql, ...invalid.sql].join('\n')).toBe(0);
  });
});

describe('SQL statements per event', () => {
  it('a new event starting one workflow: 5 (the event, the matching triggers, the open waits for it, the run, the dispatched mark); a repeated key: 2', async () => {
    const name = `stmt.${randomUUID().slice(0, 8)}`;
    const wf = await db.workflow.create({ data: { tenantId: t.id, name: 'on event', definition: { steps: [{ type: 'log', config: { message: 'x' } }], triggers: { events: [{ name }] } } } });
    await db.workflowEventTrigger.create({ data: { tenantId: t.id, workflowId: wf.id, eventName: name } });
    // Warm the workflow's revision, as a steady stream of events would.
    const post = (key: string) => fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.OPERATOR}` }, body: JSON.stringify({ name, payload: {}, idempotencyKey: key }) }).then((r) => r.json() as Promise<any>);
    await post('warm');
    const fresh = await counted(() => post('new-key'));
    expect(fresh.result.executionIds).toHaveLength(1);
    expect(fresh.n, fresh.sql.join('\n')).toBe(5);
    const repeat = await counted(() => post('new-key'));
    expect(repeat.result.duplicate).toBe(true);
    expect(repeat.n, repeat.sql.join('\n')).toBe(2);
  });
});
