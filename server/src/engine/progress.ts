// Progress counters (daysProcessed, metaFetched, …): atomic JSON increments on the execution,
// mirrored on the step run that made them. A step that starts over (a retry, or a re-run after
// its worker died or handed it back) first takes its earlier contribution back, so the work it
// repeats is counted once.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Redis } from 'ioredis';
import { publishExecution } from './executions.ts';

export interface ProgressDeps {
  db: PrismaClient;
  redis: Redis;
  redisPrefix: string;
}

/** Adds to the counters of the execution and of its step run; concurrent calls never lose an update. */
export async function addProgress(
  deps: ProgressDeps,
  ids: { tenantId: string; workflowId: string; executionId: string; stepIndex: number },
  increments: Record<string, number>,
): Promise<void> {
  for (const [k, v] of Object.entries(increments)) {
    if (!Number.isFinite(v)) throw new TypeError(`progress counter ${k} must be a finite number`);
  }
  if (Object.keys(increments).length === 0) return;
  const json = JSON.stringify(increments);
  // Each SET reads the row it updates (a concurrent update is waited for and re-read).
  await deps.db.$executeRaw`
    WITH step AS (
      UPDATE "StepRun" s
      SET progress = s.progress || (
        SELECT jsonb_object_agg(key, COALESCE((s.progress->>key)::numeric, 0) + value::numeric) FROM jsonb_each_text(${json}::jsonb)
      )
      WHERE s."executionId" = ${ids.executionId}::uuid AND s.index = ${ids.stepIndex}
    )
    UPDATE "WorkflowExecution" e
    SET progress = e.progress || (
      SELECT jsonb_object_agg(key, COALESCE((e.progress->>key)::numeric, 0) + value::numeric) FROM jsonb_each_text(${json}::jsonb)
    ), "updatedAt" = now()
    WHERE e.id = ${ids.executionId}::uuid`;
  await publishExecution(deps, { tenantId: ids.tenantId, executionId: ids.executionId, workflowId: ids.workflowId, status: 'RUNNING' });
}

/** Before a step starts over: subtracts what its step run had added, and clears it. */
export async function takeBackStepProgress(db: PrismaClient, executionId: string, stepIndex: number): Promise<void> {
  await db.$executeRaw`
    WITH prev AS (
      SELECT progress FROM "StepRun" WHERE "executionId" = ${executionId}::uuid AND index = ${stepIndex} FOR UPDATE
    ), cleared AS (
      UPDATE "StepRun" SET progress = '{}' WHERE "executionId" = ${executionId}::uuid AND index = ${stepIndex} AND progress <> '{}'
    )
    UPDATE "WorkflowExecution" e
    SET progress = e.progress || (
      SELECT jsonb_object_agg(key, COALESCE((e.progress->>key)::numeric, 0) - value::numeric) FROM prev, jsonb_each_text(prev.progress)
    ), "updatedAt" = now()
    WHERE e.id = ${executionId}::uuid AND EXISTS (SELECT 1 FROM prev WHERE progress <> '{}')`;
}
