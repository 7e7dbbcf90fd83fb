// Graphcache: entities normalise by id, so an executionUpdated payload updates every list and
// page showing that execution. Connection, edge and PageInfo types have no identity of their own
// and are embedded in their parent.
import type { CacheExchangeOpts } from '@urql/exchange-graphcache';

const embedded = () => null;

export const cacheConfig: CacheExchangeOpts = {
  keys: {
    Viewer: () => 'viewer',
    PageInfo: embedded,
  },
};
