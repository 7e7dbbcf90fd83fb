// Workflows: the type, its list and lookups, schedule previews, definition validation, and the
// ADMIN mutations. Writes go through workflows/service.ts.
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { Prisma, Workflow } from '../generated/prisma/client.ts';
import { ValidationError } from '../errors.ts';
import { validateDefinition } from '../workflows/definition.ts';
import { cronPreview } from '../workflows/schedule.ts';
import { nextFire } from '../engine/cron.ts';
import { createWorkflow, deleteWorkflow, setWorkflowEnabled, updateWorkflow, type WorkflowServiceDeps } from '../workflows/service.ts';
import { builder } from './builder.ts';
import { tenantTimezone } from './tenant-zone.ts';
import { CAPPED_COUNT_DESCRIPTION, checkPageArgs, keysetConnection, TOTAL_COUNT_CAP } from './connection.ts';
import { firstExecutionsPage } from './workflow-executions.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { CatchUpPolicyEnum, OverlapPolicyEnum } from './enums.ts';
import { MUTATION_ERRORS, ProblemRef } from './errors.ts';
import { ExecutionFilterInput, ExecutionRef, executionsConnection, executionWhere } from './executions.ts';
import { localId, requireLocalId } from './ids.ts';
import { INPUT_LIMITS, textTooLong } from '../security/input-limits.ts';


