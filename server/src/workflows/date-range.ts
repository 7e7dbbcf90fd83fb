// Date ranges of data-sync runs, computed in the tenant's zone (Asia/Manila by default):
//   rolling  {offsetDays}: the single day offsetDays before today (1 = yesterday)
//   relative {days}:       the `days` days before today, ending yesterday
//   absolute {since, until}: those dates, inclusive
// Dates are walked oldest to newest.
import { DateTime } from 'luxon';
import type { DateRangeSpec } from './definition.ts';

export interface ResolvedDateRange {
  since: string;
  until: string;
  dates: string[];
}

/** More days than this in one run is almost certainly a mistake (and a very long run). */
export const MAX_RANGE_DAYS = 366;

export function resolveDateRange(spec: DateRangeSpec, timezone: string, now: Date = new Date()): ResolvedDateRange {
  const today = DateTime.fromJSDate(now, { zone: timezone }).startOf('day');
  if (!today.isValid) throw new RangeError(`unknown time zone "${timezone}"`);
  let since: DateTime;
  let until: DateTime;
  switch (spec.kind) {
    case 'rolling':
      since = until = today.minus({ days: spec.offsetDays ?? 1 });
      break;
    case 'relative':
      since = today.minus({ days: spec.days });
      until = today.minus({ days: 1 });
      break;
    case 'absolute':
      since = DateTime.fromISO(spec.since, { zone: timezone });
      until = DateTime.fromISO(spec.until, { zone: timezone });
      if (!since.isValid || !until.isValid) throw new RangeError('since and until must be dates (YYYY-MM-DD)');
      if (since > until) throw new RangeError('since must not be after until');
      break;
    default: {
      const never: never = spec;
      throw new RangeError(`unknown date range ${JSON.stringify(never)}`);
    }
  }
  const dates: string[] = [];
  for (let d = since; d <= until; d = d.plus({ days: 1 })) {
    dates.push(d.toISODate()!);
    if (dates.length > MAX_RANGE_DAYS) throw new RangeError(`a run may cover at most ${MAX_RANGE_DAYS} days`);
  }
  return { since: since.toISODate()!, until: until.toISODate()!, dates };
}
