// Requests per API key per minute, counted in Redis so every api process shares one budget.
// A sliding window, estimated from two fixed one-minute counters: the previous minute's count
// weighted by how much of it still lies within the last 60 s, plus this minute's. A fixed window
// alone lets up to twice the limit through around a minute's edge; the estimate does not, and it
// still costs one round trip (INCR this minute, GET the previous one) and cannot drift.
// Refused requests count too, so a client that keeps hammering stays refused.
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** 0 = unlimited. */
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request; throws RATE_LIMITED (HTTP 429, Retry-After) when over budget. */
  async consume(apiKeyId: string): Promise<void> {
    if (this.perMinute === 0) return;
    const now = this.now();
    const window = Math.floor(now / WINDOW_MS);
    const key = (w: number) => `${this.keyPrefix}:ratelimit:${apiKeyId}:${w}`;
    const res = (await this.redis.multi().incr(key(window)).pexpire(key(window), 2 * WINDOW_MS).get(key(window - 1)).exec()) as [Error | null, unknown][];
    const current = Number(res[0]![1]);
    const previous = Number(res[2]![1] ?? 0);
    const elapsed = now - window * WINDOW_MS;
    if (previous * ((WINDOW_MS - elapsed) / WINDOW_MS) + current <= this.perMinute) return;
    const retryAfterMs = this.retryAfter(previous, current, elapsed);
    throw new GraphQLError(`Too many requests for this API key; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterMs,
        http: { status: 429, headers: { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } },
      },
    });
  }

  /** How long until one more request fits: later in this minute as the previous one's share shrinks, or in the next as this one's does. */
  private retryAfter(previous: number, current: number, elapsed: number): number {
    // Solved for the time t at which the estimate plus one request is at most the limit (in
    // integers, so a whole-second answer does not become a second more through rounding).
    const room = this.perMinute - current - 1;
    if (room >= 0 && previous > 0) return Math.ceil((WINDOW_MS * (previous - room)) / previous) - elapsed;
    return WINDOW_MS - elapsed + Math.ceil((WINDOW_MS * (current - this.perMinute + 1)) / current);
  }
}
