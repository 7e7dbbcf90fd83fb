import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../redis.ts';
import { RateLimiter } from './rate-limit.ts';

const redis = createRedis();
afterAll(() => redis.disconnect());

const minute = (s: number) => Date.UTC(2026, 10, 23, 12, 0, 0) + s * 1000;
const refusal = (p: Promise<void>) => p.then(() => undefined, (e: { extensions: Record<string, unknown> }) => e.extensions);

describe('RateLimiter', () => {
  it('allows perMinute requests per key, then refuses with the time until one more fits', async () => {
    let now = minute(10);
    const limiter = new RateLimiter(redis, `t${randomUUID().slice(0, 8)}`, 2, () => now);
    for (const key of ['k1', 'k3']) {
      await limiter.consume(key);
      await limiter.consume(key);
      // 3 counted this minute (the refused one too); one more fits when 3 × (the share of this
      // minute still within the last 60 s) + 1 ≤ 2: 40 s into the next minute, 50 s + 40 s from now.
      expect(await refusal(limiter.consume(key))).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 90_000, http: { status: 429, headers: { 'retry-after': '90' } } });
    }
    await limiter.consume('k2'); // another key has its own budget
    now = minute(99); // a second early
    expect(await refusal(limiter.consume('k3'))).toMatchObject({ code: 'RATE_LIMITED' });
    now = minute(100);
    await expect(limiter.consume('k1')).resolves.toBeUndefined();
  });

  it('does not let a burst at the end of one minute be followed by another at the start of the next', async () => {
    let now = minute(59);
    const limiter = new RateLimiter(redis, `t${randomUUID().slice(0, 8)}`, 10, () => now);
    for (let i = 0; i < 10; i++) await limiter.consume('k');
    now = minute(60.5);
    // A fixed window would allow ten more here.
    const refused = await refusal(limiter.consume('k'));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    // 10 × (1 − e/60) + 2 ≤ 10 from e = 12 s of the new minute.
    expect(refused!.retryAfterMs).toBe(11_500);
    now = minute(72);
    await expect(limiter.consume('k')).resolves.toBeUndefined();
  });

  it('counts nothing when the limit is 0', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const limiter = new RateLimiter(redis, prefix, 0);
    for (let i = 0; i < 5; i++) await limiter.consume('k');
    expect(await redis.keys(`${prefix}:ratelimit:*`)).toEqual([]);
  });
});
