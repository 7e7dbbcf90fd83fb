import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../redis.ts';
import { RateLimiter } from './rate-limit.ts';

const redis = createRedis();
afterAll(() => redis.disconnect());

describe('RateLimiter', () => {
  it('allows perMinute requests per key per window, then refuses with the time left in the window', async () => {
    let now = Date.UTC(2026, 10, 23, 12, 0, 10); // 10 s into a minute
    const limiter = new RateLimiter(redis, `t${randomUUID().slice(0, 8)}`, 2, () => now);
    await limiter.consume('k1');
    await limiter.consume('k1');
    const err = await limiter.consume('k1').catch((e) => e);
    expect(err.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 50_000, http: { status: 429, headers: { 'retry-after': '50' } } });
    await limiter.consume('k2'); // another key has its own budget
    now += 50_000; // the next window
    await limiter.consume('k1');
  });

  it('counts nothing when the limit is 0', async () => {
    const limiter = new RateLimiter(redis, `t${randomUUID().slice(0, 8)}`, 0);
    for (let i = 0; i < 5; i++) await limiter.consume('k');
    expect(await redis.keys(`*:ratelimit:k:*`)).toEqual([]);
  });
});
