-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('ADMIN', 'OPERATOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "IntegrationKind" AS ENUM ('CGB_WHATSAPP', 'META_ADS', 'PANCAKE_POS', 'SUPABASE_STORAGE');

-- CreateEnum
CREATE TYPE "ExecutionStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "TriggerKind" AS ENUM ('MANUAL', 'SCHEDULE', 'API');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'SKIPPED');

-- CreateEnum
CREATE TYPE "LogLevel" AS ENUM ('DEBUG', 'INFO', 'WARN', 'ERROR');

-- CreateEnum
CREATE TYPE "OverlapPolicy" AS ENUM ('SKIP', 'QUEUE', 'ALLOW');

-- CreateEnum
CREATE TYPE "CatchUpPolicy" AS ENUM ('NONE', 'LATEST');

-- CreateEnum
CREATE TYPE "OutboundStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- CreateEnum
CREATE TYPE "MaintenanceStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "Tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'Asia/Manila',
    "defaultCountry" TEXT NOT NULL DEFAULT 'PH',
    "logRetention" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "lastUsedAt" TIMESTAMPTZ(3),
    "expiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Integration" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "kind" "IntegrationKind" NOT NULL,
    "name" TEXT NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "credentials" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Integration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Workflow" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "definition" JSONB NOT NULL,
    "schedule" TEXT,
    "timezone" TEXT,
    "overlapPolicy" "OverlapPolicy" NOT NULL DEFAULT 'SKIP',
    "catchUpPolicy" "CatchUpPolicy" NOT NULL DEFAULT 'NONE',
    "version" INTEGER NOT NULL DEFAULT 1,
    "lastSlotAt" TIMESTAMPTZ(3),
    "missedSlots" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "deletedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Workflow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkflowExecution" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "workflowId" UUID NOT NULL,
    "workflowVersion" INTEGER NOT NULL,
    "status" "ExecutionStatus" NOT NULL DEFAULT 'PENDING',
    "trigger" "TriggerKind" NOT NULL,
    "scheduledFor" TIMESTAMPTZ(3),
    "driftMs" INTEGER,
    "dateRange" JSONB,
    "rangeStart" DATE,
    "rangeEnd" DATE,
    "input" JSONB NOT NULL DEFAULT '{}',
    "stepsTotal" INTEGER NOT NULL DEFAULT 0,
    "stepsCompleted" INTEGER NOT NULL DEFAULT 0,
    "progress" JSONB NOT NULL DEFAULT '{}',
    "output" JSONB,
    "error" JSONB,
    "cancelRequestedAt" TIMESTAMPTZ(3),
    "idempotencyKey" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retryOfId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkflowExecution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StepRun" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "executionId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "name" TEXT,
    "type" TEXT NOT NULL,
    "status" "StepStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "output" JSONB,
    "error" JSONB,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StepRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
-- LogEntry is range-partitioned by day on "createdAt" (not expressible in schema.prisma).
-- Daily partitions are named LogEntry_pYYYYMMDD; the DEFAULT partition catches any row
-- outside the created range so an insert never fails, and maintenance keeps it empty.
CREATE TABLE "LogEntry" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "level" "LogLevel" NOT NULL,
    "message" TEXT NOT NULL,
    "metadata" JSONB,
    "workflowId" UUID,
    "executionId" UUID,
    "step" TEXT,
    "piiRedacted" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LogEntry_pkey" PRIMARY KEY ("createdAt","id")
) PARTITION BY RANGE ("createdAt");

CREATE TABLE "LogEntry_default" PARTITION OF "LogEntry" DEFAULT;

-- Creates the daily partitions covering [from_day, to_day] that do not exist yet; idempotent.
-- Day boundaries are UTC.
CREATE FUNCTION flowdeck_ensure_log_partitions(from_day DATE, to_day DATE) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
  d DATE := from_day;
  created INTEGER := 0;
  part TEXT;
