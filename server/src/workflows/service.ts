// Writes to workflows. Every write validates the whole workflow first (definition against the
// JSON Schema, cron + zone), so an invalid input changes nothing; then writes; then brings the
// BullMQ job scheduler in line with the row and tells other processes the workflow changed.
import type { Redis } from 'ioredis';
import { Prisma, type PrismaClient, type Workflow } from '../generated/prisma/client.ts';
import type { CatchUpPolicy, OverlapPolicy } from '../generated/prisma/enums.ts';
import type { Queues } from '../engine/queues.ts';
import { reconcileWorkflowSchedule } from '../engine/scheduler.ts';
import { ConflictError, NotFoundError, ValidationError, type InputProblem } from '../errors.ts';
import { eventTopics, publishEvent } from '../events.ts';
import { validateDefinition } from './definition.ts';
import { INPUT_LIMITS, textTooLong } from '../security/input-limits.ts';
import { scheduleIntervalProblem, scheduleProblems, timezoneProblem } from './schedule.ts';
import { indexEventTriggers } from '../triggers/event-triggers.ts';

export interface WorkflowServiceDeps {
  db: PrismaClient;
  queues: Queues;
  redis: Redis;
  redisPrefix: string;
}

export interface WorkflowInput {
  name?: string;
  description?: string | null;
  definition?: unknown;
  schedule?: string | null;
  timezone?: string | null;
  enabled?: boolean;
  overlapPolicy?: OverlapPolicy;
  catchUpPolicy?: CatchUpPolicy;
}

const MAX_NAME = 200;

interface TenantRules {
  timezone: string;
  minScheduleIntervalSeconds: number;
}

const TENANT_RULES = { timezone: true, minScheduleIntervalSeconds: true } as const;

async function findLive(db: PrismaClient, tenantId: string, id: string): Promise<Workflow & { tenant: TenantRules }> {
  const wf = await db.workflow.findFirst({ where: { id, tenantId, deletedAt: null }, include: { tenant: { select: TENANT_RULES } } });
  if (!wf) throw new NotFoundError('Workflow', id);
  return wf;
}

/** Every problem of the workflow as it would be after the write, with paths into the input. */
function problemsOf(merged: Required<Pick<WorkflowInput, 'name' | 'definition'>> & WorkflowInput, tenant: TenantRules): InputProblem[] {
  const problems: InputProblem[] = [];
  const name = merged.name.trim();
  if (name.length === 0 || name.length > MAX_NAME) problems.push({ path: 'name', message: `must be 1 to ${MAX_NAME} characters` });
  const description = textTooLong(merged.description, 'description', INPUT_LIMITS.descriptionChars);
  if (description) problems.push(description);
  const def = validateDefinition(merged.definition);
  if (!def.ok) problems.push(...def.problems.map((p) => ({ path: `definition${p.path}`, message: p.message })));
  if (merged.timezone) {
    const zone = timezoneProblem(merged.timezone);
    if (zone) problems.push(zone);
  }
  if (merged.schedule) {
    const zone = merged.timezone ?? tenant.timezone;
    if (!timezoneProblem(zone)) {
      const cron = scheduleProblems(merged.schedule, zone);
      problems.push(...cron);
      const tooOften = cron.length ? null : scheduleIntervalProblem(merged.schedule, zone, tenant.minScheduleIntervalSeconds);
      if (tooOften) problems.push(tooOften);
    }
  }
  return problems;
}

async function afterChange(deps: WorkflowServiceDeps, wf: Workflow): Promise<void> {
  await indexEventTriggers(deps.db, wf);
  await reconcileWorkflowSchedule(deps, wf.id);
  await publishEvent(deps.redis, eventTopics(deps.redisPrefix).workflowChanged, undefined, { tenantId: wf.tenantId, workflowId: wf.id });
}

function normalise(input: WorkflowInput) {
  return {
    ...input,
    name: input.name?.trim(),
    schedule: input.schedule === undefined ? undefined : input.schedule?.trim() || null,
    timezone: input.timezone === undefined ? undefined : input.timezone?.trim() || null,
  };
}

