import { expect, snap, test } from './fixtures.ts';

test('sign-in keeps the key for the session; sign-out clears it', async ({ page, stack }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in to Flowdeck' })).toBeVisible();
  await snap(page, 'sign-in');

  await page.getByLabel('API key').fill('fd_nope_nothing');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('not accepted');

  await page.getByLabel('API key').fill(stack.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Demo Travel & Retail')).toBeVisible();
  await expect(page.getByText('ADMIN', { exact: true })).toBeVisible();

  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('flowdeck.apiKey'))).toBe(stack.apiKey);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Flowdeck' })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('flowdeck.apiKey'))).toBeNull();
});

test('a deep link survives a reload and unknown pages say so', async ({ signedIn: page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByText('There is nothing at this address')).toBeVisible();
});
