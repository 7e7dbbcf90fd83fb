// Waits: the Waitpoint a wait.approval / wait.event step parks its run on (StepRun.wait), the
// Approvals inbox (`approvals`: the tenant's OPEN approvals, oldest first) and `decideApproval`.
// Who may decide follows the approval's approverRole (checked in engine/waits/resolve.ts), so the
// mutation itself is open to every key and refuses a lower role with a typed ForbiddenError.
import { GraphQLError } from 'graphql';
import type { Waitpoint } from '../generated/prisma/client.ts';
import { ApprovalDecision, WaitpointKind, WaitpointStatus } from '../generated/prisma/enums.ts';
import { AlertService } from '../engine/alerts.ts';
import { decideApproval, MAX_COMMENT_LENGTH } from '../engine/waits/resolve.ts';
import { AlreadyDecidedError, ForbiddenError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { redactValue } from '../logs/redact.ts';
import type { Queues } from '../engine/queues.ts';
import { builder } from './builder.ts';
import { encodeCursor } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { ApiKeyRoleEnum } from './enums.ts';
import { ErrorInterface, MUTATION_ERRORS } from './errors.ts';
import { ExecutionRef } from './executions.ts';
import { requireLocalId } from './ids.ts';

const WaitpointKindEnum = builder.enumType(WaitpointKind, {
  name: 'WaitpointKind',
  description: 'What a waiting step waits for.',
  values: { APPROVAL: { description: 'A person (wait.approval).' }, EVENT: { description: 'An event sent with sendEvent (wait.event).' } },
});
const WaitpointStatusEnum = builder.enumType(WaitpointStatus, {
  name: 'WaitpointStatus',
  description: 'Whether a wait is still open, and how it ended.',
  values: {
    OPEN: { description: 'Still waiting; the run is WAITING.' },
    RESOLVED: { description: 'Decided (approval) or its event arrived.' },
    TIMED_OUT: { description: 'Its timeout passed; onTimeout decided what happened.' },
    CANCELLED: { description: 'The run was cancelled while it waited.' },
  },
});
export const ApprovalDecisionEnum = builder.enumType(ApprovalDecision, {
  name: 'ApprovalDecision',
  description: 'An approver’s answer.',
  values: { APPROVE: { description: 'The run continues with the next step.' }, REJECT: { description: 'The run fails with APPROVAL_REJECTED.' } },
});

export const WaitpointRef = builder.prismaNode('Waitpoint', {
  name: 'Waitpoint',
  description: 'Where a run waits: one per wait.approval or wait.event step that was reached.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    kind: t.expose('kind', { type: WaitpointKindEnum, description: 'Approval or event.' }),
    status: t.expose('status', { type: WaitpointStatusEnum, description: 'Open, or how it ended.' }),
    execution: t.relation('execution', { type: ExecutionRef, description: 'The run that waits (or waited).' }),
    stepRun: t.relation('stepRun', { description: 'The wait step’s run.' }),
    stepIndex: t.exposeInt('stepIndex', { description: 'Position of the wait step in the definition, from 0.' }),
    title: t.exposeString('title', { nullable: true, description: 'Approvals: the rendered title, if the step has one.' }),
    message: t.exposeString('message', { nullable: true, description: 'Approvals: the rendered message the approver decides on.' }),
    approverRole: t.expose('approverRole', { type: ApiKeyRoleEnum, nullable: true, description: 'Approvals: the least role that may decide.' }),
    eventName: t.exposeString('eventName', { nullable: true, description: 'Event waits: the event name waited for.' }),
    match: t.exposeString('match', { nullable: true, description: 'Event waits: the match expression (null: any event of the name).' }),
    timeoutAt: t.expose('timeoutAt', { type: 'DateTime', nullable: true, description: 'When onTimeout applies; null: waits until decided, matched or cancelled.' }),
    onTimeout: t.exposeString('onTimeout', { description: 'approve, reject or fail (approvals); fail or continue (events).' }),
    waitingSince: t.expose('createdAt', { type: 'DateTime', description: 'When the run reached the step.' }),
    decision: t.expose('decision', { type: ApprovalDecisionEnum, nullable: true, description: 'Approvals: the decision (also a timeout’s, with onTimeout approve or reject).' }),
    decidedBy: t.exposeString('decidedByName', { nullable: true, description: 'Approvals: the name of the API key that decided; null for a timeout.' }),
    comment: t.field({ type: 'String', nullable: true, description: 'Approvals: the approver’s comment, PII redacted.', resolve: (w, _a, ctx) => (w.comment === null ? null : (redactValue(w.comment, { region: ctx.viewer?.country }) as string)) }),
    event: t.field({ type: 'JSON', nullable: true, description: 'Event waits: the event that resumed it, {id, name, payload}, PII redacted.', resolve: (w, _a, ctx) => (w.event === null ? null : (redactValue(w.event, { region: ctx.viewer?.country }) as object)) }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true, description: 'When it stopped being OPEN.' }),
  }),
});

builder.prismaObjectField('StepRun', 'wait', (t) => t.relation('wait', { type: WaitpointRef, nullable: true, description: 'Wait steps: what the step waits (or waited) for.' }));

