// GraphQL over WebSocket (graphql-ws v6, subprotocol graphql-transport-ws) on the same path as
// HTTP. Operations run through Yoga's envelope, so masking, armor limits and the schema's auth
// apply exactly as over HTTP. The HTTP-only protections are redone here: the API key from
// connectionParams at connection_init (a wrong one closes with 4403), re-checked and
// rate-limited on every subscribe (a revoked key stops working on an open socket). There are
// no cookies, so a cross-site page cannot ride a victim's session: no origin check is needed.
import type { Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Authenticator, Viewer } from '../auth/authenticator.ts';
import type { RateLimiter } from './plugins/rate-limit.ts';
import type { FlowdeckYoga } from './yoga.ts';

export interface GraphQLWsDeps {
  server: Server;
  yoga: FlowdeckYoga;
  authenticator: Authenticator;
  rateLimiter?: RateLimiter;
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

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

export function attachGraphQLWs({ server, yoga, authenticator, rateLimiter }: GraphQLWsDeps) {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer<ConnectionParams, { viewer: Viewer | null }>(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onConnect: async (ctx) => {
        const viewer = await authenticator.authenticate(tokenOf(ctx.connectionParams));
        if (!viewer) return false;
        ctx.extra.viewer = viewer;
        return true;
      },
      onSubscribe: async (ctx, _id, params) => {
        const viewer = await authenticator.authenticate(tokenOf(ctx.connectionParams));
        if (!viewer) return [new GraphQLError('A valid API key is required', { extensions: { code: 'UNAUTHENTICATED' } })];
        ctx.extra.viewer = viewer;
        try {
          await rateLimiter?.consume(viewer.apiKeyId);
        } catch (err) {
          return [err as GraphQLError];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        // Armor's rules throw from parse and validate (propagateOnRejection); both are answers.
        let document;
        try {
          document = parse(params.query);
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
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  return {
    async stop() {
      await disposable.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
