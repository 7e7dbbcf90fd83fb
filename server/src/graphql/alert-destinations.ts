// Alert webhook destinations of the caller's tenant (ADMIN) and their deliveries.
//
// Threat model: the URL is tenant input that our workers will POST to. It is checked here with
// the outbound-address guard (OUTBOUND_ALLOW_HOSTS honoured) so a bad URL is refused at once as
// a ValidationError, and checked again at every delivery (engine/alerts.ts), because DNS can
// change between the two. The signing secret is derived from SIGNING_SECRET and the
// destination id, never stored: it is shown once, in createAlertDestination's answer. An ADMIN
// who lost it deletes the destination and creates a new one (a new id, so a new secret), which
// also revokes the old secret — there is deliberately no query that shows it again.
import DataLoader from 'dataloader';
import type { AlertDelivery, AlertDestination } from '../generated/prisma/client.ts';
import type { AlertEvent } from '../generated/prisma/enums.ts';
import { destinationSecret } from '../engine/alerts.ts';
import { NotFoundError, ValidationError, type InputProblem } from '../errors.ts';
import { assertOutboundUrl } from '../security/outbound-guard.ts';
import { builder } from './builder.ts';
import { CAPPED_COUNT_DESCRIPTION, checkPageArgs, firstPageOf, keysetConnection, TOTAL_COUNT_CAP, type Connection } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { AlertDeliveryStatusEnum, AlertEventEnum } from './enums.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { requireLocalId } from './ids.ts';

