-- Concurrency by key alone (engine/concurrency.ts): a workflow's concurrency block may now have a
-- key without a workflow-wide `limit` (p_limit NULL). Then each key's line is decided under the
-- key's advisory lock alone — no workflow lock, no count of every slot held — so runs of different
-- keys never queue on one lock; with a limit, both functions behave as in
-- 20261205120000_concurrency_attempts. The stale sweep (p_key NULL) promotes key by key, each
-- under its own lock (a taker or promoter of one key holds that key's lock only: no lock cycle).

CREATE OR REPLACE FUNCTION flowdeck_take_slot(p_id UUID, p_tenant UUID, p_workflow UUID, p_key TEXT, p_created TIMESTAMPTZ,
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
      IF p_key = '' THEN
        holders_all := holders_key;
      ELSIF p_limit IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('concurrency:' || p_workflow, 0));
        SELECT count(*) INTO holders_all FROM "WorkflowExecution"
         WHERE "workflowId" = p_workflow AND status = ANY(p_holding::"ExecutionStatus"[]) AND "concurrencyKey" IS NOT NULL;
      END IF;
      -- No workflow-wide limit (keys only): the key's lock and count were all it needed.
      IF p_limit IS NULL OR holders_all < p_limit THEN
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
                      holders_key < p_group_limit AND (p_limit IS NULL OR holders_all < p_limit) AND ahead > 0, NULL::TIMESTAMPTZ;
END $$;

CREATE OR REPLACE FUNCTION flowdeck_promote_waiting(p_tenant UUID, p_workflow UUID, p_key TEXT, p_limit INT, p_key_limit INT, p_holding TEXT[])
RETURNS TABLE (out_id UUID, out_parked_at TIMESTAMPTZ, out_trigger TEXT) LANGUAGE plpgsql AS $$
DECLARE
  held INT;
  lines TEXT[];
  k TEXT;
BEGIN
  IF p_limit IS NULL THEN
    -- Keys only: each key's line is its own, decided under the key's lock alone.
    IF p_key IS NULL THEN
      FOR k IN SELECT DISTINCT e."concurrencyKey" FROM "WorkflowExecution" e
                WHERE e."workflowId" = p_workflow AND e."parkedAt" IS NOT NULL AND e.status = 'PENDING' LOOP
        RETURN QUERY SELECT * FROM flowdeck_promote_waiting(p_tenant, p_workflow, k, NULL, p_key_limit, p_holding);
      END LOOP;
      RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('concurrency:' || p_workflow || ':' || p_key, 0));
    RETURN QUERY
      SELECT c.id, c."parkedAt", c.trigger FROM (
        SELECT e.id, e."createdAt", e."parkedAt", e.trigger::text AS trigger FROM "WorkflowExecution" e
         WHERE e."workflowId" = p_workflow AND e.status = 'PENDING' AND e."concurrencyKey" = p_key AND e."cancelRequestedAt" IS NULL
         ORDER BY e."createdAt", e.id
         LIMIT GREATEST(0, p_key_limit - (SELECT count(*)::int FROM "WorkflowExecution" h
                                           WHERE h."workflowId" = p_workflow AND h.status = ANY(p_holding::"ExecutionStatus"[]) AND h."concurrencyKey" = p_key))
      ) c WHERE c."parkedAt" IS NOT NULL;
    RETURN;
  END IF;
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