export async function createWorkflow(deps: WorkflowServiceDeps, tenantId: string, raw: WorkflowInput & { name: string; definition: unknown }): Promise<Workflow> {
  const input = normalise(raw);
  const tenant = await deps.db.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: TENANT_RULES });
  const problems = problemsOf({ ...input, name: input.name ?? '', definition: input.definition }, tenant);
  if (problems.length) throw new ValidationError(problems, 'The workflow is invalid');
  const wf = await deps.db.workflow.create({
    data: {
      tenantId,
      name: input.name!,
      description: input.description ?? null,
      definition: input.definition as Prisma.InputJsonValue,
      schedule: input.schedule ?? null,
      timezone: input.timezone ?? null,
      enabled: input.enabled ?? true,
      overlapPolicy: input.overlapPolicy,
      catchUpPolicy: input.catchUpPolicy,
    },
  });
  await afterChange(deps, wf);
  return wf;
}

/**
 * Applies a partial change and bumps the version. With expectedVersion, a concurrent edit in
 * between is a ConflictError instead of a silent overwrite.
 */
export async function updateWorkflow(deps: WorkflowServiceDeps, tenantId: string, id: string, raw: WorkflowInput, expectedVersion?: number | null): Promise<Workflow> {
  const input = normalise(raw);
  const current = await findLive(deps.db, tenantId, id);
  const merged = {
    name: input.name ?? current.name,
    description: input.description === undefined ? current.description : input.description,
    definition: input.definition ?? current.definition,
    schedule: input.schedule === undefined ? current.schedule : input.schedule,
    timezone: input.timezone === undefined ? current.timezone : input.timezone,
  };
  // Only what this update touches is reported, so an old stored row never blocks a rename.
  const problems = problemsOf(merged, current.tenant).filter(
    (p) => (p.path === 'name' && input.name !== undefined) || (p.path === 'description' && input.description !== undefined) || (p.path.startsWith('definition') && input.definition !== undefined) || ((p.path === 'schedule' || p.path === 'timezone') && (input.schedule !== undefined || input.timezone !== undefined)),
  );
  if (problems.length) throw new ValidationError(problems, 'The workflow is invalid');
  const version = expectedVersion ?? current.version;
  const res = await deps.db.workflow.updateMany({
    where: { id, tenantId, deletedAt: null, version },
    data: {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.definition !== undefined ? { definition: input.definition as Prisma.InputJsonValue } : {}),
      ...(input.schedule !== undefined ? { schedule: input.schedule } : {}),
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.overlapPolicy !== undefined ? { overlapPolicy: input.overlapPolicy } : {}),
      ...(input.catchUpPolicy !== undefined ? { catchUpPolicy: input.catchUpPolicy } : {}),
      version: { increment: 1 },
    },
  });
  if (res.count === 0) {
    throw new ConflictError(`The workflow changed meanwhile (now version ${(await findLive(deps.db, tenantId, id)).version}); reload and retry`);
  }
  const wf = await deps.db.workflow.findUniqueOrThrow({ where: { id } });
  await afterChange(deps, wf);
  return wf;
}

export function setWorkflowEnabled(deps: WorkflowServiceDeps, tenantId: string, id: string, enabled: boolean): Promise<Workflow> {
  return updateWorkflow(deps, tenantId, id, { enabled });
}

/** Soft delete: executions and logs keep pointing at the row; the schedule goes away. */
export async function deleteWorkflow(deps: WorkflowServiceDeps, tenantId: string, id: string): Promise<Workflow> {
  await findLive(deps.db, tenantId, id);
  const res = await deps.db.workflow.updateMany({ where: { id, tenantId, deletedAt: null }, data: { deletedAt: new Date(), enabled: false, version: { increment: 1 } } });
  if (res.count === 0) throw new NotFoundError('Workflow', id);
  const wf = await deps.db.workflow.findUniqueOrThrow({ where: { id } });
  await afterChange(deps, wf);
  return wf;
}
