// This process's Prometheus metrics (served at /metrics, see route.ts). One registry per started
// app, not prom-client's global one, so the tests' several apps in one process don't collide.
// Labels stay low-cardinality: never tenant, execution or workflow ids or names, which would
// grow the series without bound and leak tenant data to whoever scrapes.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunMetrics } from '../engine/run-execution.ts';

/** Seconds; from a fast query to a slow run. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class Metrics {
  readonly registry = new Registry();
  readonly graphqlDuration = new Histogram({
    name: 'flowdeck_graphql_operation_duration_seconds',
    help: 'GraphQL operations executed, by operation name ("anonymous" without one) and outcome (ok, error)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private runs?: RunMetrics;

  /** The run worker's metrics, registered when a process runs the worker role. */
  runMetrics(): RunMetrics {
    if (this.runs) return this.runs;
    const finishedTotal = this.counter('flowdeck_runs_finished_total', 'Runs finished by this process, by status', ['status']);
    const runDuration = this.histogram('flowdeck_run_duration_seconds', 'Runs from their first start to their end, by status', ['status']);
    const stepDuration = this.histogram('flowdeck_step_duration_seconds', 'Step attempts run by this process, by step type and status', ['type', 'status']);
    const drift = this.histogram('flowdeck_schedule_drift_seconds', 'Scheduled runs: how long after their slot they first started (scheduler lag)');
    this.runs = {
      scheduledRunStarted(seconds) {
        drift.observe(Math.max(0, seconds));
      },
      runFinished(status, seconds) {
        finishedTotal.inc({ status });
        runDuration.observe({ status }, seconds);
      },
      stepFinished(type, status, seconds) {
        stepDuration.observe({ type, status }, seconds);
      },
    };
    return this.runs;
  }

  constructor() {
    // Node's own: CPU, resident memory, heap, event-loop lag, GC, handles.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Adds a gauge whose value is read when Prometheus scrapes (queues, pools: nothing to keep up to date). */
  gaugeOnScrape<L extends string>(name: string, help: string, labelNames: L[], collect: (set: (labels: Record<L, string>, value: number) => void) => Promise<void> | void): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels, value));
      },
    });
  }

  /** A counter kept elsewhere (a component's own tally, which only grows), read when Prometheus scrapes. */
  counterOnScrape<L extends string>(name: string, help: string, labelNames: L[], collect: (set: (labels: Record<L, string>, value: number) => void) => void): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        collect((labels, value) => this.inc(labels, value));
      },
    });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[] = []): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers: [this.registry] });
  }
}
