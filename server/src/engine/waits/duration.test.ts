import { describe, expect, it } from 'vitest';
import { DurationError, MAX_DURATION_MS, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads each unit', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('2h')).toBe(2 * 3_600_000);
    expect(parseDuration('3d')).toBe(3 * 86_400_000);
    expect(parseDuration(' 1h ')).toBe(3_600_000);
  });

  it('accepts up to 365 days and no more', () => {
    expect(parseDuration('365d')).toBe(MAX_DURATION_MS);
    expect(parseDuration('8760h')).toBe(MAX_DURATION_MS);
    expect(() => parseDuration('366d')).toThrow(DurationError);
    expect(() => parseDuration('999999h')).toThrow(DurationError);
  });

  it.each(['', '0m', '10', 'm', '1.5h', '-1h', '1w', '1h30m', '01h', '2 h', 'PT1H'])('refuses %j', (input) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
  });

  it('refuses non-strings', () => {
    expect(() => parseDuration(60 as unknown as string)).toThrow(DurationError);
  });
});
