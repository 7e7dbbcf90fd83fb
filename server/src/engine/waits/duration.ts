// Durations of wait timeouts as definitions write them: a whole number and one unit,
// "45s", "30m", "2h", "3d". The JSON Schema checks the shape; this turns it into milliseconds
// and bounds it (a year), so a typo cannot park a run for centuries.

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MAX_DURATION_MS = 365 * UNIT_MS.d;
const DURATION = /^([1-9]\d{0,5})([smhd])$/;

export class DurationError extends Error {
  constructor(readonly input: string) {
    super(`"${input}" is not a duration: use a whole number and s, m, h or d (e.g. "30m", "2h", "3d"), at most 365 days`);
    this.name = 'DurationError';
  }
}

/** Milliseconds of `input`; throws DurationError for anything else. */
export function parseDuration(input: string): number {
  const m = typeof input === 'string' ? DURATION.exec(input.trim()) : null;
  if (!m) throw new DurationError(String(input));
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms > MAX_DURATION_MS) throw new DurationError(input);
  return ms;
}
