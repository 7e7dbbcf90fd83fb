// Assembles the long-lived parts of a Flowdeck process for its roles. Every part has
// start()/stop(); stop() runs in reverse start order within the shutdown deadline.
import type { Config, ProcessRole } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import type { Component } from './component.ts';
import { Authenticator } from './auth/authenticator.ts';
import { KeyChanges } from './auth/key-changes.ts';
import { createFlowdeckYoga } from './graphql/yoga.ts';
import { attachGraphQLWs } from './graphql/ws.ts';
import { createFlowdeckPubSub } from './graphql/pubsub.ts';
import { RateLimiter } from './graphql/plugins/rate-limit.ts';
import { createRedis } from './redis.ts';
import { AdmissionControl } from './http/admission.ts';
import { createHttpServer } from './http/server.ts';
import { createStaticHandler } from './http/static.ts';
import { createWorkerComponents } from './engine/worker-role.ts';
import { createBuiltinRegistry } from './engine/steps/builtin.ts';
import { createQueues } from './engine/queues.ts';
import { createFilesRoute } from './http/files.ts';
import { connectorComponents, pdfWorkerComponent } from './connectors/components.ts';
import { createLogServiceFromConfig } from './logs/service.ts';
import { assertOutboundUrl } from './security/outbound-guard.ts';
import { createLogExportRoute } from './http/logs-export.ts';
import { logMaintenanceTask } from './logs/nightly-task.ts';
import { Metrics } from './metrics/metrics.ts';
import { createMetricsRoute } from './metrics/route.ts';
import { collectConnections, collectDbPool, collectLogService, collectQueueJobs } from './metrics/collectors.ts';
import { poolOf } from './db.ts';
import { createWebhookRoute } from './triggers/webhook-route.ts';
import { createEventsRoute } from './triggers/events-route.ts';

export type { Component };

export interface AppDeps {
  config: Config;
  db: PrismaClient;
  redis: Redis;
  logger: Logger;
}

export interface RunningApp {
  /** The HTTP port when the api role runs, else the probe server's (useful with PORT=0 / HEALTH_PORT=0). */
  port: number | undefined;
  stop(): Promise<void>;
}

export function expandRoles(roles: ProcessRole[]): Set<Exclude<ProcessRole, 'all'>> {
  const out = new Set<Exclude<ProcessRole, 'all'>>();
  for (const r of roles) {
    if (r === 'all') ['api', 'worker', 'pdf-worker'].forEach((x) => out.add(x as 'api'));
    else out.add(r);
  }
  return out;
}

