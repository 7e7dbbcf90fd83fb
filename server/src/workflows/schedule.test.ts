import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { cronPreview, scheduleProblems } from './schedule.ts';

describe('schedules', () => {
  it('accepts 5- and 6-field cron in an IANA zone and names the problem otherwise', () => {
    expect(scheduleProblems('0 2 * * *', 'Asia/Manila')).toEqual([]);
    expect(scheduleProblems('30 0 2 * * 1-5', 'Europe/Berlin')).toEqual([]);
    expect(scheduleProblems('0 2 * *', 'Asia/Manila')[0]!.message).toMatch(/5 fields/);
    expect(scheduleProblems('0 25 * * *', 'Asia/Manila')[0]).toMatchObject({ path: 'schedule' });
    expect(scheduleProblems('0 2 * * *', 'Asia/Atlantis')).toEqual([{ path: 'timezone', message: '"Asia/Atlantis" is not an IANA time zone' }]);
  });

  it('previews fire times in the zone, across both DST changes', () => {
    // Europe/Berlin: CET (UTC+1) → CEST (UTC+2) on 2027-03-28, back on 2027-10-31.
    const spring = cronPreview('0 9 * * *', 'Europe/Berlin', 3, new Date('2027-03-27T00:00:00Z')).map((d) => d.toISOString());
    expect(spring).toEqual(['2027-03-27T08:00:00.000Z', '2027-03-28T07:00:00.000Z', '2027-03-29T07:00:00.000Z']);
    const autumn = cronPreview('0 9 * * *', 'Europe/Berlin', 2, new Date('2027-10-30T12:00:00Z')).map((d) => d.toISOString());
    expect(autumn).toEqual(['2027-10-31T08:00:00.000Z', '2027-11-01T08:00:00.000Z']);
    // Asia/Manila has no DST: always UTC+8.
    expect(cronPreview('0 9 * * *', 'Asia/Manila', 1, new Date('2027-03-27T00:00:00Z'))[0]!.toISOString()).toBe('2027-03-27T01:00:00.000Z');
  });

  it('refuses a bad count or expression as a ValidationError listing both', () => {
    const err = (() => {
      try {
        cronPreview('nope', 'UTC', 0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems.map((p) => p.path).sort()).toEqual(['count', 'expression']);
  });
});
