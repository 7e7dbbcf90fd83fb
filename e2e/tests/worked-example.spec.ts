// Issue 18's worked example, end to end and exactly as the README's "Worked example" section
// documents it: a partner's signed visa-status webhook starts a run that renders the certificate
// PDF, parks at a consultant's approval (Approvals inbox, live), and after Approve sends the
// WhatsApp message through the CGB simulator. A retried delivery (same reference) starts nothing.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, signIn, snap, test, type Stack } from './fixtures.ts';
import { createWorkflow } from './api.ts';
import { rowId, withDb } from './db.ts';

const WORKFLOW_NAME = 'Visa status webhook (worked example)';

// The README's definition, verbatim: pdf.generate is the demo seed's "Visa status update" step
// with its variables taken from the webhook payload (the run's input); the constants are
// definition variables a payload may override.
const definition = {
  variables: { nationality: 'Filipino', visaType: 'Tourist (single entry)', issuer: 'Demo Travel & Retail' },
  steps: [
    {
      id: 'certificate',
      type: 'pdf.generate',
      config: {
        template: 'visa_certificate',
        variables: {
          holder_name: '{{firstName}} {{lastName}}',
          passport_number: '{{passport}}',
          nationality: '{{nationality}}',
          visa_type: '{{visaType}}',
          destination: '{{destination}}',
          valid_from: '{{validFrom}}',
          valid_until: '{{validUntil}}',
          reference: '{{reference}}',
          status: '{{status}}',
          issued_on: '{{validFrom}}',
          issuer: '{{issuer}}',
        },
      },
    },
    {
      id: 'approve',
      type: 'wait.approval',
      config: {
        title: 'Send the visa update to {{firstName}} {{lastName}} ({{reference}})?',
        message: 'Hi {{firstName}}, your visa application {{reference}} is {{status}}. — WhatsApp to {{phone}}',
        approverRole: 'OPERATOR',
        timeout: '2h',
        onTimeout: 'reject',
      },
    },
    { id: 'notify', type: 'whatsapp.send', config: { to: '{{phone}}', firstName: '{{firstName}}', text: 'Hi {{firstName}}, your visa application {{reference}} is {{status}}.' } },
  ],
};

// Every field a template above uses is required, so a delivery missing one is refused with 422
// at the door instead of failing the run at a step.
const payloadSchema = {
  type: 'object',
  required: ['reference', 'status', 'firstName', 'lastName', 'passport', 'phone', 'destination', 'validFrom', 'validUntil'],
  properties: {
    status: { enum: ['approved', 'rejected', 'in review'] },
    phone: { type: 'string', pattern: '^\\+[0-9]{8,15}$' },
    validFrom: { type: 'string', format: 'date' },
    validUntil: { type: 'string', format: 'date' },
  },
};

// Signed the way the README's openssl recipe does, by hand, not with the server's code.
function signedPost(url: string, secret: string, body: string): Promise<Response> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-flowdeck-timestamp': String(ts), 'x-flowdeck-signature': `sha256=${sig}` },
    body,
  });
}

/** Polls the API every 20 ms until the run has `status`; returns when it was first seen. */
async function seenStatus(stack: Stack, executionId: string, status: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await stack.graphql<{ execution: { status: string } }>('query($id: ID!) { execution(id: $id) { status } }', { id: executionId });
    if (d.execution.status === status) return Date.now();
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(d.execution.status)) throw new Error(`run ended ${d.execution.status}, expected ${status}`);
    if (Date.now() > deadline) throw new Error(`run still ${d.execution.status} after ${timeoutMs} ms, expected ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The README section's three code blocks: the definition, the createWebhookTrigger input, the signed body. */
function readmeExample(): { definition: unknown; triggerInput: unknown; body: unknown } {
  const readme = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## Worked example: visa status webhook');
  expect(start, 'the README has the worked example section').toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const [definitionBlock, mutationBlock, deliveryBlock] = [...section.matchAll(/```(?:json|sh)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return {
    definition: JSON.parse(definitionBlock!),
    triggerInput: (JSON.parse(/-d '([\s\S]*?)'\n/.exec(mutationBlock!)![1]!) as { variables: { i: unknown } }).variables.i,
    body: JSON.parse(/^BODY='(.*)'$/m.exec(deliveryBlock!)![1]!),
  };
}

