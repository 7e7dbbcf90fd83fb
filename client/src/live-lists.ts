// Live lists. An executionUpdated payload is a full Execution, so lists already showing that
// run update in place through normalisation. A run a list does not show yet (a new one, or one
// whose status now matches the list's filter) is only added by refetching the first page of
// the lists whose filter it matches; lists it does not belong in are left alone.
import type { Cache, UpdateResolver } from '@urql/exchange-graphcache';

interface ExecutionFilterArgs {
  workflowId?: string | null;
  statuses?: string[] | null;
  triggers?: string[] | null;
  since?: string | null;
  until?: string | null;
}

function matches(cache: Cache, key: string, filter: ExecutionFilterArgs | null | undefined, workflowKey: string | null): boolean {
  if (!filter) return true;
  const status = cache.resolve(key, 'status') as string | null;
  const trigger = cache.resolve(key, 'trigger') as string | null;
  const createdAt = cache.resolve(key, 'createdAt') as string | null;
  if (filter.workflowId && workflowKey !== cache.keyOfEntity({ __typename: 'Workflow', id: filter.workflowId })) return false;
  if (filter.statuses?.length && !filter.statuses.includes(status ?? '')) return false;
  if (filter.triggers?.length && !filter.triggers.includes(trigger ?? '')) return false;
  if (createdAt && filter.since && createdAt < filter.since) return false;
  if (createdAt && filter.until && createdAt >= filter.until) return false;
  return true;
}

function refreshListsMissing(cache: Cache, parent: string, key: string, workflowKey: string | null) {
  for (const field of cache.inspectFields(parent)) {
    if (field.fieldName !== 'executions') continue;
    // Only first pages: a run that is new belongs at the top.
    if (field.arguments?.after || field.arguments?.before || field.arguments?.last) continue;
    const connection = cache.resolve(parent, field.fieldKey) as string | null;
    const edges = (connection && (cache.resolve(connection, 'edges') as string[] | null)) || [];
    if (edges.some((edge) => cache.resolve(edge, 'node') === key)) continue;
    if (!matches(cache, key, field.arguments?.filter as ExecutionFilterArgs | undefined, workflowKey)) continue;
    cache.invalidate(parent, field.fieldName, field.arguments);
  }
}

export const executionUpdates: Record<string, UpdateResolver> = {
  executionUpdated(result, _args, cache) {
    const execution = result.executionUpdated as { __typename: string; id: string } | null;
    if (!execution) return;
    const key = cache.keyOfEntity(execution);
    if (!key) return;
    const workflowKey = cache.resolve(key, 'workflow') as string | null;
    refreshListsMissing(cache, 'Query', key, workflowKey);
    if (workflowKey) refreshListsMissing(cache, workflowKey, key, workflowKey);
  },
};
