import { expect, signIn, snap, test } from './fixtures.ts';

test('admins create a key (secret shown once), rotate it and revoke it', async ({ signedIn: page, browser }) => {
  await page.goto('/keys');
  // The key this tab is signed in with cannot be revoked from here.
  const own = page.locator('tr', { hasText: 'this session' });
  await expect(own).toHaveCount(1);
  await expect(own.getByRole('button', { name: 'Revoke' })).toBeDisabled();
  await page.getByLabel('Name').fill('e2e partner');
  await page.getByLabel('Role').selectOption('OPERATOR');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-secret').textContent())!.trim();
  expect(secret).toMatch(/^fd_[a-z0-9]+_[a-z0-9]+$/);
  await expect(page.locator('tr', { hasText: 'e2e partner' })).toContainText('OPERATOR');
  await snap(page, 'api-keys');

  // The new key works; after a rotation it no longer does, and the rotated one does.
  const other = await browser.newPage();
  await signIn(other, secret);
  await expect(other.getByText('OPERATOR', { exact: true })).toBeVisible();

  page.once('dialog', (d) => void d.accept());
  await page.locator('tr', { hasText: 'e2e partner' }).getByRole('button', { name: 'Rotate' }).click();
  await expect(page.getByTestId('new-secret')).not.toHaveText(secret);
  const rotated = (await page.getByTestId('new-secret').textContent())!.trim();
  await other.reload();
  await expect(other.getByRole('alert')).toContainText('not accepted');
  await signIn(other, rotated);

  page.once('dialog', (d) => void d.accept());
  await page.locator('tr', { hasText: 'e2e partner' }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.locator('tr', { hasText: 'e2e partner' })).toHaveCount(0);
  await other.reload();
  await expect(other.getByRole('alert')).toContainText('not accepted');
  await other.close();
});
