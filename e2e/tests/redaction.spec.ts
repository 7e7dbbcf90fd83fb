import { expect, test } from './fixtures.ts';
import { createWorkflow, trigger } from './api.ts';

// A run whose input carries a person's phone, e-mail and card, and whose step fails with them in
// its error and its log line: the run page shows the placeholders, never the values.
test('the run page shows a failed run\'s PII redacted: error, step error and log lines', async ({ signedIn: page, stack }) => {
  const id = await createWorkflow(stack, {
    name: 'Notify customer (PII)',
    enabled: true,
    definition: { steps: [{ id: 'send', type: 'log', config: { message: 'Could not send to {{phone}} ({{email}}), card {{card}}', fail: true } }] },
  });
  const runId = await trigger(stack, id, { phone: '+63 917 555 0147', email: 'ana.reyes@example.com', card: '4111 1111 1111 1111' });
  await page.goto(`/executions/${encodeURIComponent(runId)}`);
  await expect(page.locator('.page-head .badge')).toHaveText('FAILED', { timeout: 30_000 });
  const progress = page.locator('[aria-label="Progress"]');
  await expect(progress).toContainText('Could not send to [PHONE] ([EMAIL]), card [CARD]');
  await expect(page.locator('[aria-label="Step timeline"]')).toContainText('[PHONE]');
  // The log view receives the line live or on load.
  await expect(page.getByText('Could not send to [PHONE] ([EMAIL]), card [CARD]').last()).toBeVisible();
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/917\s?555\s?0147|ana\.reyes@example\.com|4111 1111/);
});
