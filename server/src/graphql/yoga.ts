// The GraphQL HTTP handler (and the envelope the WebSocket server reuses, ws.ts).
//
// Threat model of the protections here:
// - Authentication is an API key in the Authorization header (HTTP) or connectionParams (WS);
//   there are no cookies, so a browser never attaches credentials to a cross-site request.
// - CSRF: useCSRFPrevention still refuses "simple" requests (GET, form posts) that carry none
//   of the listed headers, so a cross-site page cannot even run anonymous operations through a
//   victim's browser. `authorization` counts as such a header: it is never simple (browsers
//   preflight it), which keeps curl/k6/partners with a key working without an extra header.
//   Browsers without a key (GraphiQL's GETs) send `x-graphql-yoga-csrf`; JSON POSTs pass.
// - Armor limits (depth, aliases, tokens) run in parse/validate and the cost limit in
//   execute/subscribe (with the variables), so they apply to the WebSocket path too, which
//   executes through this same envelope.
// - Rate limits are per API key in Redis (RateLimiter); the body size limit runs before parsing.
// - Input nothing can store (NUL, absurd nesting) is refused before resolvers (use-input-guards).
// - Subscriptions end when their key is revoked, rotated out or expires (use-key-revocation).
// - Keys restricted to persisted documents run only those (use-persisted-documents; ws.ts too).
// - CORS answers only CORS_ORIGINS (plugins/cors.ts); GraphiQL's page carries a CSP.
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST } from 'graphql';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Authenticator, Viewer } from '../auth/authenticator.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { EngineDeps } from '../engine/executions.ts';
import type { GraphQLContext, OpsSettings } from './context.ts';
import type { FlowdeckPubSub } from './pubsub.ts';
import { corsPolicy } from './plugins/cors.ts';
import { maskError } from './plugins/mask-error.ts';
import type { RateLimiter } from './plugins/rate-limit.ts';
import { useArmorLimits } from './plugins/use-armor-limits.ts';
import { useBodyLimit } from './plugins/use-body-limit.ts';
import { useCostLimit } from './plugins/use-cost-limit.ts';
import { useInputGuards } from './plugins/use-input-guards.ts';
import { useKeyRevocation } from './plugins/use-key-revocation.ts';
import { usePersistedDocuments } from './plugins/use-persisted-documents.ts';
import { withGraphiQLSecurityHeaders } from './plugins/use-security-headers.ts';
import { useOperationMetrics } from './plugins/use-operation-metrics.ts';
import { useTracing } from './plugins/use-tracing.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { schema } from './schema.ts';

const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'authorization'];

export interface YogaDeps {
  db: PrismaClient;
  authenticator: Authenticator;
  engine: EngineDeps;
  pubSub: FlowdeckPubSub;
  encryptionKey: Buffer;
  ops: OpsSettings;
  limits: Config['graphql'];
  rateLimiter?: RateLimiter;
  /** Where Yoga reports what it masks (the errors a client only sees as "Unexpected error."). */
  logger?: Logger;
  graphiql?: boolean;
  /** This process's Prometheus metrics; absent: operations are not timed. */
  metrics?: Metrics;
}

/** What the WebSocket server hands to the context factory (set in its onConnect). */
export interface WsServerContext {
  extra?: { viewer?: Viewer | null };
}

export type FlowdeckYoga = YogaServerInstance<WsServerContext, GraphQLContext>;

function yogaLogging(logger: Logger) {
  const log = logger.child({ component: 'graphql' });
  return {
    debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => log.error({ err: args.find((a) => a instanceof Error), args: args.filter((a) => !(a instanceof Error)) }, 'graphql error'),
  };
}

// GraphiQL served from our own bundle, with a CSP that allows exactly its inline script.
const graphiqlPage = withGraphiQLSecurityHeaders(renderGraphiQL);

export function createFlowdeckYoga({ db, authenticator, engine, pubSub, encryptionKey, ops, limits, rateLimiter, logger, graphiql = true, metrics }: YogaDeps): FlowdeckYoga {
  return createYoga<WsServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: graphiql ? { title: 'Flowdeck GraphQL', subscriptionsProtocol: 'WS' } : false,
    // GraphiQL served from our own bundle: Yoga's default loads it from a CDN, which fails
    // offline and would let a third-party script run next to operators' API keys.
    renderGraphiQL: graphiqlPage.renderGraphiQL,
    landingPage: false,
    logging: logger ? yogaLogging(logger) : true,
    maskedErrors: { maskError },
    cors: corsPolicy(limits.corsOrigins),
    // Parsed and validated documents (armor's limits included) are cached by their text, so the
    // partner mix's few documents are parsed and validated once per process, not per request.
    parserAndValidationCache: true,
    plugins: [
      // Queries and mutations run as code compiled once per document (graphql-jit) instead of
      // the interpreting executor. Subscriptions keep the standard one: graphql-jit's subscribe
      // did not apply the filters of our subscription resolvers (api-subscriptions tests). First:
      // it replaces the execute function, which the plugins after it then wrap (tracing's span).
      useGraphQlJit({}, { enableIf: (args) => getOperationAST(args.document, args.operationName)?.operation !== 'subscription' }),
      // Next, so its span wraps the execution every later plugin wraps (a no-op when tracing is off).
      useTracing(),
      ...(metrics ? [useOperationMetrics(metrics.graphqlDuration)] : []),
      useBodyLimit({ maxBytes: limits.maxBodyBytes }),
      usePersistedDocuments({ authenticator }),
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      useArmorLimits(limits),
      useCostLimit({ maxCost: limits.maxCost, exposeLimits: limits.introspection }),
      useInputGuards(),
      useKeyRevocation({ authenticator, db }),
      graphiqlPage.plugin,
      ...(limits.introspection ? [] : [useDisableIntrospection()]),
    ],
    context: async (initial) => {
      // WebSocket operations were authenticated once at connection_init (ws.ts).
      const fromWs = initial.extra !== undefined;
      const viewer = fromWs ? (initial.extra?.viewer ?? null) : await authenticator.authenticate(initial.request.headers.get('authorization'));
      if (viewer && !fromWs) await rateLimiter?.consume(viewer.apiKeyId);
      return { db, viewer, engine, pubSub, encryptionKey, authenticator, ops };
    },
  });
}
