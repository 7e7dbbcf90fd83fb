// Starts Flowdeck exactly as `npm start` does (server/src/dev/start.ts: embedded PostgreSQL and
// Redis under .data/e2e, migrations, demo seed, dashboard build, every role in one process) on a
// free port, and hands the URL, the demo ADMIN key and the database URL to the tests through the
// environment. .data/e2e is wiped first so the demo key is minted (and printed) afresh.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.join(root, '.data', 'e2e');
const STARTUP_TIMEOUT_MS = 180_000;

export default async function globalSetup(): Promise<() => Promise<void>> {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(path.join(root, 'e2e', 'test-results'), { recursive: true });
  const logFile = createWriteStream(path.join(root, 'e2e', 'test-results', 'server.log'));

  // `npm test` hands its own services to vitest; the product under test starts its own.
  const env: NodeJS.ProcessEnv = { ...process.env, FLOWDECK_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'ENCRYPTION_KEY', 'SIGNING_SECRET', 'NODE_ENV']) delete env[k];

  const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(root, 'server', 'src', 'dev', 'start.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(logFile, { end: false });

  const started = await new Promise<{ url: string; apiKey: string; databaseUrl: string }>((resolve, reject) => {
    let buffered = '';
    let url: string | undefined;
    let databaseUrl: string | undefined;
    const timer = setTimeout(() => reject(new Error(`Flowdeck did not start within ${STARTUP_TIMEOUT_MS} ms; see e2e/test-results/server.log`)), STARTUP_TIMEOUT_MS);
    child.on('exit', (code) => reject(new Error(`Flowdeck exited with ${code} while starting; see e2e/test-results/server.log`)));
    child.stderr.on('data', (chunk: Buffer) => {
      logFile.write(chunk);
      buffered += chunk.toString();
      databaseUrl ??= /PostgreSQL at (postgresql:\/\/\S+),/.exec(buffered)?.[1];
      url ??= /dashboard: (http:\/\/\S+?)\/? /.exec(buffered)?.[1];
      const apiKey = /^\s+(fd_[a-z0-9]+_[a-z0-9]+)\s*$/im.exec(buffered)?.[1];
      if (url && apiKey && databaseUrl) {
        clearTimeout(timer);
        resolve({ url, apiKey, databaseUrl });
      }
    });
  });
  process.env.FLOWDECK_E2E_URL = started.url;
  process.env.FLOWDECK_E2E_KEY = started.apiKey;
  process.env.FLOWDECK_E2E_DATABASE_URL = started.databaseUrl;

  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    logFile.end();
  };
}
