import type { LogLevel } from '../generated/prisma/enums.ts';

/** One workflow log line as callers hand it to the log service (before redaction). */
export interface LogInput {
  tenantId: string;
  level: LogLevel;
  message: string;
  metadata?: Record<string, unknown>;
  workflowId?: string | null;
  executionId?: string | null;
  step?: string | null;
  /** The tenant's country (Tenant.defaultCountry): national phone numbers are read in it first. */
  region?: string;
}

/** Anything that accepts log lines: the batching log service, or a test's collector. */
export interface LogSink {
  log(entry: LogInput): void;
}
