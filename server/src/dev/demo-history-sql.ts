// Writes the generated demo history (demo-history.ts) in one set-based statement per table
// (jsonb_to_recordset over one JSON parameter: a few thousand runs in well under a second), and
// removes it again by its marker.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { DEMO_MARKER, type DemoHistory } from './demo-history.ts';

const INSERT_EXECUTIONS = `INSERT INTO "WorkflowExecution" ("id","tenantId","workflowId","workflowVersion","status","trigger","scheduledFor","driftMs","dateRange","rangeStart","rangeEnd","input","stepsTotal","stepsCompleted","progress","output","error","cancelRequestedAt","attempts","createdAt","startedAt","finishedAt","updatedAt")
SELECT r.id, $2::uuid, r."workflowId", 1, r.status::"ExecutionStatus", r.trigger::"TriggerKind", r."scheduledFor", r."driftMs", r."dateRange", r."rangeStart", r."rangeEnd", $3::jsonb,
       r."stepsTotal", r."stepsCompleted", r.progress, r.output, r.error, r."cancelRequestedAt", 1, r."createdAt", r."startedAt", r."finishedAt", r."finishedAt"
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "workflowId" uuid, status text, trigger text, "scheduledFor" timestamptz, "driftMs" int, "dateRange" jsonb, "rangeStart" date, "rangeEnd" date,
     "stepsTotal" int, "stepsCompleted" int, progress jsonb, output jsonb, error jsonb, "cancelRequestedAt" timestamptz, "createdAt" timestamptz, "startedAt" timestamptz, "finishedAt" timestamptz)`;

const INSERT_STEPS = `INSERT INTO "StepRun" ("id","tenantId","executionId","index","name","type","status","attempts","progress","output","error","startedAt","finishedAt","createdAt")
SELECT r.id, $2::uuid, r."executionId", r.index, NULL, r.type, r.status::"StepStatus", r.attempts, r.progress, r.output, r.error, r."startedAt", r."finishedAt", r."createdAt"
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "executionId" uuid, index int, type text, status text, attempts int, progress jsonb, output jsonb, error jsonb, "startedAt" timestamptz, "finishedAt" timestamptz, "createdAt" timestamptz)`;

// The same columns the log service writes (logs/service.ts); the text is ours and has no PII, so
// piiRedacted is true as for every stored line.
const INSERT_LOGS = `INSERT INTO "LogEntry" ("id","tenantId","level","message","metadata","workflowId","executionId","step","piiRedacted","createdAt")
SELECT r.id, $2::uuid, r.level::"LogLevel", r.message, r.metadata, r."workflowId", r."executionId", r.step, true, r."createdAt"
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, level text, message text, metadata jsonb, "workflowId" uuid, "executionId" uuid, step text, "createdAt" timestamptz)`;

type Sql = Pick<PrismaClient, '$executeRawUnsafe' | '$queryRawUnsafe'> | Prisma.TransactionClient;

export interface InsertedCounts {
  executions: number;
  steps: number;
  logs: number;
  /** Where the time went (the seed reports it; `npm start` must stay quick). */
  timings: { partitionsMs: number; runsMs: number; logsMs: number };
}

/**
 * Writes the history for the tenant: first the daily log partitions its lines fall in (the
 * DEFAULT partition is for strays, and maintenance would move them one by one), then one
 * statement per table. Run it in the transaction that creates the tenant, so a failure leaves
 * nothing half-seeded.
 */
export async function insertDemoHistory(db: Sql, tenantId: string, history: DemoHistory): Promise<InsertedCounts> {
  const t0 = performance.now();
  if (history.logs.length) {
    const days = history.logs.map((l) => l.createdAt.slice(0, 10)).sort();
    await db.$queryRawUnsafe('SELECT flowdeck_ensure_log_partitions($1::date, $2::date)', days[0], days.at(-1));
  }
  const t1 = performance.now();
  const marker = JSON.stringify(DEMO_MARKER);
  const executions = await db.$executeRawUnsafe(INSERT_EXECUTIONS, JSON.stringify(history.executions), tenantId, marker);
  const steps = await db.$executeRawUnsafe(INSERT_STEPS, JSON.stringify(history.steps), tenantId);
  const t2 = performance.now();
  const logs = await db.$executeRawUnsafe(INSERT_LOGS, JSON.stringify(history.logs), tenantId);
  const t3 = performance.now();
  return { executions, steps, logs, timings: { partitionsMs: Math.round(t1 - t0), runsMs: Math.round(t2 - t1), logsMs: Math.round(t3 - t2) } };
}

/** Deletes the tenant's demo history (runs marked input.demo, their step runs by cascade, and lines marked metadata.demo). */
export async function clearDemoHistory(db: Sql, tenantId: string): Promise<{ executions: number; logs: number }> {
  const marker = JSON.stringify(DEMO_MARKER);
  const logs = await db.$executeRawUnsafe(`DELETE FROM "LogEntry" WHERE "tenantId" = $1::uuid AND "metadata" @> $2::jsonb`, tenantId, marker);
  const executions = await db.$executeRawUnsafe(`DELETE FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid AND "input" @> $2::jsonb`, tenantId, marker);
  return { executions, logs };
}
