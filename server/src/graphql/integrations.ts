// Integrations: a tenant's connections to outside systems. Credentials are write-only: the API
// says whether some are set, never what they are (integrations/service.ts encrypts them).
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { Integration } from '../generated/prisma/client.ts';
import { createIntegration, deleteIntegration, updateIntegration } from '../integrations/service.ts';
import { builder } from './builder.ts';
import { keysetConnection } from './connection.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { IntegrationKindEnum } from './enums.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { requireLocalId } from './ids.ts';

const IntegrationRef = builder.prismaNode('Integration', {
  description: "A tenant's connection to an outside system; credentials are encrypted and never returned.",
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    kind: t.expose('kind', { type: IntegrationKindEnum, description: 'Which system it connects to.' }),
    name: t.exposeString('name', { description: 'Its name, as shown in the dashboard.' }),
    config: t.expose('config', { type: 'JSON', description: 'Non-secret settings (e.g. the CGB template → flow id map).' }),
    enabled: t.exposeBoolean('enabled', { description: 'False pauses it without deleting anything.' }),
    hasCredentials: t.boolean({ select: { credentials: true }, description: 'Whether credentials are stored. They are never returned.', resolve: (i) => i.credentials !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

const IntegrationFilterInput = builder.inputType('IntegrationFilter', {
  description: 'Narrows the integrations; every given field must match.',
  fields: (t) => ({ kind: t.field({ type: IntegrationKindEnum, description: 'Only this kind.' }), enabled: t.boolean({ description: 'Only enabled (true) or disabled (false) ones.' }) }),
});

builder.queryField('integrations', (t) =>
  t.connection(
    {
      type: IntegrationRef,
      authScopes: { viewer: true },
      description: 'The integrations of your tenant, newest first.',
      args: { filter: t.arg({ type: IntegrationFilterInput, description: 'Which integrations; all of them when omitted.' }) },
      resolve: (_root, args, ctx, info) => {
        const where = { tenantId: tenantOf(ctx), ...(args.filter?.kind ? { kind: args.filter.kind } : {}), ...(args.filter?.enabled != null ? { enabled: args.filter.enabled } : {}) };
        return keysetConnection<Integration>({
          kind: 'Integration',
          args,
          keyOf: (i) => ({ id: i.id }),
          fetch: (page) => ctx.db.integration.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.integration.count({ where }),
        });
      },
    },
    { name: 'IntegrationConnection', fields: (c) => ({ totalCount: c.int({ description: 'How many items the whole list has, not only this page (counted only when asked for).', resolve: (conn) => conn.totalCount() }) }) },
  ),
);

const CreateIntegrationInput = builder.inputType('CreateIntegrationInput', {
  description: 'A new integration.',
  fields: (t) => ({
    kind: t.field({ type: IntegrationKindEnum, required: true, description: 'Which system; one integration per kind and name.' }),
    name: t.string({ required: true, description: '1 to 200 characters.' }),
    config: t.field({ type: 'JSON', description: 'Non-secret settings, a JSON object of at most 64 KB.' }),
    credentials: t.field({ type: 'JSON', description: 'Encrypted at rest; never returned.' }),
    enabled: t.boolean({ description: 'Default true.' }),
  }),
});

const UpdateIntegrationInput = builder.inputType('UpdateIntegrationInput', {
  description: 'Fields left out stay as they are.',
  fields: (t) => ({
    name: t.string({ description: '1 to 200 characters.' }),
    config: t.field({ type: 'JSON', description: 'Replaces the settings (a JSON object of at most 64 KB).' }),
    credentials: t.field({ type: 'JSON', description: 'Replaces the stored credentials; null removes them; omit to keep them.' }),
    enabled: t.boolean({ description: 'False pauses it.' }),
  }),
});

const IntegrationPayload = builder.objectRef<{ integration: Integration }>('IntegrationPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ integration: t.field({ type: IntegrationRef, nullable: false, description: 'The integration as it is now.', resolve: (p) => p.integration }) }),
});

const DeleteIntegrationPayload = builder.objectRef<{ deletedIntegrationId: string }>('DeleteIntegrationPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ deletedIntegrationId: t.exposeID('deletedIntegrationId', { description: 'Global id of the deleted integration.' }) }),
});

const deps = (ctx: GraphQLContext) => ({ db: ctx.db, encryptionKey: ctx.encryptionKey });

builder.mutationFields((t) => ({
  createIntegration: t.field({
    description: 'Adds an integration; credentials are encrypted at rest and never returned.',
    type: IntegrationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'CreateIntegrationResult' } },
    args: { input: t.arg({ type: CreateIntegrationInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { input }, ctx) => ({
      integration: await createIntegration(deps(ctx), tenantOf(ctx), { ...input, config: input.config ?? undefined, credentials: input.credentials ?? undefined, enabled: input.enabled ?? undefined }),
    }),
  }),
  updateIntegration: t.field({
    description: 'Changes the given fields; credentials are replaced, removed (null) or kept (omitted).',
    type: IntegrationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'UpdateIntegrationResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }), input: t.arg({ type: UpdateIntegrationInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { id, input }, ctx) => ({
      integration: await updateIntegration(deps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Integration'), {
        name: input.name ?? undefined,
        config: input.config ?? undefined,
        enabled: input.enabled ?? undefined,
        // Absent keeps, null clears: the difference matters only for credentials.
        credentials: 'credentials' in input ? input.credentials : undefined,
      }),
    }),
  }),
  deleteIntegration: t.field({
    description: 'Deletes the integration and its stored credentials.',
    type: DeleteIntegrationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'DeleteIntegrationResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteIntegration(deps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Integration'));
      return { deletedIntegrationId: String(id) };
    },
  }),
}));
