// `delay`: waits, and stops waiting the moment the run is cancelled or the worker shuts down.
import { sleep } from '../retry.ts';
import type { StepRunner } from './types.ts';

export const delayStep: StepRunner<{ ms: number }> = {
  type: 'delay',
  retrySafe: true,
  async run(ctx, config) {
    await sleep(config.ms, ctx.signal);
    return { waitedMs: config.ms };
  },
};
