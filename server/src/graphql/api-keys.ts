// API keys of the caller's tenant (ADMIN). The full key exists only in createApiKey's answer;
// lists show the public prefix.
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { ApiKey } from '../generated/prisma/client.ts';
import { createApiKey, MAX_ROTATION_OVERLAP_SECONDS, revokeApiKey, rotateApiKey } from '../auth/api-keys.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { builder } from './builder.ts';
import { keysetConnection } from './connection.ts';
import { tenantOf } from './context.ts';
import { ApiKeyRoleEnum } from './enums.ts';
import { MUTATION_ERRORS } from './errors.ts';
import { requireLocalId } from './ids.ts';

const ApiKeyRef = builder.prismaNode('ApiKey', {
  description: 'A key that authenticates API calls for one tenant with one role (ADMIN only). The secret is never shown again after creation.',
  id: { field: 'id' },
  nullable: true,
  // Keys are visible to ADMIN keys only, through node(id) too.
  authScopes: { role: 'ADMIN' },
  findUnique: (id, ctx) => ({ id, tenantId: tenantOf(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name, as shown in the dashboard.' }),
    prefix: t.exposeString('prefix', { description: 'The public part of the key (fd_<prefix>_…).' }),
    role: t.expose('role', { type: ApiKeyRoleEnum, description: 'What the key may do.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Updated at most once a minute.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working by itself; null = never.' }),
    persistedOnly: t.exposeBoolean('persistedOnly', { description: 'The key may run only the persisted documents the server knows (the dashboard\'s operations), sent by hash.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was (or, after a rotation with overlap, will be) revoked.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.connection(
    {
      type: ApiKeyRef,
      authScopes: { role: 'ADMIN' },
      description: 'The API keys of your tenant, newest first (ADMIN).',
      args: { includeRevoked: t.arg.boolean({ defaultValue: false, description: 'Also list revoked keys.' }) },
      resolve: (_root, args, ctx, info) => {
        const where = { tenantId: tenantOf(ctx), ...(args.includeRevoked ? {} : { revokedAt: null }) };
        return keysetConnection<ApiKey>({
          kind: 'ApiKey',
          args,
          keyOf: (k) => ({ id: k.id }),
          fetch: (page) => ctx.db.apiKey.findMany({ ...queryFromInfo({ context: ctx, info, path: ['edges', 'node'] }), where: { AND: [where, page.where] }, orderBy: page.orderBy, take: page.take }),
          count: () => ctx.db.apiKey.count({ where }),
        });
      },
    },
    { name: 'ApiKeyConnection', fields: (c) => ({ totalCount: c.int({ description: 'How many items the whole list has, not only this page (counted only when asked for).', resolve: (conn) => conn.totalCount() }) }) },
  ),
);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key.',
  fields: (t) => ({
    name: t.string({ required: true, description: '1 to 200 characters, to tell keys apart.' }),
    role: t.field({ type: ApiKeyRoleEnum, required: true, description: 'What the key may do.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working; never when omitted.' }),
    persistedOnly: t.boolean({ defaultValue: false, description: "Restrict the key to persisted documents (the dashboard's operations, sent by hash): for keys that live in a browser." }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; key: string }>('CreateApiKeyPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, nullable: false, description: 'The new key (without its secret).', resolve: (p) => p.apiKey }),
    key: t.exposeString('key', { description: 'The full key. Shown only here, once: store it now.' }),
  }),
});

const ApiKeyPayload = builder.objectRef<{ apiKey: ApiKey }>('ApiKeyPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({ apiKey: t.field({ type: ApiKeyRef, nullable: false, description: 'The key as it is now.', resolve: (p) => p.apiKey }) }),
});

const RotateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; key: string; previous: ApiKey }>('RotateApiKeyPayload').implement({
  description: 'What the mutation returns when it succeeds.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, nullable: false, description: 'The new key.', resolve: (p) => p.apiKey }),
    key: t.exposeString('key', { description: 'The full new key. Shown only here, once: store it now.' }),
    previous: t.field({ type: ApiKeyRef, nullable: false, description: 'The replaced key, with the time it stops working (revokedAt).', resolve: (p) => p.previous }),
  }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    description: 'Creates a key; the answer carries the full key, once.',
    type: CreateApiKeyPayload,
    authScopes: { role: 'ADMIN' },
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'CreateApiKeyResult' } },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The values to write (see the input type).' }) },
    resolve: async (_root, { input }, ctx) => {
      const name = input.name.trim();
      const problems = [
        ...(name.length === 0 || name.length > 200 ? [{ path: 'name', message: 'must be 1 to 200 characters' }] : []),
        ...(input.expiresAt && input.expiresAt.getTime() <= Date.now() ? [{ path: 'expiresAt', message: 'must be in the future' }] : []),
      ];
      if (problems.length) throw new ValidationError(problems);
      return createApiKey(ctx.db, { tenantId: tenantOf(ctx), name, role: input.role, expiresAt: input.expiresAt ?? null, persistedOnly: input.persistedOnly ?? false });
    },
  }),
  rotateApiKey: t.field({
    type: RotateApiKeyPayload,
    authScopes: { role: 'ADMIN' },
    description:
      'Replaces a key in one step: a new key with the same name, role and expiry, and the old one revoked at once or after overlapSeconds (up to 7 days), so that whatever uses it can switch first.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'RotateApiKeyResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }), overlapSeconds: t.arg.int({ defaultValue: 0, description: 'How long the old key keeps working, 0 to 604800 seconds.' }) },
    resolve: async (_root, { id, overlapSeconds }, ctx) => {
      const overlap = overlapSeconds ?? 0;
      if (overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) throw new ValidationError([{ path: 'overlapSeconds', message: `must be from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}` }]);
      const res = await rotateApiKey(ctx.db, tenantOf(ctx), requireLocalId(String(id), 'ApiKey'), overlap);
      if (!res.ok) {
        if (res.reason === 'missing') throw new NotFoundError('ApiKey', String(id));
        throw new ConflictError(res.reason === 'expired' ? 'The key has expired; create a new one instead' : 'The key is already revoked or being replaced');
      }
      // Every api process learns the old key's end now (its subscriptions end then).
      await ctx.authenticator?.keyChanged(res.previous);
      return res;
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyPayload,
    authScopes: { role: 'ADMIN' },
    description: 'The key stops working at once in every api process, and the subscriptions it opened end with an UNAUTHENTICATED error.',
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'RevokeApiKeyResult' } },
    args: { id: t.arg.id({ required: true, description: 'Global id of the object to act on.' }) },
    resolve: async (_root, { id }, ctx) => {
      const keyId = requireLocalId(String(id), 'ApiKey');
      const tenantId = tenantOf(ctx);
      const existing = await ctx.db.apiKey.findFirst({ where: { id: keyId, tenantId } });
      if (!existing) throw new NotFoundError('ApiKey', String(id));
      await revokeApiKey(ctx.db, tenantId, keyId);
      const apiKey = await ctx.db.apiKey.findUniqueOrThrow({ where: { id: keyId } });
      // Every api process drops the key and ends the subscriptions it opened, at once.
      await ctx.authenticator?.keyChanged(apiKey);
      return { apiKey };
    },
  }),
}));
