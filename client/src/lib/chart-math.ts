// The arithmetic behind the charts, kept apart from React and uPlot so it can be unit-tested:
// the Logs histogram's window and bar size, snapping a dragged range to the bars' edges,
// stacking, and the week-over-week change of a daily p95 series.

export type Bucket = 'MINUTE' | 'HOUR' | 'DAY';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const DEFAULT_WINDOW_MS = DAY;

/**
 * The histogram's window and bar size for a filter's since/until (ISO strings): the filter's own
 * range, or the last 24 hours; bars of a minute up to 6 hours, an hour up to 14 days, a day beyond
 * (the API takes MINUTE up to 24 h, HOUR up to 31 days, DAY up to 400 days, so the window is cut
 * to 399 days). `to` is null when the window runs up to now.
 */
export function histogramWindow(filter: { since?: unknown; until?: unknown }, now = Date.now()): { from: Date; to: Date | null; bucket: Bucket } {
  const to = filter.until ? Date.parse(String(filter.until)) : now;
  let from = filter.since ? Date.parse(String(filter.since)) : to - DEFAULT_WINDOW_MS;
  const span = to - from;
  const bucket: Bucket = span <= 6 * HOUR ? 'MINUTE' : span <= 14 * DAY ? 'HOUR' : 'DAY';
  if (bucket === 'DAY') from = Math.max(from, to - 399 * DAY);
  return { from: new Date(from), to: filter.until ? new Date(to) : null, bucket };
}

/**
 * A dragged range (seconds) widened to the edges of the bars it touches: from the start of the
 * bar under `fromSec` to the end of the bar under `toSec`. `starts` are the bars' starts, oldest
 * first; the last bar is as long as the one before it. Null without bars.
 */
export function snapToBuckets(starts: ArrayLike<number>, fromSec: number, toSec: number): { from: number; to: number } | null {
  const n = starts.length;
  if (n === 0) return null;
  const step = n > 1 ? starts[n - 1]! - starts[n - 2]! : 60;
  let i = 0;
  while (i + 1 < n && starts[i + 1]! <= fromSec) i++;
  let j = i;
  while (j + 1 < n && starts[j + 1]! < toSec) j++;
  return { from: starts[i]!, to: j + 1 < n ? starts[j + 1]! : starts[j]! + step };
}

/** Running totals of stacked layers (bottom first), topmost first: how stacked bars are drawn. */
export function runningTotals(length: number, layers: readonly (readonly (number | null)[])[]): number[][] {
  let run: number[] = Array.from({ length }, () => 0);
  return layers.map((values) => (run = run.map((r, i) => r + (values[i] ?? 0)))).reverse();
}

function median(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x != null).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

/**
 * Relative change of a daily p95 series from its first half to its second (medians of the days
 * that had finished runs): 0.5 is 50 % slower. Null unless both halves have a day with runs.
 */
export function slowdown(series: readonly (number | null)[]): number | null {
  const half = Math.floor(series.length / 2);
  const before = median(series.slice(0, half));
  const after = median(series.slice(series.length - half));
  return before && after != null ? after / before - 1 : null;
}
