// Gauges read when Prometheus scrapes: queue depths from Redis and the pg pool's connections.
// Read on demand, so nothing on the hot path keeps them up to date.
import type { Server } from 'node:http';
import type pg from 'pg';
import type { Queues } from '../engine/queues.ts';
import type { LogServiceStats } from '../logs/service.ts';
import type { PdfRenderer } from '../connectors/pdf/renderer.ts';
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

/**
 * The run logs' counters, kept by the log service anyway (logs/service.ts): flowdeck_log_lines_total
 * {outcome} (accepted into the buffer, written to PostgreSQL, dropped because the buffer was full,
 * rejected as malformed or by the database), failed batch writes, and the lines buffered now.
 */
export function collectLogService(metrics: Metrics, stats: () => LogServiceStats): void {
  metrics.counterOnScrape('flowdeck_log_lines_total', 'Run log lines by what became of them: accepted, written, dropped (buffer full), rejected', ['outcome'], (set) => {
    const s = stats();
    for (const outcome of ['accepted', 'written', 'dropped', 'rejected'] as const) set({ outcome }, s[outcome]);
  });
  metrics.counterOnScrape('flowdeck_log_write_failures_total', 'Batches of run log lines whose write to PostgreSQL failed (retried)', [], (set) => set({}, stats().writeFailures));
  metrics.gaugeOnScrape('flowdeck_log_buffered_lines', 'Run log lines waiting in memory to be written', [], (set) => set({}, stats().buffered));
}

/** flowdeck_connections {kind}: TCP connections open to the api's port (WebSockets included), and the WebSockets among them. */
export function collectConnections(metrics: Metrics, server: Server, webSockets: () => number): void {
  metrics.gaugeOnScrape('flowdeck_connections', "Connections open to this api process: tcp (all, WebSockets included) and websocket", ['kind'], async (set) => {
    set({ kind: 'tcp' }, await new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? 0 : n))));
    set({ kind: 'websocket' }, webSockets());
  });
}

/** The pdf-worker's warm Chromium: renders, browser launches (recycles), its page pool and memory. */
export function collectPdfRenderer(metrics: Metrics, renderer: PdfRenderer): void {
  metrics.counterOnScrape('flowdeck_pdf_renders_total', 'PDFs rendered by this process', [], (set) => set({}, renderer.stats.renders));
  metrics.counterOnScrape('flowdeck_pdf_browser_launches_total', 'Chromium launches (first start and each recycle after PDF_MAX_RENDERS_PER_BROWSER or MEM_LIMIT)', [], (set) => set({}, renderer.stats.browserLaunches));
  metrics.gaugeOnScrape('flowdeck_pdf_pages', 'Pages of the warm Chromium: open (pooled) and busy (rendering)', ['state'], (set) => {
    const pool = renderer.pool();
    set({ state: 'open' }, pool.open);
    set({ state: 'busy' }, pool.busy);
  });
  metrics.gaugeOnScrape('flowdeck_pdf_browser_memory_bytes', "Chromium's memory (all its processes) at the last sample", [], (set) => set({}, renderer.lastBrowserMemoryMb * 1024 * 1024));
}
