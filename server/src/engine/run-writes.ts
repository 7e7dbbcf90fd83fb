// The writes every run makes, each as one statement for all the runs that make it in the same
// turn of the event loop (batcher.ts): inserting triggered executions, claiming them when a
// worker picks them up, starting a step and completing it. Items travel as one JSON array
// (jsonb_to_recordset), so a batch is one parameter and one plan however many runs it carries.
// The planner cannot see into that array: EXPLAIN ANALYZE showed the claim joining it to a
// sequential scan of the whole executions table (7.9 ms at 20,000 rows, growing with the table).
// Every statement therefore also names its keys as `= ANY(array)`, which the primary (or unique)
// index answers.
// The rare paths (fail, cancel, re-runs after a crash) stay plain Prisma calls in their callers.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { ExecutionStatus, OverlapPolicy, TriggerKind } from '../generated/prisma/enums.ts';
import { Batcher, perOwner } from '../batcher.ts';
import { preparedQuery } from '../db.ts';

/** A PENDING execution as the trigger inserts it; the other columns take their defaults. */
export interface NewExecution {
  id: string;
  tenantId: string;
  workflowId: string;
  workflowVersion: number;
  trigger: TriggerKind;
  scheduledFor: Date | null;
  input: Record<string, unknown>;
  dateRange: unknown;
  /** YYYY-MM-DD in the tenant's zone. */
  rangeStart: string | null;
  rangeEnd: string | null;
  stepsTotal: number;
  retryOfId: string | null;
  createdAt: Date;
  /** A caller's idempotency key: the row is not inserted while another of the tenant holds it. */
  idempotencyKey?: string;
  /** The workflow revision the row was built from; the INSERT only happens while it is current. */
  revision: { updatedAt: Date; zone: string };
  /** Concurrency key (engine/concurrency.ts); null or absent: the workflow has no limit. */
  concurrencyKey?: string | null;
  /** Attempts (engine/resume.ts): 1 unless a retry; a retry from the failed step starts at resumeFromIndex. */
  attemptNumber?: number;
  resumeFromIndex?: number | null;
  /** The event that started the run (trigger EVENT), else null. */
  eventId: string | null;
}

/** An execution with what running it needs from its workflow and tenant. */
export interface LoadedExecution {
  id: string;
  tenantId: string;
  workflowId: string;
  status: ExecutionStatus;
  trigger: TriggerKind;
  scheduledFor: Date | null;
  startedAt: Date | null;
  cancelRequestedAt: Date | null;
  input: unknown;
  /** YYYY-MM-DD (read as text: node-postgres would turn a date into local midnight). */
  rangeStart: string | null;
  rangeEnd: string | null;
  stepsTotal: number;
  attempts: number;
  workflowVersion: number;
  /** The definition of that version as JSON text: parsed only when its revision is not cached yet. */
  definition: string;
  /** When that revision was recorded (keys the validation cache). */
  revisionAt: Date;
  overlapPolicy: OverlapPolicy;
  timezone: string;
  defaultCountry: string;
  /** Whether this claim marked it RUNNING (see claim()). */
  marked: boolean;
  /** Whether this claim also started the first step (a first attempt that it marked RUNNING). */
  firstStepStarted: boolean;
  /** Concurrency (engine/concurrency.ts): null when the run's workflow has no limit. */
  concurrencyKey: string | null;
  createdAt: Date;
  /** A retry from the failed step (engine/resume.ts): the index it starts at, and the run it retries. */
  resumeFromIndex: number | null;
  retryOfId: string | null;
}

export interface StepStart {
  id: string;
  tenantId: string;
  executionId: string;
  index: number;
  name: string | null;
  type: string;
  startedAt: Date;
}

export interface StepCompletion {
  tenantId: string;
  executionId: string;
  index: number;
  output: unknown;
  at: Date;
  /** Set on the last step: the run completes in the same statement, with this output. */
  runOutput?: unknown;
  /** On a first attempt, the next step starts (RUNNING) in the same statement. */
  next?: { id: string; name: string | null; type: string };
}

