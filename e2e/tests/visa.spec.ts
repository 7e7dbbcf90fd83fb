import { expect, signIn, snap, test } from './fixtures.ts';
import { createWorkflow, setEnabled } from './api.ts';
import { rowId, withDb } from './db.ts';

test('visa status update: a scheduled run reaches the CGB simulator; the dashboard shows it complete with its logs live', async ({ signedIn: page, context, stack }) => {
  const demo = await stack.graphql<{ workflows: { edges: { node: { id: string; name: string; definition: unknown } }[] } }>(
    '{ workflows(first: 100, filter: { search: "visa" }) { edges { node { id name definition } } } }',
  );
  const demoWorkflow = demo.workflows.edges.find((e) => e.node.name === 'Visa status update')!.node;
  const { definition, id: demoId } = demoWorkflow;
  // Every 15 seconds, so the first slot comes quickly; enabled only once both tabs watch (a slot
  // could otherwise fire before the page shows the empty state), disabled after the first run.
  // The tenant's floor (60 s by default) is lowered first, as an operator would with
  // `npm run admin -- tenants set --min-schedule-interval 15`.
  await withDb(stack.databaseUrl, (db) => db.query(`UPDATE "Tenant" SET "minScheduleIntervalSeconds" = 15 WHERE id = (SELECT "tenantId" FROM "Workflow" WHERE id = $1)`, [rowId(demoId)]));
  const id = await createWorkflow(stack, { name: 'Visa status update (scheduled)', definition, schedule: '*/15 * * * * *', timezone: 'Asia/Manila', enabled: false });

  try {
    // One tab watches the workflow's executions, another tails its logs; neither reloads.
    await page.goto(`/workflows/${encodeURIComponent(id)}`);
    await expect(page.getByText('This workflow has not run yet.')).toBeVisible();
    const logsTab = await context.newPage();
    await signIn(logsTab, stack.apiKey);
    await logsTab.goto(`/logs?workflow=${encodeURIComponent(id)}`);
    await logsTab.getByRole('checkbox', { name: 'Live tail' }).check();
    await expect(logsTab.getByText(/No log lines match these filters yet/)).toBeVisible();
    await setEnabled(stack, id, true);

    const completed = page.locator('tr[data-execution][data-status="COMPLETED"]').first();
    await expect(completed).toBeVisible({ timeout: 45_000 });
    const seenAt = Date.now();
    const executionId = (await completed.getAttribute('data-execution'))!;
    await expect(logsTab.locator('.log-row').first()).toBeVisible({ timeout: 10_000 });
    await setEnabled(stack, id, false);

    const { execution } = await stack.graphql<{ execution: { scheduledFor: string; startedAt: string; finishedAt: string; trigger: string } }>(
      'query($id: ID!) { execution(id: $id) { scheduledFor startedAt finishedAt trigger } }',
      { id: executionId },
    );
    expect(execution.trigger).toBe('SCHEDULE');
    const slotToDashboard = seenAt - Date.parse(execution.scheduledFor);
    console.log(
      `[e2e] visa flow: fire slot ${execution.scheduledFor} → started +${Date.parse(execution.startedAt) - Date.parse(execution.scheduledFor)} ms → finished +${Date.parse(execution.finishedAt) - Date.parse(execution.scheduledFor)} ms → dashboard showed COMPLETED +${slotToDashboard} ms`,
    );
    expect(slotToDashboard).toBeLessThan(30_000);

    // The whatsapp.send step reached the CGB simulator: its message is recorded as sent.
    const sent = await withDb(stack.databaseUrl, (db) =>
      db.query<{ status: string; recipient: string }>('SELECT status, recipient FROM "OutboundMessage" WHERE "executionId" = $1', [rowId(executionId)]),
    );
    expect(sent.rows.map((r) => r.status)).toEqual(['SENT']);

    await page.goto(`/executions/${encodeURIComponent(executionId)}`);
    await expect(page.locator('[data-step]')).toHaveCount(2);
    await expect(page.locator('.timeline .status-completed')).toHaveCount(2);
    await expect(page.locator('.log-row').first()).toBeVisible();
    await snap(page, 'execution');
    await snap(logsTab, 'logs-live-tail');
    await logsTab.close();
  } finally {
    await setEnabled(stack, id, false);
  }
});
