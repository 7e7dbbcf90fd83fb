// Executions: runs of a workflow with their step runs, progress and drift; the list and lookup;
// trigger / cancel / retry (OPERATOR, through engine/executions.ts); and the live
// executionUpdated subscription, relayed from the workers' Redis events.
import { queryFromInfo } from '@pothos/plugin-prisma';
import DataLoader from 'dataloader';
import { filter, pipe, Repeater } from 'graphql-yoga';
import type { GraphQLResolveInfo } from 'graphql';
import type { Prisma, WorkflowExecution } from '../generated/prisma/client.ts';
import type { ExecutionStatus, TriggerKind } from '../generated/prisma/enums.ts';
import { cancelExecution, triggerExecution } from '../engine/executions.ts';
import { attemptChain, retryExecutionFrom } from '../engine/resume.ts';
import { ValidationError, type InputProblem } from '../errors.ts';
import { eventTopics, type ExecutionEvent } from '../events.ts';
import type { DateRangeSpec } from '../workflows/definition.ts';
import { redactValue } from '../logs/redact.ts';
import { builder } from './builder.ts';
import { CAPPED_COUNT_DESCRIPTION, keysetConnection, TOTAL_COUNT_CAP, type PageArgs } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { ExecutionStatusEnum, StepStatusEnum, TriggerKindEnum } from './enums.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { globalId, localId, requireLocalId } from './ids.ts';

/**
 * The definitions of the revisions a request's executions ran, in one query per request (or
 * per subscription event) instead of one per execution. Keys are `workflowId:version`.
 */
const revisionLoaders = new WeakMap<GraphQLContext, DataLoader<string, Prisma.JsonValue | null>>();
function revisionDefinitions(ctx: GraphQLContext): DataLoader<string, Prisma.JsonValue | null> {
  let loader = revisionLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (keys) => {
      const pairs = keys.map((k) => {
        const i = k.lastIndexOf(':');
        return { workflowId: k.slice(0, i), version: Number(k.slice(i + 1)) };
      });
      const rows = await ctx.db.workflowRevision.findMany({ where: { OR: pairs }, select: { workflowId: true, version: true, definition: true } });
      const byKey = new Map(rows.map((r) => [`${r.workflowId}:${r.version}`, r.definition]));
      return keys.map((k) => byKey.get(k) ?? null);
    });
    revisionLoaders.set(ctx, loader);
  }
  return loader;
}

/**
 * Run data as API readers see it (README "Which surface keeps what"). National phone numbers are
 * read in the tenant's country, which the viewer carries from its (cached) key lookup.
 */
function shown(value: unknown, ctx: GraphQLContext): object | null {
  if (value === null || value === undefined) return null;
  return keepDocumentLinks(value, redactValue(value, { region: ctx.viewer?.country })) as object;
}

/**
 * A generated document's `url` (an object with a `documentId`, as pdf.generate outputs) is the
 * signed link the run produced for its readers to open: one document of this tenant, for 24 hours
 * — the deliverable, not a leaked credential, so its signature is not redacted. Walks the stored
 * value and its redacted copy side by side (redactValue keeps keys and their order).
 */
