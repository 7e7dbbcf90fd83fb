// Events: the `events` list, and sendEvent (OPERATOR), which records an event once per
// idempotency key and starts the workflows whose event triggers match (triggers/send-event.ts).
import type { Event, Prisma } from '../generated/prisma/client.ts';
import { ValidationError } from '../errors.ts';
import { sendEvent } from '../triggers/send-event.ts';
import { builder } from './builder.ts';
import { CAPPED_COUNT_DESCRIPTION, keysetConnection, TOTAL_COUNT_CAP } from './connection.ts';
import { tenantOf } from './context.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { globalId } from './ids.ts';

export const EventRef = builder.prismaNode('Event', {
  description: 'Something that happened, sent with sendEvent or POST /events; it started every enabled workflow whose event trigger matched.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The event name, e.g. visa.status.changed.' }),
    payload: t.expose('payload', { type: 'JSON', description: 'The JSON object sent with it (the input of the runs it started).' }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true, description: 'The key it was sent with; a repeat of the key returned this event and started nothing.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
    dispatchedAt: t.expose('dispatchedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its matching workflows were started and its matching waits resumed; null for a moment after it is recorded (or, after a crash, until the maintenance sweep dispatches it).',
    }),
    executions: t.relation('executions', { description: 'The runs it started (at most 100), oldest first.', query: { orderBy: { id: 'asc' }, take: 100 } }),
  }),
});

const EventFilterInput = builder.inputType('EventFilter', {
  description: 'Narrows the list of events.',
  fields: (t) => ({ name: t.string({ description: 'Only events with exactly this name.' }) }),
});

builder.queryField('events', (t) =>
  t.connection(
    {
      type: EventRef,
      authScopes: { viewer: true },
      description: 'The events of your tenant, newest first.',
      args: { filter: t.arg({ type: EventFilterInput, description: 'Which events; all of them when omitted.' }) },
      resolve: (_root, args, ctx) => {
        if (args.filter?.name != null && args.filter.name.length > 200) throw new ValidationError([{ path: 'filter.name', message: 'is longer than 200 characters' }]);
        const where: Prisma.EventWhereInput = { tenantId: tenantOf(ctx), ...(args.filter?.name != null ? { name: args.filter.name } : {}) };
        return keysetConnection<Event>({
          kind: 'Event',
          args,
          sortField: 'createdAt',
          keyOf: (e) => ({ sort: e.createdAt, id: e.id }),
          fetch: (page) => ctx.db.event.findMany({ where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.event.count({ where, take: TOTAL_COUNT_CAP }),
        });
      },
    },
    { name: 'EventConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
  ),
);

const SendEventInput = builder.inputType('SendEventInput', {
  description: 'An event to record.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Letters, digits and . _ : / -, at most 200 characters (e.g. visa.status.changed).' }),
    payload: t.field({ type: 'JSON', required: true, description: 'A JSON object (at most 64 KB); it becomes the input of every run it starts.' }),
    idempotencyKey: t.string({ description: 'A repeat with the same key returns the first event and starts nothing new (1 to 200 characters).' }),
  }),
});

const SendEventPayload = builder.objectRef<{ event: Event; duplicate: boolean; executionIds: string[] }>('SendEventPayload').implement({
  description: 'The recorded event and the runs it started.',
  fields: (t) => ({
    event: t.field({ type: EventRef, nullable: false, description: 'The event (the first one, for a repeated key).', resolve: (p) => p.event }),
    duplicate: t.exposeBoolean('duplicate', { description: 'True when the idempotency key matched an earlier event: nothing new was started.' }),
    executionIds: t.field({ type: ['ID'], description: 'Global ids of the runs the event started.', resolve: (p) => p.executionIds.map((id) => globalId('Execution', id)) }),
  }),
});

builder.mutationField('sendEvent', (t) =>
  t.field({
    description: 'Records an event and starts every enabled workflow of your tenant whose event trigger matches it (OPERATOR).',
    type: SendEventPayload,
    authScopes: { role: 'OPERATOR' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'SendEventResult' } },
    args: { input: t.arg({ type: SendEventInput, required: true, description: 'The event (see the input type).' }) },
    resolve: (_root, { input }, ctx) => sendEvent(ctx.engine, tenantOf(ctx), { ...input, payload: input.payload }),
  }),
);