const WorkflowRef = builder.prismaNode('Workflow', {
  description: 'Recurring or on-demand work: steps run in order by a worker.',
  id: { field: 'id' },
  nullable: true,
  // Loading by id is always tenant-scoped: another tenant's id reads as missing.
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx), deletedAt: null }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name, as shown in the dashboard.' }),
    description: t.exposeString('description', { nullable: true, description: 'Free text for people (at most 2,000 characters).' }),
    enabled: t.exposeBoolean('enabled', { description: 'False pauses it without deleting anything.' }),
    definition: t.expose('definition', { type: 'JSON', description: 'Valid against the workflow definition JSON Schema.' }),
    schedule: t.exposeString('schedule', { nullable: true, description: 'Cron expression (5 fields, or 6 with seconds); null = manual/API only.' }),
    timezone: t.exposeString('timezone', { nullable: true, description: "IANA zone of the schedule; null = the tenant's zone." }),
    nextRunAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: "When the schedule fires next, in the workflow's zone (or the tenant's); null when it is disabled or has no schedule.",
      resolve: async (wf, _args, ctx) => {
        if (!wf.enabled || !wf.schedule) return null;
        return nextFire(wf.schedule, wf.timezone ?? (await tenantTimezone(ctx)), new Date()) ?? null;
      },
    }),
    overlapPolicy: t.expose('overlapPolicy', { type: OverlapPolicyEnum, description: 'What a slot does while the previous run still goes.' }),
    catchUpPolicy: t.expose('catchUpPolicy', { type: CatchUpPolicyEnum, description: 'What happens to slots missed while nothing ran.' }),
    version: t.exposeInt('version', { description: 'Bumped on every change; pass it as expectedVersion to update safely.' }),
    lastSlotAt: t.expose('lastSlotAt', { type: 'DateTime', nullable: true, description: 'The last schedule slot handled (run, skipped or missed); null before the first.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

// The workflow's executions. The first page is batched across all workflows of a list
// (workflow-executions.ts); later pages run a query of their own rather than a nested include,
// because Prisma 7's driver adapters return [] for nested cursor pages (prisma/orm#28614,
// STACK_NOTES A1.4).
builder.objectField(WorkflowRef, 'executions', (t) =>
  t.connection(
    {
      type: ExecutionRef,
      description: "This workflow's executions, newest first.",
      args: { filter: t.arg({ type: ExecutionFilterInput, description: 'Which executions; all of them when omitted.' }) },
      resolve: (wf, args, ctx, info) => {
        const where = executionWhere(tenantOf(ctx), { ...args.filter, workflowId: null }, wf.id);
        if (args.after || args.before || args.last != null) return executionsConnection(ctx, info, args, where);
        checkPageArgs(args, 100);
        const first = args.first ?? 20;
        return firstExecutionsPage(ctx, info, wf.id, first, args.filter, () => ctx.db.workflowExecution.count({ where, take: TOTAL_COUNT_CAP }));
      },
    },
    { name: 'WorkflowExecutionsConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
  ),
);

const WorkflowFilterInput = builder.inputType('WorkflowFilter', {
  description: 'Narrows a list of workflows; every given field must match.',
  fields: (t) => ({
    enabled: t.boolean({ description: 'Only enabled (true) or disabled (false) workflows.' }),
    search: t.string({ description: 'Words that must all appear in the name or description (case-insensitive).' }),
  }),
});

function workflowWhere(tenantId: string, filter: { enabled?: boolean | null; search?: string | null } | null | undefined): Prisma.WorkflowWhereInput {
  const where: Prisma.WorkflowWhereInput = { tenantId, deletedAt: null };
  if (filter?.enabled != null) where.enabled = filter.enabled;
  const tooLong = textTooLong(filter?.search, 'filter.search', INPUT_LIMITS.searchChars);
  if (tooLong) throw new ValidationError([tooLong]);
  const words = filter?.search?.trim().split(/\s+/).filter(Boolean) ?? [];
  if (words.length) {
    where.AND = words.map((w) => ({ OR: [{ name: { contains: w, mode: 'insensitive' as const } }, { description: { contains: w, mode: 'insensitive' as const } }] }));
  }
  return where;
}

builder.queryFields((t) => ({
  workflows: t.connection(
    {
      type: WorkflowRef,
      authScopes: { viewer: true },
      description: 'The workflows of your tenant, newest first.',
      args: { filter: t.arg({ type: WorkflowFilterInput, description: 'Which workflows; all of them when omitted.' }) },
      resolve: (_root, args, ctx, info) => {
        const where = workflowWhere(tenantOf(ctx), args.filter);
        return keysetConnection<Workflow>({
          kind: 'Workflow',
          args,
          keyOf: (w) => ({ id: w.id }),
          fetch: (page) => ctx.db.workflow.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.workflow.count({ where }),
        });
      },
    },
    { name: 'WorkflowConnection', fields: (c) => ({ totalCount: c.int({ description: 'How many items the whole list has, not only this page (counted only when asked for).', resolve: (conn) => conn.totalCount() }) }) },
  ),
  workflow: t.prismaField({
    description: 'One workflow of your tenant; null when there is none with this id (or it was deleted).',
    type: 'Workflow',
    nullable: true,
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: (query, _root, args, ctx) => {
      const id = localId(String(args.id), 'Workflow');
      return id ? ctx.db.workflow.findFirst({ ...query, where: { id, tenantId: tenantOf(ctx), deletedAt: null } }) : null;
    },
  }),
  cronPreview: t.field({
    type: CronPreviewRef,
    authScopes: { viewer: true },
    description: "The next fire times of a cron expression in a zone (default: the tenant's), correct across DST changes.",
    errors: { types: [ValidationError], directResult: true, union: { name: 'CronPreviewResult' } },
    args: {
      expression: t.arg.string({ required: true, description: 'Cron: 5 fields (minute hour day month weekday) or 6 with seconds first.' }),
      timezone: t.arg.string({ description: "IANA zone; the tenant's when omitted." }),
      count: t.arg.int({ defaultValue: 10, description: 'How many fire times, 1 to 100.' }),
    },
    resolve: async (_root, args, ctx) => {
      const timezone = args.timezone ?? (await tenantTimezone(ctx));
      return { timezone, times: cronPreview(args.expression, timezone, args.count ?? 10) };
    },
  }),
  validateWorkflowDefinition: t.field({
    type: DefinitionValidationRef,
    authScopes: { viewer: true },
    description: 'Checks a definition against the JSON Schema without saving anything.',
    args: { definition: t.arg({ type: 'JSON', required: true, description: 'A workflow definition ({steps: [...], variables?, dateRange?}).' }) },
    resolve: (_root, args) => {
      const result = validateDefinition(args.definition);
      return { valid: result.ok, problems: result.ok ? [] : result.problems };
    },
  }),
}));

const CronPreviewRef = builder.objectRef<{ timezone: string; times: Date[] }>('CronPreview').implement({
  description: 'The next fire times of a cron expression.',
  fields: (t) => ({
    timezone: t.exposeString('timezone', { description: 'The zone the times were computed in.' }),
    times: t.field({ type: ['DateTime'], description: 'The fire times, soonest first.', resolve: (p) => p.times }),
  }),
});

const DefinitionValidationRef = builder.objectRef<{ valid: boolean; problems: { path: string; message: string }[] }>('DefinitionValidation').implement({
  description: 'Whether a definition is valid, and every problem if not.',
  fields: (t) => ({
    valid: t.exposeBoolean('valid', { description: 'True when there is no problem.' }),
    problems: t.field({ type: [ProblemRef], description: 'Every problem, with its JSON Pointer into the definition.', resolve: (v) => v.problems }),
  }),
});

const CreateWorkflowInput = builder.inputType('CreateWorkflowInput', {
  description: 'A new workflow.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 200 characters.' }),
    description: t.string({ description: 'Free text, at most 2,000 characters.' }),
    definition: t.field({ type: 'JSON', required: true, description: 'Steps and variables, valid against the definition JSON Schema (at most 256 KB).' }),
    schedule: t.string({ description: 'Cron expression; omit for manual/API only.' }),
    timezone: t.string({ description: "IANA zone; omit for the tenant's." }),
    enabled: t.boolean({ defaultValue: true, description: 'Whether the schedule fires.' }),
    overlapPolicy: t.field({ type: OverlapPolicyEnum, description: 'Default SKIP.' }),
    catchUpPolicy: t.field({ type: CatchUpPolicyEnum, description: 'Default NONE.' }),
  }),
});

