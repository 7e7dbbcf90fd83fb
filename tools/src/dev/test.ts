// `npm test`: private PostgreSQL and Redis under .data/test (wiped first, never the `npm start`
// data), migrations applied, then every suite: vitest (unit + whole-stack) and, when present,
// the Playwright end-to-end suite. Exits non-zero on any failure.
// Arguments after `--` go to vitest, e.g. `npm test -- src/migrate.test.ts`; after `-- --e2e`
// they go to Playwright alone, e.g. `npm test -- --e2e tests/resume.spec.ts --repeat-each 5`.
import { spawn } from 'node:child_process';
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { removeDir, startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { migrate } from '../../../server/src/migrate.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const node = process.execPath;
const say = (msg: string) => process.stderr.write(`[flowdeck test] ${msg}\n`);
const args = process.argv.slice(2);
const e2eOnly = args[0] === '--e2e';
const dataDir = path.join(root, '.data', 'test');
const services: Service[] = [];

function run(cmd: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let status = 1;
try {
  await removeDir(dataDir);
  const [pg, redis] = await Promise.all([
    startPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: false, log: say }),
    startRedis({ dataDir: path.join(dataDir, 'redis'), log: say }),
  ]);
  services.push(pg, redis);
  await migrate(pg.url);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    ...throwawaySecrets(),
    FLOWDECK_DATA_DIR: dataDir,
    FLOWDECK_ROOT: root,
  };
  say(`PostgreSQL ${pg.url}, Redis ${redis.url}`);
  const vitest = path.join(root, 'server', 'node_modules', 'vitest', 'vitest.mjs');
  status = e2eOnly ? 0 : await run(node, [vitest, 'run', ...args], path.join(root, 'server'), env);
  const e2eConfig = path.join(root, 'e2e', 'playwright.config.ts');
  if (status === 0 && (args.length === 0 || e2eOnly) && existsSync(e2eConfig)) {
    const playwright = path.join(root, 'e2e', 'node_modules', '@playwright', 'test', 'cli.js');
    status = await run(node, [playwright, 'test', ...(e2eOnly ? args.slice(1) : [])], path.join(root, 'e2e'), env);
  }
} catch (err) {
  say(`could not run the tests: ${err instanceof Error ? err.message : String(err)}`);
  status = 1;
} finally {
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
process.exit(status);
