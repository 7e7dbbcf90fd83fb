-- Rollups behind the stats queries (runStats, logVolume, schedulerLag): counts kept current by
-- statement-level triggers as rows are written, so a chart over 90 days reads a few thousand
-- rollup rows instead of a million runs or ten million log lines.
--
-- Two grains, both cut in the tenant's zone: 'h' = a local hour and 'd' = a local day, each keyed
-- by the instant it starts (in a DST fall-back the two 01:00 hours are two slots). A tenant's
-- zone is fixed when it is created (no mutation changes it); flowdeck_rebuild_rollups recomputes
-- a tenant's rows should it ever change.
--
-- Runs are counted in the slot of their createdAt, by current status (a status change moves one
-- count). Durations (finished runs per workflow, finished steps per type, schedule lag per
-- workflow) are kept as log-scale histograms: bin = floor(8 * log2(ms)), so a percentile read
-- back is within ±4.4 % of the exact one. A chart of p95 per workflow per bucket would have to
-- read every bin of every (slot, workflow) — nearly one row per run at the hour grain — so each
-- RunRollup row also keeps the p95 bin of its own runs (p95Bin), recomputed for the keys a
-- statement touched. Schedule lag is also kept for all workflows together (subject '*'), for
-- per-bucket lag percentiles.
--
-- Why statement-level triggers: the run worker finishes runs in batches (one UPDATE for many
-- runs). A row-level trigger upserts rollup rows in the batch's row order, and two workers doing
-- that to overlapping rows deadlock. Here each statement aggregates its transition table and
-- upserts in key order, once per key.