const AlertDeliveryRef = builder.objectRef<AlertDelivery>('AlertDelivery').implement({
  description: 'One alert sent (or being sent) to a destination; failed attempts are retried with backoff.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Also sent as the x-flowdeck-delivery header.' }),
    event: t.expose('event', { type: AlertEventEnum, description: 'What happened.' }),
    payload: t.expose('payload', { type: 'JSON', description: 'The `data` of the webhook body.' }),
    status: t.expose('status', { type: AlertDeliveryStatusEnum, description: 'Whether it arrived.' }),
    attempts: t.exposeInt('attempts', { description: 'HTTP attempts made so far.' }),
    lastStatus: t.exposeInt('lastStatus', { nullable: true, description: 'HTTP status of the last attempt.' }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When the destination accepted it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

type DeliveriesPage = Omit<Connection<AlertDelivery>, 'totalCount'>;
/** Deliveries page newest first by (createdAt, id), batched first pages and later ones alike. */
const deliveryKey = (x: AlertDelivery) => ({ sort: x.createdAt, id: x.id });
const deliveryLoaders = new WeakMap<GraphQLContext, Map<number, DataLoader<string, DeliveriesPage>>>();

/**
 * The first page of deliveries of every destination in a list, in one query: a LATERAL read of
 * each destination's newest rows, instead of a query per destination. (EXPLAIN, 25 destinations
 * with 20,000 deliveries each: 0.3 ms, walking the tenant's (createdAt, id) index per destination
 * and stopping after its rows.) Later pages run as their own keyset query, in the same order.
 */
function firstDeliveriesPage(ctx: GraphQLContext, destinationId: string, first: number): Promise<DeliveriesPage> {
  let byFirst = deliveryLoaders.get(ctx);
  if (!byFirst) deliveryLoaders.set(ctx, (byFirst = new Map()));
  let loader = byFirst.get(first);
  if (!loader) {
    loader = new DataLoader<string, DeliveriesPage>(async (ids) => {
      const rows = await ctx.db.$queryRaw<AlertDelivery[]>`
        SELECT "page".* FROM unnest(${[...ids]}::uuid[]) AS "d"("id")
        CROSS JOIN LATERAL (
          SELECT * FROM "AlertDelivery"
          WHERE "tenantId" = ${tenantOf(ctx)}::uuid AND "AlertDelivery"."destinationId" = "d"."id"
          ORDER BY "createdAt" DESC, "id" DESC
          LIMIT ${first + 1}
        ) AS "page"`;
      return ids.map((id) => firstPageOf('AlertDelivery', rows.filter((r) => r.destinationId === id), first, deliveryKey));
    });
    byFirst.set(first, loader);
  }
  return loader.load(destinationId);
}

const AlertDestinationRef = builder.prismaNode('AlertDestination', {
  description: 'A webhook that receives alerts about runs, schedules and maintenance (ADMIN only).',
  id: { field: 'id' },
  nullable: true,
  authScopes: { role: 'ADMIN' },
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name, as shown in the dashboard.' }),
    url: t.exposeString('url', { description: 'The http(s) URL alerts are POSTed to.' }),
    events: t.field({ type: [AlertEventEnum], description: 'The events it receives.', resolve: (d) => d.events }),
    enabled: t.exposeBoolean('enabled', { description: 'False pauses it without deleting anything.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    deliveries: t.connection(
      {
        type: AlertDeliveryRef,
        description: 'Newest first.',
        // A keyset page of its own (not a nested Prisma include: Prisma 7 loses nested cursor pages).
        resolve: async (d, args, ctx) => {
          const where = { destinationId: d.id, tenantId: d.tenantId };
          const count = () => ctx.db.alertDelivery.count({ where, take: TOTAL_COUNT_CAP });
          if (args.after == null && args.before == null && args.last == null) {
            checkPageArgs(args, 100);
            return { ...(await firstDeliveriesPage(ctx, d.id, args.first ?? 20)), totalCount: count };
          }
          return keysetConnection<AlertDelivery>({
            kind: 'AlertDelivery',
            args,
            sortField: 'createdAt',
            keyOf: deliveryKey,
            fetch: (page) => ctx.db.alertDelivery.findMany({ where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
            count,
          });
        },
      },
      { name: 'AlertDeliveryConnection', fields: (c) => ({ totalCount: c.int({ description: CAPPED_COUNT_DESCRIPTION, resolve: (conn) => conn.totalCount() }) }) },
    ),
  }),
});

builder.queryField('alertDestinations', (t) =>
  t.connection(
    {
      type: AlertDestinationRef,
      authScopes: { role: 'ADMIN' },
      description: 'The alert destinations of your tenant, newest first (ADMIN).',
      resolve: (_root, args, ctx) => {
        const where = { tenantId: tenantOf(ctx) };
        return keysetConnection<AlertDestination>({
          kind: 'AlertDestination',
          args,
          keyOf: (d) => ({ id: d.id }),
          fetch: (page) => ctx.db.alertDestination.findMany({ where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.alertDestination.count({ where }),
        });
      },
    },
    { name: 'AlertDestinationConnection', fields: (c) => ({ totalCount: c.int({ description: 'How many items the whole list has, not only this page (counted only when asked for).', resolve: (conn) => conn.totalCount() }) }) },
  ),
);

const CreateAlertDestinationInput = builder.inputType('CreateAlertDestinationInput', {
  description: 'A new alert destination.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 200 characters.' }),
    url: t.string({ required: true, description: 'http(s) URL on a public address (or a host in OUTBOUND_ALLOW_HOSTS).' }),
    events: t.field({ type: [AlertEventEnum], required: true, description: 'At least one event.' }),
    enabled: t.boolean({ defaultValue: true, description: 'False keeps it without sending anything.' }),
  }),
});

const UpdateAlertDestinationInput = builder.inputType('UpdateAlertDestinationInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({
    name: t.string({ description: '1 to 200 characters.' }),
    url: t.string({ description: 'http(s) URL on a public address (or a host in OUTBOUND_ALLOW_HOSTS).' }),
    events: t.field({ type: [AlertEventEnum], description: 'Replaces the events it receives (at least one).' }),
    enabled: t.boolean({ description: 'False pauses it.' }),
  }),
});

interface DestinationInput {
  name?: string | null;
  url?: string | null;
  events?: AlertEvent[] | null;
  enabled?: boolean | null;
}

