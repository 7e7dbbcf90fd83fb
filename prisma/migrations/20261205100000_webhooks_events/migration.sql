-- Issue 18, part A: inbound webhooks and events.
--
-- WebhookTrigger: a workflow's inbound URL (/hooks/<token>). The signing secrets are AES-256-GCM
-- ciphertext under ENCRYPTION_KEY (the server must compute HMACs, so a hash would not do); a
-- rotation keeps the previous secret valid until previousSecretExpiresAt.
-- Event: one per sendEvent / POST /events, idempotent per tenant by key.
-- WorkflowEventTrigger: the event triggers of each workflow's definition, indexed on every write
-- of the workflow so sendEvent finds the matching workflows with one index scan.

ALTER TYPE "TriggerKind" ADD VALUE IF NOT EXISTS 'WEBHOOK';
ALTER TYPE "TriggerKind" ADD VALUE IF NOT EXISTS 'EVENT';

CREATE TABLE "WebhookTrigger" (
  "id" UUID NOT NULL,
  "tenantId" UUID NOT NULL,
  "workflowId" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "token" TEXT NOT NULL,
  "secret" TEXT NOT NULL,
  "previousSecret" TEXT,
  "previousSecretExpiresAt" TIMESTAMPTZ(3),
  "payloadSchema" JSONB,
  "idempotencyKeyHeader" TEXT,
  "idempotencyKeyPath" TEXT,
  "rateLimitPerMinute" INTEGER NOT NULL DEFAULT 600,
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "WebhookTrigger_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "WebhookTrigger_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "WebhookTrigger_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "Workflow"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "WebhookTrigger_token_key" ON "WebhookTrigger"("token");
CREATE INDEX "WebhookTrigger_tenantId_workflowId_idx" ON "WebhookTrigger"("tenantId", "workflowId");

CREATE TABLE "Event" (
  "id" UUID NOT NULL,
  "tenantId" UUID NOT NULL,
  "name" TEXT NOT NULL,
  "payload" JSONB NOT NULL,
  "idempotencyKey" TEXT,
  "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "Event_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "Event_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "Event_tenantId_idempotencyKey_key" ON "Event"("tenantId", "idempotencyKey");
CREATE INDEX "Event_tenantId_createdAt_id_idx" ON "Event"("tenantId", "createdAt" DESC, "id" DESC);
CREATE INDEX "Event_tenantId_name_createdAt_id_idx" ON "Event"("tenantId", "name", "createdAt" DESC, "id" DESC);

CREATE TABLE "WorkflowEventTrigger" (
  "id" UUID NOT NULL,
  "tenantId" UUID NOT NULL,
  "workflowId" UUID NOT NULL,
  "eventName" TEXT NOT NULL,
  "filter" TEXT,
  CONSTRAINT "WorkflowEventTrigger_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "WorkflowEventTrigger_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "WorkflowEventTrigger_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "Workflow"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "WorkflowEventTrigger_tenantId_eventName_idx" ON "WorkflowEventTrigger"("tenantId", "eventName");
CREATE INDEX "WorkflowEventTrigger_workflowId_idx" ON "WorkflowEventTrigger"("workflowId");

ALTER TABLE "WorkflowExecution" ADD COLUMN "eventId" UUID;
ALTER TABLE "WorkflowExecution" ADD CONSTRAINT "WorkflowExecution_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "Event"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "WorkflowExecution_eventId_idx" ON "WorkflowExecution"("eventId");
