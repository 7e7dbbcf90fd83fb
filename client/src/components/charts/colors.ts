// Chart colours come from the dashboard's CSS variables (styles.css), so charts follow light and
// dark like everything else. Canvas cannot use var(--x), so the values are read and the charts
// redrawn when the theme changes: the header's pick (data-theme on <html>) or the system's.
import { useEffect, useState } from 'react';

export interface ChartColors {
  text: string;
  muted: string;
  border: string;
  surface: string;
  ok: string;
  err: string;
  warn: string;
  info: string;
  accent: string;
}

const VARS: Record<keyof ChartColors, string> = {
  text: '--text',
  muted: '--muted',
  border: '--border',
  surface: '--surface',
  ok: '--ok',
  err: '--err',
  warn: '--warn',
  info: '--info',
  accent: '--accent',
};

export function readChartColors(): ChartColors {
  const style = getComputedStyle(document.documentElement);
  return Object.fromEntries(Object.entries(VARS).map(([k, v]) => [k, style.getPropertyValue(v).trim() || '#888'])) as unknown as ChartColors;
}

const same = (a: ChartColors, b: ChartColors) => (Object.keys(VARS) as (keyof ChartColors)[]).every((k) => a[k] === b[k]);

/** The current chart colours; a new object only when one of them changed. */
export function useChartColors(): ChartColors {
  const [colors, setColors] = useState(readChartColors);
  useEffect(() => {
    const update = () => setColors((prev) => {
      const next = readChartColors();
      return same(prev, next) ? prev : next;
    });
    const attributes = new MutationObserver(update);
    attributes.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const system = matchMedia('(prefers-color-scheme: dark)');
    system.addEventListener('change', update);
    update();
    return () => {
      attributes.disconnect();
      system.removeEventListener('change', update);
    };
  }, []);
  return colors;
}

/** Colours of the run statuses and log levels, the same as their badges (styles.css). */
export const statusColor = (c: ChartColors) => ({ completed: c.ok, failed: c.err, cancelled: c.warn, running: c.info, pending: c.muted });
export const levelColor = (c: ChartColors) => ({ debug: c.muted, info: c.ok, warn: c.warn, error: c.err });
