// OpenTelemetry traces end to end: the real api, worker and pdf-worker roles in this process
// (real PostgreSQL, Redis and Chromium; the outside APIs are the simulators), spans captured in
// memory. One run triggered through GraphQL must be one trace: the mutation's span above the
// run's (which needs the trace context carried inside the BullMQ job: the worker takes the job
// in an unrelated async context), one span per step under the run, and every call to CGB, Meta
// Pancake and Supabase Storage under the step (or the PDF render) that made it. A scheduled slot starts
// a trace of its own. And nothing personal or secret is in any span.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { registerInMemoryTracing, type InMemoryTracing } from '../src/tracing/in-memory.ts';
import { SupabaseStorageSimulator } from '../src/simulators/supabase-storage.ts';
import { createQueues } from '../src/engine/queues.ts';
import { firstFireJobId } from '../src/engine/scheduler.ts';
import { startTestApp } from './app.ts';
import { globalId, tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { waitFor } from './engine-deps.ts';

const PHONE = '+63 917 555 0134';
const PHONE_DIGITS = '9175550134';
const MESSAGE = 'Your receipt for order 4471 is ready';

let tracing: InMemoryTracing;
const storage = new SupabaseStorageSimulator();
let app: Awaited<ReturnType<typeof startTestApp>>;
let tenant: TestTenant;

beforeAll(async () => {
  // Installed before the app starts, as main.ts starts the OTLP SDK before the roles.
  tracing = registerInMemoryTracing();
  await storage.start();
  app = await startTestApp(['api', 'worker', 'pdf-worker'], {
    // A Redis prefix of its own, so other suites' workers never take these runs (nor this worker theirs).
    REDIS_PREFIX: `tracing-${process.pid}-${Date.now()}`,
    SWEEP_PENDING_AFTER_MS: String(86_400_000),
    USE_SIMULATORS: 'true',
    META_REQUEST_DELAY_MS: '0',
    POS_REQUEST_DELAY_MS: '0',
    STORAGE_DRIVER: 'supabase',
    SUPABASE_URL: storage.baseUrl,
    SUPABASE_SERVICE_KEY: storage.serviceKey,
    SCHEDULE_MISFIRE_GRACE_MS: '600000',
  });
  tenant = await tenantWithKeys(app.db);
});
afterAll(async () => {
  await app?.stop();
  await storage.stop();
  await tracing?.stop();
});

const spans = () => tracing.exporter.getFinishedSpans();
const idOf = (s: ReadableSpan) => s.spanContext().spanId;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The spans from `span` up to its trace's root, nearest first. */
function ancestors(span: ReadableSpan, all: ReadableSpan[]): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  for (let p = parentOf(span); p; ) {
    const parent = all.find((s) => idOf(s) === p);
    if (!parent) break;
    out.push(parent);
    p = parentOf(parent);
  }
  return out;
}

async function finished(workflowId: string) {
  return waitFor(
    async () => {
      const e = await app.db.workflowExecution.findFirst({ where: { workflowId }, include: { stepRuns: true } });
      return e && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.status) && e;
    },
    60_000,
    'the run to finish',
  );
}

/** The tree as indented lines (for failure messages, and for the report). */
function printTree(all: ReadableSpan[], root: ReadableSpan, depth = 0): string[] {
  const children = all.filter((s) => parentOf(s) === idOf(root)).sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return [`${'  '.repeat(depth)}${root.name}`, ...children.flatMap((c) => printTree(all, c, depth + 1))];
}