/** Every problem of the input at once; a URL the workers would refuse to call is one of them. */
async function checkInput(ctx: GraphQLContext, input: DestinationInput): Promise<{ name?: string; url?: string; events?: AlertEvent[]; enabled?: boolean }> {
  const problems: InputProblem[] = [];
  const name = input.name?.trim();
  if (input.name !== undefined && (input.name === null || !name || name.length > 200)) problems.push({ path: 'input.name', message: 'must be 1 to 200 characters' });
  if (input.url !== undefined) {
    if (input.url === null || input.url.length > 2000) problems.push({ path: 'input.url', message: 'must be a URL of at most 2000 characters' });
    else {
      try {
        await assertOutboundUrl(input.url, { allowHosts: ctx.ops.outboundAllowHosts });
      } catch (err) {
        problems.push({ path: 'input.url', message: `is not allowed: ${(err as Error).message}` });
      }
    }
  }
  if (input.events !== undefined && !input.events?.length) problems.push({ path: 'input.events', message: 'must name at least one event' });
  if (input.enabled === null) problems.push({ path: 'input.enabled', message: 'must be true or false' });
  if (problems.length) throw new ValidationError(problems);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(input.url != null ? { url: input.url } : {}),
    ...(input.events ? { events: [...new Set(input.events)] } : {}),
    ...(input.enabled != null ? { enabled: input.enabled } : {}),
  };
}

async function ownDestination(ctx: GraphQLContext, id: string | number): Promise<AlertDestination> {
  const rowId = requireLocalId(String(id), 'AlertDestination');
  const existing = await ctx.db.alertDestination.findFirst({ where: { id: rowId, tenantId: tenantOf(ctx) } });
  if (!existing) throw new NotFoundError('AlertDestination', String(id));
  return existing;
}

const CreateAlertDestinationPayload = builder.objectRef<{ alertDestination: AlertDestination; signingSecret: string }>('CreateAlertDestinationPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({
    alertDestination: t.field({ type: AlertDestinationRef, nullable: false, description: 'The new destination.', resolve: (p) => p.alertDestination }),
    signingSecret: t.exposeString('signingSecret', {
      description:
        'Verifies x-flowdeck-signature: "sha256=" + hex HMAC-SHA256 of "<x-flowdeck-timestamp>.<body>" under this secret. Shown only here, once: store it now (to replace it, recreate the destination).',
    }),
  }),
});

const AlertDestinationPayload = builder.objectRef<{ alertDestination: AlertDestination }>('AlertDestinationPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ alertDestination: t.field({ type: AlertDestinationRef, nullable: false, description: 'The destination as it is now.', resolve: (p) => p.alertDestination }) }),
});

const DeleteAlertDestinationPayload = builder.objectRef<{ id: string }>('DeleteAlertDestinationPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ deletedAlertDestinationId: t.exposeID('id', { description: 'Global id of the deleted destination.' }) }),
});

builder.mutationFields((t) => ({
  createAlertDestination: t.field({
    description: 'Adds a webhook for alerts; the answer carries its signing secret, once.',
    type: CreateAlertDestinationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'CreateAlertDestinationResult' } },
    args: { input: t.arg({ type: CreateAlertDestinationInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { input }, ctx) => {
      const data = await checkInput(ctx, input);
      const alertDestination = await ctx.db.alertDestination.create({
        data: { tenantId: tenantOf(ctx), name: data.name!, url: data.url!, events: data.events!, enabled: data.enabled ?? true },
      });
      return { alertDestination, signingSecret: destinationSecret(ctx.ops.signingSecret, alertDestination.id) };
    },
  }),
  updateAlertDestination: t.field({
    description: 'Changes the given fields of a destination.',
    type: AlertDestinationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'UpdateAlertDestinationResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }), input: t.arg({ type: UpdateAlertDestinationInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { id, input }, ctx) => {
      const existing = await ownDestination(ctx, id);
      const data = await checkInput(ctx, input);
      return { alertDestination: await ctx.db.alertDestination.update({ where: { id: existing.id }, data }) };
    },
  }),
  deleteAlertDestination: t.field({
    type: DeleteAlertDestinationPayload,
    authScopes: { role: 'ADMIN' },
    description: 'Deletes the destination and its delivery history; pending deliveries are dropped.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'DeleteAlertDestinationResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => {
      const existing = await ownDestination(ctx, id);
      await ctx.db.alertDestination.delete({ where: { id: existing.id } });
      return { id: String(id) };
    },
  }),
}));
