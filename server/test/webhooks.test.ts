// Inbound webhooks through the real HTTP server, signed by the webhook simulator: signatures
// (valid, wrong, stale, replayed), rotation overlap, schema-invalid payloads, idempotent retries,
// the rate limit, tenant isolation, and a delivery's payload becoming a completed run's input.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues, type Queues } from '../src/engine/queues.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { createRedis } from '../src/redis.ts';
import { replayWebhook, sendWebhook } from '../src/simulators/webhook-sender.ts';
import { collectLogs, quietLogger, waitFor } from './engine-deps.ts';
import { startTestApp } from './app.ts';
import { globalId, rowIdOf, seedWorkflow, tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let other: TestTenant;
let runs: RunWorker;
let queues: Queues;
const redis = createRedis();
const prefix = `hooks${randomUUID().slice(0, 8)}`;

const CREATE = `mutation($input: CreateWebhookTriggerInput!) { createWebhookTrigger(input: $input) {
  __typename ... on CreateWebhookTriggerPayload { signingSecret webhookTrigger { id path enabled rateLimitPerMinute } }
  ... on ValidationError { problems { path message } } ... on NotFoundError { code } } }`;
const ROTATE = `mutation($id: ID!, $s: Int) { rotateWebhookTriggerSecret(id: $id, overlapSeconds: $s) { __typename ... on RotateWebhookTriggerSecretPayload { signingSecret webhookTrigger { previousSecretExpiresAt } } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookTriggerInput!) { updateWebhookTrigger(id: $id, input: $input) { __typename ... on WebhookTriggerPayload { webhookTrigger { enabled } } ... on ValidationError { problems { path message } } ... on NotFoundError { code } } }`;

async function createTrigger(workflowGid: string, input: Record<string, unknown> = {}, key = t.keys.ADMIN) {
  const res = await app.graphql(CREATE, { input: { workflowId: workflowGid, name: 'hook', ...input } }, key);
  const r = res.body.data?.createWebhookTrigger;
  if (r?.__typename !== 'CreateWebhookTriggerPayload') throw new Error(JSON.stringify(res.body));
  return { id: r.webhookTrigger.id as string, url: `${app.url}${r.webhookTrigger.path}`, secret: r.signingSecret as string };
}

const runsOf = (workflowId: string) => app.db.workflowExecution.findMany({ where: { workflowId } });

beforeAll(async () => {
  app = await startTestApp(['api'], { REDIS_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: '0' });
  [t, other] = await Promise.all([tenantWithKeys(app.db), tenantWithKeys(app.db)]);
  queues = createQueues(redis, prefix);
  runs = new RunWorker({ db: app.db, redis, redisPrefix: prefix, registry: createBuiltinRegistry(), logSink: collectLogs(), logger: quietLogger, driftWarnMs: 5000, concurrency: 4, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 1000 });
  await runs.start();
});
afterAll(async () => {
  await runs.stop();
  for (const q of [queues.runs, queues.schedules, queues.maintenance]) await q.obliterate({ force: true }).catch(() => {});
  await queues.close();
  redis.disconnect();
  await app.stop();
});

describe('a signed delivery', () => {
  it('starts a run whose input is the payload, and the run completes', async () => {
    const wf = await app.db.workflow.create({ data: { tenantId: t.id, name: 'visa', definition: { steps: [{ type: 'log', config: { message: 'status {{status}} for {{applicant.id}}' } }] } } });
    const hook = await createTrigger(globalId('Workflow', wf.id));
    const payload = { status: 'APPROVED', applicant: { id: 'A-17' } };
    const res = await sendWebhook({ url: hook.url, secret: hook.secret, payload });
    expect(res.status).toBe(202);
    expect(res.body.duplicate).toBe(false);
    const id = rowIdOf(res.body.executionId);
    const done = await waitFor(async () => {
      const e = await app.db.workflowExecution.findUnique({ where: { id } });
      return e && e.status !== 'PENDING' && e.status !== 'RUNNING' ? e : null;
    }, 15_000, 'the run to finish');
    expect(done).toMatchObject({ status: 'COMPLETED', trigger: 'WEBHOOK', tenantId: t.id, workflowId: wf.id, input: payload });
  });
});

describe('signatures', () => {
  let wf: Awaited<ReturnType<typeof seedWorkflow>>;
  let hook: Awaited<ReturnType<typeof createTrigger>>;
  beforeAll(async () => {
    wf = await seedWorkflow(app.db, t.id);
    hook = await createTrigger(wf.gid);
  });

  it('refuses a wrong signature, a tampered body, a missing signature and the wrong secret with 401, starting nothing', async () => {
    const cases = [
      await sendWebhook({ url: hook.url, secret: 'whsec_not-the-secret', payload: { a: 1 } }),
      await sendWebhook({ url: hook.url, secret: hook.secret, payload: { a: 2 }, signBody: JSON.stringify({ a: 1 }) }),
      await fetch(hook.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(async (r) => ({ status: r.status, body: await r.json() })),
    ];
    expect(cases.map((c) => [c.status, c.body.error.code])).toEqual([
      [401, 'bad_signature'],
      [401, 'bad_signature'],
      [401, 'missing_signature'],
    ]);
    expect(await runsOf(wf.id)).toHaveLength(0);
  });

  it('refuses a timestamp outside the 5-minute window (401 stale_timestamp), even correctly signed', async () => {
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const future = Math.floor(Date.now() / 1000) + 6 * 60;
    for (const timestamp of [old, future]) {
      const res = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { a: 1 }, timestamp });
      expect([res.status, res.body.error.code]).toEqual([401, 'stale_timestamp']);
    }
    expect(await runsOf(wf.id)).toHaveLength(0);
  });

  it('answers a replay of the same signed request within the window with the first run (202, duplicate) and starts nothing', async () => {
    const first = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { replay: 1 } });
    expect(first.status).toBe(202);
    const again = await replayWebhook(hook.url, first.sent);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    expect(await runsOf(wf.id)).toHaveLength(1);
  });

  it('rotation: the new secret works at once, the old one until the overlap ends, and not at all with overlap 0', async () => {
    const r = (await app.graphql(ROTATE, { id: hook.id, s: 3600 }, t.keys.ADMIN)).body.data.rotateWebhookTriggerSecret;
    expect(r.__typename).toBe('RotateWebhookTriggerSecretPayload');
    expect(new Date(r.webhookTrigger.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const viaNew = await sendWebhook({ url: hook.url, secret: r.signingSecret, payload: { rot: 'new' } });
    const viaOld = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { rot: 'old' } });
    expect([viaNew.status, viaOld.status]).toEqual([202, 202]);
    // An overlap that has ended: the previous secret is refused.
    await app.db.webhookTrigger.update({ where: { id: rowIdOf(hook.id) }, data: { previousSecretExpiresAt: new Date(Date.now() - 1000) } });
    await app.graphql(UPDATE, { id: hook.id, input: { name: 'hook (expired overlap)' } }, t.keys.ADMIN); // drops the cached trigger
    const expired = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { rot: 'expired' } });
    expect([expired.status, expired.body.error.code]).toEqual([401, 'bad_signature']);
    // Rotating with no overlap revokes the secret it replaces at once.
    const r2 = (await app.graphql(ROTATE, { id: hook.id, s: 0 }, t.keys.ADMIN)).body.data.rotateWebhookTriggerSecret;
    expect(r2.webhookTrigger.previousSecretExpiresAt).toBeNull();
    expect((await sendWebhook({ url: hook.url, secret: r.signingSecret, payload: { rot: 'revoked' } })).status).toBe(401);
    expect((await sendWebhook({ url: hook.url, secret: r2.signingSecret, payload: { rot: 'newest' } })).status).toBe(202);
    hook.secret = r2.signingSecret;
  });
});

