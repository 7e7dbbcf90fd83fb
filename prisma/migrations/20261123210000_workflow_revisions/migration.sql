-- Every version of a workflow's definition, so that a run executes the definition it was
-- triggered with (WorkflowExecution.workflowVersion) even when the workflow is edited while the
-- run waits in the queue. A trigger records the revision on every write of Workflow.version or
-- .definition, whoever writes it (the API, the seed, an operator's SQL).
CREATE TABLE "WorkflowRevision" (
    "workflowId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "recordedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkflowRevision_pkey" PRIMARY KEY ("workflowId","version")
);

ALTER TABLE "WorkflowRevision" ADD CONSTRAINT "WorkflowRevision_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "Workflow"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A definition rewritten without a new version (only SQL does that) replaces the revision and
-- moves recordedAt, which keys the workers' validation cache.
CREATE FUNCTION flowdeck_record_workflow_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "WorkflowRevision" ("workflowId", "version", "definition")
  VALUES (NEW."id", NEW."version", NEW."definition")
  ON CONFLICT ("workflowId", "version") DO UPDATE
    SET "definition" = EXCLUDED."definition", "recordedAt" = clock_timestamp()
    WHERE "WorkflowRevision"."definition" IS DISTINCT FROM EXCLUDED."definition";
  RETURN NULL;
END $$;

CREATE TRIGGER "Workflow_record_revision" AFTER INSERT OR UPDATE OF "version", "definition" ON "Workflow"
  FOR EACH ROW EXECUTE FUNCTION flowdeck_record_workflow_revision();

INSERT INTO "WorkflowRevision" ("workflowId", "version", "definition")
SELECT "id", "version", "definition" FROM "Workflow";
