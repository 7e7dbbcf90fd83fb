// What the engine benchmark and its worker process (bench-engine-worker.ts) agree on.
import type { StepRunner } from '../../../server/src/engine/steps/types.ts';

export const REDIS_PREFIX = 'bench';
export const RAW_QUEUE = 'raw';
export const WORKER_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);

/** Registered under `log` (definitions only name known types); does nothing. */
export const noopStep: StepRunner = { type: 'log', retrySafe: true, run: async () => null };
