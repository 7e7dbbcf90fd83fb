import { createHmac } from 'node:crypto';
import { expect, test } from './fixtures.ts';
import { createWorkflow } from './api.ts';

// Signs like a partner would, by hand (the recipe in the README), not with the server's code.
function sign(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  return { 'x-flowdeck-timestamp': String(timestamp), 'x-flowdeck-signature': `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}` };
}

test('an admin adds a webhook in the UI, a signed request starts a run that appears live; rotate and delete', async ({ signedIn: page, stack }) => {
  const id = await createWorkflow(stack, { name: 'Embassy webhook', enabled: true, definition: { steps: [{ type: 'log', config: { message: 'visa {{status}} for {{applicantId}}' } }] } });
  await page.goto(`/workflows/${encodeURIComponent(id)}`);
  const panel = page.getByRole('region', { name: 'Webhooks' });
  await expect(panel).toContainText('No webhooks');
  await panel.getByLabel('New webhook name').fill('Embassy portal');
  await panel.getByRole('button', { name: 'Add webhook' }).click();
  const secret = (await panel.getByTestId('webhook-secret').textContent())!.trim();
  const url = (await panel.getByTestId('webhook-url').textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  expect(url).toMatch(/\/hooks\/[A-Za-z0-9_-]+$/);
  const row = panel.locator('tr[data-webhook="Embassy portal"]');
  await expect(row).toContainText('Enabled');
  await expect(row).toContainText(url);

  // A partner's delivery: signed, sent with node's fetch.
  const body = JSON.stringify({ status: 'APPROVED', applicantId: 'A-1001' });
  const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(unsigned.status).toBe(401);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(secret, body) }, body });
  expect(res.status).toBe(202);
  const { executionId, duplicate } = (await res.json()) as { executionId: string; duplicate: boolean };
  expect(duplicate).toBe(false);

  // The run shows up on the page without a reload, and completes.
  const run = page.locator(`tr[data-execution="${executionId}"]`);
  await expect(run).toContainText('WEBHOOK', { timeout: 20_000 });
  await expect(run).toHaveAttribute('data-status', 'COMPLETED', { timeout: 30_000 });
  await run.getByRole('link').first().click();
  await expect(page.getByText('A-1001').first()).toBeVisible();
  await page.goBack();

  // Rotation: a new secret is shown once; the old one still works during the overlap.
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Rotate the secret of Embassy portal' }).click();
  const rotated = (await panel.getByTestId('webhook-secret').textContent())!.trim();
  expect(rotated).not.toBe(secret);
  await expect(row).toContainText('previous secret valid until');
  const body2 = JSON.stringify({ status: 'REJECTED', applicantId: 'A-1002' });
  for (const s of [secret, rotated]) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(s, body2) }, body: body2 });
    expect(r.status).toBe(202);
  }

  // Disabled, then deleted: the URL answers 404.
  await row.getByRole('button', { name: 'Disable Embassy portal' }).click();
  await expect(row).toContainText('Disabled');
  await expect
    .poll(async () => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(rotated, body) }, body })).status)
    .toBe(404);
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Delete Embassy portal' }).click();
  await expect(panel).toContainText('No webhooks');
});
