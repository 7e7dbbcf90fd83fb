// Step runners keyed by step type. The engine ships `delay` and `log`; connectors register
// theirs at start (see app.ts). A definition naming an unregistered type fails that step.
import type { StepRunner } from './types.ts';

export class StepRegistry {
  private readonly runners = new Map<string, StepRunner<any>>();

  register(runner: StepRunner<any>): this {
    if (this.runners.has(runner.type)) throw new Error(`step type ${runner.type} is already registered`);
    this.runners.set(runner.type, runner);
    return this;
  }

  get(type: string): StepRunner<any> | undefined {
    return this.runners.get(type);
  }

  types(): string[] {
    return [...this.runners.keys()].sort();
  }
}
