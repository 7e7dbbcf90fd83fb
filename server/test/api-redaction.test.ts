// Every surface a person's data is shown on, through the whole stack (the API role, and the run
// worker, log service and alert delivery of the worker role on the same queues; real PostgreSQL
// and Redis): a run triggered with a phone number, an e-mail, a card and a passport
// number in its input, whose step logs them and fails with them in its error, must show none of
// them to a VIEWER — not in Execution.input / output / error, step outputs and errors, the
// executionUpdated subscription, log lines, the log export, nor in the alert webhook body.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AlertService } from '../src/engine/alerts.ts';
import { MaintenanceWorker } from '../src/engine/maintenance.ts';
import { createQueues, type Queues } from '../src/engine/queues.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { eventTopics } from '../src/events.ts';
import { LogService } from '../src/logs/service.ts';
import { createRedis } from '../src/redis.ts';
import { quietLogger } from './engine-deps.ts';
import { startTestApp } from './app.ts';
import { globalId, tenantWithKeys, type TestTenant } from './api-helpers.ts';

// `note` holds a Tokyo number written nationally: only recognisable in the tenant's country (JP).
const PII = { phone: '+63 917 555 0147', email: 'ana.reyes@example.com', card: '4111 1111 1111 1111', passport: 'P1234567A', note: '電話 03-1234-5678' };
// What must not appear anywhere a reader sees: the values, also without their separators.
const LEAKS = [/917\s?555\s?0147/, /ana\.reyes@example\.com/, /4111[\s-]?1111/, /P1234567A/, /1234-5678/];
const leaked = (text: string) => LEAKS.filter((re) => re.test(text)).map(String);

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let hook: Server;
let queues: Queues;
let redis: ReturnType<typeof createRedis>;
let logs: LogService;
let runs: RunWorker;
let maintenance: MaintenanceWorker;
const hookBodies: string[] = [];

async function until<T>(fn: () => Promise<T | undefined | null | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  hook = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hookBodies.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  // Its own Redis prefix: other suites' workers must not take this run's jobs or its alert
  // delivery, and the workers here (the sweeper limited to this tenant) touch no one else's.
  const prefix = `redact${randomUUID().slice(0, 8)}`;
  app = await startTestApp(['api'], { REDIS_PREFIX: prefix });
  t = await tenantWithKeys(app.db);
  await app.db.tenant.update({ where: { id: t.id }, data: { defaultCountry: 'JP' } });
  const port = (hook.address() as { port: number }).port;
  await app.db.alertDestination.create({ data: { tenantId: t.id, name: 'ops', url: `http://127.0.0.1:${port}/hook`, events: ['RUN_FAILED'] } });
  redis = createRedis();
  queues = createQueues(redis, prefix);
  const deps = { db: app.db, redis, queues, redisPrefix: prefix };
  logs = new LogService({ db: app.db, redis, topic: eventTopics(prefix).logs, flushIntervalMs: 50 });
  await logs.start();
  const alerts = new AlertService({ db: app.db, queues, logger: quietLogger, retryDelayMs: 50 });
  runs = new RunWorker({ ...deps, alerts, registry: createBuiltinRegistry(), logSink: logs, logger: quietLogger, driftWarnMs: 5000, concurrency: 2, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 1000 });
  const guard = async (u: string) => {
    if (new URL(u).hostname !== '127.0.0.1') throw new Error('private address');
  };
  maintenance = new MaintenanceWorker({ ...deps, logger: quietLogger, sweepTenantId: t.id, sweepIntervalMs: 60_000, pendingAfterMs: 60_000, delivery: { signingSecret: randomBytes(32), assertOutboundUrl: guard, outbound: { allowHosts: ['127.0.0.1'] } } });
  await runs.start();
  await maintenance.start();
});
afterAll(async () => {
  await runs.stop();
  await maintenance.stop();
  await logs.stop();
  for (const q of [queues.runs, queues.schedules, queues.maintenance]) await q.obliterate({ force: true }).catch(() => {});
  await queues.close();
  redis.disconnect();
  await app.stop();
  await new Promise((r) => hook.close(r));
});

const EXEC = 'id status input output error stepRuns { index status output error }';