describe('payloads', () => {
  it('refuses a schema-invalid payload with 422 and every AJV error with its path, and starts no run', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const schema = { type: 'object', required: ['status', 'applicantId'], properties: { status: { enum: ['APPROVED', 'REJECTED'] }, applicantId: { type: 'string' } } };
    const hook = await createTrigger(wf.gid, { payloadSchema: schema });
    const bad = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { status: 'MAYBE' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('schema_invalid');
    expect(bad.body.error.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/', keyword: 'required' }), expect.objectContaining({ path: '/status', keyword: 'enum' })]),
    );
    expect(await runsOf(wf.id)).toHaveLength(0);
    const good = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { status: 'APPROVED', applicantId: 'A1' } });
    expect(good.status).toBe(202);
  });

  it('refuses an invalid JSON Schema when the trigger is created (ValidationError, nothing written)', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const res = await app.graphql(CREATE, { input: { workflowId: wf.gid, name: 'x', payloadSchema: { type: 'not-a-type' } } }, t.keys.ADMIN);
    expect(res.body.data.createWebhookTrigger.__typename).toBe('ValidationError');
    expect(res.body.data.createWebhookTrigger.problems[0].path).toBe('input.payloadSchema');
    expect(await app.db.webhookTrigger.count({ where: { workflowId: wf.id } })).toBe(0);
  });

  it('refuses a payload schema whose regular expression could backtrack catastrophically, with its path; safe patterns pass', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const cases: [unknown, string][] = [
      [{ type: 'object', properties: { ref: { type: 'string', pattern: '^(a+)+$' } } }, 'input.payloadSchema/properties/ref/pattern'],
      [{ type: 'object', patternProperties: { '^(x|xx)*$': { type: 'string' } } }, 'input.payloadSchema/patternProperties/^(x|xx)*$'],
      [{ anyOf: [{ type: 'string' }, { items: { pattern: '(\\d+)+' } }] }, 'input.payloadSchema/anyOf/1/items/pattern'],
      [{ $defs: { id: { pattern: '^(a)\\1$' } }, $ref: '#/$defs/id' }, 'input.payloadSchema/$defs/id/pattern'],
    ];
    for (const [payloadSchema, path] of cases) {
      const res = await app.graphql(CREATE, { input: { workflowId: wf.gid, name: 'x', payloadSchema } }, t.keys.ADMIN);
      expect(res.body.data.createWebhookTrigger.__typename).toBe('ValidationError');
      expect(res.body.data.createWebhookTrigger.problems[0]).toMatchObject({ path, message: expect.stringMatching(/regular expression is refused/) });
    }
    expect(await app.db.webhookTrigger.count({ where: { workflowId: wf.id } })).toBe(0);
    // A phone pattern, a patternProperties name and a property that is merely called "pattern" are fine.
    const safe = { type: 'object', properties: { phone: { type: 'string', pattern: '^\\+[0-9]{8,15}$' }, pattern: { enum: ['(a+)+'] } }, patternProperties: { '^x-': { type: 'string' } } };
    const ok = await app.graphql(CREATE, { input: { workflowId: wf.gid, name: 'ok', payloadSchema: safe } }, t.keys.ADMIN);
    expect(ok.body.data.createWebhookTrigger.__typename).toBe('CreateWebhookTriggerPayload');
  });

  it('refuses non-JSON (415), malformed JSON (400), a non-object (400) and a body over 64 KB (413)', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid);
    const results = [
      await sendWebhook({ url: hook.url, secret: hook.secret, payload: null, rawBody: 'a=1', contentType: 'application/x-www-form-urlencoded' }),
      await sendWebhook({ url: hook.url, secret: hook.secret, payload: null, rawBody: '{"a":' }),
      await sendWebhook({ url: hook.url, secret: hook.secret, payload: [1, 2] }),
      await sendWebhook({ url: hook.url, secret: hook.secret, payload: { big: 'x'.repeat(70_000) } }),
    ];
    expect(results.map((r) => [r.status, r.body.error.code])).toEqual([
      [415, 'unsupported_media_type'],
      [400, 'invalid_json'],
      [400, 'not_an_object'],
      [413, 'payload_too_large'],
    ]);
    expect(await runsOf(wf.id)).toHaveLength(0);
  });
});

