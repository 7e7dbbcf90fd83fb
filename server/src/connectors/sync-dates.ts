// Which dates a data-sync step walks: the execution's resolved range (oldest first), or, for a
// run without one, yesterday in the tenant's zone.
import type { StepContext } from '../engine/steps/types.ts';
import { resolveDateRange } from '../workflows/date-range.ts';

export function syncDates(ctx: StepContext, now: Date = new Date()): string[] {
  if (ctx.dates.length) return [...ctx.dates].sort();
  return resolveDateRange({ kind: 'rolling', offsetDays: 1 }, ctx.timezone, now).dates;
}

