import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDb, createTestTenant } from '../../../test/helpers.ts';
import { StepError } from '../../engine/steps/types.ts';
import { CgbSimulator } from '../../simulators/cgb.ts';
import { makeStepContext } from '../test-context.ts';
import { CgbClient } from './cgb-client.ts';
import { createWhatsAppSendStep, type CgbConnection } from './send-step.ts';

const db = testDb();
const sim = new CgbSimulator();
let tenant: Awaited<ReturnType<typeof createTestTenant>>;
let conn: CgbConnection;
const step = createWhatsAppSendStep({
  resolveConnection: async () => conn,
  clientOptions: { backoffBaseMs: 2, backoffCapMs: 10, timeoutMs: 300 },
});

beforeAll(async () => {
  await sim.start();
  tenant = await createTestTenant(db);
});
afterAll(async () => {
  await sim.stop();
  await db.$disconnect();
});
beforeEach(() => {
  sim.clearFaults();
  sim.switches = { unknownContact: '404', sendSuccessFalse: false, errorKey: 'error', authFailureStatus: 401, sendResponse: 'success', createResponse: 'envelope' };
  conn = { baseUrl: sim.baseUrl, token: '1234567.simulatortoken', flows: { welcome: '1752250957766' } };
});

const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StepError);

describe('whatsapp.send against the CGB simulator', () => {
  it('normalises to E.164, creates the contact, sends once, and a re-run sends nothing', async () => {
    const { ctx, logs } = makeStepContext(db, tenant);
    const before = sim.sent.length;
    const out = (await step.run(ctx, { to: '0917 123 4567', text: 'Your visa is approved' })) as { messageId: string };
    const row = await db.outboundMessage.findUniqueOrThrow({ where: { id: out.messageId } });
    expect(row).toMatchObject({ tenantId: tenant.id, recipient: '+639171234567', status: 'SENT', idempotencyKey: `${ctx.idempotencyKey}:+639171234567` });
    expect(sim.sent.length).toBe(before + 1);
    expect(String(sim.sent.at(-1)!.contactId)).toBe(row.contactId);
    expect([...sim.contacts.values()].some((c) => c.phone === '639171234567')).toBe(true);

    const again = (await step.run({ ...ctx, attempt: 2 }, { to: '+63 917 123 4567', text: 'Your visa is approved' })) as { messageId: string };
    expect(again.messageId).toBe(out.messageId);
    expect(sim.sent.length).toBe(before + 1);
    expect(logs.some((l) => /already sent/.test(l.message))).toBe(true);
  });

  it('sends a flow mapped from the integration config, or discovered from /accounts/flows', async () => {
    const a = makeStepContext(db, tenant);
    await step.run(a.ctx, { to: '+639171110001', template: 'welcome' });
    expect(sim.sent.at(-1)).toMatchObject({ kind: 'flow', body: { flow_id: 1752250957766 } });
    const b = makeStepContext(db, tenant);
    await step.run(b.ctx, { to: '+639171110001', template: 'visa_approved' });
    expect(sim.sent.at(-1)).toMatchObject({ kind: 'flow', body: { flow_id: 1752250957765 } });
    expect(sim.requests.some((r) => r.path === '/api/accounts/flows')).toBe(true);
    const c = makeStepContext(db, tenant);
    const err = await failure(step.run(c.ctx, { to: '+639171110001', template: 'no_such_flow' }));
    expect(err.details).toMatchObject({ retryable: false, code: 'UNKNOWN_TEMPLATE' });
  });

  it('sends media and sets custom fields by name as formData', async () => {
    const { ctx } = makeStepContext(db, tenant);
    await step.run(ctx, { to: '+639171110002', media: { url: 'https://example.com/a.pdf', type: 'document' }, customFields: { order_number: 'IL250819' } });
    expect(sim.sent.at(-1)).toMatchObject({ kind: 'file', body: { url: 'https://example.com/a.pdf', type: 'document', channel: 'whatsapp' } });
    const contact = [...sim.contacts.values()].find((c) => c.phone === '639171110002')!;
    expect(contact.custom_fields).toEqual([expect.objectContaining({ name: 'order_number', value: 'IL250819' })]);
    const cufReq = sim.requests.find((r) => r.path.includes('/custom_fields/779771'))!;
    expect(cufReq.headers['content-type']).toContain('application/x-www-form-urlencoded');
  });

  it('treats 200 {success:false} as a permanent error, then a re-run retries what surely was not sent', async () => {
    const { ctx } = makeStepContext(db, tenant);
    sim.switches.sendSuccessFalse = true;
    sim.switches.errorKey = 'message';
    const before = sim.sent.length;
    const err = await failure(step.run(ctx, { to: '+639171110003', text: 'hi' }));
    expect(err).toBeInstanceOf(StepError);
    expect(err.details.retryable).toBe(false);
    expect(err.message).toContain('Message could not be sent');
    const row = await db.outboundMessage.findFirstOrThrow({ where: { tenantId: tenant.id, recipient: '+639171110003' } });
    expect(row.status).toBe('FAILED');
    sim.switches.sendSuccessFalse = false;
    await step.run(ctx, { to: '+639171110003', text: 'hi' });
    expect(sim.sent.length).toBe(before + 1);
    expect(await db.outboundMessage.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: 'SENT', attempts: 2 });
  });

  it('retries 429 and 5xx with backoff and succeeds', async () => {
    const { ctx } = makeStepContext(db, tenant);
    sim.fail(1, { status: 429, body: { error: 'Too many requests' } }).fail(1, { status: 503, body: 'busy' });
    const n = sim.requests.length;
    await step.run(ctx, { to: '+639171110004', text: 'hi' });
    // find (429) → find (503) → find → create → send
    expect(sim.requests.length - n).toBe(5);
  });

  it('gives up after 3 attempts on persistent 5xx with a retryable error', async () => {
    const { ctx } = makeStepContext(db, tenant);
    sim.fail(3, { status: 500, body: { error: 'boom' } });
    const err = await failure(step.run(ctx, { to: '+639171110005', text: 'hi' }));
    expect(err.details).toMatchObject({ retryable: true, source: 'whatsapp', code: 500 });
  });

  it('does not retry 4xx: a bad token (401 or 403) fails after one request', async () => {
    conn = { ...conn, token: '1.wrong' };
    for (const status of [401, 403] as const) {
      const { ctx } = makeStepContext(db, tenant);
      sim.switches.authFailureStatus = status;
      const n = sim.requests.length;
      const err = await failure(step.run(ctx, { to: '+639171110006', text: 'hi' }));
      expect(err.details).toMatchObject({ retryable: false, code: status });
      expect(sim.requests.length - n).toBe(1);
    }
  });

  it('accepts every plausible success body of create and send (bare id, empty, message_id)', async () => {
    sim.switches.createResponse = 'bare';
    for (const [i, body] of (['empty', 'message_id', 'success'] as const).entries()) {
      sim.switches.sendResponse = body;
      const { ctx } = makeStepContext(db, tenant);
      const out = (await step.run(ctx, { to: `+63917111002${i}`, template: 'welcome' })) as { messageId: string };
      expect(await db.outboundMessage.findUniqueOrThrow({ where: { id: out.messageId } })).toMatchObject({ status: 'SENT', contactId: expect.any(String) });
    }
  });

  it('retries a lookup that timed out, but never resends a send that timed out', async () => {
    const a = makeStepContext(db, tenant);
    sim.fail(1, { delayMs: 600, pathIncludes: 'find_by_custom_field' });
    await step.run(a.ctx, { to: '+639171110007', text: 'hi' });
    expect(await db.outboundMessage.count({ where: { tenantId: tenant.id, recipient: '+639171110007', status: 'SENT' } })).toBe(1);

    const b = makeStepContext(db, tenant);
    sim.fail(1, { delayMs: 600, pathIncludes: '/send/' });
    const err = await failure(step.run(b.ctx, { to: '+639171110008', text: 'hi' }));
    expect(err.details.retryable).toBe(false);
    await new Promise((r) => setTimeout(r, 400)); // the simulator still delivers it late
    const delivered = sim.sent.filter((s) => sim.contacts.get(s.contactId)?.phone === '639171110008').length;
    expect(delivered).toBe(1);
    const again = await failure(step.run(b.ctx, { to: '+639171110008', text: 'hi' }));
    expect(again.details.code).toBe('OUTCOME_UNKNOWN');
    expect(sim.sent.filter((s) => sim.contacts.get(s.contactId)?.phone === '639171110008').length).toBe(1);
  });

  it('takes over a send abandoned before the send call, but never one that reached it', async () => {
    const { ctx } = makeStepContext(db, tenant);
    const key = (r: string) => `${ctx.idempotencyKey}:${r}`;
    const base = { tenantId: tenant.id, executionId: ctx.executionId, kind: 'text', payload: { kind: 'text', text: 'hi' } };
    const before = await db.outboundMessage.create({ data: { ...base, idempotencyKey: key('+639171110031'), recipient: '+639171110031' } });
    const reached = await db.outboundMessage.create({ data: { ...base, idempotencyKey: key('+639171110032'), recipient: '+639171110032', contactId: '100001' } });

    const busy = await failure(step.run(ctx, { to: '+639171110031', text: 'hi' }));
    expect(busy.details).toMatchObject({ retryable: true });

    await db.$executeRaw`UPDATE "OutboundMessage" SET "updatedAt" = now() - interval '10 minutes' WHERE id IN (${before.id}::uuid, ${reached.id}::uuid)`;
    const sentBefore = sim.sent.length;
    const out = (await step.run(ctx, { to: '+639171110031', text: 'hi' })) as { messageId: string };
    expect(out.messageId).toBe(before.id);
    expect(sim.sent.length).toBe(sentBefore + 1);
    expect(await db.outboundMessage.findUniqueOrThrow({ where: { id: before.id } })).toMatchObject({ status: 'SENT', attempts: 1 });

    const unknown = await failure(step.run(ctx, { to: '+639171110032', text: 'hi' }));
    expect(unknown.details.code).toBe('OUTCOME_UNKNOWN');
    expect(sim.sent.length).toBe(sentBefore + 1);
  });

  it('rejects bad input with a typed error and records nothing', async () => {
    const { ctx } = makeStepContext(db, tenant);
    const count = await db.outboundMessage.count({ where: { tenantId: tenant.id } });
    for (const config of [{ to: 'not-a-number', text: 'x' }, { to: '+639171110009' }, { to: '+639171110009', text: 'x', template: 'welcome' }, { to: [], text: 'x' }]) {
      const err = await failure(step.run(ctx, config as never));
      expect(err.details).toMatchObject({ retryable: false, code: 'INVALID_CONFIG' });
    }
    expect(await db.outboundMessage.count({ where: { tenantId: tenant.id } })).toBe(count);
  });

  it('stops before sending when cancelled', async () => {
    const { ctx, abort } = makeStepContext(db, tenant);
    abort.abort();
    const before = sim.sent.length;
    await expect(step.run(ctx, { to: '+639171110010', text: 'hi' })).rejects.toThrow(/cancel/);
    expect(sim.sent.length).toBe(before);
  });
});

describe('CGB simulator and client details', () => {
  it('serves the /users alias like /contacts, and unknown contacts as 404 or empty 200', async () => {
    const client = new CgbClient({ baseUrl: sim.baseUrl, token: '1234567.simulatortoken', backoffBaseMs: 1 });
    const created = await client.createContact({ phone: '+639171110011' });
    const viaUsers = await fetch(`${sim.baseUrl}/users/find_by_custom_field?field_id=phone&value=639171110011`, { headers: { 'X-ACCESS-TOKEN': '1234567.simulatortoken' } }).then((r) => r.json());
    expect(String(viaUsers.data[0].id)).toBe(created.id);
    expect(await client.getContact(created.id)).toMatchObject({ id: created.id });
    sim.switches.unknownContact = '404';
    expect(await client.getContact('999')).toBeNull();
    sim.switches.unknownContact = 'empty200';
    expect(await client.getContact('999')).toBeNull();
    expect(await client.findContactByPhone('+639990000000')).toBeNull();
  });
});