export interface StepCompleted {
  cancelRequested: boolean;
  status: ExecutionStatus | undefined;
}

/**
 * JSON for jsonb_to_recordset. Top-level nulls are left out: a missing key reads as SQL NULL,
 * while a JSON null would land in a jsonb column as the JSON value null. Nested values are kept as they are.
 */
function records(items: object[]): string {
  return JSON.stringify(items.map((item) => Object.fromEntries(Object.entries(item).filter(([, v]) => v !== null && v !== undefined))));
}

/**
 * Inserts each row whose workflow revision is still current: same updatedAt, enabled, not
 * deleted, same time zone, and whose idempotency key (if any) no execution of its tenant holds.
 * Returns per row whether it was inserted; the callers of a row that was not look up the key's
 * holder or read the workflow again (see triggerExecution, trigger-workflows.ts).
 */
async function insertExecutions(db: PrismaClient, rows: NewExecution[]): Promise<boolean[]> {
  const json = records(rows.map(({ revision, ...row }) => ({ ...row, workflowUpdatedAt: revision.updatedAt, zone: revision.zone })));
  const inserted = await preparedQuery<{ id: string }>(db, 'flowdeck_insert_executions', `
    INSERT INTO "WorkflowExecution" (id, "tenantId", "workflowId", "workflowVersion", trigger, "scheduledFor", input, "dateRange",
                                     "rangeStart", "rangeEnd", "stepsTotal", "retryOfId", "idempotencyKey", "createdAt", "updatedAt", "eventId",
                                     "concurrencyKey", "attemptNumber", "resumeFromIndex")
    SELECT r.id, r."tenantId", r."workflowId", r."workflowVersion", r.trigger::"TriggerKind", r."scheduledFor", r.input, r."dateRange",
           r."rangeStart", r."rangeEnd", r."stepsTotal", r."retryOfId", r."idempotencyKey", r."createdAt", r."createdAt", r."eventId",
           r."concurrencyKey", COALESCE(r."attemptNumber", 1), r."resumeFromIndex"
    FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "tenantId" uuid, "workflowId" uuid, "workflowVersion" int, trigger text,
      "scheduledFor" timestamptz, input jsonb, "dateRange" jsonb, "rangeStart" date, "rangeEnd" date, "stepsTotal" int,
      "retryOfId" uuid, "idempotencyKey" text, "createdAt" timestamptz, "workflowUpdatedAt" timestamptz, zone text, "eventId" uuid,
      "concurrencyKey" text, "attemptNumber" int, "resumeFromIndex" int)
    JOIN "Workflow" w ON w.id = r."workflowId" AND w."tenantId" = r."tenantId" AND w."updatedAt" = r."workflowUpdatedAt"
                     AND w.enabled AND w."deletedAt" IS NULL
    JOIN "Tenant" t ON t.id = r."tenantId" AND COALESCE(w.timezone, t.timezone) = r.zone
    WHERE w.id = ANY($2::uuid[]) AND t.id = ANY($3::uuid[])
    ON CONFLICT ("tenantId", "idempotencyKey") DO NOTHING
    RETURNING id`, [json, rows.map((r) => r.workflowId), rows.map((r) => r.tenantId)]);
  const ids = new Set(inserted.map((r) => r.id));
  return rows.map((r) => ids.has(r.id));
}

/**
 * Loads each execution with its workflow and tenant and marks it RUNNING, unless a cancel was
 * requested, it already finished, or it is a QUEUE-policy scheduled run that must first check
 * for a running predecessor (then `marked` is false). The definition is the revision the run was
 * triggered with. A first attempt that it marks also gets its first StepRun (RUNNING, id
 * `stepId`), read from that definition, so the common run needs no round trip of its own to
 * start its first step. Rows are locked in id order, so two claims that share executions cannot
 * deadlock. Unknown ids come back undefined.
 */