export async function startApp(deps: AppDeps): Promise<RunningApp> {
  const { config, db, redis, logger } = deps;
  const roles = expandRoles(config.roles);
  const components: Component[] = [];
  let port: number | undefined;
  // This process's metrics, served at /metrics on the api's port or the workers' HEALTH_PORT.
  const metrics = new Metrics();
  const metricsRoute = createMetricsRoute(metrics, config.metricsToken);
  const pool = poolOf(db);
  if (pool) collectDbPool(metrics, pool);

  if (roles.has('api')) {
    const queues = createQueues(redis, config.redisPrefix);
    collectQueueJobs(metrics, queues);
    // Subscriber mode takes a connection of its own.
    const subscribeRedis = createRedis(config.redisUrl);
    const keyChanges = new KeyChanges(redis, subscribeRedis, config.redisPrefix);
    const authenticator = new Authenticator(db, { changes: keyChanges });
    const pubSub = createFlowdeckPubSub(redis, subscribeRedis, (err) => logger.warn({ err }, 'Redis (un)subscribe failed'));
    const rateLimiter = new RateLimiter(redis, config.redisPrefix, config.graphql.rateLimitPerMinute);
    const yoga = createFlowdeckYoga({
      db,
      authenticator,
      engine: { db, queues, redis, redisPrefix: config.redisPrefix },
      pubSub,
      encryptionKey: config.encryptionKey,
      ops: { signingSecret: config.signingSecret, outboundAllowHosts: config.connectors.outboundAllowHosts, defaultLogRetentionDays: config.logs.retentionDays },
      limits: config.graphql,
      rateLimiter,
      logger,
      graphiql: config.nodeEnv !== 'production' || config.graphql.introspection,
      metrics,
    });
    const engine = { db, queues, redis, redisPrefix: config.redisPrefix };
    const routes = [
      metricsRoute,
      createLogExportRoute({ db, authenticator }),
      // Inbound webhooks (POST /hooks/<token>) and events (POST /events): issue 18.
      createWebhookRoute({ engine, encryptionKey: config.encryptionKey }),
      createEventsRoute({ engine, authenticator }),
      ...(config.storage.driver === 'local' ? [createFilesRoute({ root: config.storage.localDir, signingSecret: config.signingSecret })] : []),
    ];
    // The dashboard's SPA fallback answers any unclaimed GET for HTML, so it stays the last route.
    const admission = new AdmissionControl(config.admission);
    const http = createHttpServer({ db, redis, yoga, admission, host: config.host, port: config.port, routes: [...routes, createStaticHandler()] });
    const ws = attachGraphQLWs({ server: http.server, yoga, authenticator, rateLimiter, maxPayloadBytes: config.graphql.maxBodyBytes });
    collectConnections(metrics, http.server, ws.connections);
    components.push({
      name: 'http',
      start: async () => {
        await keyChanges.start();
        port = (await http.start()).port;
        logger.info({ port, host: config.host }, `GraphQL at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphql`);
      },
      stop: async () => {
        await ws.stop();
        await http.stop();
        admission.close();
        await authenticator.flush();
        await keyChanges.stop();
        await queues.close();
        await subscribeRedis.quit().catch(() => subscribeRedis.disconnect());
      },
    });
  }

  if (roles.has('worker')) {
    const logService = createLogServiceFromConfig({ config, db, redis, logger });
    collectLogService(metrics, () => logService.stats());
    // Started first and stopped last, so every line the workers write is flushed.
    components.push({ name: 'log-service', start: () => logService.start(), stop: () => logService.stop() });
    // One registry: the engine's own steps, plus the connectors' (registered as they start,
    // before the run worker takes its first job).
    const registry = createBuiltinRegistry();
    const queues = createQueues(redis, config.redisPrefix);
    components.push({ name: 'connector-queues', start: async () => {}, stop: () => queues.close() });
    if (!roles.has('api')) collectQueueJobs(metrics, queues);
    components.push(...connectorComponents({ config, redis, queues, registry, logger }));
    // Alert webhooks go through the same outbound-address guard as every other fetch of a URL.
    const guardAlertUrl = async (url: string) => {
      await assertOutboundUrl(url, { allowHosts: config.connectors.outboundAllowHosts });
    };
    components.push(
      ...createWorkerComponents({
        config,
        db,
        redis,
        logger,
        logSink: logService,
        registry,
        assertOutboundUrl: guardAlertUrl,
        nightlyTasks: { logs: logMaintenanceTask(config) },
        metrics: metrics.runMetrics(),
      }),
    );
  }
  if (roles.has('pdf-worker')) components.push(pdfWorkerComponent({ config, redis, metrics }));
  if (!roles.has('api') && config.healthPort !== undefined) {
    // Last, so /readyz answers only once the workers run. The same checks as the api's.
    const probes = createHttpServer({ db, redis, host: config.host, port: config.healthPort, routes: [metricsRoute] });
    components.push({
      name: 'health-http',
      start: async () => {
        port = (await probes.start()).port;
        logger.info({ port, host: config.host }, `health probes at http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/readyz`);
      },
      stop: () => probes.stop(),
    });
  }

  const started: Component[] = [];
  try {
    for (const c of components) {
      await c.start();
      started.push(c);
    }
  } catch (err) {
    await stopAll(started, config.shutdownTimeoutMs, logger);
    throw err;
  }
  logger.info({ roles: [...roles], databasePool: config.databasePoolSize, databaseTls: config.databaseSslMode, redisTls: config.redisTls }, 'flowdeck started');
  return { port, stop: () => stopAll(started, config.shutdownTimeoutMs, logger) };
}

/** Stops components in reverse order; whatever has not stopped by the deadline is abandoned. */
async function stopAll(components: Component[], deadlineMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (const c of [...components].reverse()) {
    const left = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      c.stop().then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), left))),
    ]).catch((err) => {
      logger.error({ err, component: c.name }, 'error while stopping');
      return false;
    });
    clearTimeout(timer);
    if (timedOut) logger.warn({ component: c.name }, 'did not stop before the shutdown deadline');
  }
}
