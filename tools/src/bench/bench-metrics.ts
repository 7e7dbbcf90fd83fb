// The machine-readable side of the benchmarks: each benchmark prints its own table for people
// and, for the numbers worth tracking, one `@@metric {json}` line. The runner (bench.ts)
// collects those lines — from its own process and from benchmark child processes alike — into
// bench/results.json and bench/results.md, and `--compare <old results.json>` prints the ratio
// of each metric to an earlier run.

export interface Metric {
  bench: string;
  name: string;
  value: number;
  unit: string;
  /** Which way is better, for the comparison's arrow. */
  better: 'higher' | 'lower';
  /** When it was measured (set by the runner: results keep the benchmarks not run this time). */
  at?: string;
}

export const METRIC_PREFIX = '@@metric ';

export function metric(bench: string, name: string, value: number, unit: string, better: Metric['better']): void {
  if (!Number.isFinite(value)) return;
  process.stdout.write(`${METRIC_PREFIX}${JSON.stringify({ bench, name, value: Math.round(value * 100) / 100, unit, better } satisfies Metric)}\n`);
}

export function parseMetricLine(line: string): Metric | undefined {
  if (!line.startsWith(METRIC_PREFIX)) return undefined;
  try {
    return JSON.parse(line.slice(METRIC_PREFIX.length)) as Metric;
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile (p in 0–100) of `values`, which it does not reorder; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
