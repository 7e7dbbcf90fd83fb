// The one place uPlot meets React (why uPlot: bench/charts.md). uPlot draws on a canvas outside
// React: the chart is created once per options/colours/height, new data goes in with setData()
// (no re-creation, no React re-render of the canvas), a ResizeObserver keeps it as wide as its
// box (phone widths included), and it is destroyed on unmount.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useChartColors, type ChartColors } from './colors.ts';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export interface UplotChartProps {
  /** Builds the options from the current colours; pass a stable function (useCallback): a new one recreates the chart. */
  options: (colors: ChartColors) => ChartOptions;
  data: uPlot.AlignedData;
  /** Height of the plot area and axes (the legend, when shown, adds its own). */
  height: number;
  testId?: string;
}

export function UplotChart({ options, data, height, testId }: UplotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const colors = useChartColors();
  // The latest data, for a chart recreated after a theme change or a resize of its options.
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const node = host.current!;
    const width = () => Math.max(120, Math.floor(node.clientWidth));
    const u = new uPlot({ ...options(colors), width: width(), height }, latest.current, node);
    chart.current = u;
    const resize = new ResizeObserver(() => {
      if (width() !== u.width) u.setSize({ width: width(), height });
    });
    resize.observe(node);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [options, colors, height]);

  useEffect(() => {
    if (chart.current && chart.current.data !== data) chart.current.setData(data);
  }, [data]);

  // The picture is for sighted users; every chart's figure carries a text equivalent.
  return <div ref={host} className="uplot-host" aria-hidden="true" data-testid={testId} />;
}

/** A time axis labelled in the tenant's zone (uPlot otherwise uses the browser's). */
export function zoneDate(zone: string): (ts: number) => Date {
  return (ts) => uPlot.tzDate(new Date(ts * 1e3), zone);
}

export { uPlot };
