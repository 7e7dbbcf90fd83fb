// Requests per API key per minute, counted in Redis so every api process shares one budget.
// A fixed one-minute window (INCR + PEXPIRE) costs one round trip and cannot drift; a burst of
// up to twice the limit across a window edge is acceptable for abuse protection.
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
    const key = `${this.keyPrefix}:ratelimit:${apiKeyId}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, WINDOW_MS).exec()) as [[Error | null, number]];
    if (count <= this.perMinute) return;
    const retryAfterMs = (window + 1) * WINDOW_MS - now;
    throw new GraphQLError(`Too many requests for this API key; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterMs,
        http: { status: 429, headers: { 'retry-after': String(Math.ceil(retryAfterMs / 1000)) } },
      },
    });
  }
}
