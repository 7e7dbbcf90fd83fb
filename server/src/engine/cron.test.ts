// The DST policy of cron.ts, checked against an independent oracle: for every wall-clock slot,
// the oracle scans real instants (Intl, 15-minute steps — every offset in these zones is a
// multiple of 15 minutes) for ones that show that wall time. Found: the slot fires at the first.
// None (a spring-forward gap): it fires at the last instant before the gap plus the wall-clock
// distance to the slot, i.e. shifted forward by the gap. Fires must be exactly the set of those
// instants: nothing missed, nothing doubled.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { CronError, fireTimesBetween, nextFire, nextFireTimes, repeatStrategy } from './cron.ts';

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Sao_Paulo', 'Asia/Manila', 'Pacific/Chatham'];
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The wall clock at `instant` in `zone`, as ms on a local-as-UTC timeline (minute precision). */
function wallAt(zone: string, instant: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
}

function oracle(zone: string, wall: number): number {
  let lastBefore: { t: number; w: number } | undefined;
  for (let t = wall - 15 * HOUR; t <= wall + 13 * HOUR; t += 15 * MIN) {
    const w = wallAt(zone, t);
    if (w === wall) return t;
    if (w < wall) lastBefore = { t, w };
  }
  return lastBefore!.t + (wall - lastBefore!.w);
}

/** Instants at which the zone's offset changes, 2016–2030 (Sao Paulo had DST until 2019). */
function transitions(zone: string): number[] {
  const out: number[] = [];
  const offset = (t: number) => wallAt(zone, t) - Math.floor(t / MIN) * MIN;
  for (let t = Date.UTC(2016, 0, 1); t < Date.UTC(2031, 0, 1); t += DAY) {
    if (offset(t) !== offset(t + DAY)) {
      let lo = t;
      let hi = t + DAY;
      while (hi - lo > 15 * MIN) {
        const mid = lo + Math.floor((hi - lo) / 2 / (15 * MIN)) * 15 * MIN || lo + 15 * MIN;
        if (offset(mid) === offset(lo)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
  }
  return out;
}

const TRANSITIONS = new Map(ZONES.map((z) => [z, transitions(z)]));

/** Expected fires of `minute hour|* * * *` for the local days around `center`, by the oracle. */
function expected(zone: string, minute: number, hour: number | undefined, center: number, days: number): number[] {
  const dayStart = Math.floor(wallAt(zone, center) / DAY) * DAY;
  const set = new Set<number>();
  for (let d = -days; d <= days; d++) {
    for (let h = 0; h < 24; h++) {
      if (hour !== undefined && h !== hour) continue;
      set.add(oracle(zone, dayStart + d * DAY + h * HOUR + minute * MIN));
    }
  }
  return [...set].sort((a, b) => a - b);
}

function check(zone: string, minute: number, hour: number | undefined, center: number, days: number) {
  const want = expected(zone, minute, hour, center, days);
  const expression = `${minute} ${hour ?? '*'} * * *`;
  const got = fireTimesBetween(expression, zone, new Date(want[0]! - 1), new Date(want.at(-1)!)).map((d) => d.getTime());
  expect(got.map((t) => new Date(t).toISOString()), `${expression} in ${zone} around ${new Date(center).toISOString()}`).toEqual(
    want.map((t) => new Date(t).toISOString()),
  );
}

describe('DST policy', () => {
  it('finds DST transitions in every zone that has them (the property test below needs them)', () => {
    for (const zone of ZONES) {
      if (zone === 'Asia/Manila') expect(TRANSITIONS.get(zone)).toEqual([]);
      else expect(TRANSITIONS.get(zone)!.length).toBeGreaterThanOrEqual(zone === 'America/Sao_Paulo' ? 6 : 28);
    }
  });

  it('hourly and daily schedules: no missed and no doubled fire around any transition, 2016–2030', () => {
    const zoned = ZONES.filter((z) => TRANSITIONS.get(z)!.length);
    fc.assert(
      fc.property(
        fc.constantFrom(...zoned),
        fc.nat(),
        fc.constantFrom(0, 15, 30, 45),
        fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined }),
        fc.integer({ min: -6 * HOUR, max: 6 * HOUR }),
        (zone, pick, minute, hour, jitter) => {
          const list = TRANSITIONS.get(zone)!;
          check(zone, minute, hour, list[pick % list.length]! + jitter, hour === undefined ? 1 : 3);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the same away from transitions and in a zone without DST', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(2016, 0, 1), max: Date.UTC(2030, 11, 1) }),
        fc.constantFrom(0, 30, 45),
        fc.option(fc.integer({ min: 0, max: 23 }), { nil: undefined }),
        (zone, center, minute, hour) => check(zone, minute, hour, center, hour === undefined ? 1 : 5),
      ),
      { numRuns: 60 },
    );
  });

  it('examples of the documented policy', () => {
    const iso = (expr: string, zone: string, from: string, n: number) => nextFireTimes(expr, zone, n, new Date(from)).map((d) => d.toISOString());
    // Spring forward in New York (02:00 → 03:00): 02:30 fires once, at 03:30 EDT.
    expect(iso('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    // Fall back (01:00–02:00 twice): 01:30 fires once, on its first (EDT) occurrence; hourly skips the repeat.
    expect(iso('30 * * * *', 'America/New_York', '2026-11-01T04:00:00Z', 3)).toEqual(['2026-11-01T04:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:30:00.000Z']);
    // Chatham jumps 02:45 → 03:45; cron-parser alone skips this slot entirely.
    expect(iso('45 2 * * *', 'Pacific/Chatham', '2026-09-26T00:00:00Z', 1)).toEqual(['2026-09-26T14:00:00.000Z']);
    // Slots that meet after shifting (02:00 → 03:00 and 03:00) fire once.
    expect(iso('0 * * * *', 'America/New_York', '2026-03-08T05:30:00Z', 3)).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z']);
  });

  it('BullMQ job schedulers use the same policy, and bad input is a CronError', () => {
    const from = Date.parse('2026-03-08T06:45:00Z');
    expect(repeatStrategy(from, { pattern: '30 2 * * *', tz: 'America/New_York' })).toBe(nextFire('30 2 * * *', 'America/New_York', new Date(from))!.getTime());
    expect(() => nextFireTimes('61 * * * *', 'UTC', 1)).toThrow(CronError);
    expect(() => nextFireTimes('* * *', 'UTC', 1)).toThrow(CronError);
    expect(() => nextFireTimes('0 9 * * *', 'Mars/Olympus', 1)).toThrow(CronError);
    try {
      nextFireTimes('0 9 * * *', 'Mars/Olympus', 1);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).problems).toEqual([{ path: 'timezone', message: '"Mars/Olympus" is not an IANA time zone' }]);
    }
    expect(nextFireTimes('0 9 * * 1-5', 'Asia/Manila', 5, new Date('2026-11-20T00:00:00Z')).map((d) => d.toISOString())).toEqual([
      '2026-11-20T01:00:00.000Z',
      '2026-11-23T01:00:00.000Z',
      '2026-11-24T01:00:00.000Z',
      '2026-11-25T01:00:00.000Z',
      '2026-11-26T01:00:00.000Z',
    ]);
  });
});
