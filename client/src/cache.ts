// Graphcache: entities normalise by id, so an executionUpdated payload updates every list and
// page showing that execution. Types without an id (connections, edges, PageInfo, payloads)
// are embedded in their parent; their list is generated from the schema.
import type { CacheExchangeOpts, KeyGenerator, UpdateResolver } from '@urql/exchange-graphcache';
import { embeddedTypes } from './graphql/embedded-types.ts';
import { executionUpdates } from './live-lists.ts';

const embedded: KeyGenerator = () => null;

/** After these mutations the lists they change are refetched rather than patched by hand. */
const LISTS_CHANGED_BY: Record<string, string[]> = {
  createWorkflow: ['workflows'],
  deleteWorkflow: ['workflows'],
  triggerWorkflow: ['executions'],
  retryExecution: ['executions'],
  createApiKey: ['apiKeys'],
  revokeApiKey: ['apiKeys'],
  rotateApiKey: ['apiKeys'],
  createIntegration: ['integrations'],
  createAlertDestination: ['alertDestinations'],
  deleteAlertDestination: ['alertDestinations'],
  deleteIntegration: ['integrations'],
};

const mutationUpdates: Record<string, UpdateResolver> = Object.fromEntries(
  Object.entries(LISTS_CHANGED_BY).map(([mutation, fields]) => [
    mutation,
    (_result, _args, cache) => {
      for (const f of cache.inspectFields('Query')) if (fields.includes(f.fieldName)) cache.invalidate('Query', f.fieldName, f.arguments);
    },
  ]),
);

export const cacheConfig: CacheExchangeOpts = {
  keys: {
    ...Object.fromEntries(embeddedTypes.map((name) => [name, embedded])),
    Viewer: () => 'viewer',
  },
  updates: { Subscription: { ...executionUpdates }, Mutation: mutationUpdates },
};
