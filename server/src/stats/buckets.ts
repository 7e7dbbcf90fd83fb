// Time buckets in the tenant's zone. MINUTE buckets are read from the raw rows (windows up to a
// day); HOUR buckets from the 15-minute rollup slots (an hour in any IANA zone is four of them,
// as every offset is a multiple of 15 minutes); DAY buckets from the rollups' local-day slots.
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

/**
 * SQL for the bucket start of a rollup slot (or a raw timestamp for MINUTE), as a timestamptz.
 * $zone is the parameter holding the tenant's zone.
 */
export function bucketSql(bucket: StatsBucket, column: string, zoneParam: string): string {
  switch (bucket) {
    case 'MINUTE':
      return `date_bin('1 minute', ${column}, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
    case 'HOUR':
      // The instant the slot's local hour began: the slot less its local minutes (0, 15, 30, 45).
      return `(${column} - make_interval(mins => extract(minute FROM ${column} AT TIME ZONE ${zoneParam})::int))`;
    case 'DAY':
      return column; // 'd' slots are already local day starts
  }
}

export const GRAIN: Record<Exclude<StatsBucket, 'MINUTE'>, 'q' | 'd'> = { HOUR: 'q', DAY: 'd' };
