-- Concurrency control (engine/concurrency.ts): a run of a workflow with a `concurrency` block
-- gets its key at trigger time ('' when the workflow has a limit but no key expression), so the
-- FIFO order of a key is known before any worker sees the run. NULL = not limited: those rows
-- stay out of the partial index below and pay nothing. parkedAt is set while the run waits for a
-- slot with no job of its own; a promotion enqueues it under a job id derived from it.
ALTER TABLE "WorkflowExecution" ADD COLUMN "concurrencyKey" TEXT;
ALTER TABLE "WorkflowExecution" ADD COLUMN "parkedAt" TIMESTAMPTZ(3);
-- Status before key: "slots held in the workflow" is a range of RUNNING entries, whatever the
-- number of finished runs; "older runs in this key's line" is a range of PENDING ones.
CREATE INDEX "WorkflowExecution_workflowId_status_concurrencyKey_createdAt_id_idx"
  ON "WorkflowExecution" ("workflowId", "status", "concurrencyKey", "createdAt", "id")
  WHERE "concurrencyKey" IS NOT NULL;
-- Parked runs, per workflow (promotion) and across workflows (the stale sweep).
CREATE INDEX "WorkflowExecution_workflowId_parkedAt_idx" ON "WorkflowExecution" ("workflowId", "parkedAt") WHERE "parkedAt" IS NOT NULL;
CREATE INDEX "WorkflowExecution_parkedAt_idx" ON "WorkflowExecution" ("parkedAt") WHERE "parkedAt" IS NOT NULL;

-- Attempts (engine/resume.ts): a retry is a new execution linked by retryOfId; attemptNumber
-- counts along that chain, and a retry from the failed step starts at resumeFromIndex.
ALTER TABLE "WorkflowExecution" ADD COLUMN "attemptNumber" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "WorkflowExecution" ADD COLUMN "resumeFromIndex" INTEGER;
CREATE INDEX "WorkflowExecution_retryOfId_idx" ON "WorkflowExecution" ("retryOfId");
-- A step copied from the attempt before (its recorded output reused, not run again).
ALTER TABLE "StepRun" ADD COLUMN "reusedFromStepRunId" UUID;
