// Time buckets in the tenant's zone. MINUTE buckets are read from the raw rows (windows up to a
// day); HOUR and DAY buckets are the rollups' own slots ('h' and 'd'), which the triggers cut in
// the tenant's zone and key by the instant they start.
import { DateTime } from 'luxon';
import { ValidationError } from '../errors.ts';

export type StatsBucket = 'MINUTE' | 'HOUR' | 'DAY';

/** The widest window each bucket size answers: bounded rows read, bounded points drawn. */
export const MAX_BUCKETS: Record<StatsBucket, number> = { MINUTE: 24 * 60, HOUR: 31 * 24, DAY: 400 };

export interface Window {
  bucket: StatsBucket;
  zone: string;
  /** The first bucket's start (from, rounded down to a bucket boundary in the zone). */
  from: Date;
  /** The end of the last bucket (to, rounded up). */
  to: Date;
  /** Every bucket's start, oldest first. */
  starts: Date[];
}

const UNIT = { MINUTE: 'minute', HOUR: 'hour', DAY: 'day' } as const;

/**
 * The buckets covering [from, to) in the zone. Hours step as 60 real minutes (a DST fall-back
 * has two distinct 01:00 buckets); days step as calendar days (23 or 25 hours at DST changes).
 */
export function bucketWindow(bucket: StatsBucket, zone: string, from: Date, to: Date): Window {
  const problems = [];
  if (!Number.isFinite(from.getTime())) problems.push({ path: 'from', message: 'is not a valid date' });
  if (!Number.isFinite(to.getTime())) problems.push({ path: 'to', message: 'is not a valid date' });
  if (!problems.length && to <= from) problems.push({ path: 'to', message: 'must be after from' });
  if (problems.length) throw new ValidationError(problems);
  const unit = UNIT[bucket];
  let cursor = DateTime.fromJSDate(from, { zone }).startOf(unit);
  const end = DateTime.fromJSDate(to, { zone });
  const starts: Date[] = [];
  while (cursor < end) {
    starts.push(cursor.toJSDate());
    if (starts.length > MAX_BUCKETS[bucket]) {
      throw new ValidationError([{ path: 'to', message: `spans more than ${MAX_BUCKETS[bucket]} ${unit} buckets; use a larger bucket or a shorter window` }]);
    }
    cursor = bucket === 'HOUR' ? cursor.plus({ minutes: 60 }) : cursor.plus({ [`${unit}s`]: 1 });
  }
  return { bucket, zone, from: starts[0]!, to: cursor.toJSDate(), starts };
}

/** Index of each bucket start, for placing rows read from PostgreSQL. */
export function bucketIndex(window: Window): Map<number, number> {
  return new Map(window.starts.map((d, i) => [d.getTime(), i]));
}

/** SQL for the bucket start of a raw timestamp column; zoneParam is the parameter holding the zone. */
export function rawBucketSql(bucket: StatsBucket, column: string, zoneParam: string): string {
  switch (bucket) {
    case 'MINUTE':
      return `date_bin('1 minute', ${column}, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
    case 'HOUR':
      return `flowdeck_hour_slot(${column}, ${zoneParam})`;
    case 'DAY':
      return `flowdeck_day_slot(${column}, ${zoneParam})`;
  }
}

export const GRAIN: Record<Exclude<StatsBucket, 'MINUTE'>, 'h' | 'd'> = { HOUR: 'h', DAY: 'd' };

/**
 * The local days lying wholly inside [from, to), as [first, end) — or null when there is none.
 * Window-wide percentiles read those from the day rollups and only the hours at the edges from
 * the hour rollups (a 7-day window: 7 day slots and a few hours instead of 168 hour slots).
 */
export function wholeDays(window: Window): [Date, Date] | null {
  let first = DateTime.fromJSDate(window.from, { zone: window.zone }).startOf('day');
  if (first.toJSDate() < window.from) first = first.plus({ days: 1 });
  const end = DateTime.fromJSDate(window.to, { zone: window.zone }).startOf('day');
  return first < end ? [first.toJSDate(), end.toJSDate()] : null;
}
