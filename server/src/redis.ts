import { Redis, type RedisOptions } from 'ioredis';
import { getConfig } from './config.ts';
import { redisTls } from './tls.ts';

export { Redis };

/**
 * A new ioredis connection. BullMQ workers and pub/sub subscribers need their own connection
 * each (blocking commands and subscriber mode), and `maxRetriesPerRequest: null` so that a
 * Redis restart makes commands wait instead of failing jobs.
 */
export function createRedis(url = getConfig().redisUrl, options: RedisOptions = {}): Redis {
  const tls = redisTls(url);
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...(tls ? { tls } : {}), ...options });
  // Without a listener ioredis prints a full stack for every failed reconnect attempt of every
  // connection (a process holds about ten) while Redis restarts. It reconnects by itself; one
  // line per connection and outage says so, and /readyz reports the outage.
  let reported = false;
  client.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    process.stderr.write(`[redis] ${err.message}; reconnecting\n`);
  });
  client.on('ready', () => (reported = false));
  return client;
}

let shared: Redis | undefined;

/** The process-wide command connection (not for blocking commands or SUBSCRIBE). */
export function getRedis(): Redis {
  shared ??= createRedis();
  return shared;
}

export async function closeRedis(): Promise<void> {
  const client = shared;
  shared = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}

export class RedisEvictionPolicyError extends Error {
  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}": keys may be evicted and BullMQ would lose jobs. ` +
        'Set maxmemory-policy to noeviction (redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf).',
    );
    this.name = 'RedisEvictionPolicyError';
  }
}

/** Refuses a Redis that may evict keys (allkeys-*); volatile-* only touches keys with a TTL. */
export async function assertNoEviction(redis: Redis): Promise<string> {
  let policy: string;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = reply[1] ?? 'unknown';
  } catch {
    // Managed Redis services often disable CONFIG; fall back to INFO.
    const info = await redis.info('memory');
    policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? 'unknown';
  }
  if (policy.startsWith('allkeys-')) throw new RedisEvictionPolicyError(policy);
  return policy;
}