describe('a run triggered through GraphQL', () => {
  it('is one trace: mutation → run → steps → outside-API calls, with nothing personal or secret in it', async () => {
    const definition = {
      dateRange: { kind: 'rolling', offsetDays: 1 },
      steps: [
        { id: 'notify', type: 'whatsapp.send', config: { to: '{{phone}}', text: MESSAGE } },
        { id: 'ads', type: 'meta.insights.sync' },
        { id: 'orders', type: 'pos.orders.sync' },
        { id: 'receipt', type: 'pdf.generate', config: { template: 'receipt', variables: { customer: 'Ana Reyes' } } },
      ],
    };
    const wf = await app.db.workflow.create({ data: { tenantId: tenant.id, name: 'traced', definition } });
    const trigger = await app.graphql(
      'mutation TraceRun($id: ID!, $context: JSON) { triggerWorkflow(id: $id, input: { context: $context }) { ... on TriggerWorkflowPayload { execution { id } } } }',
      { id: globalId('Workflow', wf.id), context: { phone: PHONE } },
      tenant.keys.OPERATOR,
    );
    expect(trigger.body.errors).toBeUndefined();
    const execution = await finished(wf.id);
    expect(execution.status, JSON.stringify(execution.error)).toBe('COMPLETED');

    // The run span ends just after the row is COMPLETED.
    const run = await waitFor(async () => spans().find((s) => s.name === 'run' && s.attributes['flowdeck.execution.id'] === execution.id && s.ended), 5_000, 'the run span');
    const traceId = run.spanContext().traceId;
    const trace = spans().filter((s) => s.spanContext().traceId === traceId);
    const mutation = trace.find((s) => s.name === 'mutation TraceRun');
    expect(mutation, 'the mutation span is in the run’s trace').toBeDefined();
    const root = trace.find((s) => !parentOf(s))!;
    const tree = printTree(trace, root).join('\n');
    console.info(`span tree of ${execution.id}:\n${tree}`);

    // The mutation is the root, and the run hangs under it (through the job's trace context).
    expect(root.name, tree).toBe('mutation TraceRun');
    expect(mutation!.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'TraceRun', 'flowdeck.outcome': 'ok' });
    expect(ancestors(run, trace).map((s) => s.name), tree).toContain('mutation TraceRun');
    expect(run.attributes).toMatchObject({ 'flowdeck.execution.id': execution.id, 'flowdeck.workflow.id': wf.id, 'flowdeck.tenant.id': tenant.id, 'flowdeck.run.trigger': 'API', 'flowdeck.run.outcome': 'COMPLETED' });

    // One span per step, each a child of the run, in order.
    const steps = trace.filter((s) => s.name.startsWith('step '));
    expect(steps.map((s) => s.name).sort(), tree).toEqual(['step meta.insights.sync', 'step pdf.generate', 'step pos.orders.sync', 'step whatsapp.send']);
    for (const step of steps) {
      expect(parentOf(step), `${step.name}\n${tree}`).toBe(idOf(run));
      expect(step.attributes['flowdeck.step.status']).toBe('COMPLETED');
    }
    const stepOf = (type: string) => steps.find((s) => s.attributes['flowdeck.step.type'] === type)!;
    expect(stepOf('whatsapp.send').attributes['flowdeck.step.index']).toBe(0);

    // Outside-API calls: CLIENT spans under the step that made them.
    const calls = trace.filter((s) => s.attributes['peer.service'] !== undefined);
    const under = (step: ReadableSpan, service: string) => calls.filter((c) => c.attributes['peer.service'] === service && parentOf(c) === idOf(step));
    expect(under(stepOf('whatsapp.send'), 'cgb').length, tree).toBeGreaterThanOrEqual(1);
    expect(under(stepOf('meta.insights.sync'), 'meta').length, tree).toBeGreaterThanOrEqual(1);
    expect(under(stepOf('pos.orders.sync'), 'pancake').length, tree).toBeGreaterThanOrEqual(1);
    // The signed link is asked for by the step itself.
    expect(under(stepOf('pdf.generate'), 'supabase').length, tree).toBeGreaterThanOrEqual(1);
    // Every call's parent is a step, or the PDF render, which is the pdf.generate step's child
    // (the render runs in the pdf-worker role, reached through the pdf job's trace context).
    const render = trace.find((s) => s.name === 'pdf render');
    expect(render, tree).toBeDefined();
    expect(parentOf(render!)).toBe(idOf(stepOf('pdf.generate')));
    expect(render!.attributes).toMatchObject({ 'flowdeck.pdf.template': 'receipt', 'flowdeck.pdf.outcome': 'ok' });
    const upload = calls.find((c) => c.attributes['http.request.method'] === 'POST' && c.attributes['peer.service'] === 'supabase');
    expect(upload && parentOf(upload), tree).toBe(idOf(render!));
    for (const call of calls) {
      expect([...steps, render!].map(idOf), `${call.name}\n${tree}`).toContain(parentOf(call));
      expect(call.attributes['http.response.status_code']).toBeGreaterThanOrEqual(200);
      expect(call.attributes['server.address']).toBe('127.0.0.1');
      expect(String(call.attributes['url.path'])).toMatch(/^\/[^?]*$/);
    }
    // The call carried the trace on: Supabase (our simulator here) got the upload span's traceparent.
    const received = storage.requests.filter((r) => r.method === 'POST').map((r) => r.headers.traceparent);
    expect(received).toContain(`00-${traceId}-${idOf(upload!)}-01`);

    // Nothing personal or secret: no phone (in any spelling), message text, template variable,
    // query string or key. Span names, attributes and events of every span this test recorded.
    const text = JSON.stringify(spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    for (const secret of [PHONE_DIGITS, '917 555', MESSAGE, 'Ana Reyes', storage.serviceKey, tenant.keys.OPERATOR, 'access_token', 'api_key', 'X-ACCESS-TOKEN']) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).not.toMatch(/\?[a-z_]+=/i);
  });

  it('records a failing step as an error by its type, without its message', async () => {
    const definition = { steps: [{ id: 'bad', type: 'whatsapp.send', retry: { attempts: 1 }, config: { to: '+63 917 555 0199', template: 'no-such-flow' } }] };
    const wf = await app.db.workflow.create({ data: { tenantId: tenant.id, name: 'traced-failure', definition } });
    const trigger = await app.graphql('mutation TraceFail($id: ID!) { triggerWorkflow(id: $id) { ... on TriggerWorkflowPayload { execution { id } } } }', { id: globalId('Workflow', wf.id) }, tenant.keys.OPERATOR);
    expect(trigger.body.errors).toBeUndefined();
    const execution = await finished(wf.id);
    expect(execution.status).toBe('FAILED');
    const run = await waitFor(async () => spans().find((s) => s.name === 'run' && s.attributes['flowdeck.execution.id'] === execution.id), 5_000, 'the run span');
    const step = spans().find((s) => s.name === 'step whatsapp.send' && parentOf(s) === idOf(run))!;
    expect(step.attributes['flowdeck.step.status']).toBe('FAILED');
    expect(step.status.code).toBe(2); // ERROR
    expect(step.attributes['error.type']).toBe('StepError');
    const text = JSON.stringify([step, run].map((s) => ({ attributes: s.attributes, events: s.events, status: s.status })));
    expect(text).not.toContain('5550199');
    expect(text).not.toContain('no-such-flow');
  });
});

