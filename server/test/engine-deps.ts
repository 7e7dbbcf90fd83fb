// Real queues on the test Redis, under a prefix of their own so suites never see each other's jobs.
import { randomUUID } from 'node:crypto';
import { createRedis } from '../src/redis.ts';
import { createQueues } from '../src/engine/queues.ts';
import type { EngineDeps } from '../src/engine/executions.ts';
import type { Db } from '../src/db.ts';

export function createEngineDeps(db: Db): EngineDeps & { close(): Promise<void> } {
  const redis = createRedis();
  const redisPrefix = `t${randomUUID().slice(0, 8)}`;
  const queues = createQueues(redis, redisPrefix);
  return {
    db,
    redis,
    queues,
    redisPrefix,
    close: async () => {
      await queues.runs.obliterate({ force: true }).catch(() => {});
      await queues.close();
      redis.disconnect();
    },
  };
}