const runBadge = (page: Page) => page.locator('.page-head .badge');

test('worked example: signed visa webhook → PDF → consultant approves in the inbox → WhatsApp; a retried delivery starts nothing', async ({ signedIn: inbox, context, stack }) => {
  const workflowId = await createWorkflow(stack, { name: WORKFLOW_NAME, enabled: true, definition });
  const created = await stack.graphql<{ createWebhookTrigger: { __typename: string; signingSecret?: string; webhookTrigger?: { path: string }; problems?: unknown } }>(
    `mutation($i: CreateWebhookTriggerInput!) {
      createWebhookTrigger(input: $i) {
        __typename
        ... on CreateWebhookTriggerPayload { signingSecret webhookTrigger { id path } }
        ... on ValidationError { problems { path message } }
      }
    }`,
    { i: { workflowId, name: 'Embassy portal', idempotencyKeyPath: 'reference', payloadSchema } },
  );
  const { signingSecret, webhookTrigger } = created.createWebhookTrigger;
  expect(created.createWebhookTrigger.__typename, JSON.stringify(created)).toBe('CreateWebhookTriggerPayload');
  const hookUrl = `${stack.url}${webhookTrigger!.path}`;
  const runCount = () =>
    withDb(stack.databaseUrl, (db) => db.query<{ n: number }>('SELECT count(*)::int AS n FROM "WorkflowExecution" WHERE "workflowId" = $1', [rowId(workflowId)])).then((r) => r.rows[0]!.n);

  // The consultant has the inbox open before anything arrives: the approval must appear live.
  await inbox.goto('/approvals');
  await expect(inbox.getByRole('heading', { name: 'Approvals' })).toBeVisible();

  const reference = `VS-2026-${Date.now().toString().slice(-6)}`;
  const payload = {
    reference,
    status: 'approved',
    firstName: 'Maria',
    lastName: 'Santos',
    passport: 'P1234567A',
    phone: '+639171234567',
    destination: 'Japan',
    validFrom: '2026-12-01',
    validUntil: '2027-02-28',
  };
  const applicant = `${payload.firstName} ${payload.lastName}`;

  // What this test runs is what the README's "Worked example" section shows.
  const doc = readmeExample();
  expect(doc.definition, "README's worked-example definition").toEqual(definition);
  expect(doc.triggerInput, "README's createWebhookTrigger input").toEqual({ workflowId: '<workflow id>', name: 'Embassy portal', idempotencyKeyPath: 'reference', payloadSchema });
  expect(doc.body, "README's signed delivery").toEqual({ ...payload, reference: 'VS-2026-0001' });

  // A payload missing a field the templates need is refused at the door, and starts nothing.
  const { passport: _omitted, ...incomplete } = payload;
  const refused = await signedPost(hookUrl, signingSecret!, JSON.stringify(incomplete));
  expect(refused.status).toBe(422);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('schema_invalid');
  expect(await runCount()).toBe(0);

  // The partner's delivery: a real signed HTTP request.
  const body = JSON.stringify(payload);
  const res = await signedPost(hookUrl, signingSecret!, body);
  const acceptedAt = Date.now();
  expect(res.status).toBe(202);
  const { executionId, duplicate } = (await res.json()) as { executionId: string; duplicate: boolean };
  expect(duplicate).toBe(false);
  // Both watched at once: the API (polled) and the inbox page (waitFor observes the DOM itself,
  // without expect's back-off, so the time is when the item appeared).
  const item = inbox.locator('li.approval', { hasText: `Send the visa update to ${applicant} (${reference})?` });
  const [waitingAt, inInboxAt] = await Promise.all([
    seenStatus(stack, executionId, 'WAITING'),
    item.waitFor({ state: 'visible', timeout: 20_000 }).then(() => Date.now()),
  ]);
  await expect(item).toContainText(`Hi Maria, your visa application ${reference} is approved. — WhatsApp to +639171234567`);
  await expect(item).toContainText(WORKFLOW_NAME);
  await expect(item).toContainText('times out');
  await snap(inbox, 'worked-example');

  // The run page, in a second tab: the PDF is rendered (with its link) and the run waits.
  const runPage = await context.newPage();
  await signIn(runPage, stack.apiKey);
  await runPage.goto(`/executions/${encodeURIComponent(executionId)}`);
  await expect(runBadge(runPage)).toHaveText('WAITING');
  const pdfStep = runPage.locator('.timeline li', { has: runPage.locator('code', { hasText: 'pdf.generate' }) });
  await expect(pdfStep).toHaveClass(/step-completed/);
  const pdfLink = pdfStep.getByRole('link', { name: 'Open PDF' });
  await expect(pdfLink).toBeVisible();
  const pdf = await runPage.request.get((await pdfLink.getAttribute('href'))!);
  expect(pdf.status()).toBe(200);
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await expect(runPage.getByTestId('wait')).toContainText('Waiting for approval');
  await expect(runPage.locator('.timeline li', { has: runPage.locator('code', { hasText: 'whatsapp.send' }) })).toHaveCount(0);

  // Approve with a comment; the run page (not reloaded) follows the run to COMPLETED.
  await item.getByLabel('Comment (optional)').fill('Passport number checked against the portal');
  const clickedAt = Date.now();
  await item.getByRole('button', { name: 'Approve' }).click();
  const [completedAt, dashboardCompletedAt] = await Promise.all([
    seenStatus(stack, executionId, 'COMPLETED'),
    runPage.locator('.page-head .badge', { hasText: 'COMPLETED' }).waitFor({ state: 'visible', timeout: 20_000 }).then(() => Date.now()),
  ]);
  await expect(runBadge(runPage)).toHaveText('COMPLETED');
  await expect(item).toHaveCount(0, { timeout: 20_000 });
  await expect(runPage.getByTestId('wait')).toContainText('Approved by');
  await expect(runPage.getByTestId('wait')).toContainText('Passport number checked against the portal');
  await expect(runPage.locator('.timeline .status-completed')).toHaveCount(3);

  // The WhatsApp message reached the CGB simulator: one SENT message for this run.
  const sent = await withDb(stack.databaseUrl, (db) =>
    db.query<{ status: string; recipient: string }>('SELECT status, recipient FROM "OutboundMessage" WHERE "executionId" = $1', [rowId(executionId)]),
  );
  expect(sent.rows.map((r) => r.status)).toEqual(['SENT']);
  expect(sent.rows[0]!.recipient).toContain('639171234567');

  // The partner retries the same delivery (freshly signed, same reference): same run, nothing new.
  const retried = await signedPost(hookUrl, signingSecret!, body);
  expect(retried.status).toBe(202);
  expect(await retried.json()).toEqual({ executionId, duplicate: true });
  expect(await runCount()).toBe(1);
  const messages = await withDb(stack.databaseUrl, (db) => db.query<{ n: number }>('SELECT count(*)::int AS n FROM "OutboundMessage" WHERE "executionId" = $1', [rowId(executionId)]));
  expect(messages.rows[0]!.n).toBe(1);

  console.log(
    `[e2e] worked example: webhook accepted → run WAITING ${waitingAt - acceptedAt} ms (in the inbox +${inInboxAt - acceptedAt} ms); ` +
      `approve click → COMPLETED ${completedAt - clickedAt} ms (API), ${dashboardCompletedAt - clickedAt} ms (run page)`,
  );
  await runPage.close();
});