async function claimExecutions(db: PrismaClient, items: Claim[]): Promise<(LoadedExecution | undefined)[]> {
  const rows = await preparedQuery<LoadedExecution>(db, 'flowdeck_claim_executions', `
    WITH wanted AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(id uuid, at timestamptz, "stepId" uuid)
    ), old AS (
      SELECT e.id, e."tenantId", e."workflowId", e.status::text AS status, e.trigger::text AS trigger, e."scheduledFor",
             e."startedAt", e."cancelRequestedAt", e.input, e."rangeStart"::text AS "rangeStart", e."rangeEnd"::text AS "rangeEnd", e."stepsTotal", e.attempts,
             e."workflowVersion", COALESCE(r.definition, w.definition) AS definition, COALESCE(r."recordedAt", w."updatedAt") AS "revisionAt",
             w."overlapPolicy"::text AS "overlapPolicy",
             t.timezone, t."defaultCountry", wanted.at, wanted."stepId",
             e."concurrencyKey", e."createdAt", e."resumeFromIndex", e."retryOfId"
      FROM "WorkflowExecution" e
      JOIN wanted ON wanted.id = e.id
      JOIN "Workflow" w ON w.id = e."workflowId"
      JOIN "Tenant" t ON t.id = e."tenantId"
      -- The revision the run was triggered with; rows from before revisions existed use the current one.
      LEFT JOIN "WorkflowRevision" r ON r."workflowId" = e."workflowId" AND r.version = e."workflowVersion"
      WHERE e.id = ANY($2::uuid[])
      ORDER BY e.id
      FOR UPDATE OF e
    ), started AS (
      UPDATE "WorkflowExecution" x
      SET status = 'RUNNING', attempts = x.attempts + 1, "updatedAt" = now(),
          "startedAt" = COALESCE(old."startedAt", old.at),
          "driftMs" = CASE WHEN old."scheduledFor" IS NULL THEN NULL
                      ELSE round(extract(epoch FROM COALESCE(old."startedAt", old.at) - old."scheduledFor") * 1000)::int END
      FROM old
      WHERE x.id = old.id AND old.status IN ('PENDING', 'RUNNING') AND old."cancelRequestedAt" IS NULL
        AND NOT (old.status = 'PENDING' AND old.trigger = 'SCHEDULE' AND old."overlapPolicy" = 'QUEUE')
        -- A run of a limited workflow first takes a slot (engine/concurrency.ts).
        AND NOT (old.status = 'PENDING' AND old."concurrencyKey" IS NOT NULL)
      RETURNING x.id
    ), first AS (
      INSERT INTO "StepRun" (id, "tenantId", "executionId", index, name, type, status, attempts, "startedAt")
      SELECT old."stepId", old."tenantId", old.id, 0, old.definition->'steps'->0->>'name', old.definition->'steps'->0->>'type', 'RUNNING', 1, old.at
      FROM old JOIN started ON started.id = old.id
      WHERE old.attempts = 0 AND old.definition->'steps'->0->>'type' IS NOT NULL AND old."resumeFromIndex" IS NULL
      ON CONFLICT ("executionId", index) DO NOTHING
      RETURNING "executionId"
    )
    SELECT old.id, old."tenantId", old."workflowId", old.status, old.trigger, old."scheduledFor", old."startedAt", old."cancelRequestedAt",
           old.input, old."rangeStart", old."rangeEnd", old."stepsTotal", old.attempts, old."workflowVersion", old.definition::text AS definition, old."revisionAt", old."overlapPolicy", old.timezone, old."defaultCountry",
           old.id IN (SELECT id FROM started) AS marked, old.id IN (SELECT "executionId" FROM first) AS "firstStepStarted",
           old."concurrencyKey", old."createdAt", old."resumeFromIndex", old."retryOfId"
    FROM old`, [records(items), items.map((i) => i.id)]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((i) => byId.get(i.id));
}

async function startSteps(db: PrismaClient, steps: StepStart[]): Promise<void[]> {
  const inserted = await preparedQuery<{ id: string }>(db, 'flowdeck_start_steps', `
    INSERT INTO "StepRun" (id, "tenantId", "executionId", index, name, type, status, attempts, "startedAt")
    SELECT s.id, s."tenantId", s."executionId", s.index, s.name, s.type, 'RUNNING', 1, s."startedAt"
    FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, "tenantId" uuid, "executionId" uuid, index int, name text, type text, "startedAt" timestamptz)
    RETURNING id`, [records(steps)]);
  const n = inserted.length;
  if (n !== steps.length) throw new Error(`started ${n} of ${steps.length} steps`);
  return steps.map(() => undefined);
}

/**
 * Marks each step COMPLETED and counts it on its run; a completion with `runOutput` (the last
 * step) also completes the run, unless it was cancelled or failed meanwhile, and one with
 * `next` starts the next step.
 */
async function completeSteps(db: PrismaClient, items: StepCompletion[]): Promise<StepCompleted[]> {
  const json = records(
    items.map(({ next, runOutput, ...i }) => ({
      ...i,
      final: runOutput !== undefined,
      runOutput: runOutput ?? null,
      ...(next ? { nextId: next.id, nextName: next.name, nextType: next.type } : {}),
    })),
  );
  const ids = items.map((i) => i.executionId);
  const rows = await preparedQuery<{ id: string; cancelRequestedAt: Date | null; status: ExecutionStatus }>(db, 'flowdeck_complete_steps', `
    WITH done AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS i("tenantId" uuid, "executionId" uuid, index int, output jsonb, at timestamptz, final boolean, "runOutput" jsonb,
             "nextId" uuid, "nextName" text, "nextType" text)
    ), step AS (
      UPDATE "StepRun" s SET status = 'COMPLETED', output = i.output, "finishedAt" = i.at
      FROM done i WHERE s."executionId" = ANY($2::uuid[]) AND s."executionId" = i."executionId" AND s.index = i.index
    ), next AS (
      INSERT INTO "StepRun" (id, "tenantId", "executionId", index, name, type, status, attempts, "startedAt")
      SELECT i."nextId", i."tenantId", i."executionId", i.index + 1, i."nextName", i."nextType", 'RUNNING', 1, i.at
      FROM done i WHERE i."nextId" IS NOT NULL
      ON CONFLICT ("executionId", index) DO NOTHING
    )
    UPDATE "WorkflowExecution" e
    SET "stepsCompleted" = e."stepsCompleted" + 1, "updatedAt" = now(),
        status = CASE WHEN i.final AND e.status IN ('PENDING', 'RUNNING') THEN 'COMPLETED'::"ExecutionStatus" ELSE e.status END,
        "finishedAt" = CASE WHEN i.final AND e.status IN ('PENDING', 'RUNNING') THEN i.at ELSE e."finishedAt" END,
        output = CASE WHEN i.final AND e.status IN ('PENDING', 'RUNNING') THEN i."runOutput" ELSE e.output END
    FROM done i WHERE e.id = ANY($2::uuid[]) AND e.id = i."executionId"
    RETURNING e.id, e."cancelRequestedAt", e.status::text AS status`, [json, ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((i) => {
    const r = byId.get(i.executionId);
    return { cancelRequested: r?.cancelRequestedAt != null, status: r?.status };
  });
}

export interface Claim {
  id: string;
  at: Date;
  /** The id the first StepRun gets if this claim starts it. */
  stepId: string;
}

export interface RunWrites {
  /** false: the workflow revision the row was built from is no longer current; nothing was written. */
  insertExecution(row: NewExecution): Promise<boolean>;
  claim(item: Claim): Promise<LoadedExecution | undefined>;
  startStep(step: StepStart): Promise<void>;
  completeStep(item: StepCompletion): Promise<StepCompleted>;
}

/** The batched writes of one database client (batches never mix clients). */
export const runWrites = perOwner((db: PrismaClient): RunWrites => {
  const inserts = new Batcher((rows: NewExecution[]) => insertExecutions(db, rows));
  const claims = new Batcher((items: Claim[]) => claimExecutions(db, items));
  const starts = new Batcher((steps: StepStart[]) => startSteps(db, steps));
  const completions = new Batcher((items: StepCompletion[]) => completeSteps(db, items));
  return {
    insertExecution: (row) => inserts.add(row),
    claim: (item) => claims.add(item),
    startStep: (step) => starts.add(step),
    completeStep: (item) => completions.add(item),
  };
});