describe('idempotent retries', () => {
  it('the same idempotency header returns the same run (202, duplicate) however the request is re-signed', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid, { idempotencyKeyHeader: 'X-Request-Id' });
    const first = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { n: 1 }, headers: { 'x-request-id': 'req-1' } });
    // A retry a second later: a new timestamp, so a new signature; the key decides.
    const retry = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { n: 1 }, headers: { 'x-request-id': 'req-1' }, timestamp: Math.floor(Date.now() / 1000) + 1 });
    const different = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { n: 1 }, headers: { 'x-request-id': 'req-2' } });
    expect(first.body.duplicate).toBe(false);
    expect(retry.body).toEqual({ executionId: first.body.executionId, duplicate: true });
    expect(different.body.duplicate).toBe(false);
    expect(await runsOf(wf.id)).toHaveLength(2);
  });

  it('a payload path works the same way', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid, { idempotencyKeyPath: 'order.id' });
    const a = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { order: { id: 42 }, at: 1 } });
    const b = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { order: { id: 42 }, at: 2 } });
    expect(b.body).toEqual({ executionId: a.body.executionId, duplicate: true });
    expect(await runsOf(wf.id)).toHaveLength(1);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-minute limit, and the refused deliveries start nothing', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid, { rateLimitPerMinute: 3 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await sendWebhook({ url: hook.url, secret: hook.secret, payload: { i } }));
    expect(results.map((r) => r.status)).toEqual([202, 202, 202, 429, 429]);
    const limited = results[3]!;
    expect(limited.body.error.code).toBe('rate_limited');
    // The limiter is a sliding window in which refused requests count too (RateLimiter): the 4th
    // of a limit of 3 fits again once 4 × (what is left of its minute) + 1 ≤ 3, i.e. at most
    // 60 s + 30 s from now, depending on where in the minute the burst fell.
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(90);
    expect(limited.body.error.retryAfterMs).toBeLessThanOrEqual(retryAfter * 1000);
    expect(await runsOf(wf.id)).toHaveLength(3);
  });
});

