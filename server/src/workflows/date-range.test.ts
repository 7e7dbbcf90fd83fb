import { describe, expect, it } from 'vitest';
import { resolveDateRange } from './date-range.ts';

// 2026-03-10 01:30 in Manila is still 2026-03-09 in UTC: the tenant's zone decides "today".
const now = new Date('2026-03-09T17:30:00Z');

describe('resolveDateRange', () => {
  it('rolling: the single day offsetDays before today in the tenant zone', () => {
    expect(resolveDateRange({ kind: 'rolling', offsetDays: 1 }, 'Asia/Manila', now)).toEqual({ since: '2026-03-09', until: '2026-03-09', dates: ['2026-03-09'] });
    expect(resolveDateRange({ kind: 'rolling', offsetDays: 1 }, 'UTC', now).since).toBe('2026-03-08');
    expect(resolveDateRange({ kind: 'rolling' }, 'Asia/Manila', now).since).toBe('2026-03-09');
  });

  it('relative: the last N days ending yesterday, oldest first', () => {
    expect(resolveDateRange({ kind: 'relative', days: 3 }, 'Asia/Manila', now).dates).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
  });

  it('absolute: inclusive, across a DST change, refusing reversed or huge ranges', () => {
    expect(resolveDateRange({ kind: 'absolute', since: '2026-03-07', until: '2026-03-09' }, 'America/New_York', now).dates).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(() => resolveDateRange({ kind: 'absolute', since: '2026-03-09', until: '2026-03-01' }, 'UTC', now)).toThrow(RangeError);
    expect(() => resolveDateRange({ kind: 'absolute', since: '2020-01-01', until: '2026-01-01' }, 'UTC', now)).toThrow(/at most 366/);
  });
});
