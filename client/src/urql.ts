// One urql client per signed-in key: HTTP for queries and mutations, graphql-ws for live
// subscriptions, graphcache so a subscription's entity update re-renders every list showing it.
import { Client, fetchExchange, makeOperation, mapExchange, subscriptionExchange, type Exchange } from 'urql';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { cacheConfig } from './cache.ts';

export interface FlowdeckClient {
  client: Client;
  /** Same transport, no cache: for the Logs Explorer's long lists. */
  raw: Client;
  ws: WsClient;
  dispose(): void;
}

function wsUrl(): string {
  const u = new URL('/graphql', window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}

/**
 * Sends each operation as its persisted document's hash (APQ-style extensions.persistedQuery,
 * without the query text): codegen embeds the SHA-256 of every document (document.__meta__.hash)
 * and the server holds the same list, so the dashboard works with keys restricted to persisted
 * operations, and requests are smaller.
 */
const persistedDocuments: Exchange = mapExchange({
  onOperation(operation) {
    const hash = (operation.query as { __meta__?: { hash?: string } }).__meta__?.hash;
    if (!hash || operation.kind === 'teardown') return operation;
    return makeOperation(operation.kind, { ...operation, extensions: { ...operation.extensions, persistedQuery: { version: 1, sha256Hash: hash } } }, operation.context);
  },
});

export function createFlowdeckClient(apiKey: string): FlowdeckClient {
  const ws = createWsClient({
    url: wsUrl(),
    connectionParams: { authToken: apiKey },
    // Keep retrying through API restarts; subscriptions resume on reconnect.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    lazy: true,
  });
  const subscriptions: Exchange = subscriptionExchange({
    forwardSubscription(request) {
      const input = { ...request, query: request.query || '' };
      return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
    },
  });
  // Yoga's CSRF prevention rejects browser requests without this header: a cross-site form
  // cannot set it, so a page elsewhere cannot ride on a signed-in tab.
  const fetchOptions = () => ({ headers: { authorization: `Bearer ${apiKey}`, 'x-graphql-yoga-csrf': '1' } });
  const client = new Client({
    url: '/graphql',
    fetchOptions,
    exchanges: [cacheExchange(cacheConfig), persistedDocuments, fetchExchange, subscriptions],
    requestPolicy: 'cache-and-network',
  });
  const raw = new Client({ url: '/graphql', fetchOptions, exchanges: [persistedDocuments, fetchExchange, subscriptions], requestPolicy: 'network-only' });
  return { client, raw, ws, dispose: () => void ws.dispose() };
}
