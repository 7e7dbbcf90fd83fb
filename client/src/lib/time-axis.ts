// The time axis of the step waterfall: a tick spacing a person reads at a glance (1, 2, 5 × 10ⁿ ms,
// then whole seconds and minutes), tick labels in one unit chosen for the whole axis, and the
// axis length. Pure functions, so the component only lays out what they return.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Spacings in ms, smallest first: sub-second powers of 1-2-5, then clock-friendly steps. */
const STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR,
];

/** At most this many intervals: four or five labels still fit a 375 px wide phone. */
export const MAX_INTERVALS = 5;

/** The smallest listed spacing that divides `spanMs` into at most MAX_INTERVALS intervals. */
export function tickStep(spanMs: number): number {
  return STEPS.find((s) => spanMs / s <= MAX_INTERVALS) ?? Math.ceil(spanMs / MAX_INTERVALS / HOUR) * HOUR;
}

/**
 * How long the axis is. A finished run ends exactly where it ended. A live run's axis ends at
 * the next tick past the elapsed time, so the running bar visibly grows toward the right and
 * the scale only jumps when the clock crosses a tick, instead of every bar shrinking every frame.
 */
export function axisSpan(elapsedMs: number, live: boolean): number {
  const elapsed = Math.max(elapsedMs, 1);
  if (!live) return elapsed;
  const step = tickStep(elapsed);
  return Math.ceil(elapsed / step) * step;
}

/** Tick offsets from 0 to at most `spanMs`, `tickStep(spanMs)` apart. */
export function ticks(spanMs: number): number[] {
  const step = tickStep(spanMs);
  const out: number[] = [];
  // Tiny epsilon: 3 × 0.1 s must still reach a 0.3 s end.
  for (let t = 0; t <= spanMs + 1e-6; t += step) out.push(t);
  return out;
}

/** One unit for every label of an axis, picked by its length: "250 ms", "1.5 s", "2 min", "1 h". */
export function tickFormatter(spanMs: number): (ms: number) => string {
  const trim = (n: number) => String(Math.round(n * 100) / 100);
  if (spanMs < SECOND) return (ms) => `${trim(ms)} ms`;
  if (spanMs < 2 * MINUTE) return (ms) => `${trim(ms / SECOND)} s`;
  if (spanMs < 2 * HOUR) return (ms) => `${trim(ms / MINUTE)} min`;
  return (ms) => `${trim(ms / HOUR)} h`;
}
