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
const NODE_TYPES = new Set(['Workflow', 'Execution', 'Integration', 'ApiKey', 'BulkOperation', 'AlertDestination', 'WebhookTrigger', 'Event']);
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
    nodeQueryOptions: { authScopes: { viewer: true }, description: 'The object with this global id, if it is in your tenant; null otherwise.', args: { id: { description: 'A global id, as returned in any `id` field.' } } },
    nodesQueryOptions: { authScopes: { viewer: true }, description: 'The objects with these global ids, in order; null for each one not in your tenant.', args: { ids: { description: 'Global ids, as returned in `id` fields.' } } },
    // Descriptions of the Relay plumbing every list shares (schema.graphql documents everything).
    nodeTypeOptions: { description: 'An object that can be fetched again by its global id with node(id:).' },
    idFieldOptions: { description: 'Global id: opaque, stable, accepted by node(id:).' },
    pageInfoTypeOptions: { description: 'Where a page sits in its list.' },
    hasNextPageFieldOptions: { description: 'More items follow this page (page on with after: endCursor).' },
    hasPreviousPageFieldOptions: { description: 'More items precede this page (page back with before: startCursor).' },
    startCursorFieldOptions: { description: "The first item's cursor; null for an empty page." },
    endCursorFieldOptions: { description: "The last item's cursor; null for an empty page." },
    cursorFieldOptions: { description: 'Opaque keyset position of this item; pass to after: or before:.' },
    nodeFieldOptions: { description: 'The item.' },
    edgesFieldOptions: { description: 'The items of this page, each with its cursor, newest first.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the list.' },
    firstArgOptions: { description: 'Page size counted from the start (after: the cursor); default 20, at most 100 unless the list says otherwise.' },
    lastArgOptions: { description: 'Page size counted from the end (before: the cursor).' },
    afterArgOptions: { description: 'Items after this cursor (an edge cursor or endCursor).' },
    beforeArgOptions: { description: 'Items before this cursor (an edge cursor or startCursor).' },
    defaultConnectionTypeOptions: { description: 'One page of a list (a Relay connection): its items, where it sits, and the total.' },
    defaultEdgeTypeOptions: { description: 'One item of a page, with the cursor to page from it.' },
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
  errors: { defaultTypes: [], defaultUnionOptions: { description: 'The payload on success, or an expected error (ValidationError, NotFoundError, ConflictError) and nothing written.' } },
});

builder.queryType({ description: 'Reads. Every list is a Relay connection scoped to the tenant of your API key.' });
builder.mutationType({ description: 'Writes. Each returns its payload or an expected error as data (ValidationError, NotFoundError, ConflictError).' });
builder.subscriptionType({ description: 'Live updates over graphql-ws or Server-Sent Events, scoped like queries.' });
