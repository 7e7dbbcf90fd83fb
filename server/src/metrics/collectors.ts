// Gauges read when Prometheus scrapes: queue depths from Redis and the pg pool's connections.
// Read on demand, so nothing on the hot path keeps them up to date.
import type pg from 'pg';
import type { Queues } from '../engine/queues.ts';
import type { Metrics } from './metrics.ts';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;

/** flowdeck_queue_jobs {queue, state}: the same numbers for every process, as they live in Redis. */
export function collectQueueJobs(metrics: Metrics, queues: Queues): void {
  metrics.gaugeOnScrape('flowdeck_queue_jobs', 'Jobs in each BullMQ queue, by state (read from Redis at scrape time)', ['queue', 'state'], async (set) => {
    await Promise.all(
      [queues.runs, queues.schedules, queues.pdf, queues.maintenance].map(async (queue) => {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) set({ queue: queue.name, state }, counts[state] ?? 0);
      }),
    );
  });
}

/** flowdeck_db_pool_connections {state}: this process's PostgreSQL connections. */
export function collectDbPool(metrics: Metrics, pool: pg.Pool): void {
  metrics.gaugeOnScrape('flowdeck_db_pool_connections', "This process's PostgreSQL pool: connections open (total), idle, and queries waiting for one", ['state'], (set) => {
    set({ state: 'total' }, pool.totalCount);
    set({ state: 'idle' }, pool.idleCount);
    set({ state: 'waiting' }, pool.waitingCount);
  });
}
