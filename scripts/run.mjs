#!/usr/bin/env node
// Bootstrap for `npm start`, `npm test`, `npm run bench` and `npm run admin` on a fresh machine
// that has only Node and npm. Plain JavaScript that any Node ≥ 18 runs, with no dependencies:
// it installs what is missing (the pnpm workspace, including Node 24 from the `node` package;
// PostgreSQL, Redis and Chromium from Debian when run as root), then hands over to the
// TypeScript entry point under Node 24.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = 'pnpm@10.34.8';
const [command = 'start', ...rest] = process.argv.slice(2);

const ENTRY = {
  start: 'server/src/dev/start.ts',
  test: 'tools/src/dev/test.ts',
  bench: 'tools/src/bench/bench.ts',
  admin: 'server/src/cli.ts',
  loadtest: 'tools/src/loadtest/loadtest.ts',
  'prisma-generate': 'tools/src/dev/prisma-generate.ts',
  cluster: 'tools/src/cluster/cluster.ts',
  build: 'tools/src/build/build.ts',
};

function say(msg) {
  process.stderr.write(`[flowdeck] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function mtime(p) {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

/** Installs the workspace when node_modules is missing or older than the lockfile. */
function ensureDependencies() {
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  const node24 = path.join(root, 'node_modules', 'node', 'bin', 'node');
  const lock = path.join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && existsSync(node24) && mtime(marker) >= mtime(lock)) return;
  say(`installing dependencies with ${PNPM} (first run only)…`);
  const env = {
    ...process.env,
    // Browsers come from Debian's chromium; never download one.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    PUPPETEER_SKIP_DOWNLOAD: '1',
  };
  const frozen = process.env.CI ? ['--frozen-lockfile'] : ['--prefer-offline'];
  const status = run('npx', ['--yes', PNPM, 'install', ...frozen], { env });
  if (status !== 0) {
    say('dependency installation failed; see the output above');
    process.exit(status);
  }
}

const DEBIAN_PACKAGES = {
  postgresql: () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`)),
  'redis-server': () => existsSync('/usr/bin/redis-server'),
  chromium: () => existsSync('/usr/bin/chromium'),
};

/** PostgreSQL and Redis are needed unless both URLs are given; Chromium renders PDFs and runs e2e. */
function ensureSystemPackages() {
  const needServices = ['test', 'bench', 'loadtest', 'cluster'].includes(command) || !(process.env.DATABASE_URL && process.env.REDIS_URL);
  const wanted = Object.keys(DEBIAN_PACKAGES).filter((name) => {
    if (name === 'chromium') return command !== 'admin';
    return needServices;
  });
  const missing = wanted.filter((name) => !DEBIAN_PACKAGES[name]());
  if (missing.length === 0) return;
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    say(`missing system packages: ${missing.join(', ')}. Install them with:\n\n    sudo sh -c '${cmd}'\n`);
    process.exit(1);
  }
  say(`installing ${missing.join(', ')} from Debian's packages…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('sh', ['-c', cmd], { env }) !== 0) {
    say(`could not install ${missing.join(', ')}; run: ${cmd}`);
    process.exit(1);
  }
  // Debian starts a system-wide PostgreSQL and Redis on install; we run our own on other ports.
}

const entry = ENTRY[command];
if (!entry) {
  say(`unknown command "${command}"; expected one of ${Object.keys(ENTRY).join(', ')}`);
  process.exit(2);
}
ensureDependencies();
if (command !== 'prisma-generate' && command !== 'build') ensureSystemPackages();

// The real binary, not node_modules/.bin/node: that is a shell wrapper that would not pass
// signals on.
const node = path.join(root, 'node_modules', 'node', 'bin', 'node');
const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const child = spawn(node, ['--import', pathToFileURLString(tsx), path.join(root, entry), ...rest], {
  stdio: 'inherit',
  cwd: root,
});
// Ctrl-C reaches the child directly (same process group), so SIGINT is only waited out here;
// a SIGTERM or SIGHUP sent to this process alone is passed on.
process.on('SIGINT', () => {});
for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

function pathToFileURLString(p) {
  return new URL(`file://${p}`).href;
}
