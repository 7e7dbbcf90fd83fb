// Builds a real StepContext for connector tests: real database, a collecting log sink, progress
// counters, and an AbortController standing in for cancellation (the engine is not needed).
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { StepContext } from '../engine/steps/types.ts';
import type { LogInput } from '../logs/types.ts';

export interface TestStepContext {
  ctx: StepContext;
  logs: Array<Omit<LogInput, 'tenantId'>>;
  progress: Record<string, number>;
  abort: AbortController;
}

export function makeStepContext(
  db: PrismaClient,
  tenant: { id: string; timezone: string; defaultCountry?: string },
  overrides: Partial<StepContext> = {},
): TestStepContext {
  const logs: TestStepContext['logs'] = [];
  const progress: Record<string, number> = {};
  const abort = new AbortController();
  const executionId = overrides.executionId ?? randomUUID();
  const ctx: StepContext = {
    db,
    tenantId: tenant.id,
    timezone: tenant.timezone,
    defaultCountry: tenant.defaultCountry ?? 'PH',
    workflowId: randomUUID(),
    executionId,
    stepIndex: 0,
    stepKey: 'step0',
    attempt: 1,
    idempotencyKey: `${executionId}:step0`,
    signal: abort.signal,
    dates: [],
    input: {},
    log: (entry) => logs.push(entry),
    progress: async (inc) => {
      for (const [k, v] of Object.entries(inc)) progress[k] = (progress[k] ?? 0) + v;
    },
    ...overrides,
  };
  return { ctx, logs, progress, abort };
}