describe('a bulk retry', () => {
  it('runs its retries in the trace of the mutation that asked for it, through the bulk job', async () => {
    const definition = { steps: [{ type: 'whatsapp.send', retry: { attempts: 1 }, config: { to: '+63 917 555 0177', template: 'no-such-flow' } }] };
    const wf = await app.db.workflow.create({ data: { tenantId: tenant.id, name: 'traced-bulk', definition } });
    const failed = (await app.db.workflowExecution.create({ data: { tenantId: tenant.id, workflowId: wf.id, workflowVersion: 1, trigger: 'API', status: 'FAILED' } })).id;
    const started = await app.graphql(
      'mutation TraceBulk($f: ExecutionFilter) { bulkRetryExecutions(filter: $f) { __typename } }',
      { f: { workflowId: globalId('Workflow', wf.id), until: new Date(Date.now() + 60_000).toISOString() } },
      tenant.keys.OPERATOR,
    );
    expect(started.body.data?.bulkRetryExecutions.__typename).toBe('BulkOperationPayload');
    const retry = await waitFor(async () => {
      const e = await app.db.workflowExecution.findFirst({ where: { retryOfId: failed } });
      return e && ['COMPLETED', 'FAILED'].includes(e.status) && e;
    }, 30_000, 'the retry to finish');
    const run = await waitFor(async () => spans().find((s) => s.name === 'run' && s.attributes['flowdeck.execution.id'] === retry.id), 5_000, 'the retry’s run span');
    const all = spans();
    expect(ancestors(run, all).map((s) => s.name)).toEqual(['bulk operation', 'mutation TraceBulk']);
  });
});

describe('a scheduled slot', () => {
  it('starts a trace of its own, and its run hangs under the slot’s span', async () => {
    // The most recent minute is a slot of "* * * * *"; its fire job is added as the scheduler
    // would (the id ends in the fire time), and the slot's grace is long enough for the test.
    const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const wf = await app.db.workflow.create({
      data: { tenantId: tenant.id, name: 'traced-schedule', schedule: '* * * * *', timezone: 'UTC', lastSlotAt: new Date(slot.getTime() - 60_000), definition: { steps: [{ type: 'log', config: { message: 'tick' } }] } },
    });
    const queues = createQueues(app.redis, app.config.redisPrefix);
    try {
      await queues.schedules.add('fire', { kind: 'schedule', workflowId: wf.id, tenantId: tenant.id }, { jobId: firstFireJobId(wf.id, slot) });
    } finally {
      await queues.close();
    }
    const execution = await finished(wf.id);
    expect(execution).toMatchObject({ status: 'COMPLETED', trigger: 'SCHEDULE' });
    const run = await waitFor(async () => spans().find((s) => s.name === 'run' && s.attributes['flowdeck.execution.id'] === execution.id), 5_000, 'the run span');
    const slotSpan = spans().find((s) => s.name === 'schedule slot' && s.attributes['flowdeck.workflow.id'] === wf.id)!;
    expect(slotSpan).toBeDefined();
    expect(parentOf(slotSpan)).toBeUndefined();
    expect(slotSpan.attributes).toMatchObject({ 'flowdeck.schedule.slot': slot.toISOString(), 'flowdeck.execution.id': execution.id });
    expect(parentOf(run)).toBe(idOf(slotSpan));
    expect(run.spanContext().traceId).toBe(slotSpan.spanContext().traceId);
    expect(run.attributes['flowdeck.run.trigger']).toBe('SCHEDULE');
  });
});