BEGIN
  WHILE d <= to_day LOOP
    part := 'LogEntry_p' || to_char(d, 'YYYYMMDD');
    IF to_regclass(quote_ident(part)) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF "LogEntry" FOR VALUES FROM (%L) TO (%L)',
        part,
        (d::timestamp AT TIME ZONE 'UTC'),
        ((d + 1)::timestamp AT TIME ZONE 'UTC'));
      created := created + 1;
    END IF;
    d := d + 1;
  END LOOP;
  RETURN created;
END $$;

SELECT flowdeck_ensure_log_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 14);

-- CreateTable
CREATE TABLE "OutboundMessage" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "executionId" UUID,
    "step" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "provider" TEXT NOT NULL DEFAULT 'CGB',
    "channel" TEXT NOT NULL DEFAULT 'whatsapp',
    "recipient" TEXT NOT NULL,
    "contactId" TEXT,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "OutboundStatus" NOT NULL DEFAULT 'PENDING',
    "providerResponse" JSONB,
    "error" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "OutboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Document" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "executionId" UUID,
    "template" TEXT,
    "storageKey" TEXT NOT NULL,
    "storageDriver" TEXT NOT NULL,
    "contentType" TEXT NOT NULL DEFAULT 'application/pdf',
    "sizeBytes" INTEGER NOT NULL,
    "checksum" TEXT NOT NULL,
    "linkExpiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetaAdAccount" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "currency" TEXT,
    "timezoneName" TEXT,
    "accountStatus" INTEGER,
    "lastSyncedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MetaAdAccount_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MetaAdInsight" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "accountId" TEXT NOT NULL,
    "adId" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "adName" TEXT,
    "adsetId" TEXT,
    "adsetName" TEXT,
    "campaignId" TEXT,
    "campaignName" TEXT,
    "adStatus" TEXT,
    "marketingAssociate" TEXT,
    "spend" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "impressions" BIGINT NOT NULL DEFAULT 0,
    "clicks" BIGINT NOT NULL DEFAULT 0,
    "inlineLinkClicks" BIGINT NOT NULL DEFAULT 0,
    "leads" INTEGER NOT NULL DEFAULT 0,
    "actions" JSONB,
    "executionId" UUID,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MetaAdInsight_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PosStore" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "shopId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "currency" TEXT,
    "lastSyncedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PosStore_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PosOrder" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "status" TEXT,
    "orderedAt" TIMESTAMPTZ(3) NOT NULL,
    "localDate" DATE NOT NULL,
    "totalAmount" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "cogs" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "currency" TEXT,
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "items" JSONB,
    "adMapping" TEXT,
    "utmCampaign" TEXT,
    "utmContent" TEXT,
    "executionId" UUID,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PosOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProductCost" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "shopId" TEXT NOT NULL DEFAULT '*',
    "productId" TEXT NOT NULL,
    "unitCost" DECIMAL(18,4) NOT NULL,
    "currency" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ProductCost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MaintenanceRun" (
    "id" UUID NOT NULL,
    "task" TEXT NOT NULL,
    "status" "MaintenanceStatus" NOT NULL DEFAULT 'RUNNING',
    "dryRun" BOOLEAN NOT NULL DEFAULT false,
    "details" JSONB,
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "MaintenanceRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tenant_slug_key" ON "Tenant"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_tenantId_createdAt_id_idx" ON "ApiKey"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Integration_tenantId_createdAt_id_idx" ON "Integration"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "Integration_tenantId_kind_name_key" ON "Integration"("tenantId", "kind", "name");

-- CreateIndex
CREATE INDEX "Workflow_tenantId_createdAt_id_idx" ON "Workflow"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Workflow_enabled_schedule_idx" ON "Workflow"("enabled", "schedule");

