import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures.ts';
import { createWorkflow, tenantId, trigger } from './api.ts';
import { rowId, seedLogs } from './db.ts';

const SEEDED = 20_000;
const ROW = 28;
const count = (pred: (i: number) => boolean) => Array.from({ length: SEEDED }, (_, k) => k + 1).filter(pred).length;

test.describe.configure({ mode: 'serial' });

let workflowId = '';

test.beforeAll(async ({ stack }) => {
  workflowId = await createWorkflow(stack, {
    name: 'Log explorer target',
    enabled: true,
    definition: { variables: { n: '0' }, steps: [{ id: 'say', type: 'log', config: { level: 'INFO', message: 'tail line {{n}}' } }] },
  });
  await seedLogs(stack.databaseUrl, { tenantId: await tenantId(stack), workflowId: rowId(workflowId), count: SEEDED, newest: new Date(Date.now() - 60_000), tag: 'e2e' });
});

async function loadedCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('log-count').textContent()) ?? '';
  return Number(/([\d,]+) loaded/.exec(text)?.[1]?.replace(/,/g, '') ?? 0);
}

test('filters by level and text, each reflected in a shareable URL', async ({ signedIn: page }) => {
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}`);
  await expect(page.getByTestId('log-count')).toContainText(`of ${SEEDED.toLocaleString('en-US')}`);
  await snap(page, 'logs-explorer');

  await page.getByRole('checkbox', { name: 'ERROR' }).check();
  await expect(page).toHaveURL(/level=ERROR/);
  const errors = count((i) => i % 7 === 5);
  await expect(page.getByTestId('log-count')).toContainText(`of ${errors.toLocaleString('en-US')}`);
  const levels = await page.locator('.log-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
  expect(levels.length).toBeGreaterThan(5);
  expect(new Set(levels)).toEqual(new Set(['ERROR']));

  await page.getByRole('checkbox', { name: 'ERROR' }).uncheck();
  await page.getByLabel('Text').fill('invoice');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=invoice/);
  await expect(page.getByTestId('log-count')).toContainText(`of ${count((i) => i % 7 === 3).toLocaleString('en-US')}`);

  // The same link in a fresh tab shows the same view.
  const url = page.url();
  await page.goto('/workflows');
  await page.goto(url);
  await expect(page.getByLabel('Text')).toHaveValue('invoice');
  await expect(page.getByTestId('log-count')).toContainText(`of ${count((i) => i % 7 === 3).toLocaleString('en-US')}`);

  // Row detail shows the metadata JSON; the keyboard moves the selection.
  await page.locator('.log-row').first().click();
  await expect(page.getByLabel('Metadata')).toContainText('"tag": "e2e"');
  const seq = async () => Number(/"seq": (\d+)/.exec((await page.getByLabel('Metadata').textContent()) ?? '')?.[1]);
  const first = await seq();
  await page.getByTestId('log-viewport').focus();
  await page.keyboard.press('ArrowDown');
  await expect.poll(seq).toBe(first + 7);
});

test('pages deep through cursor pages with no gap or repeat', async ({ signedIn: page }) => {
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}`);
  await expect(page.getByTestId('log-count')).toContainText(`of ${SEEDED.toLocaleString('en-US')}`);
  const viewport = page.getByTestId('log-viewport');
  const target = 5_000;
  while ((await loadedCount(page)) < target) {
    const before = await loadedCount(page);
    await viewport.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(() => loadedCount(page)).toBeGreaterThan(before);
  }
  // Newest first, one seeded line per second: the row at position k holds seq k + 1, so any
  // gap or repeat across the page boundaries would shift it.
  const k = target - 10;
  await viewport.evaluate((el, top) => (el.scrollTop = top), k * ROW);
  const row = page.locator(`.log-row[style*="translateY(${k * ROW}px)"]`);
  await expect(row).toContainText(new RegExp(`e2e (line|invoice) ${k + 1}\\b`));
});

test('live tail prepends new lines without moving what the reader is looking at', async ({ signedIn: page, stack }) => {
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}`);
  await expect(page.getByTestId('log-count')).toContainText(`of ${SEEDED.toLocaleString('en-US')}`);
  const viewport = page.getByTestId('log-viewport');
  await viewport.evaluate((el, row) => (el.scrollTop = 40 * row), ROW);
  const anchor = page.locator('.log-row', { hasText: /e2e (line|invoice) 45\b/ });
  await expect(anchor).toBeVisible();
  const before = (await anchor.boundingBox())!.y;

  await page.getByRole('checkbox', { name: 'Live tail' }).check();
  await trigger(stack, workflowId, { n: 'alpha' });
  await expect(page.getByRole('button', { name: /new lines? above/ })).toBeVisible({ timeout: 20_000 });
  expect(Math.abs((await anchor.boundingBox())!.y - before)).toBeLessThanOrEqual(2);

  await page.getByRole('button', { name: /new lines? above/ }).click();
  await expect(page.locator('.log-row', { hasText: 'tail line alpha' })).toBeVisible();

  // At the top, the tail simply flows in.
  await trigger(stack, workflowId, { n: 'beta' });
  await expect(page.locator('.log-row', { hasText: 'tail line beta' })).toBeVisible({ timeout: 20_000 });
});

test('exports the current filter as CSV and NDJSON', async ({ signedIn: page }) => {
  const expected = count((i) => i % 7 === 3);
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}&q=invoice`);
  await expect(page.getByTestId('log-count')).toContainText(`of ${expected.toLocaleString('en-US')}`);

  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csvLines = readFileSync((await csv.path())!, 'utf8').trim().split('\n');
  expect(csvLines.length).toBe(expected + 1); // header
  expect(csvLines.slice(1).every((l) => l.includes('invoice'))).toBe(true);

  const [nd] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export NDJSON' }).click()]);
  const records = readFileSync((await nd.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { message: string });
  expect(records.length).toBe(expected);
  expect(records.every((r) => r.message.includes('invoice'))).toBe(true);
});

test('a filter checkbox answers at once on a slow machine, and the URL follows', async ({ signedIn: page }) => {
  await page.goto(`/logs?workflow=${encodeURIComponent(workflowId)}`);
  await expect(page.getByTestId('log-count')).toContainText(' of ');
  // The router commits a URL change as a transition; on a busy CPU the checkbox used to snap
  // back until it did (Playwright: "Clicking the checkbox did not change its state").
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 40 });
  const error = page.getByRole('checkbox', { name: 'ERROR' });
  await error.check();
  await expect(page).toHaveURL(/level=ERROR/);
  await error.uncheck();
  await expect(page).not.toHaveURL(/level=/);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
});
