// The registry every worker starts from: the engine's own steps. Connectors add theirs.
import { StepRegistry } from './registry.ts';
import { delayStep } from './delay.ts';
import { logStep } from './log.ts';

export function createBuiltinRegistry(): StepRegistry {
  return new StepRegistry().register(delayStep).register(logStep);
}