const UpdateWorkflowInput = builder.inputType('UpdateWorkflowInput', {
  description: 'Only the fields given change; null clears description, schedule and timezone.',
  fields: (t) => ({
    name: t.string({ description: '1 to 200 characters.' }),
    description: t.string({ description: 'Free text, at most 2,000 characters; null clears it.' }),
    definition: t.field({ type: 'JSON', description: 'Replaces the definition (a new version).' }),
    schedule: t.string({ description: 'Cron expression; null removes the schedule.' }),
    timezone: t.string({ description: "IANA zone; null = the tenant's." }),
    overlapPolicy: t.field({ type: OverlapPolicyEnum, description: 'What a slot does while the previous run still goes.' }),
    catchUpPolicy: t.field({ type: CatchUpPolicyEnum, description: 'What happens to missed slots.' }),
    expectedVersion: t.int({ description: 'Refuse (ConflictError) if the workflow is no longer at this version.' }),
  }),
});

const WorkflowPayload = builder.objectRef<{ workflow: Workflow }>('WorkflowPayload').implement({
  description: 'The workflow as it is after the change.',
  fields: (t) => ({ workflow: t.field({ type: WorkflowRef, nullable: false, description: 'The workflow as it is now.', resolve: (p) => p.workflow }) }),
});

const DeleteWorkflowPayload = builder.objectRef<{ deletedWorkflowId: string }>('DeleteWorkflowPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ deletedWorkflowId: t.exposeID('deletedWorkflowId', { description: 'Global id of the deleted workflow.' }) }),
});

const serviceDeps = (ctx: GraphQLContext): WorkflowServiceDeps => ctx.engine;

function writeResult(name: string) {
  return { types: MUTATION_ERRORS, directResult: true as const, union: { name } };
}

builder.mutationFields((t) => ({
  createWorkflow: t.field({
    description: 'Creates a workflow; its schedule (if any) starts at once when enabled.',
    type: WorkflowPayload,
    authScopes: { role: 'ADMIN' },
    errors: writeResult('CreateWorkflowResult'),
    args: { input: t.arg({ type: CreateWorkflowInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { input }, ctx) => ({
      workflow: await createWorkflow(serviceDeps(ctx), tenantOf(ctx), {
        ...input,
        definition: input.definition as unknown,
        enabled: input.enabled ?? true,
        overlapPolicy: input.overlapPolicy ?? undefined,
        catchUpPolicy: input.catchUpPolicy ?? undefined,
      }),
    }),
  }),
  updateWorkflow: t.field({
    description: 'Changes the given fields and bumps version; with expectedVersion, a concurrent edit is a ConflictError instead of an overwrite.',
    type: WorkflowPayload,
    authScopes: { role: 'ADMIN' },
    errors: writeResult('UpdateWorkflowResult'),
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }), input: t.arg({ type: UpdateWorkflowInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { id, input }, ctx) => {
      const { expectedVersion, name, definition, overlapPolicy, catchUpPolicy, description, schedule, timezone } = input;
      // Absent fields stay as they are; null clears the optional ones and is refused for the rest.
      const problems = [
        ...(name === null ? [{ path: 'name', message: 'cannot be null' }] : []),
        ...(definition === null ? [{ path: 'definition', message: 'cannot be null' }] : []),
      ];
      if (problems.length) throw new ValidationError(problems);
      const change = {
        name: name ?? undefined,
        definition: definition ?? undefined,
        overlapPolicy: overlapPolicy ?? undefined,
        catchUpPolicy: catchUpPolicy ?? undefined,
        description,
        schedule,
        timezone,
      };
      return { workflow: await updateWorkflow(serviceDeps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Workflow'), change, expectedVersion) };
    },
  }),
  enableWorkflow: t.field({
    description: 'Turns the schedule on (manual and API triggers work either way).',
    type: WorkflowPayload,
    authScopes: { role: 'ADMIN' },
    errors: writeResult('EnableWorkflowResult'),
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => ({ workflow: await setWorkflowEnabled(serviceDeps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Workflow'), true) }),
  }),
  disableWorkflow: t.field({
    description: 'Turns the schedule off; runs in progress continue.',
    type: WorkflowPayload,
    authScopes: { role: 'ADMIN' },
    errors: writeResult('DisableWorkflowResult'),
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => ({ workflow: await setWorkflowEnabled(serviceDeps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Workflow'), false) }),
  }),
  deleteWorkflow: t.field({
    description: 'Deletes the workflow and its schedule; its executions and logs stay readable.',
    type: DeleteWorkflowPayload,
    authScopes: { role: 'ADMIN' },
    errors: writeResult('DeleteWorkflowResult'),
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteWorkflow(serviceDeps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Workflow'));
      return { deletedWorkflowId: String(id) };
    },
  }),
}));
