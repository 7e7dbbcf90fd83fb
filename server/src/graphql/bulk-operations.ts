// Bulk cancel / retry of executions by filter (OPERATOR), worked off in the background by
// engine/bulk.ts; the list and lookup show their progress.
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { BulkOperation } from '../generated/prisma/client.ts';
import type { BulkOperationKind } from '../generated/prisma/enums.ts';
import { startBulkOperation, stopBulkOperation, type BulkFilter } from '../engine/bulk.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { builder } from './builder.ts';
import { keysetConnection } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { BulkOperationKindEnum, BulkOperationStatusEnum, ExecutionStatusEnum } from './enums.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { ExecutionFilterInput, type ExecutionFilter } from './executions.ts';
import { globalId, localId, requireLocalId } from './ids.ts';

const BulkFilterRef = builder.objectRef<BulkFilter>('BulkOperationFilter').implement({
  description: 'The filter a bulk operation was started with.',
  fields: (t) => ({
    workflowId: t.id({ nullable: true, description: 'Only executions of this workflow.', resolve: (f) => (f.workflowId ? globalId('Workflow', f.workflowId) : null) }),
    statuses: t.field({ type: [ExecutionStatusEnum], description: 'Only executions in these statuses (empty = every status the kind applies to).', resolve: (f) => f.statuses ?? [] }),
    since: t.field({ type: 'DateTime', nullable: true, description: 'Created at or after.', resolve: (f) => (f.createdFrom ? new Date(f.createdFrom) : null) }),
    until: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Created before (exclusive), as given in the ExecutionFilter.',
      resolve: (f) => (f.createdTo ? new Date(Date.parse(f.createdTo) + 1) : null),
    }),
  }),
});

export const BulkOperationRef = builder.prismaNode('BulkOperation', {
  id: { field: 'id' },
  nullable: true,
  description: 'A cancel or retry of every execution matching a filter when it was asked for.',
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    kind: t.expose('kind', { type: BulkOperationKindEnum, description: 'Cancel or retry.' }),
    status: t.expose('status', { type: BulkOperationStatusEnum, description: 'Where it is.' }),
    filter: t.field({ type: BulkFilterRef, description: 'Which executions it applies to.', resolve: (o) => o.filter as BulkFilter }),
    total: t.exposeInt('total', { description: 'Executions that matched when the operation was created.' }),
    processed: t.exposeInt('processed', { description: 'Executions handled so far.' }),
    succeeded: t.exposeInt('succeeded', { description: 'Cancelled or retried; the rest of processed had already finished or been retried.' }),
    percent: t.float({ description: 'processed / total, 0 to 100.', resolve: (o) => (o.total === 0 ? (o.status === 'COMPLETED' ? 100 : 0) : Math.min(100, Math.round((1000 * o.processed) / o.total) / 10)) }),
    stopRequestedAt: t.expose('stopRequestedAt', { type: 'DateTime', nullable: true, description: 'When a stop was asked for.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When it started working.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

builder.queryFields((t) => ({
  bulkOperations: t.connection(
    {
      type: BulkOperationRef,
      authScopes: { viewer: true },
      description: 'Newest first.',
      resolve: (_root, args, ctx, info) => {
        const where = { tenantId: tenantOf(ctx) };
        return keysetConnection<BulkOperation>({
          kind: 'BulkOperation',
          args,
          sortField: 'createdAt',
          keyOf: (o) => ({ sort: o.createdAt, id: o.id }),
          fetch: (page) => ctx.db.bulkOperation.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.bulkOperation.count({ where }),
        });
      },
    },
    { name: 'BulkOperationConnection', fields: (c) => ({ totalCount: c.int({ description: 'How many items the whole list has, not only this page (counted only when asked for).', resolve: (conn) => conn.totalCount() }) }) },
  ),
  bulkOperation: t.prismaField({
    type: 'BulkOperation',
    nullable: true,
    description: 'One bulk operation of your tenant; null when there is none with this id.',
    authScopes: { viewer: true },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: (query, _root, args, ctx) => {
      const id = localId(String(args.id), 'BulkOperation');
      return id ? ctx.db.bulkOperation.findFirst({ ...query, where: { id, tenantId: tenantOf(ctx) } }) : null;
    },
  }),
}));

/** The API's ExecutionFilter as the engine's BulkFilter; a workflow of another tenant is not found. */
async function toBulkFilter(ctx: GraphQLContext, filter: ExecutionFilter | null | undefined): Promise<BulkFilter> {
  if (filter?.triggers?.length) throw new ValidationError([{ path: 'filter.triggers', message: 'is not supported by bulk operations' }]);
  if (filter?.since && filter.until && filter.since >= filter.until) throw new ValidationError([{ path: 'filter.until', message: 'must be after since' }]);
  const out: BulkFilter = {};
  if (filter?.workflowId != null) {
    const workflowId = requireLocalId(String(filter.workflowId), 'Workflow');
    if (!(await ctx.db.workflow.findFirst({ where: { id: workflowId, tenantId: tenantOf(ctx) }, select: { id: true } }))) throw new NotFoundError('Workflow', String(filter.workflowId));
    out.workflowId = workflowId;
  }
  if (filter?.statuses?.length) out.statuses = filter.statuses;
  if (filter?.since) out.createdFrom = filter.since.toISOString();
  // The engine's bound is inclusive; createdAt has millisecond precision.
  if (filter?.until) out.createdTo = new Date(filter.until.getTime() - 1).toISOString();
  return out;
}

const BulkOperationPayload = builder.objectRef<{ bulkOperation: BulkOperation }>('BulkOperationPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ bulkOperation: t.field({ type: BulkOperationRef, nullable: false, description: 'The operation as it is now.', resolve: (p) => p.bulkOperation }) }),
});

const startField = (kind: BulkOperationKind, union: string, description: string) =>
  builder.mutationField(kind === 'CANCEL' ? 'bulkCancelExecutions' : 'bulkRetryExecutions', (t) =>
    t.field({
      type: BulkOperationPayload,
      authScopes: { role: 'OPERATOR' },
      description,
      errors: { types: MUTATION_ERRORS, directResult: true, union: { name: union } },
      args: { filter: t.arg({ type: ExecutionFilterInput, description: 'Which executions (as when it is started); all of them when omitted.' }) },
      resolve: async (_root, args, ctx) => ({
        bulkOperation: await startBulkOperation(ctx.engine, { tenantId: tenantOf(ctx), kind, filter: await toBulkFilter(ctx, args.filter) }),
      }),
    }),
  );

startField('CANCEL', 'BulkCancelExecutionsResult', 'Cancels every PENDING, RUNNING or WAITING execution matching the filter (statuses narrows them), in the background.');
startField('RETRY', 'BulkRetryExecutionsResult', 'Retries every FAILED or CANCELLED execution matching the filter (statuses narrows them), once each, in the background.');

builder.mutationField('stopBulkOperation', (t) =>
  t.field({
    type: BulkOperationPayload,
    authScopes: { role: 'OPERATOR' },
    description: 'Stops the operation after its current batch (up to 100 executions); what it already did stays done.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'StopBulkOperationResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => ({ bulkOperation: await stopBulkOperation(ctx.engine, tenantOf(ctx), requireLocalId(String(id), 'BulkOperation')) }),
  }),
);
