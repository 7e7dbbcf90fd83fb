// uPlot option builders shared by the dashboard's charts: stacked bars (runs by status, log lines
// by level) and lines (failure rate, durations, lag). Everything that changes with each refresh
// is read from the chart's data, so the options stay stable and a refresh is only setData().
import uPlot from 'uplot';
import { runningTotals } from '../../lib/chart-math.ts';
import type { ChartColors } from './colors.ts';
import type { ChartOptions } from './uplot-chart.tsx';
import { zoneDate } from './uplot-chart.tsx';

export interface Layer {
  label: string;
  color: string;
  values: readonly (number | null)[];
}

/**
 * uPlot data for stacked bars. Each layer is drawn as the running total up to it, topmost first,
 * so each lower layer paints over the part of the bar it does not own.
 */
export function stackData(xs: readonly number[], layers: readonly Layer[]): uPlot.AlignedData {
  return [Float64Array.from(xs), ...runningTotals(xs.length, layers.map((l) => l.values))];
}

const axis = (c: ChartColors, extra: Partial<uPlot.Axis> = {}): uPlot.Axis => ({
  stroke: c.muted,
  grid: { stroke: c.border, width: 1 },
  ticks: { stroke: c.border, width: 1 },
  font: '11px system-ui, sans-serif',
  ...extra,
});

/** Wide enough for the longest tick label (uPlot's fixed default cuts off "12,500"). */
const fitLabels: uPlot.Axis.Size = (_u, values) => Math.max(36, 18 + 7.5 * Math.max(0, ...(values ?? []).map((v) => String(v).length)));

/** Bars cover their bucket, so the x range ends one bucket after the last start. */
const bucketRange: uPlot.Range.Function = (u, min, max) => {
  const xs = u.data[0];
  const step = xs.length > 1 ? xs[1]! - xs[0]! : 3600;
  return [min, max + step];
};

export interface StackedBarsConfig {
  layers: readonly Pick<Layer, 'label' | 'color'>[];
  zone: string;
  /** Drag across the chart to pick buckets: called with the selected x range (seconds). */
  onSelect?: (fromSec: number, toSec: number) => void;
  yLabel?: string;
}

export function stackedBarsOptions(c: ChartColors, { layers, zone, onSelect, yLabel }: StackedBarsConfig): ChartOptions {
  const top = [...layers].reverse();
  const bars = uPlot.paths.bars!({ size: [0.9, Infinity], align: 1, gap: 1 });
  return {
    tzDate: zoneDate(zone),
    scales: { x: { time: true, range: bucketRange }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
    axes: [axis(c), axis(c, { size: fitLabels, label: yLabel, labelSize: yLabel ? 16 : 0, labelFont: '11px system-ui, sans-serif' })],
    legend: { live: true },
    cursor: { drag: { x: !!onSelect, y: false, setScale: false }, points: { show: false } },
    series: [
      {},
      ...top.map(
        (l): uPlot.Series => ({
          label: l.label,
          fill: l.color,
          stroke: l.color,
          width: 0,
          paths: bars,
          points: { show: false },
          // The legend shows the layer's own count, not the running total it is drawn at.
          value: (u, _v, si, i) => {
            if (i == null) return '—';
            const here = u.data[si]?.[i] ?? 0;
            const below = si + 1 < u.data.length ? (u.data[si + 1]?.[i] ?? 0) : 0;
            return String(here! - below!);
          },
        }),
      ),
    ],
    hooks: onSelect
      ? {
          setSelect: [
            (u) => {
              if (u.select.width < 2) return;
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              onSelect(from, to);
            },
          ],
        }
      : {},
  };
}

export interface LineSeries {
  label: string;
  color: string;
  dash?: number[];
}

export function linesOptions(c: ChartColors, { series, zone, format, yMax }: { series: readonly LineSeries[]; zone: string; format: (v: number) => string; yMax?: number }): ChartOptions {
  return {
    tzDate: zoneDate(zone),
    scales: { x: { time: true, range: bucketRange }, y: { range: (_u, _min, max) => [0, yMax ?? (max > 0 ? max * 1.15 : 1)] } },
    axes: [axis(c), axis(c, { size: fitLabels, values: (_u, ticks) => ticks.map(format) })],
    legend: { live: true },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    series: [
      {},
      ...series.map(
        (s): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash,
          points: { show: true, size: 4, fill: s.color },
          value: (_u, v) => (v == null ? '—' : format(v)),
        }),
      ),
    ],
  };
}
