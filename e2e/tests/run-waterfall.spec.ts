import { expect, snap, test } from './fixtures.ts';
import { createWorkflow, trigger } from './api.ts';
import type { Page } from '@playwright/test';

// The demo visa workflow renders the certificate PDF and sends it on WhatsApp within a second or
// two, too quick to watch. The same two steps with a pause between them (a `delay` step, as
// runs.spec.ts uses) keep the run RUNNING long enough to see the waterfall live.
const HOLD_MS = 15_000;

interface Step {
  id?: string;
  type: string;
}

/** Seconds in a duration as formatDuration writes it ("820 ms", "1.25 s", "15.0 s", "1 min 3 s"). */
function seconds(text: string): number {
  const m = /^(?:(\d+) min )?([\d.]+) (ms|s)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2]) / (m[3] === 'ms' ? 1000 : 1);
}

/** Brings the Steps heading to the top of the viewport, below the sticky top bar. */
async function scrollToSteps(page: Page) {
  await page.getByRole('heading', { name: 'Steps', exact: true }).evaluate((h) => {
    const bar = document.querySelector('.topbar')?.getBoundingClientRect().height ?? 0;
    window.scrollBy(0, h.getBoundingClientRect().top - bar - 8);
  });
}

test('a running visa run is drawn as a live waterfall of its steps, then as the finished run', async ({ signedIn: page, stack }) => {
  const demo = await stack.graphql<{ workflows: { edges: { node: { name: string; definition: { steps: Step[] } } }[] } }>(
    '{ workflows(first: 100, filter: { search: "visa" }) { edges { node { name definition } } } }',
  );
  const visa = demo.workflows.edges.find((e) => e.node.name === 'Visa status update')!.node.definition;
  const [certificate, notify] = visa.steps;
  expect([certificate?.type, notify?.type]).toEqual(['pdf.generate', 'whatsapp.send']);
  const id = await createWorkflow(stack, {
    name: 'Visa status update (with a pause)',
    enabled: true,
    definition: { ...visa, steps: [certificate, { id: 'hold', type: 'delay', config: { ms: HOLD_MS } }, notify] },
  });
  const runId = await trigger(stack, id);
  await page.goto(`/executions/${encodeURIComponent(runId)}`);

  const chart = page.getByTestId('waterfall');
  const row = (step: string) => chart.locator(`[data-waterfall-step="${step}"]`);
  const table = page.getByTestId('waterfall-table');
  const cells = (step: string) => table.locator(`tr[data-waterfall-row="${step}"] td`);

  // Live: the PDF is done, the pause is running, the WhatsApp send has not started.
  await expect(row('hold')).toHaveAttribute('data-status', 'RUNNING', { timeout: 45_000 });
  await expect(page.locator('.page-head .badge')).toHaveText('RUNNING');
  await expect(chart.locator('[data-waterfall-step]')).toHaveCount(3);
  await expect(row('certificate')).toHaveAttribute('data-status', 'COMPLETED');
  await expect(row('notify')).toHaveAttribute('data-status', 'PENDING');
  await expect(row('notify').locator('.wf-bar')).toHaveCount(0);
  await expect(row('notify')).toContainText('not started');
  await expect(page.getByRole('img', { name: /^Waterfall of 3 steps over .*hold: running, started at \+.*so far; notify: not started\.$/ })).toBeVisible();
  await expect(cells('hold').nth(1)).toHaveText('running');
  await expect(cells('hold').nth(3)).toHaveText(/ so far$/);

  // The running bar grows with the clock: nothing new comes from the server during the pause.
  const bar = row('hold').locator('.wf-bar');
  await expect(bar).toHaveAttribute('title', /^hold: running, started at \+/);
  const width = async () => (await bar.boundingBox())!.width;
  const before = await width();
  await expect.poll(width, { timeout: 5_000, intervals: [250] }).toBeGreaterThan(before + 2);
  // The text equivalent keeps time too; the picture is taken a few seconds into the pause.
  const holdSoFar = async () => seconds(((await cells('hold').nth(3).textContent()) ?? '').replace(/ so far$/, ''));
  await expect.poll(holdSoFar, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
  await expect(row('hold')).toHaveAttribute('data-status', 'RUNNING');
  await snap(page, 'run-waterfall');

  // Phone width, dark: the waterfall fits without sideways scrolling and uses the dark colours.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 375, height: 812 });
  await scrollToSteps(page);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  const trackBox = (await row('hold').locator('.wf-track').boundingBox())!;
  expect(trackBox.width).toBeGreaterThan(250);
  expect(await row('certificate').locator('.wf-bar').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(74, 222, 128)');
  await expect(row('hold')).toHaveAttribute('data-status', 'RUNNING');
  await snap(page, 'run-waterfall-phone-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1366, height: 860 });

  // Finished: every step has a bar, each starting where the one before it ended, and the text
  // equivalent gives every duration.
  await expect(page.locator('.page-head .badge')).toHaveText('COMPLETED', { timeout: HOLD_MS + 30_000 });
  for (const step of ['certificate', 'hold', 'notify']) await expect(row(step)).toHaveAttribute('data-status', 'COMPLETED');
  await expect(chart.locator('.wf-bar')).toHaveCount(3);
  const boxes = await Promise.all(['certificate', 'hold', 'notify'].map(async (s) => (await row(s).locator('.wf-bar').boundingBox())!));
  for (let i = 1; i < boxes.length; i++) expect(boxes[i]!.x).toBeGreaterThanOrEqual(boxes[i - 1]!.x + boxes[i - 1]!.width - 3);
  // The pause takes most of the axis.
  expect(boxes[1]!.width).toBeGreaterThan((await row('hold').locator('.wf-track').boundingBox())!.width * 0.5);

  await expect(table.locator('tbody tr')).toHaveCount(3);
  const durations: Record<string, number> = {};
  for (const step of ['certificate', 'hold', 'notify']) {
    await expect(cells(step).nth(1)).toHaveText('completed');
    await expect(cells(step).nth(2)).toHaveText(/^\+/);
    durations[step] = seconds((await cells(step).nth(3).textContent()) ?? '');
    await expect(row(step).locator('.wf-dur')).toHaveText((await cells(step).nth(3).textContent())!);
  }
  expect(durations.hold).toBeGreaterThanOrEqual(HOLD_MS / 1000 - 0.05);
  expect(durations.hold).toBeLessThan(HOLD_MS / 1000 + 10);
  expect(durations.certificate).toBeGreaterThan(0);
  await expect(page.getByRole('img', { name: /^Waterfall of 3 steps over .*certificate: completed, started at \+.*, took .*; hold: completed, .*; notify: completed, .*took/ })).toBeVisible();
});
