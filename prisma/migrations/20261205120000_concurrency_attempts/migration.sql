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

-- engine/concurrency.ts: taking a slot and promoting waiting runs, each one statement. Both wait
-- for transaction-scoped advisory locks (a key's, then its workflow's; promotion takes the
-- workflow's), and in READ COMMITTED each statement below sees every commit made before its lock
-- was granted. As functions they hold the locks for one round trip instead of the several of a
-- client-side transaction, which is what bounds the throughput of one busy workflow.
CREATE FUNCTION flowdeck_take_slot(p_id UUID, p_tenant UUID, p_workflow UUID, p_key TEXT, p_created TIMESTAMPTZ,
                                   p_group_limit INT, p_limit INT, p_holding TEXT[], p_now TIMESTAMPTZ)
RETURNS TABLE (out_outcome TEXT, out_promote BOOLEAN, out_started_at TIMESTAMPTZ) LANGUAGE plpgsql AS $$
DECLARE
  holders_all INT := 0;
  holders_key INT;
  ahead INT := 0;
  changed INT;
  started TIMESTAMPTZ;
BEGIN
  -- A key's line is decided under the key's lock alone ('' = the whole workflow: its own lock);
  -- only a run whose key has room also takes the workflow's lock, for the workflow-wide count.
  PERFORM pg_advisory_xact_lock(hashtextextended('concurrency:' || p_workflow || ':' || p_key, 0));
  SELECT count(*) INTO holders_key FROM "WorkflowExecution"
   WHERE "workflowId" = p_workflow AND status = ANY(p_holding::"ExecutionStatus"[]) AND "concurrencyKey" = p_key;
  IF holders_key < p_group_limit THEN
    -- Older runs of the key still in line, counted only as far as the free slots go.
    SELECT count(*) INTO ahead FROM (
      SELECT 1 FROM "WorkflowExecution"
       WHERE "workflowId" = p_workflow AND status = 'PENDING' AND "concurrencyKey" = p_key
         AND "cancelRequestedAt" IS NULL AND ("createdAt", id) < (p_created, p_id)
       LIMIT p_group_limit - holders_key) line;
    IF holders_key + ahead < p_group_limit THEN
      IF p_key <> '' THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('concurrency:' || p_workflow, 0));
        SELECT count(*) INTO holders_all FROM "WorkflowExecution"
         WHERE "workflowId" = p_workflow AND status = ANY(p_holding::"ExecutionStatus"[]) AND "concurrencyKey" IS NOT NULL;
      ELSE
        holders_all := holders_key;
      END IF;
      IF holders_all < p_limit THEN
        -- It starts now, after the run it may have waited for finished.
        started := clock_timestamp();
        UPDATE "WorkflowExecution" SET status = 'RUNNING', attempts = attempts + 1, "parkedAt" = NULL, "updatedAt" = now(),
               "startedAt" = COALESCE("startedAt", started),
               "driftMs" = CASE WHEN "scheduledFor" IS NULL THEN NULL
                           ELSE round(extract(epoch FROM COALESCE("startedAt", started) - "scheduledFor") * 1000)::int END
         WHERE id = p_id AND "tenantId" = p_tenant AND status = 'PENDING' AND "cancelRequestedAt" IS NULL
        RETURNING "startedAt" INTO started;
        GET DIAGNOSTICS changed = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN changed = 1 THEN 'TAKEN' ELSE 'GONE' END, false, started;
        RETURN;
      END IF;
    END IF;
  END IF;
  UPDATE "WorkflowExecution" SET "parkedAt" = p_now WHERE id = p_id AND "tenantId" = p_tenant AND status = 'PENDING' AND "cancelRequestedAt" IS NULL;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN QUERY SELECT CASE WHEN changed = 1 THEN 'PARKED' ELSE 'GONE' END,
                      holders_key < p_group_limit AND holders_all < p_limit AND ahead > 0, NULL::TIMESTAMPTZ;
END $$;

-- The parked runs that may start now: per key the oldest in line up to its free slots, then the
-- oldest of those up to the workflow's free slots. p_key narrows it to one key's line unless the
-- workflow is (or just was) at its limit; NULL looks at every key.
CREATE FUNCTION flowdeck_promote_waiting(p_tenant UUID, p_workflow UUID, p_key TEXT, p_limit INT, p_key_limit INT, p_holding TEXT[])
RETURNS TABLE (out_id UUID, out_parked_at TIMESTAMPTZ, out_trigger TEXT) LANGUAGE plpgsql AS $$
DECLARE
  held INT;
  lines TEXT[];
BEGIN
  -- The key's lock serialises this with the key's takers (a run parking in this line is seen, or
  -- sees the slot free); the workflow's lock, with every taker that got past its key's line.
  IF p_key IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('concurrency:' || p_workflow || ':' || p_key, 0));
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('concurrency:' || p_workflow, 0));
  SELECT count(*) INTO held FROM "WorkflowExecution"
   WHERE "workflowId" = p_workflow AND "tenantId" = p_tenant AND status = ANY(p_holding::"ExecutionStatus"[]) AND "concurrencyKey" IS NOT NULL;
  IF held >= p_limit THEN
    RETURN;
  END IF;
  -- Only the key that freed a slot, unless the workflow limit may have held up other keys.
  IF p_key IS NOT NULL AND held < p_limit - 1 THEN
    lines := ARRAY[p_key];
  ELSE
    SELECT array_agg(DISTINCT e."concurrencyKey") INTO lines FROM "WorkflowExecution" e
     WHERE e."workflowId" = p_workflow AND e."parkedAt" IS NOT NULL AND e.status = 'PENDING';
  END IF;
  IF lines IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    WITH holders AS (
      SELECT e."concurrencyKey" AS k, count(*)::int AS n FROM "WorkflowExecution" e
       WHERE e."workflowId" = p_workflow AND e.status = ANY(p_holding::"ExecutionStatus"[]) AND e."concurrencyKey" = ANY(lines)
       GROUP BY 1
    ), firsts AS (
      SELECT c.* FROM unnest(lines) AS l(k) LEFT JOIN holders h ON h.k = l.k
      CROSS JOIN LATERAL (
        SELECT e.id, e."createdAt", e."parkedAt", e.trigger::text AS trigger FROM "WorkflowExecution" e
         WHERE e."workflowId" = p_workflow AND e.status = 'PENDING' AND e."concurrencyKey" = l.k AND e."cancelRequestedAt" IS NULL
         ORDER BY e."createdAt", e.id
         LIMIT GREATEST(0, (CASE WHEN l.k = '' THEN p_limit ELSE p_key_limit END) - COALESCE(h.n, 0))
      ) c
    ), starting AS (
      SELECT f.* FROM firsts f ORDER BY f."createdAt", f.id LIMIT GREATEST(0, p_limit - held)
    )
    SELECT s.id, s."parkedAt", s.trigger FROM starting s WHERE s."parkedAt" IS NOT NULL;
END $$;
