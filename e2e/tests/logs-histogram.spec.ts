// The log-volume histogram above the Logs Explorer: it counts what the explorer's filter
// matches, and dragging across it with the mouse sets since/until in the URL, so the list
// shows only the lines of the picked range.
import { expect, snap, test } from './fixtures.ts';
import { createWorkflow, tenantId } from './api.ts';
import { rowId, seedLogs } from './db.ts';

const LINES = 2_000;
const SPACING_S = 30; // one line every 30 s: 2,000 lines over the last ~17 hours
const newest = new Date(Date.now() - 60_000);
/** When seeded line i (1…LINES) was written. */
const timeOf = (i: number) => newest.getTime() - i * SPACING_S * 1000;
const between = (since: number, until: number) => Array.from({ length: LINES }, (_, k) => timeOf(k + 1)).filter((t) => t >= since && t < until).length;

let workflowId = '';

test.beforeAll(async ({ stack }) => {
  workflowId = await createWorkflow(stack, {
    name: 'Histogram target',
    enabled: false,
    definition: { steps: [{ id: 'say', type: 'log', config: { level: 'INFO', message: 'x' } }] },
  });
  await seedLogs(stack.databaseUrl, { tenantId: await tenantId(stack), workflowId: rowId(workflowId), count: LINES, newest, tag: 'hist', spacingSeconds: SPACING_S });
});

test('dragging across the log histogram picks a time range for the list', async ({ signedIn: page }) => {
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}`);
  const histogram = page.getByRole('figure', { name: 'Log lines per hour' });
  await expect(histogram).toHaveAccessibleDescription(/^2,000 lines \(286 errors, 286 warnings\) from .*, the last 24 hours \(Asia\/Manila\)\./);
  await expect(page.getByTestId('log-count')).toContainText(`of ${LINES.toLocaleString('en-US')}`);
  // Its text equivalent lists the hours, adding up to every line.
  const hours = await page.getByTestId('log-histogram-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.children[1]!.textContent)));
  expect(hours.length).toBeGreaterThanOrEqual(17);
  expect(hours.reduce((a, b) => a + b, 0)).toBe(LINES);

  // Drag from 45 % to 75 % of the plot (the seeded lines fill its last ~70 %).
  const plot = histogram.locator('.u-over');
  const box = (await plot.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.45, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.75, y, { steps: 5 });
  await page.mouse.up();

  await expect(page).toHaveURL(/since=.*until=|until=.*since=/);
  const url = new URL(page.url());
  const since = Date.parse(url.searchParams.get('since')!);
  const until = Date.parse(url.searchParams.get('until')!);
  // Snapped to whole hours (the bars' edges), several hours wide.
  expect(since % 3_600_000).toBe(0);
  expect(until % 3_600_000).toBe(0);
  expect((until - since) / 3_600_000).toBeGreaterThanOrEqual(4);
  const expected = between(since, until);
  expect(expected).toBeGreaterThan(0);
  expect(expected).toBeLessThan(LINES);

  // The list follows: only the lines of the range, newest first.
  await expect(page.getByTestId('log-count')).toContainText(`of ${expected.toLocaleString('en-US')}`);
  const times = await page.locator('.log-row').evaluateAll((rows) => rows.map((r) => Date.parse(r.getAttribute('data-created-at')!)));
  expect(times.length).toBeGreaterThan(10);
  expect(times.every((t) => t >= since && t < until)).toBe(true);
  // The histogram zooms in on the range, a bar per hour still (over 6 hours) or per minute.
  await expect(page.getByRole('figure', { name: /^Log lines per (hour|minute)$/ })).toHaveAccessibleDescription(new RegExp(`^${expected.toLocaleString('en-US')} lines`));
  await expect(page.getByLabel('From')).not.toHaveValue('');
  await snap(page, 'logs-histogram');

  // Clearing the range brings back the whole day.
  await page.getByRole('button', { name: 'Clear time range' }).click();
  await expect(page).not.toHaveURL(/since=|until=/);
  await expect(page.getByTestId('log-count')).toContainText(`of ${LINES.toLocaleString('en-US')}`);
  await expect(page.getByRole('figure', { name: 'Log lines per hour' })).toHaveAccessibleDescription(/^2,000 lines/);
});

test('the histogram counts what the filter matches', async ({ signedIn: page }) => {
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}&level=ERROR`);
  // Every 7th line is an ERROR (seedLogs cycles the levels).
  const errors = Array.from({ length: LINES }, (_, k) => k + 1).filter((i) => i % 7 === 5).length;
  await expect(page.getByRole('figure', { name: 'Log lines per hour' })).toHaveAccessibleDescription(new RegExp(`^${errors} lines \\(${errors} errors, 0 warnings\\)`));
  await expect(page.getByTestId('log-count')).toContainText(`of ${errors}`);
});
