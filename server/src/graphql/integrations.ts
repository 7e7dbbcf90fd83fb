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
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    kind: t.expose('kind', { type: IntegrationKindEnum }),
    name: t.exposeString('name'),
    config: t.expose('config', { type: 'JSON', description: 'Non-secret settings (e.g. the CGB template → flow id map).' }),
    enabled: t.exposeBoolean('enabled'),
    hasCredentials: t.boolean({ select: { credentials: true }, description: 'Whether credentials are stored. They are never returned.', resolve: (i) => i.credentials !== null }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const IntegrationFilterInput = builder.inputType('IntegrationFilter', {
  fields: (t) => ({ kind: t.field({ type: IntegrationKindEnum }), enabled: t.boolean() }),
});

builder.queryField('integrations', (t) =>
  t.connection(
    {
      type: IntegrationRef,
      authScopes: { viewer: true },
      args: { filter: t.arg({ type: IntegrationFilterInput }) },
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
    { name: 'IntegrationConnection', fields: (c) => ({ totalCount: c.int({ resolve: (conn) => conn.totalCount() }) }) },
  ),
);

const CreateIntegrationInput = builder.inputType('CreateIntegrationInput', {
  fields: (t) => ({
    kind: t.field({ type: IntegrationKindEnum, required: true }),
    name: t.string({ required: true }),
    config: t.field({ type: 'JSON' }),
    credentials: t.field({ type: 'JSON', description: 'Encrypted at rest; never returned.' }),
    enabled: t.boolean(),
  }),
});

const UpdateIntegrationInput = builder.inputType('UpdateIntegrationInput', {
  fields: (t) => ({
    name: t.string(),
    config: t.field({ type: 'JSON' }),
    credentials: t.field({ type: 'JSON', description: 'Replaces the stored credentials; null removes them; omit to keep them.' }),
    enabled: t.boolean(),
  }),
});

const IntegrationPayload = builder.objectRef<{ integration: Integration }>('IntegrationPayload').implement({
  fields: (t) => ({ integration: t.field({ type: IntegrationRef, nullable: false, resolve: (p) => p.integration }) }),
});

const DeleteIntegrationPayload = builder.objectRef<{ deletedIntegrationId: string }>('DeleteIntegrationPayload').implement({
  fields: (t) => ({ deletedIntegrationId: t.exposeID('deletedIntegrationId') }),
});

const deps = (ctx: GraphQLContext) => ({ db: ctx.db, encryptionKey: ctx.encryptionKey });

builder.mutationFields((t) => ({
  createIntegration: t.field({
    type: IntegrationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'CreateIntegrationResult' } },
    args: { input: t.arg({ type: CreateIntegrationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      integration: await createIntegration(deps(ctx), tenantOf(ctx), { ...input, config: input.config ?? undefined, credentials: input.credentials ?? undefined, enabled: input.enabled ?? undefined }),
    }),
  }),
  updateIntegration: t.field({
    type: IntegrationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'UpdateIntegrationResult' } },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateIntegrationInput, required: true }) },
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
    type: DeleteIntegrationPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'DeleteIntegrationResult' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteIntegration(deps(ctx), tenantOf(ctx), requireLocalId(String(id), 'Integration'));
      return { deletedIntegrationId: String(id) };
    },
  }),
}));
