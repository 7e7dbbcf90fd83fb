import { AlertDeliveryStatus, AlertEvent, ApiKeyRole, BulkOperationKind, BulkOperationStatus, CatchUpPolicy, ExecutionStatus, IntegrationKind, LogLevel, MaintenanceStatus, OverlapPolicy, StepStatus, TriggerKind } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

export const ApiKeyRoleEnum = builder.enumType(ApiKeyRole, { name: 'ApiKeyRole', description: 'VIEWER reads; OPERATOR also triggers and cancels runs; ADMIN also manages workflows, integrations and keys.' });
export const CatchUpPolicyEnum = builder.enumType(CatchUpPolicy, { name: 'CatchUpPolicy', description: 'What happens to slots missed while nothing was running.' });
export const ExecutionStatusEnum = builder.enumType(ExecutionStatus, { name: 'ExecutionStatus' });
export const IntegrationKindEnum = builder.enumType(IntegrationKind, { name: 'IntegrationKind' });
export const LogLevelEnum = builder.enumType(LogLevel, { name: 'LogLevel' });
export const OverlapPolicyEnum = builder.enumType(OverlapPolicy, { name: 'OverlapPolicy', description: 'What a schedule does when the previous run of the same workflow is still going.' });
export const StepStatusEnum = builder.enumType(StepStatus, { name: 'StepStatus' });
export const TriggerKindEnum = builder.enumType(TriggerKind, { name: 'TriggerKind' });
export const AlertEventEnum = builder.enumType(AlertEvent, { name: 'AlertEvent' });
export const AlertDeliveryStatusEnum = builder.enumType(AlertDeliveryStatus, { name: 'AlertDeliveryStatus' });
export const BulkOperationKindEnum = builder.enumType(BulkOperationKind, { name: 'BulkOperationKind', description: 'CANCEL applies to PENDING and RUNNING executions; RETRY to FAILED and CANCELLED ones.' });
export const BulkOperationStatusEnum = builder.enumType(BulkOperationStatus, { name: 'BulkOperationStatus' });
export const MaintenanceRunStatusEnum = builder.enumType(MaintenanceStatus, { name: 'MaintenanceRunStatus' });
