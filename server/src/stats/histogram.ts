// Log-scale duration histograms as the rollup triggers keep them (migration
// 20261205090000_stats_rollups): bin = floor(8 · log2(ms)), so bin b holds [2^(b/8), 2^((b+1)/8))
// ms, 9 % wide. A percentile is read as the geometric middle of the bin it falls in: within
// ±4.4 % of the exact value, whatever the number of runs behind it.

export const BINS_PER_OCTAVE = 8;

export function binOf(ms: number): number {
  return Math.floor((BINS_PER_OCTAVE * Math.log(Math.max(ms, 1))) / Math.LN2);
}

/** The representative duration of a bin, in ms. */
export function binValue(bin: number): number {
  return 2 ** ((bin + 0.5) / BINS_PER_OCTAVE);
}

/** A histogram being summed: bin → count. */
export type Histogram = Map<number, number>;

export function addTo(h: Histogram, bin: number, n: number): void {
  h.set(bin, (h.get(bin) ?? 0) + n);
}

export function countOf(h: Histogram): number {
  let total = 0;
  for (const n of h.values()) total += n;
  return total;
}

/**
 * The q-quantile (0 < q ≤ 1) of a histogram, by the nearest-rank rule: the smallest bin whose
 * cumulative count reaches ⌈q·N⌉. null for an empty histogram.
 */
export function quantile(h: Histogram, q: number): number | null {
  const total = countOf(h);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bin of [...h.keys()].sort((a, b) => a - b)) {
    seen += h.get(bin)!;
    if (seen >= rank) return binValue(bin);
  }
  return null;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export function percentiles(h: Histogram): Percentiles {
  const bins = [...h.entries()].filter(([, n]) => n > 0).map(([b]) => b);
  return {
    count: countOf(h),
    p50: quantile(h, 0.5),
    p95: quantile(h, 0.95),
    p99: quantile(h, 0.99),
    max: bins.length ? binValue(Math.max(...bins)) : null,
  };
}
