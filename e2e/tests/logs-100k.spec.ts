// Benchmark, not a gate: loads 100,000 log lines into the Logs Explorer through its own cursor
// pages, then measures frame times while scrolling. Prints the numbers; asserts only that all
// rows loaded. Run: FLOWDECK_E2E_BENCH=1 npx pnpm@10.34.8 -F @flowdeck/e2e exec playwright test logs-100k
import { loadavg } from 'node:os';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createWorkflow, tenantId } from './api.ts';
import { rowId, seedLogs } from './db.ts';

const ROWS = Number(process.env.FLOWDECK_E2E_BENCH_ROWS ?? 100_000);

function stats(deltas: number[]) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
  return `p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms, max ${sorted.at(-1)!.toFixed(1)} ms, frames over 50 ms: ${deltas.filter((d) => d > 50).length}/${deltas.length}`;
}

/** Scrolls by `step` px per animation frame for `frames` frames and returns each frame's duration. */
function scrollFrames(page: Page, step: number, frames: number): Promise<number[]> {
  return page.getByTestId('log-viewport').evaluate(
    (el, [step, frames]) =>
      new Promise<number[]>((resolve) => {
        const deltas: number[] = [];
        let last = performance.now();
        let n = 0;
        const tick = (now: number) => {
          deltas.push(now - last);
          last = now;
          el.scrollTop += step!;
          if (++n < frames!) requestAnimationFrame(tick);
          else resolve(deltas.slice(1));
        };
        requestAnimationFrame(tick);
      }),
    [step, frames],
  );
}

test('Logs Explorer frame time with 100,000 loaded rows', async ({ signedIn: page, stack }) => {
  test.skip(!process.env.FLOWDECK_E2E_BENCH, 'benchmark: set FLOWDECK_E2E_BENCH=1');
  test.setTimeout(600_000);
  const id = await createWorkflow(stack, { name: 'Frame time target', enabled: false, definition: { steps: [{ id: 'x', type: 'log', config: { level: 'INFO', message: 'x' } }] } });
  await seedLogs(stack.databaseUrl, { tenantId: await tenantId(stack), workflowId: rowId(id), count: ROWS, newest: new Date(Date.now() - 60_000), tag: 'bench' });

  await page.goto(`/logs?workflow=${encodeURIComponent(id)}`);
  await expect(page.getByTestId('log-count')).toContainText(`of ${ROWS.toLocaleString('en-US')}`);
  const viewport = page.getByTestId('log-viewport');
  const t0 = Date.now();
  for (;;) {
    const text = (await page.getByTestId('log-count').textContent()) ?? '';
    if (text.startsWith(`${ROWS.toLocaleString('en-US')} loaded`)) break;
    await viewport.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.waitForTimeout(20);
  }
  console.log(`[bench] loaded ${ROWS} rows through ${ROWS / 500} cursor pages in ${Date.now() - t0} ms`);
  const domRows = await page.locator('.log-row').count();
  console.log(`[bench] rows in the DOM: ${domRows}`);

  await viewport.evaluate((el) => (el.scrollTop = 0));
  console.log(`[bench] idle frames (no scrolling), the floor on this machine: ${stats(await scrollFrames(page, 0, 120))}`);
  const fling = await scrollFrames(page, Math.ceil((ROWS * 28) / 600), 600);
  console.log(`[bench] fling through all ${ROWS} rows in 600 frames: ${stats(fling)}`);
  await viewport.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  const wheel = await scrollFrames(page, 120, 600);
  console.log(`[bench] wheel-speed scroll (120 px/frame) mid-list: ${stats(wheel)}`);
  // Frame times on a shared machine include waiting for a core; the load average says how much.
  console.log(`[bench] load average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  expect(domRows).toBeLessThan(200);
});