describe('a run carrying PII', () => {
  it('shows it redacted through GraphQL, the subscription, logs, the export and the alert webhook', async () => {
    const wf = await app.db.workflow.create({
      data: {
        tenantId: t.id,
        name: 'pii',
        definition: {
          steps: [
            { type: 'log', name: 'greet', config: { message: 'Greeting {{email}}, {{note}}' } },
            { type: 'log', name: 'send', config: { message: 'Could not send to {{phone}} ({{email}}), card {{card}}, passport no. {{passport}}', fail: true } },
          ],
        },
      },
    });

    // Subscribe first (as the dashboard's run page does), then trigger.
    const ws = new WebSocket(`${app.url.replace('http', 'ws')}/graphql`, ['graphql-transport-ws']);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(String(d)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authToken: t.keys.VIEWER } }));
    await until(async () => frames.some((f) => f.includes('connection_ack')), 'connection_ack');
    ws.send(JSON.stringify({ type: 'subscribe', id: 's', payload: { query: `subscription { executionUpdated { ${EXEC} } }` } }));
    await new Promise((r) => setTimeout(r, 300));

    const trig = await app.graphql(
      `mutation($id: ID!, $input: TriggerWorkflowInput) { triggerWorkflow(id: $id, input: $input) { ... on TriggerWorkflowPayload { execution { id input } } } }`,
      { id: globalId('Workflow', wf.id), input: { context: PII } },
      t.keys.OPERATOR,
    );
    const execution = trig.body.data.triggerWorkflow.execution;
    expect(execution.input).toEqual({ phone: '[PHONE]', email: '[EMAIL]', card: '[CARD]', passport: '[ID]', note: '電話 [PHONE]' });

    const rowId = await until(async () => {
      const row = await app.db.workflowExecution.findFirst({ where: { tenantId: t.id, workflowId: wf.id, status: 'FAILED' } });
      return row?.id;
    }, 'the run to fail');
    // The run itself had the raw values: its log line and error were made from them.
    const raw = await app.db.workflowExecution.findUniqueOrThrow({ where: { id: rowId } });
    expect(JSON.stringify(raw.input)).toContain('ana.reyes@example.com');
    // A step's stored output holding PII (as a send step would record its recipient).
    await app.db.stepRun.updateMany({ where: { executionId: rowId, index: 0 }, data: { output: { to: PII.phone, email: PII.email, note: `sent to ${PII.phone}` } } });

    // GraphQL query, as a VIEWER.
    const q = await app.graphql(`query($id: ID!) { execution(id: $id) { ${EXEC} } }`, { id: globalId('Execution', rowId) }, t.keys.VIEWER);
    const shown = q.body.data.execution;
    expect(shown.status).toBe('FAILED');
    expect(shown.error.message).toBe('Could not send to [PHONE] ([EMAIL]), card [CARD], passport no. [ID]');
    expect(shown.stepRuns[1].error.message).toBe('Could not send to [PHONE] ([EMAIL]), card [CARD], passport no. [ID]');
    expect(shown.stepRuns[0].output).toEqual({ to: '[PHONE]', email: '[EMAIL]', note: 'sent to [PHONE]' });
    expect(leaked(JSON.stringify(shown))).toEqual([]);
    // Stored error text is redacted before storage, not only when read.
    expect(leaked(JSON.stringify(raw.error))).toEqual([]);

    // The subscription's payloads.
    await until(async () => frames.some((f) => f.includes('"FAILED"')), 'the FAILED update');
    const updates = frames.filter((f) => f.includes('executionUpdated'));
    expect(updates.length).toBeGreaterThan(0);
    expect(leaked(updates.join('\n'))).toEqual([]);
    expect(updates.join('\n')).toContain('[PHONE]');
    ws.close();

    // Log lines through GraphQL and the export.
    const lines = await until(async () => {
      const r = await app.graphql(`query($f: LogFilterInput) { logs(filter: $f, first: 10) { edges { node { message metadata } } } }`, { f: { executionId: globalId('Execution', rowId) } }, t.keys.VIEWER);
      const edges = r.body.data?.logs?.edges ?? [];
      return edges.length >= 2 ? edges : undefined;
    }, 'the log lines');
    expect(leaked(JSON.stringify(lines))).toEqual([]);
    expect(JSON.stringify(lines)).toContain('[EMAIL]');
    const exported = await fetch(`${app.url}/api/v1/logs/export?format=csv&executionId=${rowId}`, { headers: { authorization: `Bearer ${t.keys.VIEWER}` } });
    const csv = await exported.text();
    expect(exported.status, csv).toBe(200);
    expect(csv).toContain('[PHONE]');
    expect(leaked(csv)).toEqual([]);

    // The alert webhook body (and the delivery row it was sent from).
    const body = await until(async () => hookBodies.find((b) => b.includes('RUN_FAILED')), 'the RUN_FAILED webhook', 60_000);
    expect(body).toContain('[PHONE]');
    expect(leaked(body)).toEqual([]);
    const delivery = await app.db.alertDelivery.findFirstOrThrow({ where: { tenantId: t.id } });
    expect(leaked(JSON.stringify(delivery.payload))).toEqual([]);
  });
});

describe('a generated document', () => {
  it("keeps its signed link openable (the run's deliverable) while PII beside it is redacted", async () => {
    const wf = await app.db.workflow.create({ data: { tenantId: t.id, name: 'doc', definition: { steps: [{ type: 'log', name: 'x', config: { message: 'x' } }] } } });
    const exec = await app.db.workflowExecution.create({ data: { tenantId: t.id, workflowId: wf.id, workflowVersion: 1, trigger: 'MANUAL', status: 'COMPLETED' } });
    const url = `${app.url}/files/receipts/abc.pdf?exp=1893456000&sig=0f3c9a1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8`;
    const doc = { documentId: randomUUID(), url, storageKey: 'receipts/abc.pdf' };
    // The same link outside a document (a step that echoed it into a note) stays redacted.
    await app.db.stepRun.create({ data: { tenantId: t.id, executionId: exec.id, index: 0, type: 'pdf.generate', status: 'COMPLETED', output: { ...doc, note: `for ${PII.email}: ${url}` } } });
    await app.db.workflowExecution.update({ where: { id: exec.id }, data: { output: { render: doc } } });
    const q = await app.graphql(`query($id: ID!) { execution(id: $id) { output stepRuns { output } } }`, { id: globalId('Execution', exec.id) }, t.keys.VIEWER);
    const shown = q.body.data.execution;
    expect(shown.stepRuns[0].output.url).toBe(url);
    expect(shown.output.render.url).toBe(url);
    expect(shown.stepRuns[0].output.note).toContain('[EMAIL]');
    expect(shown.stepRuns[0].output.note).not.toContain('sig=0f3c');
  });
});