-- CreateIndex
CREATE INDEX "WorkflowExecution_tenantId_createdAt_id_idx" ON "WorkflowExecution"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "WorkflowExecution_tenantId_workflowId_createdAt_id_idx" ON "WorkflowExecution"("tenantId", "workflowId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "WorkflowExecution_tenantId_status_createdAt_id_idx" ON "WorkflowExecution"("tenantId", "status", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "WorkflowExecution_status_createdAt_idx" ON "WorkflowExecution"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "WorkflowExecution_tenantId_idempotencyKey_key" ON "WorkflowExecution"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "StepRun_tenantId_idx" ON "StepRun"("tenantId");

-- CreateIndex
CREATE UNIQUE INDEX "StepRun_executionId_index_key" ON "StepRun"("executionId", "index");

-- CreateIndex
CREATE INDEX "LogEntry_tenantId_createdAt_id_idx" ON "LogEntry"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "LogEntry_tenantId_executionId_createdAt_id_idx" ON "LogEntry"("tenantId", "executionId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "LogEntry_tenantId_workflowId_createdAt_id_idx" ON "LogEntry"("tenantId", "workflowId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "LogEntry_tenantId_level_createdAt_id_idx" ON "LogEntry"("tenantId", "level", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "OutboundMessage_tenantId_createdAt_id_idx" ON "OutboundMessage"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMessage_tenantId_idempotencyKey_key" ON "OutboundMessage"("tenantId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Document_tenantId_createdAt_id_idx" ON "Document"("tenantId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "Document_tenantId_storageKey_key" ON "Document"("tenantId", "storageKey");

-- CreateIndex
CREATE UNIQUE INDEX "MetaAdAccount_tenantId_accountId_key" ON "MetaAdAccount"("tenantId", "accountId");

-- CreateIndex
CREATE INDEX "MetaAdInsight_tenantId_date_id_idx" ON "MetaAdInsight"("tenantId", "date" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "MetaAdInsight_tenantId_campaignId_date_idx" ON "MetaAdInsight"("tenantId", "campaignId", "date" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "MetaAdInsight_tenantId_accountId_adId_date_key" ON "MetaAdInsight"("tenantId", "accountId", "adId", "date");

-- CreateIndex
CREATE UNIQUE INDEX "PosStore_tenantId_shopId_key" ON "PosStore"("tenantId", "shopId");

-- CreateIndex
CREATE INDEX "PosOrder_tenantId_localDate_id_idx" ON "PosOrder"("tenantId", "localDate" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "PosOrder_tenantId_utmCampaign_localDate_idx" ON "PosOrder"("tenantId", "utmCampaign", "localDate" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "PosOrder_tenantId_shopId_orderId_key" ON "PosOrder"("tenantId", "shopId", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "ProductCost_tenantId_shopId_productId_key" ON "ProductCost"("tenantId", "shopId", "productId");

-- CreateIndex
CREATE INDEX "MaintenanceRun_task_startedAt_idx" ON "MaintenanceRun"("task", "startedAt" DESC);

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Integration" ADD CONSTRAINT "Integration_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Workflow" ADD CONSTRAINT "Workflow_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkflowExecution" ADD CONSTRAINT "WorkflowExecution_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkflowExecution" ADD CONSTRAINT "WorkflowExecution_workflowId_fkey" FOREIGN KEY ("workflowId") REFERENCES "Workflow"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepRun" ADD CONSTRAINT "StepRun_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepRun" ADD CONSTRAINT "StepRun_executionId_fkey" FOREIGN KEY ("executionId") REFERENCES "WorkflowExecution"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LogEntry" ADD CONSTRAINT "LogEntry_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundMessage" ADD CONSTRAINT "OutboundMessage_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Document" ADD CONSTRAINT "Document_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetaAdAccount" ADD CONSTRAINT "MetaAdAccount_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MetaAdInsight" ADD CONSTRAINT "MetaAdInsight_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PosStore" ADD CONSTRAINT "PosStore_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PosOrder" ADD CONSTRAINT "PosOrder_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProductCost" ADD CONSTRAINT "ProductCost_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
