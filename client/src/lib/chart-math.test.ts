import { describe, expect, it } from 'vitest';
import { histogramWindow, runningTotals, slowdown, snapToBuckets } from './chart-math.ts';

const H = 3_600_000;
const now = Date.parse('2026-03-10T12:34:56Z');

describe('histogramWindow', () => {
  it('defaults to the last 24 hours in hourly bars, up to now', () => {
    expect(histogramWindow({}, now)).toEqual({ from: new Date(now - 24 * H), to: null, bucket: 'HOUR' });
  });
  it('picks the bar size from the range: minutes up to 6 h, hours up to 14 days, days beyond', () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(histogramWindow({ since: iso(now - 6 * H), until: iso(now) }, now).bucket).toBe('MINUTE');
    expect(histogramWindow({ since: iso(now - 6 * H - 1), until: iso(now) }, now).bucket).toBe('HOUR');
    expect(histogramWindow({ since: iso(now - 14 * 24 * H) }, now)).toMatchObject({ bucket: 'HOUR', to: null });
    expect(histogramWindow({ since: iso(now - 15 * 24 * H) }, now).bucket).toBe('DAY');
  });
  it('counts back 24 hours from an until without a since, and cuts day windows to 399 days', () => {
    const until = new Date(now - 48 * H).toISOString();
    expect(histogramWindow({ until }, now)).toEqual({ from: new Date(now - 72 * H), to: new Date(now - 48 * H), bucket: 'HOUR' });
    expect(histogramWindow({ since: '2020-01-01T00:00:00Z' }, now).from).toEqual(new Date(now - 399 * 24 * H));
  });
});

describe('snapToBuckets', () => {
  const starts = [0, 60, 120, 180, 240];
  it('widens a drag to the edges of the bars it touches', () => {
    expect(snapToBuckets(starts, 70, 130)).toEqual({ from: 60, to: 180 });
    expect(snapToBuckets(starts, 60, 120)).toEqual({ from: 60, to: 120 });
  });
  it('ends a drag into the last bar at that bar\'s end, and clamps before the first', () => {
    expect(snapToBuckets(starts, 200, 400)).toEqual({ from: 180, to: 300 });
    expect(snapToBuckets(starts, -50, 10)).toEqual({ from: 0, to: 60 });
  });
  it('is null without bars', () => expect(snapToBuckets([], 0, 1)).toBeNull());
});

describe('runningTotals', () => {
  it('stacks layers bottom-up and returns the topmost first', () => {
    expect(runningTotals(2, [[1, 2], [3, null], [0, 4]])).toEqual([[4, 6], [4, 2], [1, 2]]);
  });
});

describe('slowdown', () => {
  it('compares the median of the second half with the first', () => {
    expect(slowdown([2000, 2000, null, 2000, 5000, 5000, null, 5000])).toBeCloseTo(1.5);
    expect(slowdown([1000, 1000, 1000, 900])).toBeCloseTo(-0.05);
  });
  it('is null when a half has no runs', () => {
    expect(slowdown([null, null, 3000, 3000])).toBeNull();
    expect(slowdown([3000, 3000, null, null])).toBeNull();
  });
});