function keepDocumentLinks(raw: unknown, redacted: unknown): unknown {
  if (!raw || !redacted || typeof raw !== 'object' || typeof redacted !== 'object') return redacted;
  if (Array.isArray(raw)) {
    if (Array.isArray(redacted)) raw.forEach((v, i) => (redacted[i] = keepDocumentLinks(v, redacted[i])));
    return redacted;
  }
  const rawEntries = Object.entries(raw as Record<string, unknown>);
  const out = redacted as Record<string, unknown>;
  const keys = Object.keys(out);
  if (keys.length !== rawEntries.length) return redacted;
  const doc = typeof (raw as { documentId?: unknown }).documentId === 'string';
  rawEntries.forEach(([key, v], i) => {
    if (doc && key === 'url' && typeof v === 'string' && /^https?:\/\//.test(v)) out[key] = v;
    else out[keys[i]!] = keepDocumentLinks(v, out[keys[i]!]);
  });
  return redacted;
}

export const ExecutionRef = builder.prismaNode('WorkflowExecution', {
  name: 'Execution',
  description: 'One run of a workflow.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    workflow: t.relation('workflow', { description: 'The workflow that ran (also when it has since been deleted).' }),
    workflowVersion: t.exposeInt('workflowVersion', { description: 'The version of the workflow (and its definition) this run executes.' }),
    definition: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The definition this run executes: its workflow at workflowVersion, whatever the workflow says now.',
      // The execution was loaded for this tenant; its revision belongs to the same workflow.
      resolve: (e, _args, ctx) => revisionDefinitions(ctx).load(`${e.workflowId}:${e.workflowVersion}`),
    }),
    status: t.expose('status', { type: ExecutionStatusEnum, description: 'Where the run is in its life.' }),
    trigger: t.expose('trigger', { type: TriggerKindEnum, description: 'What started it.' }),
    scheduledFor: t.expose('scheduledFor', { type: 'DateTime', nullable: true, description: 'Scheduled runs: the slot this run fired for.' }),
    driftMs: t.exposeInt('driftMs', { nullable: true, description: 'Scheduled runs: startedAt − scheduledFor in milliseconds.' }),
    dateRange: t.expose('dateRange', { type: 'JSON', nullable: true, description: 'The date-range spec as given ({kind: rolling | relative | absolute, …}).' }),
    rangeStart: t.expose('rangeStart', { type: 'Date', nullable: true, description: 'First date the run covers, in the tenant zone.' }),
    rangeEnd: t.expose('rangeEnd', { type: 'Date', nullable: true, description: 'Last date the run covers (inclusive).' }),
    // Run data is shown redacted (see README "Which surface keeps what"): the run reads its raw
    // input from the row while it runs; readers of the API — VIEWER keys, the dashboard, the
    // executionUpdated subscription, which resolves these same fields — see [PHONE], [EMAIL]….
    input: t.field({ type: 'JSON', description: 'Template variables of this run, PII redacted.', resolve: (e, _args, ctx) => shown(e.input, ctx) ?? {} }),
    progress: t.field({
      description: 'Steps done of steps total, and the counters the steps report.',
      type: ProgressRef,
      resolve: (e) => ({ stepsTotal: e.stepsTotal, stepsCompleted: e.stepsCompleted, counters: e.progress }),
    }),
    output: t.field({ type: 'JSON', nullable: true, description: "What the run produced (each step's output by step id), PII redacted; null until it ends.", resolve: (e, _args, ctx) => shown(e.output, ctx) }),
    error: t.field({ type: 'JSON', nullable: true, description: '{message, step, date, source, accountId | shopId} when the run failed, PII redacted.', resolve: (e, _args, ctx) => shown(e.error, ctx) }),
    cancelRequestedAt: t.expose('cancelRequestedAt', { type: 'DateTime', nullable: true, description: 'When a cancel was asked for; the run stops at its next safe point.' }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true, description: 'The key given to triggerWorkflow (or the engine\'s slot key), reserved for 24 hours.' }),
    retryOfId: t.id({ nullable: true, description: 'The execution this one retries.', resolve: (e) => (e.retryOfId ? globalId('Execution', e.retryOfId) : null) }),
    attemptNumber: t.exposeInt('attemptNumber', { description: 'Which attempt of its run this is: 1 for a first run, the retried attempt\'s number + 1 for a retry.' }),
    waitingForSlot: t.boolean({
      description: "PENDING because its workflow's concurrency limit (or its key's) is reached: it starts, in order, when a slot frees.",
      resolve: (e) => e.status === 'PENDING' && e.parkedAt !== null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a worker started it.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it reached COMPLETED, FAILED or CANCELLED.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    // At most 50 steps per definition, so a plain list (loaded in the parent's query, no N+1).
    stepRuns: t.relation('stepRuns', { description: 'One per step of the definition, in order.', query: { orderBy: { index: 'asc' } } }),
  }),
});

// Declared apart from the fields above: its type is the Execution type itself.
builder.prismaObjectField(ExecutionRef, 'attempts', (t) =>
  t.field({
    type: [ExecutionRef],
    description: 'Every attempt of this run (this one included), oldest first: the chain of retries linked by retryOfId.',
    resolve: (e, _args, ctx) => attemptChain(ctx.db, tenantOf(ctx), e),
  }),
);

const ProgressRef = builder.objectRef<{ stepsTotal: number; stepsCompleted: number; counters: unknown }>('ExecutionProgress').implement({
  description: 'How far a run has come.',
  fields: (t) => ({
    stepsTotal: t.exposeInt('stepsTotal', { description: 'Steps in the definition this run executes.' }),
    stepsCompleted: t.exposeInt('stepsCompleted', { description: 'Steps finished so far.' }),
    percent: t.float({ description: 'stepsCompleted / stepsTotal, 0 to 100.', resolve: (p) => (p.stepsTotal === 0 ? 0 : Math.round((1000 * p.stepsCompleted) / p.stepsTotal) / 10) }),
    counters: t.field({ type: 'JSON', description: 'Named counters such as daysProcessed, metaFetched, posFetched.', resolve: (p) => p.counters }),
  }),
});

