// GraphQL over WebSocket (graphql-ws v6, subprotocol graphql-transport-ws) on the same path as
// HTTP. Operations run through Yoga's envelope, so masking, armor limits and the schema's auth
// apply exactly as over HTTP. The HTTP-only protections are redone here: the API key from
// connectionParams.authToken at connection_init (a wrong one closes with 4403), re-checked and
// rate-limited on every subscribe (a revoked key stops working on an open socket, and the
// subscriptions it opened end: plugins/use-key-revocation.ts), the body limit as the largest
// message (maxPayload), and the persisted-only restriction of a key (use-persisted-documents.ts). GraphiQL
// cannot set connectionParams; it sends its headers panel with each operation
// (payload.extensions.headers), which is accepted per operation instead. A socket without any
// key may connect but, like an anonymous HTTP request, can run nothing that needs one.
// There are no cookies, so a cross-site page cannot ride a victim's session: no origin check.
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { RateLimiter } from './plugins/rate-limit.ts';
import { replays, SharedSubscriptions } from './shared-subscriptions.ts';
import { persistedQueryFor } from './plugins/use-persisted-documents.ts';
import type { FlowdeckYoga } from './yoga.ts';

export interface GraphQLWsDeps {
  server: Server;
  yoga: FlowdeckYoga;
  authenticator: Authenticator;
  rateLimiter?: RateLimiter;
  /** GRAPHQL_MAX_BODY_BYTES: the largest message accepted, as for an HTTP body. */
  maxPayloadBytes: number;
  /** Shares one execution among identical live subscriptions (shared-subscriptions.ts). */
  shared?: SharedSubscriptions;
}

interface ConnectionParams {
  authToken?: unknown;
  /** GraphiQL passes its headers panel as connection params. */
  Authorization?: unknown;
  authorization?: unknown;
  [key: string]: unknown;
}

function tokenOf(params: ConnectionParams | undefined): string | undefined {
  const t = params?.authToken ?? params?.Authorization ?? params?.authorization;
  return typeof t === 'string' ? t : undefined;
}

function operationToken(extensions: Record<string, unknown> | null | undefined): string | undefined {
  const headers = extensions?.headers;
  return headers && typeof headers === 'object' ? tokenOf(headers as ConnectionParams) : undefined;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  /** Set when this subscription may share an execution with identical ones. */
  shareKey?: string;
}

export function attachGraphQLWs({ server, yoga, authenticator, rateLimiter, maxPayloadBytes, shared = new SharedSubscriptions() }: GraphQLWsDeps) {
  // ws refuses a larger frame before buffering it and closes with 1009 (Message Too Big); its
  // default (100 MiB) let a socket bypass the 1 MB body limit that HTTP enforces.
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: maxPayloadBytes });
  const disposable = useServer<ConnectionParams>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => {
        const root = args.rootValue as EnvelopedRoot;
        return shared.subscribe(root.shareKey, () => root.subscribe(args) as never) as never;
      },
      onConnect: async (ctx) => {
        const token = tokenOf(ctx.connectionParams);
        if (token === undefined) return true;
        return (await authenticator.authenticate(token)) !== null;
      },
      onSubscribe: async (ctx, _id, params) => {
        const token = operationToken(params.extensions) ?? tokenOf(ctx.connectionParams);
        const viewer = token === undefined ? null : await authenticator.authenticate(token);
        if (token !== undefined && !viewer) return [new GraphQLError('A valid API key is required', { extensions: { code: 'UNAUTHENTICATED' } })];
        if (viewer) {
          try {
            await rateLimiter?.consume(viewer.apiKeyId);
          } catch (err) {
            return [err as GraphQLError];
          }
        }
        // Persisted documents by hash, and the persisted-only restriction of a key (Yoga's
        // persisted-operations plugin runs in onParams, which this path never reaches).
        const persisted = persistedQueryFor(viewer, params);
        if ('error' in persisted) return [persisted.error];
        // The viewer goes into this operation's context only: operations on one socket may carry different keys.
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          extra: { ...ctx.extra, viewer },
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        // Armor's rules throw from parse and validate (propagateOnRejection); both are answers.
        let document;
        try {
          document = parse(persisted.query);
          const errors = validate(schema, document);
          if (errors.length) return errors;
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('The document could not be parsed', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: {
            execute,
            subscribe,
            // Same key (so tenant, role and scope), same document and variables: same results.
            shareKey: viewer && !replays(document) ? JSON.stringify([viewer.apiKeyId, params.operationName ?? null, params.query, params.variables ?? null]) : undefined,
          } satisfies EnvelopedRoot,
        };
      },
    },
    wss,
  );
  return {
    shared,
    /** Open WebSocket connections (for /metrics). */
    connections: () => wss.clients.size,
    async stop() {
      await disposable.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
