import SchemaBuilder from '@pothos/core';
import { GraphQLError } from 'graphql';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import type { ApiKeyRole } from '../generated/prisma/enums.ts';
import { roleAtLeast } from '../auth/api-keys.ts';
import type { GraphQLContext } from './context.ts';

export interface AuthScopes {
  /** Any valid API key. */
  viewer: boolean;
  /** The key's role is at least this one (VIEWER < OPERATOR < ADMIN). */
  role: ApiKeyRole;
}

/** The types node(id) can load; every one has a UUID primary key. */
const NODE_TYPES = new Set(['Workflow', 'Execution', 'Integration', 'ApiKey', 'BulkOperation', 'AlertDestination']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    Date: { Input: Date; Output: Date };
  };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      viewer: ctx.viewer !== null,
      role: (needed) => ctx.viewer !== null && roleAtLeast(ctx.viewer.role, needed),
    }),
    // Unauthenticated and forbidden look the same to the caller, with a code to act on.
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer
        ? new GraphQLError('Your API key may not do this', { extensions: { code: 'FORBIDDEN' } })
        : new GraphQLError('A valid API key is required', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }),
  },
  relay: {
    cursorType: 'String',
    clientMutationId: 'omit',
    nodeQueryOptions: { authScopes: { viewer: true } },
    nodesQueryOptions: { authScopes: { viewer: true } },
    // A malformed id, or one naming no object type we serve by id, is the caller's mistake,
    // not an internal error to mask; a well-formed id we cannot find is simply null.
    decodeGlobalID: (globalID) => {
      const decoded = Buffer.from(globalID, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      const typename = decoded.slice(0, sep);
      const id = decoded.slice(sep + 1);
      if (sep <= 0 || !NODE_TYPES.has(typename) || !UUID.test(id)) {
        throw new GraphQLError('The id is not a Flowdeck id', { extensions: { code: 'BAD_USER_INPUT' } });
      }
      return { typename, id };
    },
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  errors: { defaultTypes: [] },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
