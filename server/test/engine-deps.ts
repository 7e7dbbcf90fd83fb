// Real queues on the test Redis, under a prefix of their own so suites never see each other's jobs.
import { randomUUID } from 'node:crypto';
import { createRedis } from '../src/redis.ts';
import { createQueues } from '../src/engine/queues.ts';
import type { EngineDeps } from '../src/engine/executions.ts';
import type { Db } from '../src/db.ts';
import type { LogInput, LogSink } from '../src/logs/types.ts';
import { createLogger } from '../src/logger.ts';

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
      for (const q of [queues.runs, queues.schedules, queues.maintenance]) await q.obliterate({ force: true }).catch(() => {});
      await queues.close();
      redis.disconnect();
    },
  };
}

/** A LogSink that keeps lines in memory, for assertions. */
export function collectLogs(): LogSink & { lines: LogInput[] } {
  const lines: LogInput[] = [];
  return { lines, log: (entry) => void lines.push(entry) };
}

/** Engine warnings (late slots, missed slots) are expected in these tests; errors are not. */
export const quietLogger = createLogger(process.env.LOG_LEVEL ?? 'error');

/** Polls `check` until it returns a truthy value (bounded), for waiting on other processes. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
