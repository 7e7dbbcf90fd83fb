-- An event is dispatched (its matching workflows started, its matching waits resumed) right after
-- it is recorded, and dispatchedAt says that finished. The maintenance sweep dispatches again an
-- event left without it (the process died in between: server/src/triggers/redispatch-events.ts).
-- Starting a run is idempotent per (event, workflow) and resolving a wait is a conditional update,
-- so a second dispatch adds nothing twice. Events recorded before this column were dispatched.
ALTER TABLE "Event" ADD COLUMN "dispatchedAt" TIMESTAMPTZ(3);
UPDATE "Event" SET "dispatchedAt" = "createdAt";
-- Only the few undispatched rows, oldest first, for the sweep.
CREATE INDEX "Event_createdAt_idx" ON "Event" ("createdAt") WHERE "dispatchedAt" IS NULL;