builder.prismaObject('StepRun', {
  description: 'One step of an execution.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Row id of the step run (not a global id).' }),
    index: t.exposeInt('index', { description: 'Position of the step in the definition, from 0.' }),
    name: t.exposeString('name', { nullable: true, description: "The step's id in the definition, when it has one." }),
    type: t.exposeString('type', { description: 'The step type, e.g. whatsapp.send or pdf.generate.' }),
    status: t.expose('status', { type: StepStatusEnum, description: 'Where the step is.' }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far (retries included).' }),
    reused: t.boolean({
      description: 'Copied from the previous attempt by a retry from the failed step: its recorded output was reused and the step did not run again.',
      resolve: (s) => s.reusedFromStepRunId !== null,
    }),
    progress: t.expose('progress', { type: 'JSON', description: "What this step's current attempt added to the run's counters." }),
    output: t.field({ type: 'JSON', nullable: true, description: 'What the step produced (e.g. documentId and url, messageId), PII redacted.', resolve: (s, _args, ctx) => shown(s.output, ctx) }),
    error: t.field({ type: 'JSON', nullable: true, description: 'Why the step failed: {message, …}, PII redacted.', resolve: (s, _args, ctx) => shown(s.error, ctx) }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When its first attempt started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
  }),
});

export const ExecutionFilterInput = builder.inputType('ExecutionFilter', {
  description: 'Narrows a list of executions; every given field must match.',
  fields: (t) => ({
    workflowId: t.id({ description: 'Only runs of this workflow (global id).' }),
    statuses: t.field({ type: [ExecutionStatusEnum], description: 'Only runs in one of these statuses.' }),
    triggers: t.field({ type: [TriggerKindEnum], description: 'Only runs started in one of these ways.' }),
    since: t.field({ type: 'DateTime', description: 'Created at or after (inclusive).' }),
    until: t.field({ type: 'DateTime', description: 'Created before (exclusive).' }),
  }),
});

export interface ExecutionFilter {
  workflowId?: string | number | null;
  statuses?: ExecutionStatus[] | null;
  triggers?: TriggerKind[] | null;
  since?: Date | null;
  until?: Date | null;
}

/** `workflowRowId` pins the workflow (the nested list); otherwise filter.workflowId may. */
export function executionWhere(tenantId: string, filter: ExecutionFilter | null | undefined, workflowRowId?: string): Prisma.WorkflowExecutionWhereInput {
  const where: Prisma.WorkflowExecutionWhereInput = { tenantId };
  if (workflowRowId) where.workflowId = workflowRowId;
  else if (filter?.workflowId != null) {
    // An id that is not a workflow of this tenant filters down to nothing, as a missing one would.
    where.workflowId = localId(String(filter.workflowId), 'Workflow') ?? '00000000-0000-0000-0000-000000000000';
  }
  if (filter?.statuses?.length) where.status = { in: filter.statuses };
  if (filter?.triggers?.length) where.trigger = { in: filter.triggers };
  if (filter?.since || filter?.until) where.createdAt = { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) };
  return where;
}

/** Executions page newest first by (createdAt, id): the order their indexes hold. */
export const executionKey = (e: WorkflowExecution) => ({ sort: e.createdAt, id: e.id });

export function executionsConnection(ctx: GraphQLContext, info: GraphQLResolveInfo, args: PageArgs, where: Prisma.WorkflowExecutionWhereInput) {
  return keysetConnection<WorkflowExecution>({
    kind: 'Execution',
    args,
    // For the engine's rows this is also id order (the id is a UUIDv7 of createdAt).
    sortField: 'createdAt',
    keyOf: executionKey,
    fetch: (page) => ctx.db.workflowExecution.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
    count: () => ctx.db.workflowExecution.count({ where, take: TOTAL_COUNT_CAP }),
  });
}

