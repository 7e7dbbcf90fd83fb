import { describe, expect, it } from 'vitest';
import { parseMetricLine, percentile } from './bench-metrics.ts';

describe('bench metrics', () => {
  it('takes nearest-rank percentiles without reordering the input', () => {
    const values = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile(values, 10)).toBe(10);
    expect(percentile(values, 0)).toBe(10);
    expect(values[0]).toBe(50);
    expect(percentile([], 95)).toBeNaN();
  });

  it('reads back a metric line and ignores other output', () => {
    expect(parseMetricLine('@@metric {"bench":"engine","name":"x","value":1.5,"unit":"/s","better":"higher"}')).toMatchObject({ name: 'x', value: 1.5 });
    expect(parseMetricLine('| table row |')).toBeUndefined();
  });
});
