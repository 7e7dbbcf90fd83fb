// The registry every worker starts from: the engine's own steps. Connectors add theirs.
import { StepRegistry } from './registry.ts';
import { delayStep } from './delay.ts';
import { logStep } from './log.ts';
import { waitStepRunners } from '../waits/enter.ts';

export function createBuiltinRegistry(): StepRegistry {
  const registry = new StepRegistry().register(delayStep).register(logStep);
  for (const runner of waitStepRunners) registry.register(runner);
  return registry;
}