CREATE TABLE "RunRollup" (
  "tenantId" UUID NOT NULL,
  "grain" TEXT NOT NULL,
  "slot" TIMESTAMPTZ(3) NOT NULL,
  "workflowId" UUID NOT NULL,
  "pending" INTEGER NOT NULL DEFAULT 0,
  "running" INTEGER NOT NULL DEFAULT 0,
  "completed" INTEGER NOT NULL DEFAULT 0,
  "failed" INTEGER NOT NULL DEFAULT 0,
  "cancelled" INTEGER NOT NULL DEFAULT 0,
  "p95Bin" INTEGER,
  CONSTRAINT "RunRollup_pkey" PRIMARY KEY ("tenantId", "grain", "slot", "workflowId"),
  CONSTRAINT "RunRollup_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- kind: 'w' run duration per workflow, 's' step duration per step type, 'l' schedule lag (slot →
-- start) per workflow. subject: the workflow id or the step type ('*' for lag: all workflows).
CREATE TABLE "DurationRollup" (
  "tenantId" UUID NOT NULL,
  "grain" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "slot" TIMESTAMPTZ(3) NOT NULL,
  "subject" TEXT NOT NULL,
  "bin" INTEGER NOT NULL,
  "n" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "DurationRollup_pkey" PRIMARY KEY ("tenantId", "grain", "kind", "slot", "subject", "bin"),
  CONSTRAINT "DurationRollup_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- workflowId: the zero uuid for lines of no workflow.
CREATE TABLE "LogRollup" (
  "tenantId" UUID NOT NULL,
  "grain" TEXT NOT NULL,
  "slot" TIMESTAMPTZ(3) NOT NULL,
  "workflowId" UUID NOT NULL,
  "level" "LogLevel" NOT NULL,
  "n" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "LogRollup_pkey" PRIMARY KEY ("tenantId", "grain", "slot", "workflowId", "level"),
  CONSTRAINT "LogRollup_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- The instant the local hour holding ts began: ts less its local minutes and seconds.
CREATE FUNCTION flowdeck_hour_slot(ts TIMESTAMPTZ, tz TEXT) RETURNS TIMESTAMPTZ
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT ts - ((ts AT TIME ZONE tz) - date_trunc('hour', ts AT TIME ZONE tz)) $$;

CREATE FUNCTION flowdeck_day_slot(ts TIMESTAMPTZ, tz TEXT) RETURNS TIMESTAMPTZ
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT date_trunc('day', ts AT TIME ZONE tz) AT TIME ZONE tz $$;

CREATE FUNCTION flowdeck_duration_bin(ms DOUBLE PRECISION) RETURNS INTEGER
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT floor(8 * ln(greatest(ms, 1)) / ln(2))::integer $$;

-- Applies run count changes: one element per (run, status) change, d = +1 or -1.
CREATE FUNCTION flowdeck_apply_run_deltas(tenants UUID[], workflows UUID[], created TIMESTAMPTZ[], statuses TEXT[], deltas INTEGER[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(tenants), 0) = 0 THEN RETURN; END IF;
  INSERT INTO "RunRollup" AS r ("tenantId", "grain", "slot", "workflowId", "pending", "running", "completed", "failed", "cancelled")
  SELECT c.tenant, g.grain,
         CASE g.grain WHEN 'h' THEN flowdeck_hour_slot(c.created, t."timezone") ELSE flowdeck_day_slot(c.created, t."timezone") END AS slot,
         c.workflow,
         coalesce(sum(c.d) FILTER (WHERE c.status = 'PENDING'), 0), coalesce(sum(c.d) FILTER (WHERE c.status = 'RUNNING'), 0),
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

-- Applies histogram changes of one kind: one element per measured run or step, d = +1 or -1.
CREATE FUNCTION flowdeck_apply_duration_deltas(k TEXT, tenants UUID[], subjects TEXT[], created TIMESTAMPTZ[], ms DOUBLE PRECISION[], deltas INTEGER[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(tenants), 0) = 0 THEN RETURN; END IF;
  INSERT INTO "DurationRollup" AS r ("tenantId", "grain", "kind", "slot", "subject", "bin", "n")
  SELECT c.tenant, g.grain, k,
         CASE g.grain WHEN 'h' THEN flowdeck_hour_slot(c.created, t."timezone") ELSE flowdeck_day_slot(c.created, t."timezone") END AS slot,
         c.subject, flowdeck_duration_bin(c.ms) AS bin, sum(c.d)
  FROM unnest(tenants, subjects, created, ms, deltas) AS c(tenant, subject, created, ms, d)
  JOIN "Tenant" t ON t."id" = c.tenant
  CROSS JOIN (VALUES ('h'), ('d')) AS g(grain)
  GROUP BY 1, 2, 3, 4, 5, 6
  ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT ("tenantId", "grain", "kind", "slot", "subject", "bin") DO UPDATE SET "n" = r."n" + EXCLUDED."n";
END $$;

CREATE FUNCTION flowdeck_apply_log_deltas(tenants UUID[], workflows UUID[], created TIMESTAMPTZ[], levels "LogLevel"[], deltas INTEGER[])
  RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(tenants), 0) = 0 THEN RETURN; END IF;
  INSERT INTO "LogRollup" AS r ("tenantId", "grain", "slot", "workflowId", "level", "n")
  SELECT c.tenant, g.grain,
         CASE g.grain WHEN 'h' THEN flowdeck_hour_slot(c.created, t."timezone") ELSE flowdeck_day_slot(c.created, t."timezone") END AS slot,
         coalesce(c.workflow, '00000000-0000-0000-0000-000000000000'), c.level, sum(c.d)
  FROM unnest(tenants, workflows, created, levels, deltas) AS c(tenant, workflow, created, level, d)
  JOIN "Tenant" t ON t."id" = c.tenant
  CROSS JOIN (VALUES ('h'), ('d')) AS g(grain)
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT ("tenantId", "grain", "slot", "workflowId", "level") DO UPDATE SET "n" = r."n" + EXCLUDED."n";
END $$;

-- Runs: the trigger functions below hand the changed rows, as (+1 new, -1 old) elements, to this
-- one. A duration counts once a run is COMPLETED or FAILED with both times (cancelled runs
-- stopped early and would drag the percentiles down); lag counts once driftMs is set.
CREATE FUNCTION flowdeck_apply_run_changes(tenants UUID[], workflows UUID[], created TIMESTAMPTZ[], statuses TEXT[],
                                           started TIMESTAMPTZ[], finished TIMESTAMPTZ[], drift INTEGER[], deltas INTEGER[])
  RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c_tenant UUID[]; c_wf UUID[]; c_created TIMESTAMPTZ[]; c_status TEXT[]; c_d INTEGER[];
  s_tenant UUID[]; s_subject TEXT[]; s_created TIMESTAMPTZ[]; s_ms DOUBLE PRECISION[]; s_d INTEGER[];
BEGIN
  IF coalesce(cardinality(tenants), 0) = 0 THEN RETURN; END IF;
  SELECT array_agg(c.tenant), array_agg(c.wf), array_agg(c.created), array_agg(c.status), array_agg(c.d)
    INTO c_tenant, c_wf, c_created, c_status, c_d
    FROM unnest(tenants, workflows, created, statuses, deltas) AS c(tenant, wf, created, status, d);
  PERFORM flowdeck_apply_run_deltas(c_tenant, c_wf, c_created, c_status, c_d);

  SELECT coalesce(array_agg(c.tenant), '{}'), array_agg(c.wf::text), array_agg(c.created), array_agg(extract(epoch FROM c.fin - c.st) * 1000), array_agg(c.d)
    INTO s_tenant, s_subject, s_created, s_ms, s_d
    FROM unnest(tenants, workflows, created, statuses, started, finished, deltas) AS c(tenant, wf, created, status, st, fin, d)
   WHERE c.status IN ('COMPLETED', 'FAILED') AND c.st IS NOT NULL AND c.fin IS NOT NULL;
  PERFORM flowdeck_apply_duration_deltas('w', s_tenant, s_subject, s_created, s_ms, s_d);
  IF cardinality(s_tenant) > 0 THEN
    -- The p95 bin of each (slot, workflow) whose durations changed. Its RunRollup row was locked
    -- above by the same run's status change, so this takes no new lock.
    UPDATE "RunRollup" r SET "p95Bin" = (
        SELECT h.bin FROM (
          SELECT d.bin, sum(d.n) OVER (ORDER BY d.bin) AS cum, sum(d.n) OVER () AS total
          FROM "DurationRollup" d
          WHERE d."tenantId" = r."tenantId" AND d.grain = r.grain AND d.kind = 'w' AND d.slot = r.slot AND d.subject = r."workflowId"::text AND d.n <> 0
        ) h WHERE h.cum >= greatest(1, ceil(0.95 * h.total)) ORDER BY h.bin LIMIT 1)
      FROM (
        SELECT DISTINCT k.tenant, g.grain,
               CASE g.grain WHEN 'h' THEN flowdeck_hour_slot(k.created, t."timezone") ELSE flowdeck_day_slot(k.created, t."timezone") END AS slot, k.subject
        FROM unnest(s_tenant, s_subject, s_created) AS k(tenant, subject, created)
        JOIN "Tenant" t ON t."id" = k.tenant CROSS JOIN (VALUES ('h'), ('d')) AS g(grain)
      ) k
     WHERE r."tenantId" = k.tenant AND r.grain = k.grain AND r.slot = k.slot AND r."workflowId" = k.subject::uuid;
  END IF;

  -- Lag per workflow, and for all of them together ('*').
  SELECT coalesce(array_agg(c.tenant), '{}'), array_agg(c.subject), array_agg(c.created), array_agg(c.drift::double precision), array_agg(c.d)
    INTO s_tenant, s_subject, s_created, s_ms, s_d
    FROM unnest(tenants, workflows, created, drift, deltas) AS u(tenant, wf, created, drift, d)
    CROSS JOIN LATERAL (VALUES (u.tenant, u.wf::text, u.created, u.drift, u.d), (u.tenant, '*', u.created, u.drift, u.d)) AS c(tenant, subject, created, drift, d)
   WHERE c.drift IS NOT NULL;
  PERFORM flowdeck_apply_duration_deltas('l', s_tenant, s_subject, s_created, s_ms, s_d);
END $$;

CREATE FUNCTION flowdeck_rollup_runs_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_run_changes(array_agg("tenantId"), array_agg("workflowId"), array_agg("createdAt"), array_agg("status"::text),
                                     array_agg("startedAt"), array_agg("finishedAt"), array_agg("driftMs"), array_agg(1))
    FROM new_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION flowdeck_rollup_runs_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_run_changes(array_agg("tenantId"), array_agg("workflowId"), array_agg("createdAt"), array_agg("status"::text),
                                     array_agg("startedAt"), array_agg("finishedAt"), array_agg("driftMs"), array_agg(-1))
    FROM old_rows;
  RETURN NULL;
END $$;

-- Most updates (progress counters, step bookkeeping) change nothing counted: only rows whose
-- status, times or drift changed are passed on, as the old values taken out and the new put in.
CREATE FUNCTION flowdeck_rollup_runs_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_run_changes(array_agg(x.tenant), array_agg(x.wf), array_agg(x.created), array_agg(x.status),
                                     array_agg(x.st), array_agg(x.fin), array_agg(x.drift), array_agg(x.d))
    FROM (
      SELECT o."tenantId" AS tenant, o."workflowId" AS wf, o."createdAt" AS created, o."status"::text AS status,
             o."startedAt" AS st, o."finishedAt" AS fin, o."driftMs" AS drift, -1 AS d, o."id"
        FROM old_rows o JOIN new_rows n ON n."id" = o."id"
       WHERE (o."status", o."startedAt", o."finishedAt", o."driftMs", o."createdAt", o."workflowId")
             IS DISTINCT FROM (n."status", n."startedAt", n."finishedAt", n."driftMs", n."createdAt", n."workflowId")
      UNION ALL
      SELECT n."tenantId", n."workflowId", n."createdAt", n."status"::text, n."startedAt", n."finishedAt", n."driftMs", 1, n."id"
        FROM old_rows o JOIN new_rows n ON n."id" = o."id"
       WHERE (o."status", o."startedAt", o."finishedAt", o."driftMs", o."createdAt", o."workflowId")
             IS DISTINCT FROM (n."status", n."startedAt", n."finishedAt", n."driftMs", n."createdAt", n."workflowId")
    ) x;
  RETURN NULL;
END $$;

CREATE TRIGGER "WorkflowExecution_rollup_insert" AFTER INSERT ON "WorkflowExecution"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_runs_insert();
CREATE TRIGGER "WorkflowExecution_rollup_update" AFTER UPDATE ON "WorkflowExecution"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_runs_update();
CREATE TRIGGER "WorkflowExecution_rollup_delete" AFTER DELETE ON "WorkflowExecution"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_runs_delete();

-- Steps: a finished step (COMPLETED or FAILED, both times known) counts in its type's histogram.
CREATE FUNCTION flowdeck_apply_step_changes(tenants UUID[], types TEXT[], created TIMESTAMPTZ[], statuses TEXT[],
                                            started TIMESTAMPTZ[], finished TIMESTAMPTZ[], deltas INTEGER[])
  RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s_tenant UUID[]; s_subject TEXT[]; s_created TIMESTAMPTZ[]; s_ms DOUBLE PRECISION[]; s_d INTEGER[];
BEGIN
  IF coalesce(cardinality(tenants), 0) = 0 THEN RETURN; END IF;
  SELECT coalesce(array_agg(c.tenant), '{}'), array_agg(c.type), array_agg(c.created), array_agg(extract(epoch FROM c.fin - c.st) * 1000), array_agg(c.d)
    INTO s_tenant, s_subject, s_created, s_ms, s_d
    FROM unnest(tenants, types, created, statuses, started, finished, deltas) AS c(tenant, type, created, status, st, fin, d)
   WHERE c.status IN ('COMPLETED', 'FAILED') AND c.st IS NOT NULL AND c.fin IS NOT NULL;
  PERFORM flowdeck_apply_duration_deltas('s', s_tenant, s_subject, s_created, s_ms, s_d);
END $$;

CREATE FUNCTION flowdeck_rollup_steps_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_step_changes(array_agg("tenantId"), array_agg("type"), array_agg("createdAt"), array_agg("status"::text),
                                      array_agg("startedAt"), array_agg("finishedAt"), array_agg(1))
    FROM new_rows WHERE "status" IN ('COMPLETED', 'FAILED');
  RETURN NULL;
END $$;

CREATE FUNCTION flowdeck_rollup_steps_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_step_changes(array_agg("tenantId"), array_agg("type"), array_agg("createdAt"), array_agg("status"::text),
                                      array_agg("startedAt"), array_agg("finishedAt"), array_agg(-1))
    FROM old_rows WHERE "status" IN ('COMPLETED', 'FAILED');
  RETURN NULL;
END $$;

CREATE FUNCTION flowdeck_rollup_steps_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_step_changes(array_agg(x.tenant), array_agg(x.type), array_agg(x.created), array_agg(x.status),
                                      array_agg(x.st), array_agg(x.fin), array_agg(x.d))
    FROM (
      SELECT o."tenantId" AS tenant, o."type" AS type, o."createdAt" AS created, o."status"::text AS status,
             o."startedAt" AS st, o."finishedAt" AS fin, -1 AS d
        FROM old_rows o JOIN new_rows n ON n."id" = o."id"
       WHERE (o."status", o."startedAt", o."finishedAt", o."type", o."createdAt") IS DISTINCT FROM (n."status", n."startedAt", n."finishedAt", n."type", n."createdAt")
      UNION ALL
      SELECT n."tenantId", n."type", n."createdAt", n."status"::text, n."startedAt", n."finishedAt", 1
        FROM old_rows o JOIN new_rows n ON n."id" = o."id"
       WHERE (o."status", o."startedAt", o."finishedAt", o."type", o."createdAt") IS DISTINCT FROM (n."status", n."startedAt", n."finishedAt", n."type", n."createdAt")
    ) x WHERE x.status IN ('COMPLETED', 'FAILED');
  RETURN NULL;
END $$;

CREATE TRIGGER "StepRun_rollup_insert" AFTER INSERT ON "StepRun"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_steps_insert();
CREATE TRIGGER "StepRun_rollup_update" AFTER UPDATE ON "StepRun"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_steps_update();
CREATE TRIGGER "StepRun_rollup_delete" AFTER DELETE ON "StepRun"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_steps_delete();

-- Log lines: counted per level and workflow as they are written and as retention deletes them.
-- (Whole partitions dropped past the longest retention fire no trigger; retention deletes their
-- rollup rows itself.)
CREATE FUNCTION flowdeck_rollup_logs_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_log_deltas(coalesce(array_agg("tenantId"), '{}'), array_agg("workflowId"), array_agg("createdAt"), array_agg("level"), array_agg(1))
    FROM new_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION flowdeck_rollup_logs_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM flowdeck_apply_log_deltas(coalesce(array_agg("tenantId"), '{}'), array_agg("workflowId"), array_agg("createdAt"), array_agg("level"), array_agg(-1))
    FROM old_rows;
  RETURN NULL;
END $$;

CREATE TRIGGER "LogEntry_rollup_insert" AFTER INSERT ON "LogEntry"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_logs_insert();
CREATE TRIGGER "LogEntry_rollup_delete" AFTER DELETE ON "LogEntry"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION flowdeck_rollup_logs_delete();

-- Recomputes one tenant's rollups from its rows (the backfill below, a changed zone, a repair).
CREATE FUNCTION flowdeck_rebuild_rollups(tenant UUID) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "RunRollup" WHERE "tenantId" = tenant;
  DELETE FROM "DurationRollup" WHERE "tenantId" = tenant;
  DELETE FROM "LogRollup" WHERE "tenantId" = tenant;
  PERFORM flowdeck_apply_run_changes(array_agg("tenantId"), array_agg("workflowId"), array_agg("createdAt"), array_agg("status"::text),
                                     array_agg("startedAt"), array_agg("finishedAt"), array_agg("driftMs"), array_agg(1))
    FROM "WorkflowExecution" WHERE "tenantId" = tenant;
  PERFORM flowdeck_apply_step_changes(array_agg("tenantId"), array_agg("type"), array_agg("createdAt"), array_agg("status"::text),
                                      array_agg("startedAt"), array_agg("finishedAt"), array_agg(1))
    FROM "StepRun" WHERE "tenantId" = tenant AND "status" IN ('COMPLETED', 'FAILED');
  PERFORM flowdeck_apply_log_deltas(coalesce(array_agg("tenantId"), '{}'), array_agg("workflowId"), array_agg("createdAt"), array_agg("level"), array_agg(1))
    FROM "LogEntry" WHERE "tenantId" = tenant;
END $$;

SELECT flowdeck_rebuild_rollups("id") FROM "Tenant";
