import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { GraphQLContext } from './context.ts';
import { schema } from './schema.ts';

export interface YogaDeps {
  db: PrismaClient;
  authenticator: Authenticator;
  graphiql?: boolean;
}

export type FlowdeckYoga = YogaServerInstance<Record<string, never>, GraphQLContext>;

export function createFlowdeckYoga({ db, authenticator, graphiql = true }: YogaDeps): FlowdeckYoga {
  return createYoga<Record<string, never>, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: graphiql ? { title: 'Flowdeck GraphQL', subscriptionsProtocol: 'WS' } : false,
    landingPage: false,
    context: async ({ request }) => ({
      db,
      viewer: await authenticator.authenticate(request.headers.get('authorization')),
    }),
  });
}
