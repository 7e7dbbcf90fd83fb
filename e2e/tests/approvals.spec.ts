// The Approvals inbox end to end: a run reaches wait.approval and parks WAITING, appears in the
// inbox (with the nav count) without a reload, an operator approves it with a comment, and the
// run completes; the run page shows what the step waited for and who decided.
import { expect, snap, test } from './fixtures.ts';
import { createWorkflow, trigger } from './api.ts';

test('a run waiting for approval appears in the inbox; Approve completes it', async ({ signedIn: page, stack }) => {
  const id = await createWorkflow(stack, {
    name: 'Consultant approves the message',
    enabled: true,
    definition: {
      steps: [
        { id: 'draft', type: 'log', config: { message: 'drafted for {{applicant}}' } },
        { id: 'approve', type: 'wait.approval', config: { title: 'Send the visa update to {{applicant}}?', message: 'Hello {{applicant}}, your visa was granted.', timeout: '3d', onTimeout: 'reject' } },
        { id: 'send', type: 'log', config: { message: 'sent to {{applicant}}' } },
      ],
    },
  });
  // The inbox is open before the run parks: it must show up live.
  await page.goto('/approvals');
  await expect(page.getByRole('heading', { name: 'Approvals' })).toBeVisible();
  const applicant = `Applicant ${Date.now()}`;
  const runId = await trigger(stack, id, { applicant });

  const item = page.locator('li.approval', { hasText: `Send the visa update to ${applicant}?` });
  await expect(item).toBeVisible({ timeout: 20_000 });
  await expect(item).toContainText(`Hello ${applicant}, your visa was granted.`);
  await expect(item).toContainText('Consultant approves the message');
  await expect(page.getByTestId('approvals-count')).toBeVisible();
  await snap(page, 'approvals');

  // The run page says what the run waits for.
  await page.goto(`/executions/${runId}`);
  await expect(page.locator('.page-head .badge')).toHaveText('WAITING');
  await expect(page.getByTestId('wait')).toContainText('Waiting for approval');

  await page.getByRole('link', { name: /Approvals/ }).click();
  const again = page.locator('li.approval', { hasText: `Send the visa update to ${applicant}?` });
  await again.getByLabel('Comment (optional)').fill('Checked the passport number');
  await again.getByRole('button', { name: 'Approve' }).click();
  await expect(again).toHaveCount(0, { timeout: 20_000 });

  await page.goto(`/executions/${runId}`);
  await expect(page.locator('.page-head .badge')).toHaveText('COMPLETED', { timeout: 20_000 });
  await expect(page.getByTestId('wait')).toContainText('Approved by');
  await expect(page.getByTestId('wait')).toContainText('Checked the passport number');
});
