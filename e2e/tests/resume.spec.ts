import { expect, test } from './fixtures.ts';
import { createWorkflow, trigger } from './api.ts';

// Retry from the failed step: a visa run renders its certificate PDF, then the WhatsApp send fails
// (a template the WhatsApp provider does not know). The operator fixes the template and clicks
// "Retry from failed step": attempt 2 reuses the rendered PDF (marked "reused", not rendered
// again), runs only the WhatsApp step, and completes; the attempts strip links both attempts.

const steps = (template: string) => [
  { id: 'certificate', type: 'pdf.generate', config: { template: 'receipt', variables: { receipt_number: 'V-2041' } } },
  { id: 'notify', type: 'whatsapp.send', retry: { attempts: 1 }, config: { to: '0917 555 0101', template } },
];

test('a failed run is retried from its failed step: attempt 2 reuses the PDF and completes', async ({ signedIn: page, stack }) => {
  const id = await createWorkflow(stack, { name: 'Visa certificate then WhatsApp (resume)', enabled: true, definition: { steps: steps('no-such-flow') } });
  const runId = await trigger(stack, id);
  await page.goto(`/executions/${encodeURIComponent(runId)}`);
  await expect(page.locator('.page-head .badge')).toHaveText('FAILED', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Retry from failed step' })).toBeVisible();
  const documents = async () =>
    (await stack.graphql<{ execution: { stepRuns: { output: { documentId?: string } | null }[] } }>('query($id: ID!) { execution(id: $id) { stepRuns { output } } }', { id: runId })).execution.stepRuns[0]!.output?.documentId;
  const rendered = await documents();
  expect(rendered).toBeTruthy();

  // The fix: the template the provider knows. The certificate step is unchanged, so its PDF stands.
  const updated = await stack.graphql<{ updateWorkflow: { __typename: string } }>('mutation($id: ID!, $input: UpdateWorkflowInput!) { updateWorkflow(id: $id, input: $input) { __typename } }', {
    id,
    input: { definition: { steps: steps('visa_approved') } },
  });
  expect(updated.updateWorkflow.__typename).toBe('WorkflowPayload');

  await page.getByRole('button', { name: 'Retry from failed step' }).click();
  await expect(page).not.toHaveURL(new RegExp(`${encodeURIComponent(runId)}$`));
  await expect(page.locator('.page-head .badge')).toHaveText('COMPLETED', { timeout: 60_000 });
  const strip = page.getByRole('navigation', { name: 'Attempts' });
  await expect(strip.locator('[aria-current="page"]')).toContainText('Attempt 2');
  await expect(strip.getByRole('link', { name: /Attempt 1/ })).toHaveAttribute('href', `/executions/${encodeURIComponent(runId)}`);
  const timeline = page.getByRole('list', { name: 'Step timeline' });
  await expect(timeline.locator('[data-step="pdf.generate"] .badge.reused')).toHaveText('reused');
  await expect(timeline.locator('[data-step="whatsapp.send"] .badge.reused')).toHaveCount(0);
  await expect(timeline.locator('[data-step="whatsapp.send"]')).toContainText('COMPLETED');

  // The attempt's certificate is the PDF attempt 1 rendered.
  const attempt2 = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  const reused = await stack.graphql<{ execution: { attemptNumber: number; stepRuns: { reused: boolean; output: { documentId?: string } | null }[] } }>(
    'query($id: ID!) { execution(id: $id) { attemptNumber stepRuns { reused output } } }',
    { id: attempt2 },
  );
  expect(reused.execution.attemptNumber).toBe(2);
  expect(reused.execution.stepRuns.map((s) => s.reused)).toEqual([true, false]);
  expect(reused.execution.stepRuns[0]!.output?.documentId).toBe(rendered);

  // Back to attempt 1 through the strip.
  await strip.getByRole('link', { name: /Attempt 1/ }).click();
  await expect(page.locator('.page-head .badge')).toHaveText('FAILED');
});
