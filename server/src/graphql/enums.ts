import { AlertDeliveryStatus, AlertEvent, ApiKeyRole, BulkOperationKind, BulkOperationStatus, CatchUpPolicy, ExecutionStatus, IntegrationKind, LogLevel, MaintenanceStatus, OverlapPolicy, StepStatus, TriggerKind } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

/** Descriptions of every value of a Prisma enum (schema.graphql documents everything); a missing one does not compile. */
function described<T extends Record<string, string>>(_values: T, meanings: { [K in keyof T]: string }) {
  return Object.fromEntries(Object.entries(meanings).map(([k, description]) => [k, { description }])) as { [K in keyof T]: { description: string } };
}

export const ApiKeyRoleEnum = builder.enumType(ApiKeyRole, { name: 'ApiKeyRole', description: 'VIEWER reads; OPERATOR also triggers and cancels runs; ADMIN also manages workflows, integrations and keys.', values: described(ApiKeyRole, {
  VIEWER: 'Reads everything of its tenant.',
  OPERATOR: 'A VIEWER that also triggers, cancels and retries runs.',
  ADMIN: 'An OPERATOR that also manages workflows, integrations, alert destinations and API keys.',
}) });
export const CatchUpPolicyEnum = builder.enumType(CatchUpPolicy, { name: 'CatchUpPolicy', description: 'What happens to slots missed while nothing was running.', values: described(CatchUpPolicy, {
  NONE: 'Missed slots are skipped; the schedule resumes with the next slot.',
  LATEST: 'The most recent missed slot runs once; older ones are skipped.',
}) });
export const ExecutionStatusEnum = builder.enumType(ExecutionStatus, { name: 'ExecutionStatus', description: 'Where a run is in its life: PENDING → RUNNING (⇄ WAITING) → COMPLETED, FAILED or CANCELLED.', values: described(ExecutionStatus, {
  PENDING: 'Created and queued; no worker has started it yet.',
  RUNNING: 'A worker is executing its steps.',
  COMPLETED: 'Every step succeeded.',
  FAILED: 'A step failed (runs are fail-fast); see error.',
  CANCELLED: 'Stopped on request at a safe point.',
  WAITING: 'Parked at a wait.approval or wait.event step until it is decided, its event arrives or it times out; no worker holds it.',
}) });
export const IntegrationKindEnum = builder.enumType(IntegrationKind, { name: 'IntegrationKind', description: 'The outside system an integration connects to.', values: described(IntegrationKind, {
  CGB_WHATSAPP: 'ChatGPT Builder, for WhatsApp messages (credentials: {token}).',
  META_ADS: 'Meta Marketing API, for ads insights (credentials: {accessToken}).',
  PANCAKE_POS: 'Pancake POS, for orders (credentials: {apiKey}).',
  SUPABASE_STORAGE: 'Supabase Storage, for generated documents.',
}) });
export const LogLevelEnum = builder.enumType(LogLevel, { name: 'LogLevel', description: 'Severity of a log line.', values: described(LogLevel, {
  DEBUG: 'Detail for troubleshooting.',
  INFO: 'Normal progress.',
  WARN: 'Something unusual that did not stop the run.',
  ERROR: 'A failure.',
}) });
export const OverlapPolicyEnum = builder.enumType(OverlapPolicy, { name: 'OverlapPolicy', description: 'What a schedule does when the previous run of the same workflow is still going.', values: described(OverlapPolicy, {
  SKIP: 'The new slot is skipped.',
  QUEUE: 'The new run waits until the previous one ends.',
  ALLOW: 'The new run starts alongside the previous one.',
}) });
export const StepStatusEnum = builder.enumType(StepStatus, { name: 'StepStatus', description: 'Where one step of a run is.', values: described(StepStatus, {
  PENDING: 'Not started yet.',
  RUNNING: 'Executing (possibly a retry attempt).',
  COMPLETED: 'Succeeded.',
  FAILED: 'Failed after its retries; the run fails with it.',
  SKIPPED: 'Not executed because an earlier step failed or the run was cancelled.',
  CANCELLED: 'Stopped by a cancel request.',
  WAITING: 'A wait step waiting for its approval or event (see StepRun.wait).',
}) });
export const TriggerKindEnum = builder.enumType(TriggerKind, { name: 'TriggerKind', description: 'What started a run.', values: described(TriggerKind, {
  MANUAL: 'A person, from the dashboard.',
  SCHEDULE: "The workflow's cron schedule.",
  API: 'triggerWorkflow through the API.',
  WEBHOOK: 'A signed request to one of its webhook triggers (POST /hooks/<token>); the payload is the input.',
  EVENT: 'An event its event trigger matched (sendEvent or POST /events); the payload is the input.',
}) });
export const AlertEventEnum = builder.enumType(AlertEvent, { name: 'AlertEvent', description: 'What an alert destination can be told about.', values: described(AlertEvent, {
  RUN_FAILED: 'A run ended FAILED.',
  SLOT_MISSED: 'A scheduled slot was not run (missed beyond SCHEDULE_MISFIRE_GRACE_MS).',
  DRIFT_EXCEEDED: 'A scheduled run started later than SCHEDULE_DRIFT_WARN_MS after its slot.',
  MAINTENANCE_FAILED: 'A housekeeping task (sweeper, log maintenance) failed.',
  APPROVAL_WAITING: 'An approval has waited longer than APPROVAL_ALERT_AFTER_MS (once per approval).',
}) });
export const AlertDeliveryStatusEnum = builder.enumType(AlertDeliveryStatus, { name: 'AlertDeliveryStatus', description: 'Whether an alert reached its destination.', values: described(AlertDeliveryStatus, {
  PENDING: 'Not delivered yet; retries continue.',
  DELIVERED: 'The destination answered 2xx.',
  FAILED: 'Every attempt failed; see lastError.',
}) });
export const BulkOperationKindEnum = builder.enumType(BulkOperationKind, { name: 'BulkOperationKind', description: 'CANCEL applies to PENDING, RUNNING and WAITING executions; RETRY to FAILED and CANCELLED ones.', values: described(BulkOperationKind, {
  CANCEL: 'Cancel every matching PENDING, RUNNING or WAITING execution.',
  RETRY: 'Retry every matching FAILED or CANCELLED execution, once each.',
}) });
export const BulkOperationStatusEnum = builder.enumType(BulkOperationStatus, { name: 'BulkOperationStatus', description: 'Where a background bulk operation is.', values: described(BulkOperationStatus, {
  PENDING: 'Accepted; not started yet.',
  RUNNING: 'Working through its executions in batches.',
  COMPLETED: 'Every matching execution was processed.',
  STOPPED: 'Stopped on request after a batch.',
  FAILED: 'Stopped by an error; the executions processed so far stay processed.',
}) });
export const MaintenanceRunStatusEnum = builder.enumType(MaintenanceStatus, { name: 'MaintenanceRunStatus', description: 'Outcome of one housekeeping run.', values: described(MaintenanceStatus, {
  RUNNING: 'Still going.',
  SUCCEEDED: 'Finished without error.',
  FAILED: 'Ended with an error.',
}) });
