-- What a step run's current attempt has added to its execution's progress counters, so that a
-- retried or re-run step takes its earlier contribution back instead of counting it twice.
ALTER TABLE "StepRun" ADD COLUMN "progress" JSONB NOT NULL DEFAULT '{}';
