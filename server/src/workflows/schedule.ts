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

/** The next `count` fire times after `from`, in the zone (so 02:30 daily stays 02:30 local across DST). */
export function cronPreview(schedule: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  const problems = scheduleProblems(schedule, timezone, 'expression');
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW) problems.push({ path: 'count', message: `must be from 1 to ${MAX_PREVIEW}` });
  if (problems.length) throw new ValidationError(problems);
  return nextFireTimes(schedule, timezone, count, from);
}
