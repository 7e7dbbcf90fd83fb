import { expect, signIn, snap, test } from './fixtures.ts';
import { createWorkflow, trigger } from './api.ts';

test('the executions list is live: new runs appear and a cancel shows without a reload', async ({ signedIn: list, context, stack }) => {
  const id = await createWorkflow(stack, {
    name: 'Slow pause',
    enabled: true,
    definition: { steps: [{ id: 'wait', type: 'delay', config: { ms: 60_000 } }] },
  });
  await list.goto(`/executions?workflow=${encodeURIComponent(id)}`);
  await expect(list.getByText('No executions match these filters.')).toBeVisible();

  const executionId = await trigger(stack, id);
  const row = list.locator(`tr[data-execution="${executionId}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-status', /PENDING|RUNNING/);
  await snap(list, 'executions');

  // Cancel from the run's page in another tab; the list follows.
  const detail = await context.newPage();
  await signIn(detail, stack.apiKey);
  await detail.goto(`/executions/${encodeURIComponent(executionId)}`);
  await expect(detail.getByRole('heading', { name: 'Slow pause run' })).toBeVisible();
  await detail.getByRole('button', { name: 'Cancel run' }).click();
  await expect(detail.locator('.page-head .badge')).toHaveText('CANCELLED', { timeout: 30_000 });
  await expect(row).toHaveAttribute('data-status', 'CANCELLED');

  // Filters are in the URL: a CANCELLED filter keeps it, a COMPLETED one does not.
  await list.getByLabel('Status').selectOption('CANCELLED');
  await expect(list).toHaveURL(/status=CANCELLED/);
  await expect(row).toBeVisible();
  await list.getByLabel('Status').selectOption('COMPLETED');
  await expect(list.getByText('No executions match these filters.')).toBeVisible();

  // Retry starts a new run of the same workflow and opens it.
  await detail.getByRole('button', { name: 'Retry' }).click();
  await expect(detail).not.toHaveURL(new RegExp(encodeURIComponent(executionId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await expect(detail.locator('.page-head .badge')).toHaveText(/PENDING|RUNNING/);
  await detail.getByRole('button', { name: 'Cancel run' }).click();
  await expect(detail.locator('.page-head .badge')).toHaveText('CANCELLED', { timeout: 30_000 });
  await detail.close();
});
