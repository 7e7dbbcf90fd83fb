// Cron in a time zone, with one documented DST policy. Every place that computes fire times —
// BullMQ's job schedulers (through repeatStrategy), catch-up after downtime, and the API's
// cronPreview — goes through this file.
//
// Policy: a schedule names wall-clock slots (local date + time). Each slot fires exactly once:
// - a slot that does not exist (inside a spring-forward gap) fires shifted forward by the gap
//   (02:30 on a night that jumps 02:00→03:00 fires at 03:30);
// - a slot that exists twice (inside a fall-back overlap) fires on its first occurrence only;
// - slots that land on the same instant after shifting fire once.
// cron-parser alone skips some gap slots (e.g. Pacific/Chatham's 02:45 jump) and fires
// repeated-hour slots twice, so it only enumerates wall-clock slots here: it runs in UTC over a
// "local time as if it were UTC" timeline, where there is no DST, and this file maps each wall
// slot to an instant.
import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';
import { ValidationError } from '../errors.ts';

/** A bad expression or zone: a ValidationError, so the API answers it as bad input. */
export class CronError extends ValidationError {
  constructor(field: 'expression' | 'timezone', message: string) {
    super([{ path: field, message }], 'Invalid schedule');
    this.name = 'CronError';
  }
}

const HOUR = 3_600_000;
/** Real zones never change offset twice within this window. */
const TRANSITION_WINDOW = 48 * HOUR;

function zone(timezone: string): IANAZone {
  if (!IANAZone.isValidZone(timezone)) throw new CronError('timezone', `"${timezone}" is not an IANA time zone`);
  return IANAZone.create(timezone);
}

/** Offset in ms of `zone` at `instant`. */
function offsetAt(z: IANAZone, instant: number): number {
  return z.offset(instant) * 60_000;
}

/** Validates an expression (5 fields, or 6 with seconds) and a zone; throws CronError. */
export function assertCron(expression: string, timezone: string): void {
  zone(timezone);
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) throw new CronError('expression', `"${expression}" must have 5 fields (or 6 with seconds)`);
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
  } catch (err) {
    throw new CronError('expression', `"${expression}" is not a valid cron expression: ${(err as Error).message}`);
  }
}

/** The instant a wall-clock time (ms on the local-as-UTC timeline) fires at, under the policy. */
export function wallToInstant(z: IANAZone, wall: number): number {
  const before = offsetAt(z, wall - TRANSITION_WINDOW);
  const after = offsetAt(z, wall + TRANSITION_WINDOW);
  if (before === after) return wall - before;
  const valid = [before, after].map((o) => wall - o).filter((t) => offsetAt(z, t) === wall - t);
  // Two valid instants: the overlap of a fall-back; the first occurrence is the earlier one.
  if (valid.length) return Math.min(...valid);
  // None: the slot is inside a gap. Reading it with the offset in force before the gap moves
  // it forward by exactly the gap's length.
  return wall - before;
}

/** The size of an offset change near `around` (0 if none): away from one, wall order is instant order. */
function slack(z: IANAZone, around: number): number {
  return Math.abs(offsetAt(z, around - TRANSITION_WINDOW) - offsetAt(z, around + TRANSITION_WINDOW));
}

/**
 * Fire instants strictly after `after`, ascending, each once. Gap slots move forward by up to
 * the size of the offset change, so near a transition instants are not in wall order: each is
 * held back until no later wall slot can map before it.
 */
export function* fires(expression: string, timezone: string, after: Date): Generator<Date> {
  const z = zone(timezone);
  const afterMs = after.getTime();
  // Near a transition, start early enough that a gap slot shifted forward past `after` is seen.
  let it;
  try {
    it = CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(afterMs + offsetAt(z, afterMs) - slack(z, afterMs) - 1) });
  } catch (err) {
    throw new CronError('expression', `"${expression}" is not a valid cron expression: ${(err as Error).message}`);
  }
  const pending: number[] = [];
  let last = afterMs;
  for (;;) {
    let wall: number | undefined;
    try {
      wall = it.next().getTime();
    } catch {
      wall = undefined; // no further date (e.g. "0 0 30 2 *")
    }
    // Every later wall slot maps at or after this bound (offsets move by at most the slack).
    const bound = wall === undefined ? Infinity : wall - offsetAt(z, wall) - slack(z, wall);
    while (pending.length && pending[0]! < bound) {
      const t = pending.shift()!;
      if (t > last) {
        last = t;
        yield new Date(t);
      }
    }
    if (wall === undefined) return;
    const t = wallToInstant(z, wall);
    if (t > afterMs) {
      // Sorted insert from the end: instants arrive almost in order.
      let i = pending.length;
      while (i > 0 && pending[i - 1]! > t) i--;
      pending.splice(i, 0, t);
    }
  }
}

/** The first fire strictly after `after`, or undefined when the expression never fires again. */
export function nextFire(expression: string, timezone: string, after: Date): Date | undefined {
  for (const t of fires(expression, timezone, after)) return t;
  return undefined;
}

/** The next `count` fire times after `from` (default now); the API's cronPreview. */
export function nextFireTimes(expression: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  assertCron(expression, timezone);
  const out: Date[] = [];
  if (count <= 0) return out;
  for (const t of fires(expression, timezone, from)) {
    out.push(t);
    if (out.length >= count) break;
  }
  return out;
}

/**
 * Fire times in (after, until], at most `limit` (the scheduler counts missed slots with this;
 * the cap keeps a per-second schedule after a week of downtime from looping for long).
 */
export function fireTimesBetween(expression: string, timezone: string, after: Date, until: Date, limit = 10_000): Date[] {
  const out: Date[] = [];
  for (const t of fires(expression, timezone, after)) {
    if (t.getTime() > until.getTime() || out.length >= limit) break;
    out.push(t);
  }
  return out;
}

/** BullMQ `settings.repeatStrategy`: job schedulers fire on this file's policy, not cron-parser's. */
export function repeatStrategy(millis: number, opts: { pattern?: string; tz?: string }): number | undefined {
  if (!opts.pattern) return undefined;
  return nextFire(opts.pattern, opts.tz ?? 'UTC', new Date(millis))?.getTime();
}
