import { expect, snap, test } from './fixtures.ts';
import { withDb } from './db.ts';

test('admins add an alert destination (signing secret shown once), see its deliveries, pause it and delete it; a blocked URL is refused', async ({ signedIn: page, stack }) => {
  await page.goto('/alerts');
  await page.getByLabel('Name').fill('Ops pager');
  await page.getByLabel('Webhook URL').fill('https://93.184.216.34/hooks/flowdeck');
  await page.getByLabel('Started late').check();
  await page.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByTestId('signing-secret')).not.toBeEmpty();
  const row = page.locator('tr[data-destination="Ops pager"]');
  await expect(row).toContainText('Run failed, Slot missed, Started late');
  await expect(row).toContainText('Enabled');
  await expect(row).toContainText('none yet');
  await snap(page, 'alerts');

  // Deliveries as the alert worker records them (nothing listens at that address here).
  await withDb(stack.databaseUrl, (db) =>
    db.query(
      `INSERT INTO "AlertDelivery" (id, "tenantId", "destinationId", event, payload, status, attempts, "lastStatus", "lastError", "deliveredAt", "createdAt", "updatedAt")
       SELECT gen_random_uuid(), d."tenantId", d.id, v.event::"AlertEvent", '{}', v.status::"AlertDeliveryStatus", v.attempts, v.code, v.err, NULL, now() - v.age, now()
       FROM "AlertDestination" d, (VALUES ('RUN_FAILED', 'FAILED', 5, 503, NULL, interval '2 minutes'), ('SLOT_MISSED', 'DELIVERED', 1, 200, NULL, interval '1 minute')) AS v(event, status, attempts, code, err, age)
       WHERE d.name = 'Ops pager'`,
    ),
  );
  await page.reload();
  await expect(row).toContainText('DELIVERED Slot missed');
  await expect(row).toContainText('FAILED Run failed');
  await expect(row).toContainText('5 attempts');
  await expect(row).toContainText('HTTP 503');

  await row.getByRole('button', { name: 'Disable Ops pager' }).click();
  await expect(row).toContainText('Disabled');
  // After the reload above the secret was gone for good: the API never shows it again.
  await expect(page.getByTestId('signing-secret')).toHaveCount(0);

  // The outbound guard refuses private addresses, and nothing is added.
  await page.getByLabel('Name').fill('Sneaky');
  await page.getByLabel('Webhook URL').fill('http://127.0.0.1:6379/');
  await page.getByRole('button', { name: 'Add destination' }).click();
  await expect(page.getByRole('alert')).toContainText('url:');
  await expect(page.locator('tr[data-destination="Sneaky"]')).toHaveCount(0);

  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
});