describe('tenants, roles and switches', () => {
  it("another tenant's admin can neither see, change nor attach triggers to this tenant's workflow", async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid);
    const attach = await app.graphql(CREATE, { input: { workflowId: wf.gid, name: 'theirs' } }, other.keys.ADMIN);
    expect(attach.body.data.createWebhookTrigger.__typename).toBe('NotFoundError');
    const change = await app.graphql(UPDATE, { id: hook.id, input: { enabled: false } }, other.keys.ADMIN);
    expect(change.body.data.updateWebhookTrigger.__typename).toBe('NotFoundError');
    const seen = await app.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: hook.id }, other.keys.ADMIN);
    expect(seen.body.data.node).toBeNull();
    const own = await app.graphql(`query($id: ID!) { workflow(id: $id) { webhookTriggers { id path } } }`, { id: wf.gid }, t.keys.VIEWER);
    expect(own.body.data.workflow.webhookTriggers).toEqual([{ id: hook.id, path: new URL(hook.url).pathname }]);
    // A delivery runs in the trigger's tenant, whatever it carries.
    const res = await sendWebhook({ url: hook.url, secret: hook.secret, payload: { tenantId: other.id } });
    expect((await app.db.workflowExecution.findUniqueOrThrow({ where: { id: rowIdOf(res.body.executionId) } })).tenantId).toBe(t.id);
  });

  it('only ADMIN keys manage triggers', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const res = await app.graphql(CREATE, { input: { workflowId: wf.gid, name: 'op' } }, t.keys.OPERATOR);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await app.db.webhookTrigger.count({ where: { workflowId: wf.id } })).toBe(0);
  });

  it('a disabled or deleted trigger and an unknown token answer 404; a disabled workflow 409', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid);
    await app.graphql(UPDATE, { id: hook.id, input: { enabled: false } }, t.keys.ADMIN);
    const disabled = await sendWebhook({ url: hook.url, secret: hook.secret, payload: {} });
    const unknown = await sendWebhook({ url: `${app.url}/hooks/nope${Date.now()}`, secret: hook.secret, payload: {} });
    expect([disabled.status, disabled.body.error.code, unknown.status]).toEqual([404, 'not_found', 404]);
    await app.graphql(UPDATE, { id: hook.id, input: { enabled: true } }, t.keys.ADMIN);
    await app.graphql(`mutation($id: ID!) { disableWorkflow(id: $id) { __typename } }`, { id: wf.gid }, t.keys.ADMIN);
    const wfOff = await sendWebhook({ url: hook.url, secret: hook.secret, payload: {} });
    expect(wfOff.status).toBe(409);
    await app.graphql(`mutation($id: ID!) { deleteWebhookTrigger(id: $id) { __typename } }`, { id: hook.id }, t.keys.ADMIN);
    expect((await sendWebhook({ url: hook.url, secret: hook.secret, payload: {} })).status).toBe(404);
    expect(await runsOf(wf.id)).toHaveLength(0);
  });

  it('never returns the secret again, and stores it encrypted', async () => {
    const wf = await seedWorkflow(app.db, t.id);
    const hook = await createTrigger(wf.gid);
    const row = await app.db.webhookTrigger.findUniqueOrThrow({ where: { id: rowIdOf(hook.id) } });
    expect(row.secret).not.toContain(hook.secret);
    expect(row.secret).not.toContain(hook.secret.slice(6));
    const listed = await app.graphql(`query($id: ID!) { workflow(id: $id) { webhookTriggers { id name path enabled payloadSchema idempotencyKeyHeader idempotencyKeyPath rateLimitPerMinute previousSecretExpiresAt createdAt updatedAt } } }`, { id: wf.gid }, t.keys.ADMIN);
    expect(JSON.stringify(listed.body)).not.toContain(hook.secret.slice(6));
  });
});
