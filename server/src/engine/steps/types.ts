// The contract between the engine and every step type. The run worker looks a step's type up
// in the registry (registry.ts), renders its config's {{variables}}, and calls run() with a
// context that carries everything a step may touch. Connectors register their runners.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { LogInput } from '../../logs/types.ts';

export interface StepContext {
  db: PrismaClient;
  tenantId: string;
  /** The tenant's IANA zone (dates of data syncs are computed in it). */
  timezone: string;
  /** ISO 3166 country for national phone numbers. */
  defaultCountry: string;
  workflowId: string;
  executionId: string;
  stepIndex: number;
  /** The step's id in the definition, or `step<index>`. */
  stepKey: string;
  /** Which try of this step this is, from 1. */
  attempt: number;
  /**
   * Stable across retries and re-runs of the same execution step: derive outward-effect keys
   * from it (e.g. `${idempotencyKey}:${recipient}`), never from the attempt.
   */
  idempotencyKey: string;
  /** Fires on cancellation or shutdown; pass it to fetch and check it between requests. */
  signal: AbortSignal;
  /** Dates to walk (YYYY-MM-DD, oldest first) when the execution has a date range. */
  dates: string[];
  /** Rendered execution input (template variables). */
  input: Record<string, unknown>;
  log(entry: Omit<LogInput, 'tenantId' | 'workflowId' | 'executionId' | 'step'>): void;
  /** Adds to named progress counters (daysProcessed, metaFetched, …); published live. */
  progress(increments: Record<string, number>): Promise<void>;
}

/** A failure the step knows about. `retryable` false stops retries at once. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly details: {
      retryable?: boolean;
      source?: string;
      date?: string;
      accountId?: string;
      shopId?: string;
      code?: string | number;
    } = {},
  ) {
    super(message);
    this.name = 'StepError';
  }
}

export interface StepRunner<Config = Record<string, unknown>> {
  type: string;
  /**
   * Whether the engine may run this step again after a transient failure. A step with outward
   * effects is retry-safe only if it deduplicates them with ctx.idempotencyKey.
   */
  retrySafe: boolean;
  run(ctx: StepContext, config: Config): Promise<unknown>;
}
