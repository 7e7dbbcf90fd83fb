import { expect, snap, test } from './fixtures.ts';

test('admins add an integration whose credentials are write-only, rotate them, and delete it', async ({ signedIn: page, stack }) => {
  await page.goto('/integrations');
  await expect(page.getByText(/No integrations yet/)).toBeVisible();
  await page.getByLabel('Kind').selectOption('CGB_WHATSAPP');
  await page.getByLabel('Name').fill('e2e whatsapp');
  await page.getByLabel('Config (JSON, not secret)').fill('{"templates": {"visa_status": "flow_1"}}');
  await page.getByLabel('Credentials (JSON, write-only)').fill('{"apiKey": "cgb-secret-123"}');
  await page.getByRole('button', { name: 'Add integration' }).click();
  const row = page.locator('tr', { hasText: 'e2e whatsapp' });
  await expect(row).toContainText('credentials stored');
  await expect(page.getByLabel('Credentials (JSON, write-only)')).toHaveValue('');
  await expect(page.locator('body')).not.toContainText('cgb-secret-123');
  // Nor does the API ever return them.
  const { integrations } = await stack.graphql<{ integrations: { edges: { node: Record<string, unknown> }[] } }>('{ integrations(first: 10) { edges { node { name config hasCredentials } } } }');
  expect(JSON.stringify(integrations)).not.toContain('cgb-secret-123');
  await snap(page, 'integrations');

  page.once('dialog', (d) => void d.accept('{"apiKey": "cgb-secret-456"}'));
  await row.getByRole('button', { name: 'Rotate credentials' }).click();
  await expect(page.getByText('Credentials of e2e whatsapp replaced.')).toBeVisible();

  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row).toContainText('Disabled');
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
});
