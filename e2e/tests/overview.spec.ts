// The Overview (the page the dashboard opens on) and the per-workflow charts, checked against
// the runs seeded for a tenant of their own (overview-seed.ts): the numbers, the charts' text
// equivalents, a live update without reload, dark mode and phone width.
import type { Page } from '@playwright/test';
import { expect, signIn, snap, test } from './fixtures.ts';
import { trigger } from './api.ts';
import { seedOverview, type OverviewSeed } from './overview-seed.ts';

test.describe.configure({ mode: 'serial' });

let seed: OverviewSeed;
/** Runs the tests below added to the seeded ones (the live test triggers one). */
let added = 0;
test.beforeAll(async ({ stack }) => {
  seed = await seedOverview(stack);
});

/** What the page prints for a rate (client/src/lib/format.ts formatPercent). */
const percent = (rate: number) => `${rate * 100 >= 10 ? (rate * 100).toFixed(0) : (rate * 100).toFixed(1)} %`;

/** The rows of a chart's data table (its text equivalent), as text. */
async function tableRows(page: Page, testId: string): Promise<string[][]> {
  return page.getByTestId(testId).locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
}

test('the dashboard opens on the Overview; its numbers and text equivalents match the seeded runs', async ({ page }) => {
  await signIn(page, seed.apiKey);
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link').first()).toHaveText('Overview');
  const { total, completed, failed, cancelled } = seed.last24h;

  await expect(page.getByTestId('stat-runs').locator('.stat-value')).toHaveText(`${total}`);
  await expect(page.getByTestId('stat-runs')).toContainText(`${completed} completed · ${failed} failed · ${cancelled} cancelled`);
  await expect(page.getByTestId('stat-runs-today')).toHaveText(`${seed.last24h.today} today (Asia/Manila)`);
  await expect(page.getByTestId('stat-failure-rate')).toContainText(percent(failed / (completed + failed + cancelled)));
  await expect(page.getByTestId('live-indicator')).toContainText(/Live · updated/);

  // The chart is drawn, and its figure says the same in words and as a table.
  const runs = page.getByRole('figure', { name: 'Runs per hour by status' });
  await expect(runs.locator('canvas')).toBeVisible();
  await expect(runs).toHaveAccessibleDescription(`${total} runs: ${completed} completed, ${failed} failed, ${cancelled} cancelled, 0 running, 0 pending (Asia/Manila).`);
  const rows = await tableRows(page, 'chart-runs-table');
  const column = (i: number) => rows.reduce((sum, r) => sum + Number(r[i]), 0);
  expect(rows.length).toBeGreaterThanOrEqual(23);
  expect([column(1), column(2), column(3), column(4)]).toEqual([total, completed, failed, cancelled]);
  await expect(page.getByRole('figure', { name: 'Failure rate per hour' })).toHaveAccessibleDescription(new RegExp(`^${percent(failed / total).replace('.', '\\.')} overall; highest `));

  // Which workflow got slower: the report went from 2 s to 5 s a run, and is listed first.
  const durations = page.getByTestId('workflow-durations').locator('tbody tr');
  await expect(durations.first()).toHaveAttribute('data-workflow', 'Nightly report');
  await expect(durations.first().locator('td').last()).toHaveText(/^\+1[2-7]\d %$/);
  await expect(durations.first().getByRole('img')).toHaveAccessibleName(/^Daily p95 of Nightly report: .*\d\.\d\d s.*5\.\d\d s/);
  await expect(page.locator('tr[data-workflow="Orders sync"] td').last()).toHaveText(/^[-+]?\d %$/);

  await expect(page.getByTestId('next-runs')).toContainText('Nightly report');
  await expect(page.getByTestId('next-runs')).toContainText('At 06:00 every day');
  const failures = page.getByTestId('recent-failures');
  await expect(failures.locator('li')).toHaveCount(failed);
  await expect(failures.locator('li').first()).toContainText('pull: POS answered 503 (hour 0)');
  await expect(page.getByTestId('queue-depth').locator('tr[data-queue="runs"]')).toBeVisible();
  await expect(page.getByTestId('stat-pending')).toContainText('0');
  await snap(page, 'overview');

  // A failure links to its run.
  await failures.getByRole('link', { name: 'Orders sync' }).first().click();
  await expect(page).toHaveURL(/\/executions\/.+/);
  await expect(page.locator('.page-head .badge')).toHaveText('FAILED');
});

