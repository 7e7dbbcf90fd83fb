// A test step registered under the `delay` type (definitions only allow known types): it records
// when it really ran — start and end, with the run's concurrency key value — in a Redis list, so a
// test can check, across worker processes, that no two runs of a key ever ran at the same time.
import type { Redis } from 'ioredis';
import { sleep } from '../../src/engine/retry.ts';
import type { StepRunner } from '../../src/engine/steps/types.ts';

export function probeKey(prefix: string): string {
  return `${prefix}:test-probe`;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const clock = () => performance.timeOrigin + performance.now();

export function probeStep(redis: Redis, prefix: string): StepRunner<{ ms: number }> {
  return {
    type: 'delay',
    retrySafe: true,
    async run(ctx, config) {
      const start = clock();
      await sleep(config.ms, ctx.signal);
      const end = clock();
      const key = String((ctx.input as { key?: unknown }).key ?? '');
      await redis.rpush(probeKey(prefix), JSON.stringify({ executionId: ctx.executionId, key, start, end }));
      return { waitedMs: config.ms };
    },
  };
}

export interface ProbeRecord {
  executionId: string;
  key: string;
  start: number;
  end: number;
}

export async function probeRecords(redis: Redis, prefix: string): Promise<ProbeRecord[]> {
  return (await redis.lrange(probeKey(prefix), 0, -1)).map((l) => JSON.parse(l) as ProbeRecord);
}

/** The most records of one group that overlapped in time at any instant. */
export function maxOverlap(records: ProbeRecord[]): number {
  const points = records.flatMap((r) => [
    { t: r.start, d: 1 },
    { t: r.end, d: -1 },
  ]);
  // An end and a start at the same instant do not overlap: ends first.
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (now += p.d));
  return max;
}
