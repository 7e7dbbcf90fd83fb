-- A floor under how often a tenant's schedules may fire: a per-second cron ("* * * * * *") was
-- accepted for anyone and turns one workflow into 86,400 runs a day. Existing schedules are left
-- as they are; the floor applies when a schedule is written.
ALTER TABLE "Tenant" ADD COLUMN "minScheduleIntervalSeconds" INTEGER NOT NULL DEFAULT 60;
