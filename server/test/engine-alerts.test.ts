// Alert webhooks: a failed run raises RUN_FAILED, the delivery is signed with HMAC-SHA256,
// retried after a failure, recorded, and a destination the outbound guard refuses is never called.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService, destinationSecret, signAlert } from '../src/engine/alerts.ts';
import { triggerExecution } from '../src/engine/executions.ts';
import { MaintenanceWorker, recordedRun } from '../src/engine/maintenance.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestTenant, testDb } from './helpers.ts';

const db = testDb();
const deps = createEngineDeps(db);
const signingSecret = randomBytes(32);
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
let failNext = 1;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.statusCode = failNext-- > 0 ? 503 : 204;
    res.end();
  });
});
let url: string;
let tenantId: string;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  tenantId = (await createTestTenant(db)).id;
});
afterAll(async () => {
  server.close();
  await deps.close();
  await db.$disconnect();
});

describe('alerts', () => {
  it('a failed run is delivered, signed, to the subscribed webhook, retried once after a 503 and recorded', async () => {
    const dest = await db.alertDestination.create({ data: { tenantId, name: 'ops', url, events: ['RUN_FAILED'] } });
    const blocked = await db.alertDestination.create({ data: { tenantId, name: 'internal', url: 'http://169.254.169.254/latest', events: ['RUN_FAILED'] } });
    await db.alertDestination.create({ data: { tenantId, name: 'drift only', url, events: ['DRIFT_EXCEEDED'] } });
    const alerts = new AlertService({ db, queues: deps.queues, logger: quietLogger, retryDelayMs: 50 });
    const guard = async (u: string) => {
      if (new URL(u).hostname !== '127.0.0.1') throw new Error('private address');
    };
    const runs = new RunWorker({ ...deps, alerts, registry: createBuiltinRegistry(), logSink: collectLogs(), logger: quietLogger, driftWarnMs: 5000, concurrency: 2, stalledIntervalMs: 30_000, lockDurationMs: 30_000, drainMs: 1000 });
    const maintenance = new MaintenanceWorker({ ...deps, logger: quietLogger, sweepTenantId: tenantId, sweepIntervalMs: 60_000, pendingAfterMs: 60_000, delivery: { signingSecret, assertOutboundUrl: guard, outbound: { allowHosts: ['127.0.0.1'] } } });
    await runs.start();
    await maintenance.start();
    try {
      const wf = await db.workflow.create({ data: { tenantId, name: 'fails', definition: { steps: [{ type: 'log', config: { message: 'it broke', fail: true } }] } } });
      const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' });
      const delivered = await waitFor(async () => db.alertDelivery.findFirst({ where: { destinationId: dest.id, status: 'DELIVERED' } }), 10_000, 'the delivery');
      expect(delivered).toMatchObject({ event: 'RUN_FAILED', attempts: 2, lastStatus: 204, payload: { executionId: execution.id, workflowId: wf.id, error: { message: 'it broke', step: 'step0' } } });
      const refused = await waitFor(async () => db.alertDelivery.findFirst({ where: { destinationId: blocked.id, status: 'FAILED' } }), 5000, 'the refused delivery');
      expect(refused.lastError).toBe('blocked by the outbound-address guard: private address');
      expect(refused.attempts).toBe(1);
      expect(await db.alertDelivery.count({ where: { tenantId } })).toBe(2); // not to the drift-only destination

      expect(received).toHaveLength(2);
      const last = received[1]!;
      const ts = Number(last.headers['x-flowdeck-timestamp']);
      expect(last.headers['x-flowdeck-signature']).toBe(signAlert(destinationSecret(signingSecret, dest.id), ts, last.body));
      expect(last.headers['x-flowdeck-signature']).not.toBe(signAlert(destinationSecret(randomBytes(32), dest.id), ts, last.body));
      expect(JSON.parse(last.body)).toMatchObject({ id: delivered.id, event: 'RUN_FAILED', tenantId, data: { executionId: execution.id } });
    } finally {
      await maintenance.stop();
      await runs.stop();
    }
  });

  it('a failed maintenance task raises MAINTENANCE_FAILED without its internal error', async () => {
    const dest = await db.alertDestination.create({ data: { tenantId, name: 'maint', url, events: ['MAINTENANCE_FAILED'] } });
    const alerts = new AlertService({ db, queues: deps.queues, logger: quietLogger });
    await expect(
      recordedRun(db, quietLogger, 'test-alerting-task', async () => {
        throw new Error('password=hunter2 in a stack');
      }, undefined, alerts),
    ).rejects.toThrow();
    const delivery = await db.alertDelivery.findFirstOrThrow({ where: { destinationId: dest.id } });
    expect(delivery.event).toBe('MAINTENANCE_FAILED');
    expect(JSON.stringify(delivery.payload)).not.toContain('hunter2');
    expect(delivery.payload).toMatchObject({ task: 'test-alerting-task' });
  });
});
