// Process entry: `tsx server/src/main.ts [api|worker|pdf-worker|all]…` (or FLOWDECK_ROLES).
// Connects to the configured PostgreSQL and Redis, starts the roles, and drains on SIGTERM/SIGINT.
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { closeDb, getDb } from './db.ts';
import { assertNoEviction, closeRedis, getRedis } from './redis.ts';
import { createLogger } from './logger.ts';
import { startApp, type RunningApp } from './app.ts';
import { startTracing } from './tracing/start.ts';

export async function main(env: NodeJS.ProcessEnv = process.env, argv = process.argv.slice(2)): Promise<RunningApp> {
  const roleArgs = argv.filter((a) => !a.startsWith('-'));
  let config: Config;
  try {
    config = loadConfig(roleArgs.length ? { ...env, FLOWDECK_ROLES: roleArgs.join(',') } : env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  // Before anything opens a span (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
  const stopTracing = await startTracing(config, logger);
  const db = getDb();
  const redis = getRedis();
  await assertNoEviction(redis);
  const app = await startApp({ config, db, redis, logger });
  return {
    port: app.port,
    stop: async () => {
      await app.stop();
      await Promise.all([closeDb(), closeRedis()]);
      // Last: the spans of the drained runs are exported too.
      await stopTracing();
    },
  };
}

/** Installs the signal handlers: the first signal drains, a second one exits at once. */
export function stopOnSignals(app: RunningApp, onStopped: () => void = () => process.exit(0)): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`\n${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stopping = true;
    void app.stop().then(onStopped, (err) => {
      console.error('shutdown failed', err);
      process.exit(1);
    });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const app = await main();
  stopOnSignals(app);
}