test('the Overview follows a new run without a reload', async ({ page, stack }) => {
  await signIn(page, seed.apiKey);
  await expect(page.getByTestId('stat-runs').locator('.stat-value')).toHaveText(`${seed.last24h.total}`);
  await page.evaluate(() => ((window as { sameDocument?: boolean }).sameDocument = true));

  await trigger({ ...stack, graphql: seed.graphql }, seed.ordersId);
  added = 1;
  const total = seed.last24h.total + 1;
  await expect(page.getByTestId('stat-runs').locator('.stat-value')).toHaveText(`${total}`, { timeout: 30_000 });
  await expect(page.getByTestId('stat-runs')).toContainText(`${seed.last24h.completed + 1} completed`, { timeout: 30_000 });
  await expect(page.getByRole('figure', { name: 'Runs per hour by status' })).toHaveAccessibleDescription(new RegExp(`^${total} runs: ${seed.last24h.completed + 1} completed`));
  expect(await page.evaluate(() => (window as { sameDocument?: boolean }).sameDocument)).toBe(true);
});

test('phone width and dark mode: charts fit, follow the theme, and the page does not scroll sideways', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page, seed.apiKey);
  const runs = page.getByRole('figure', { name: 'Runs per hour by status' });
  await expect(runs.locator('canvas')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  const box = (await runs.locator('canvas').boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(375);
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(15, 18, 24)');
  // The series colours are the theme's: the legend marker of "Completed" is dark mode's --ok…
  const marker = runs.locator('.u-legend tr', { hasText: 'Completed' }).locator('.u-marker');
  await expect(marker).toHaveCSS('background-color', 'rgb(74, 222, 128)');
  await snap(page, 'overview-phone-dark');
  // …and the charts are redrawn in light colours when the theme changes, without a reload.
  await page.getByLabel('Theme').selectOption('light');
  await expect(marker).toHaveCSS('background-color', 'rgb(21, 128, 61)');
});

test('a VIEWER sees the Overview without the shared queues', async ({ page }) => {
  const { createApiKey } = await seed.graphql<{ createApiKey: { key: string } }>(
    'mutation { createApiKey(input: { name: "overview viewer", role: VIEWER }) { ... on CreateApiKeyPayload { key } } }',
  );
  await signIn(page, createApiKey.key);
  await expect(page.getByTestId('stat-runs').locator('.stat-value')).toHaveText(`${seed.last24h.total + added}`);
  await expect(page.getByTestId('queue-depth')).toContainText('Per-queue depths are shown to admins.');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a workflow page charts its runs, failure rate and duration trend', async ({ page }) => {
  await signIn(page, seed.apiKey);
  await page.goto(`/workflows/${encodeURIComponent(seed.reportId)}`);
  const charts = page.getByTestId('workflow-charts');
  // 30 days: the 13 daily runs and the 3 cancelled ones.
  await expect(charts.getByRole('figure', { name: 'Runs per day by status' })).toHaveAccessibleDescription('16 runs: 13 completed, 0 failed, 3 cancelled, 0 running, 0 pending (Asia/Manila).');
  const duration = charts.getByRole('figure', { name: 'Duration p95 per day' });
  await expect(duration).toHaveAccessibleDescription(/^13 finished runs: p50 \d\.\d\d s, p95 5\.\d\d s/);
  await expect(duration.locator('canvas')).toBeVisible();
  await snap(page, 'workflow-charts');

  await charts.getByRole('button', { name: '48 hours' }).click();
  await expect(charts.getByRole('button', { name: '48 hours' })).toHaveAttribute('aria-pressed', 'true');
  await expect(charts.getByRole('figure', { name: 'Runs per hour by status' })).toHaveAccessibleDescription('4 runs: 1 completed, 0 failed, 3 cancelled, 0 running, 0 pending (Asia/Manila).');
});
