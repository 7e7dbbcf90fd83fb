import { expect, signIn, snap, test } from './fixtures.ts';

test('workflows list: schedule in words and zone, next and last run, enable/disable', async ({ signedIn: page }) => {
  await page.goto('/workflows');
  const sync = page.locator('tr', { hasText: 'Daily ads and sales sync' });
  await expect(sync).toContainText('At 06:00 every day');
  await expect(sync).toContainText('Asia/Manila');
  await expect(sync).toContainText('Disabled');
  await sync.getByRole('button', { name: 'Enable Daily ads and sales sync' }).click();
  await expect(sync).toContainText('Enabled');
  // The next run is 06:00 Manila time (UTC+8): 22:00 UTC.
  await expect(sync.locator('td').nth(3)).toContainText(/06:00:00/);
  await sync.getByRole('button', { name: 'Disable Daily ads and sales sync' }).click();
  await expect(sync).toContainText('Disabled');
  await snap(page, 'workflows');
});

test('definition editor validates as you type and points at every problem', async ({ signedIn: page }) => {
  await page.goto('/workflows');
  await page.getByRole('link', { name: 'Visa status update' }).first().click();
  const editor = page.getByLabel('Definition (JSON)');
  await expect(page.getByText('Valid definition.')).toBeVisible();
  const text = await editor.inputValue();
  await editor.fill(text.replace('"whatsapp.send"', '"whatsapp.sned"').replace('"visa_certificate"', '42'));
  const problems = page.getByRole('list', { name: 'Definition problems' });
  await expect(problems).toContainText('/steps/1');
  await expect(problems).toContainText('/steps/0');
  await expect(page.getByRole('button', { name: 'Save changes' })).toBeDisabled();
  // A problem's path takes the caret to the offending value.
  await problems.getByRole('button').first().click();
  await expect(editor).toBeFocused();

  await editor.fill('{ "steps": [ ');
  await expect(page.getByText(/JSON syntax/)).toBeVisible();
  await editor.fill(text);
  await expect(page.getByText('Valid definition.')).toBeVisible();

  await page.getByLabel('Cron expression').fill('0 9 * * 1-5');
  await page.getByLabel('Time zone').fill('Asia/Manila');
  await expect(page.getByText('At 09:00 on weekdays')).toBeVisible();
  await expect(page.locator('.fire-times li')).toHaveCount(5);
  await expect(page.locator('.fire-times li').first()).toContainText('09:00:00');
  await snap(page, 'workflow-detail');
  await page.getByLabel('Cron expression').fill('61 * * * *');
  await expect(page.locator('#cron-preview .field-error')).toBeVisible();
});

test('a VIEWER key sees everything but may not act', async ({ page, stack }) => {
  const { createApiKey } = await stack.graphql<{ createApiKey: { key: string } }>(
    'mutation { createApiKey(input: { name: "e2e viewer", role: VIEWER }) { ... on CreateApiKeyPayload { key } } }',
  );
  await signIn(page, createApiKey.key);
  await expect(page.getByText('VIEWER', { exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'API keys' })).toHaveCount(0);
  await page.goto('/workflows');
  await expect(page.getByRole('button', { name: 'Run now' }).first()).toBeDisabled();
  await expect(page.getByRole('button', { name: /^(Enable|Disable) / })).toHaveCount(0);
  await page.goto('/keys');
  await expect(page.getByText('This page is for admins')).toBeVisible();
});

test('the dashboard works at phone width and in dark mode', async ({ signedIn: page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/workflows');
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(15, 18, 24)');
  await snap(page, 'workflows-phone-dark');
  for (const path of ['/executions', '/logs', '/keys']) {
    await page.goto(path);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), path).toBeLessThanOrEqual(0);
  }
  await snap(page, 'keys-phone-dark');
  await page.getByLabel('Theme').selectOption('light');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(247, 248, 250)');
});