builder.queryFields((t) => ({
  executions: t.connection(
    {
      type: ExecutionRef,
      authScopes: { viewer: true },
      description: 'Newest first.',
      args: { filter: t.arg({ type: ExecutionFilterInput, description: 'Which executions; all of them when omitted.' }) },
      resolve: (_root, args, ctx, info) => executionsConnection(ctx, info, args, executionWhere(tenantOf(ctx), args.filter)),
    },
    { name: 'ExecutionConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
  ),
  execution: t.prismaField({
    type: 'WorkflowExecution',
    nullable: true,
    description: 'One execution of your tenant; null when there is none with this id.',
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: (query, _root, args, ctx) => {
      const id = localId(String(args.id), 'Execution');
      return id ? ctx.db.workflowExecution.findFirst({ ...query, where: { id, tenantId: tenantOf(ctx) } }) : null;
    },
  }),
}));

const DateRangeKindEnum = builder.enumType('DateRangeKind', {
  description: 'How a date range is given.',
  values: {
    rolling: { description: 'The single day offsetDays before today (1 = yesterday).' },
    relative: { description: 'The `days` days before today, ending yesterday.' },
    absolute: { description: 'since..until inclusive.' },
  } as const,
});

const DateRangeInput = builder.inputType('DateRangeInput', {
  description: "Dates a data-sync run walks, computed in the workflow's zone.",
  fields: (t) => ({
    kind: t.field({ type: DateRangeKindEnum, required: true, description: 'Which of the other fields apply.' }),
    offsetDays: t.int({ description: 'rolling: days before today (default 1).' }),
    days: t.int({ description: 'relative: how many days.' }),
    since: t.field({ type: 'Date', description: 'absolute: first date.' }),
    until: t.field({ type: 'Date', description: 'absolute: last date (inclusive).' }),
  }),
});

const TriggerWorkflowInput = builder.inputType('TriggerWorkflowInput', {
  description: 'Options of one run; all optional.',
  fields: (t) => ({
    context: t.field({ type: 'JSON', description: "Template variables, merged over the definition's variables." }),
    dateRange: t.field({ type: DateRangeInput, description: "Overrides the definition's date range." }),
    idempotencyKey: t.string({ description: 'Repeating a key within 24 hours returns the first execution instead of starting another.' }),
  }),
});

type DateRangeArg = { kind: 'rolling' | 'relative' | 'absolute'; offsetDays?: number | null; days?: number | null; since?: Date | null; until?: Date | null };

function toDateRangeSpec(r: DateRangeArg): DateRangeSpec {
  const problems: InputProblem[] = [];
  const day = (d: Date) => d.toISOString().slice(0, 10);
  let spec: DateRangeSpec | undefined;
  switch (r.kind) {
    case 'rolling':
      if (r.offsetDays != null && (r.offsetDays < 0 || r.offsetDays > 3650)) problems.push({ path: 'input.dateRange.offsetDays', message: 'must be from 0 to 3650' });
      spec = { kind: 'rolling', offsetDays: r.offsetDays ?? 1 };
      break;
    case 'relative':
      if (r.days == null || r.days < 1 || r.days > 366) problems.push({ path: 'input.dateRange.days', message: 'is required for relative ranges, from 1 to 366' });
      spec = { kind: 'relative', days: r.days ?? 0 };
      break;
    case 'absolute':
      if (!r.since) problems.push({ path: 'input.dateRange.since', message: 'is required for absolute ranges' });
      if (!r.until) problems.push({ path: 'input.dateRange.until', message: 'is required for absolute ranges' });
      if (r.since && r.until && r.since > r.until) problems.push({ path: 'input.dateRange.until', message: 'must not be before since' });
      if (r.since && r.until) spec = { kind: 'absolute', since: day(r.since), until: day(r.until) };
      break;
  }
  if (problems.length || !spec) throw new ValidationError(problems);
  return spec;
}

const TriggerWorkflowPayload = builder.objectRef<{ execution: WorkflowExecution; created: boolean }>('TriggerWorkflowPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({
    execution: t.field({ type: ExecutionRef, nullable: false, description: 'The execution: the new one, or the earlier one with the same idempotency key.', resolve: (p) => p.execution }),
    created: t.exposeBoolean('created', { description: 'false when the idempotency key matched an earlier execution (which is returned).' }),
  }),
});

const ExecutionPayload = builder.objectRef<{ execution: WorkflowExecution }>('ExecutionPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ execution: t.field({ type: ExecutionRef, nullable: false, description: 'The execution as it is now.', resolve: (p) => p.execution }) }),
});