// The inbox pages oldest first by (createdAt, id): the longest-waiting approval comes first.
const KIND = 'Approval';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAGE = 100;

function afterKey(cursor: string): { sort: Date; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v[0] === KIND && typeof v[1] === 'number' && typeof v[2] === 'string' && UUID.test(v[2])) return { sort: new Date(v[1]), id: v[2] };
  } catch {
    // the same answer as any other bad cursor
  }
  throw new GraphQLError('after is not a cursor of this list', { extensions: { code: 'BAD_USER_INPUT', path: 'after' } });
}

builder.queryField('approvals', (t) =>
  t.connection(
    {
      type: WaitpointRef,
      authScopes: { viewer: true },
      description: 'The OPEN approvals of your tenant, longest waiting first. Pages forward only (first/after).',
      resolve: async (_root, args, ctx) => {
        if (args.last != null || args.before != null) throw new GraphQLError('approvals pages forward only (first/after)', { extensions: { code: 'BAD_USER_INPUT', path: 'last' } });
        const first = args.first ?? 20;
        if (first < 0 || first > MAX_PAGE) throw new GraphQLError(`first must be from 0 to ${MAX_PAGE}`, { extensions: { code: 'BAD_USER_INPUT', path: 'first' } });
        const where = { tenantId: tenantOf(ctx), kind: 'APPROVAL' as const, status: 'OPEN' as const };
        const after = args.after ? afterKey(args.after) : undefined;
        const rows: Waitpoint[] =
          first === 0
            ? []
            : await ctx.db.waitpoint.findMany({
                where: after ? { ...where, OR: [{ createdAt: { gt: after.sort } }, { createdAt: after.sort, id: { gt: after.id } }] } : where,
                orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
                take: first + 1,
              });
        const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(KIND, { sort: node.createdAt, id: node.id }), node }));
        return {
          edges,
          pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: after !== undefined, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: () => ctx.db.waitpoint.count({ where }),
        };
      },
    },
    { name: 'ApprovalConnection', fields: (c) => ({ totalCount: c.int({ description: 'OPEN approvals of your tenant (the inbox badge).', resolve: (conn) => (conn as unknown as { totalCount: () => Promise<number> }).totalCount() }) }) },
  ),
);

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your API key’s role is below what this object asks for (e.g. an approval’s approverRole). Nothing was written.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ForbiddenError,
  fields: () => ({}),
});

builder.objectType(AlreadyDecidedError, {
  name: 'AlreadyDecidedError',
  description: 'The approval was already decided, timed out or cancelled; the first outcome stands. Nothing was written.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AlreadyDecidedError,
  fields: (t) => ({ status: t.field({ type: WaitpointStatusEnum, description: 'How it ended.', resolve: (e) => e.status as WaitpointStatus }) }),
});

/** RUN_FAILED alerts of rejections decided through this api process. */
const alertServices = new WeakMap<Queues, AlertService>();
function alertsOf(ctx: GraphQLContext): AlertService {
  let a = alertServices.get(ctx.engine.queues);
  if (!a) alertServices.set(ctx.engine.queues, (a = new AlertService({ db: ctx.db, queues: ctx.engine.queues, logger: createLogger('error') })));
  return a;
}

const DecideApprovalPayload = builder.objectRef<{ id: string; executionId: string }>('DecideApprovalPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({
    approval: t.prismaField({ type: 'Waitpoint', description: 'The approval, now RESOLVED.', resolve: (query, p, _a, ctx) => ctx.db.waitpoint.findUniqueOrThrow({ ...query, where: { id: p.id } }) }),
    execution: t.prismaField({ type: 'WorkflowExecution', description: 'Its run: RUNNING again after APPROVE, FAILED after REJECT.', resolve: (query, p, _a, ctx) => ctx.db.workflowExecution.findUniqueOrThrow({ ...query, where: { id: p.executionId } }) }),
  }),
});

builder.mutationField('decideApproval', (t) =>
  t.field({
    type: DecideApprovalPayload,
    authScopes: { viewer: true },
    description: 'Approves or rejects an OPEN approval. Needs a role at or above its approverRole; the first decision (or timeout) wins, later ones get AlreadyDecidedError.',
    errors: { types: [...MUTATION_ERRORS, ForbiddenError, AlreadyDecidedError], directResult: true, union: { name: 'DecideApprovalResult' } },
    args: {
      id: t.arg.id({ required: true, description: 'Global id of the approval (a Waitpoint).' }),
      decision: t.arg({ type: ApprovalDecisionEnum, required: true, description: 'APPROVE continues the run; REJECT fails it.' }),
      comment: t.arg.string({ description: `Why, shown on the run (at most ${MAX_COMMENT_LENGTH} characters).` }),
    },
    resolve: async (_root, args, ctx) => {
      const id = requireLocalId(String(args.id), 'Waitpoint', 'Approval');
      const viewer = ctx.viewer!;
      await decideApproval({ ...ctx.engine, alerts: alertsOf(ctx) }, viewer, id, args.decision, args.comment);
      const wp = await ctx.db.waitpoint.findUniqueOrThrow({ where: { id }, select: { id: true, executionId: true } });
      return wp;
    },
  }),
);
