// Cron schedules and their time zones, checked with the same parser family BullMQ fires with
// (cron-parser), so whatever we accept the scheduler can run. Previews come from the engine's
// cron wrapper, so they show exactly the slots the scheduler fires, DST policy included.
import { CronExpressionParser } from 'cron-parser';
import { nextFireTimes } from '../engine/cron.ts';
import { IANAZone } from 'luxon';
import { ValidationError, type InputProblem } from '../errors.ts';

export const MAX_PREVIEW = 100;

export function timezoneProblem(timezone: string, path = 'timezone'): InputProblem | null {
  return IANAZone.isValidZone(timezone) ? null : { path, message: `"${timezone}" is not an IANA time zone` };
}

export function scheduleProblems(schedule: string, timezone: string, path = 'schedule'): InputProblem[] {
  const zone = timezoneProblem(timezone);
  if (zone) return [zone];
  const fields = schedule.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return [{ path, message: 'must have 5 fields (minute hour day month weekday) or 6 (with seconds first)' }];
  try {
    CronExpressionParser.parse(schedule, { tz: timezone }).next();
    return [];
  } catch (err) {
    return [{ path, message: (err as Error).message }];
  }
}

/** Fire times sampled to find a schedule's shortest gap: cron repeats within a minute or an hour of slots in practice. */
const GAP_SAMPLE = 1_000;

/**
 * Refuses a schedule that fires more often than the tenant allows (a per-second cron turns one
 * workflow into 86,400 runs a day). The gap is measured on the next fire times, so a schedule
 * that only bunches its slots (`0,30 * * * * *`) is caught as well as a regular one.
 */
export function scheduleIntervalProblem(schedule: string, timezone: string, minSeconds: number, path = 'schedule'): InputProblem | null {
  if (scheduleProblems(schedule, timezone, path).length) return null;
  const times = nextFireTimes(schedule, timezone, GAP_SAMPLE).map((d) => d.getTime());
  let shortest = Infinity;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, times[i]! - times[i - 1]!);
  if (shortest >= minSeconds * 1000) return null;
  return { path, message: `fires every ${shortest / 1000} s at the shortest; this tenant's schedules may fire at most once every ${minSeconds} s` };
}

/** The next `count` fire times after `from`, in the zone (so 02:30 daily stays 02:30 local across DST). */
export function cronPreview(schedule: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  const problems = scheduleProblems(schedule, timezone, 'expression');
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW) problems.push({ path: 'count', message: `must be from 1 to ${MAX_PREVIEW}` });
  if (problems.length) throw new ValidationError(problems);
  return nextFireTimes(schedule, timezone, count, from);
}
