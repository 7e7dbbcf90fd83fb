-- Waiting steps (wait.approval, wait.event): a WAITING status for runs and step runs, and the
-- Waitpoint a waiting run is parked on. ADD VALUE runs inside the migration's transaction
-- (PostgreSQL 12+); nothing below uses the new values as enum literals, which that would forbid.
ALTER TYPE "ExecutionStatus" ADD VALUE 'WAITING';
ALTER TYPE "StepStatus" ADD VALUE 'WAITING';
ALTER TYPE "AlertEvent" ADD VALUE 'APPROVAL_WAITING';

CREATE TYPE "WaitpointKind" AS ENUM ('APPROVAL', 'EVENT');
CREATE TYPE "WaitpointStatus" AS ENUM ('OPEN', 'RESOLVED', 'TIMED_OUT', 'CANCELLED');
CREATE TYPE "ApprovalDecision" AS ENUM ('APPROVE', 'REJECT');

CREATE TABLE "Waitpoint" (
  "id" UUID NOT NULL,
  "tenantId" UUID NOT NULL,
  "executionId" UUID NOT NULL,
  "stepRunId" UUID NOT NULL,
  "stepIndex" INTEGER NOT NULL,
  "kind" "WaitpointKind" NOT NULL,
  "status" "WaitpointStatus" NOT NULL DEFAULT 'OPEN',
  "title" TEXT,
  "message" TEXT,
  "approverRole" "ApiKeyRole",
  "eventName" TEXT,
  "match" TEXT,
  "scope" JSONB,
  "timeoutAt" TIMESTAMPTZ(3),
  "onTimeout" TEXT NOT NULL,
  "decision" "ApprovalDecision",
  "decidedByKeyId" UUID,
  "decidedByName" TEXT,
  "comment" TEXT,
  "event" JSONB,
  "resolvedAt" TIMESTAMPTZ(3),
  "alertedAt" TIMESTAMPTZ(3),
  "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "Waitpoint_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "Waitpoint_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "Waitpoint_executionId_fkey" FOREIGN KEY ("executionId") REFERENCES "WorkflowExecution"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "Waitpoint_stepRunId_fkey" FOREIGN KEY ("stepRunId") REFERENCES "StepRun"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE UNIQUE INDEX "Waitpoint_stepRunId_key" ON "Waitpoint"("stepRunId");
CREATE UNIQUE INDEX "Waitpoint_executionId_stepIndex_key" ON "Waitpoint"("executionId", "stepIndex");
-- The Approvals inbox: a tenant's OPEN approvals, oldest first.
CREATE INDEX "Waitpoint_tenantId_kind_status_createdAt_id_idx" ON "Waitpoint"("tenantId", "kind", "status", "createdAt", "id");
-- resumeWaitsForEvent: a tenant's OPEN waits for one event name.
CREATE INDEX "Waitpoint_tenantId_status_eventName_idx" ON "Waitpoint"("tenantId", "status", "eventName");
-- The timeout sweep: OPEN waitpoints past their timeoutAt.
CREATE INDEX "Waitpoint_status_timeoutAt_idx" ON "Waitpoint"("status", "timeoutAt");

-- Run rollups: a WAITING run is still in progress, so it counts with the running ones (the
-- stats API has no column of its own for it).
CREATE OR REPLACE FUNCTION flowdeck_apply_run_deltas(tenants UUID[], workflows UUID[], created TIMESTAMPTZ[], statuses TEXT[], deltas INTEGER[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(tenants), 0) = 0 THEN RETURN; END IF;
  INSERT INTO "RunRollup" AS r ("tenantId", "grain", "slot", "workflowId", "pending", "running", "completed", "failed", "cancelled")
  SELECT c.tenant, g.grain,
         CASE g.grain WHEN 'h' THEN flowdeck_hour_slot(c.created, t."timezone") ELSE flowdeck_day_slot(c.created, t."timezone") END AS slot,
         c.workflow,
         coalesce(sum(c.d) FILTER (WHERE c.status = 'PENDING'), 0), coalesce(sum(c.d) FILTER (WHERE c.status IN ('RUNNING', 'WAITING')), 0),
         coalesce(sum(c.d) FILTER (WHERE c.status = 'COMPLETED'), 0), coalesce(sum(c.d) FILTER (WHERE c.status = 'FAILED'), 0),
         coalesce(sum(c.d) FILTER (WHERE c.status = 'CANCELLED'), 0)
  FROM unnest(tenants, workflows, created, statuses, deltas) AS c(tenant, workflow, created, status, d)
  JOIN "Tenant" t ON t."id" = c.tenant
  CROSS JOIN (VALUES ('h'), ('d')) AS g(grain)
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT ("tenantId", "grain", "slot", "workflowId") DO UPDATE SET
    "pending" = r."pending" + EXCLUDED."pending",
    "running" = r."running" + EXCLUDED."running",
    "completed" = r."completed" + EXCLUDED."completed",
    "failed" = r."failed" + EXCLUDED."failed",
    "cancelled" = r."cancelled" + EXCLUDED."cancelled";
END $$;

