import { ApiKeyRole, CatchUpPolicy, ExecutionStatus, IntegrationKind, LogLevel, OverlapPolicy, StepStatus, TriggerKind } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

export const ApiKeyRoleEnum = builder.enumType(ApiKeyRole, { name: 'ApiKeyRole', description: 'VIEWER reads; OPERATOR also triggers and cancels runs; ADMIN also manages workflows, integrations and keys.' });
export const CatchUpPolicyEnum = builder.enumType(CatchUpPolicy, { name: 'CatchUpPolicy', description: 'What happens to slots missed while nothing was running.' });
export const ExecutionStatusEnum = builder.enumType(ExecutionStatus, { name: 'ExecutionStatus' });
export const IntegrationKindEnum = builder.enumType(IntegrationKind, { name: 'IntegrationKind' });
export const LogLevelEnum = builder.enumType(LogLevel, { name: 'LogLevel' });
export const OverlapPolicyEnum = builder.enumType(OverlapPolicy, { name: 'OverlapPolicy', description: 'What a schedule does when the previous run of the same workflow is still going.' });
export const StepStatusEnum = builder.enumType(StepStatus, { name: 'StepStatus' });
export const TriggerKindEnum = builder.enumType(TriggerKind, { name: 'TriggerKind' });
