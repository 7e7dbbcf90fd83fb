// Starts the real application (chosen roles) against the test PostgreSQL and Redis on a free
// port, for whole-stack tests.
import { loadConfig, type ProcessRole } from '../src/config.ts';
import { createDb } from '../src/db.ts';
import { createRedis } from '../src/redis.ts';
import { createLogger } from '../src/logger.ts';
import { startApp } from '../src/app.ts';

export async function startTestApp(roles: ProcessRole[] = ['api'], env: Record<string, string> = {}) {
  const config = loadConfig({ ...process.env, PORT: '0', FLOWDECK_ROLES: roles.join(','), ...env });
  const db = createDb(config.databaseUrl, 4);
  const redis = createRedis(config.redisUrl);
  const app = await startApp({ config, db, redis, logger: createLogger('silent') });
  const url = `http://127.0.0.1:${app.port}`;
  return {
    url,
    db,
    redis,
    config,
    async graphql<T = any>(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<{ status: number; body: { data?: T; errors?: any[] } }> {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    async stop() {
      await app.stop();
      await db.$disconnect();
      redis.disconnect();
    },
  };
}