builder.mutationFields((t) => ({
  triggerWorkflow: t.field({
    type: TriggerWorkflowPayload,
    authScopes: { role: 'OPERATOR' },
    description: 'Starts a run now. The execution is PENDING until a worker picks it up.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'TriggerWorkflowResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }), input: t.arg({ type: TriggerWorkflowInput, description: 'Variables, date range and idempotency key of this run.' }) },
    resolve: async (_root, { id, input }, ctx) => {
      const context = input?.context ?? undefined;
      if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
        throw new ValidationError([{ path: 'input.context', message: 'must be a JSON object' }]);
      }
      // The engine keys scheduled slots and bulk retries with these prefixes; a caller's key
      // must never collide with (and so swallow) one of those runs.
      if (input?.idempotencyKey && /^(slot|bulk):/.test(input.idempotencyKey)) {
        throw new ValidationError([{ path: 'input.idempotencyKey', message: 'must not start with "slot:" or "bulk:" (reserved)' }]);
      }
      return triggerExecution(ctx.engine, {
        tenantId: tenantOf(ctx),
        workflowId: requireLocalId(String(id), 'Workflow'),
        trigger: 'API',
        context: context as Record<string, unknown> | undefined,
        dateRange: input?.dateRange ? toDateRangeSpec(input.dateRange) : undefined,
        idempotencyKey: input?.idempotencyKey ?? undefined,
      });
    },
  }),
  cancelExecution: t.field({
    type: ExecutionPayload,
    authScopes: { role: 'OPERATOR' },
    description: 'A pending run is cancelled at once; a running one stops at its next safe point.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'CancelExecutionResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => ({ execution: await cancelExecution(ctx.engine, tenantOf(ctx), requireLocalId(String(id), 'Execution')) }),
  }),
  retryExecution: t.field({
    type: ExecutionPayload,
    authScopes: { role: 'OPERATOR' },
    description: 'Runs a failed or cancelled execution again, as a new attempt (a new execution over the same dates and input).',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'RetryExecutionResult' } },
    args: {
      id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }),
      fromStep: t.arg({ type: RetryFromEnum, defaultValue: 'START', description: 'Where the new attempt starts: START (every step again) or FAILED (reuse the outputs of the steps that succeeded).' }),
    },
    resolve: async (_root, { id, fromStep }, ctx) => ({
      execution: await retryExecutionFrom(ctx.engine, tenantOf(ctx), requireLocalId(String(id), 'Execution'), fromStep ?? 'START', 'API'),
    }),
  }),
}));

const RetryFromEnum = builder.enumType('RetryFrom', {
  description: 'Where a retried execution starts.',
  values: {
    START: { description: 'From the first step: every step runs again.' },
    FAILED: {
      description:
        'From the step that failed: the steps before it are reused with their recorded outputs (not run again). Refused with a ConflictError when the run did not fail at a step or the workflow changed those steps since.',
    },
  } as const,
});

/** The tenant's execution events, narrowed to the arguments; ends (and unsubscribes) when the client leaves. */
function executionEvents(ctx: GraphQLContext, workflowId: string | null, executionId: string | null): AsyncIterable<ExecutionEvent> {
  // The row is loaded as it is when delivered, so a pending event of an execution stands for all of its older ones.
  const source = ctx.pubSub.subscribe<ExecutionEvent>(eventTopics(ctx.engine.redisPrefix).executions, tenantOf(ctx), { coalesceBy: (e) => e.executionId });
  return pipe(
    source,
    filter((e: ExecutionEvent) => (!workflowId || e.workflowId === workflowId) && (!executionId || e.executionId === executionId)),
  );
}

builder.subscriptionField('executionUpdated', (t) =>
  t.prismaField({
    type: 'WorkflowExecution',
    authScopes: { viewer: true },
    description: 'Every change of an execution of your tenant (optionally of one workflow or one execution), as the row is now.',
    args: { workflowId: t.arg.id({ description: 'Only executions of this workflow.' }), executionId: t.arg.id({ description: 'Only this execution.' }) },
    subscribe: (_root, args, ctx) => {
      const workflowId = args.workflowId == null ? null : localId(String(args.workflowId), 'Workflow');
      const executionId = args.executionId == null ? null : localId(String(args.executionId), 'Execution');
      // An id that cannot be one of ours matches nothing, like an id of another tenant.
      if ((args.workflowId != null && !workflowId) || (args.executionId != null && !executionId)) return new Repeater<ExecutionEvent>((_push, stop) => stop);
      return executionEvents(ctx, workflowId, executionId);
    },
    // The event carries ids only; loading the row applies tenant scope and the selection.
    resolve: (query, event, _args, ctx) =>
      ctx.db.workflowExecution.findFirstOrThrow({ ...query, where: { id: (event as unknown as ExecutionEvent).executionId, tenantId: tenantOf(ctx) } }),
  }),
);
