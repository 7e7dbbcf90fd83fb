// `npm run build`: the production artefacts.
//   client/dist          the dashboard (Vite)
//   server/dist/main.js  the server, every role: `node server/dist/main.js api|worker|pdf-worker|all`
//   server/dist/cli.js   the admin CLI: `node server/dist/cli.js migrate`, `… keys create …`
//   server/dist/{migrations,templates,public}  the files the product reads (see server/src/paths.ts)
// `npm run build -- --deploy <dir>` then writes a self-contained folder with the server's
// production dependencies only (`pnpm deploy --prod`): `node <dir>/dist/main.js api` runs there
// on plain Node 24.
//
// Our code (including Prisma's generated client, which is TypeScript in server/src/generated) is
// bundled, so Node needs no TypeScript loader; packages from node_modules stay external, resolved
// from the production dependencies `pnpm deploy --prod` installs (pinned by the lockfile).
// Bundling all of them would break what finds its own files at run time: BullMQ reads its Lua
// scripts from its package folder, pino starts transports from files, puppeteer-core loads
// modules by path. The exceptions are Prisma's client runtime (@prisma/client/runtime, with the
// PostgreSQL query compiler as base64 WebAssembly in a JavaScript module) and the Pothos Prisma
// plugin, self-contained JavaScript both: bundling them means production does not install
// @prisma/client, which drags in the prisma CLI, Prisma Studio and TypeScript as peers (a deploy
// folder of 424 MB instead of 118 MB), and the plugin is what required it as a peer. So both are
// dev dependencies of the server package; the bundle carries them.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const root = path.resolve(import.meta.dirname, '../../..');
const serverDir = path.join(root, 'server');
const say = (msg: string) => process.stderr.write(`[flowdeck build] ${msg}\n`);
const { values: opts } = parseArgs({ options: { deploy: { type: 'string' }, outdir: { type: 'string' }, 'skip-client': { type: 'boolean' } } });
// --outdir: build somewhere else than server/dist (the build test does, so it never replaces
// files a running process loaded from server/dist).
const dist = path.resolve(opts.outdir ?? path.join(serverDir, 'dist'));

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal})`))));
  });
}

const BUNDLED_PACKAGES = /^(@prisma\/(client|client-runtime-utils)|@pothos\/(plugin-prisma|selection-mapper))(\/|$)/;
const externalPackagesExceptPrismaRuntime: esbuild.Plugin = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (BUNDLED_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

// server/src/dev is the embedded default of `npm start` (PostgreSQL and Redis started from
// Debian's binaries, the demo seed). The CLI reaches it only through a dynamic import that the
// built CLI never makes (it requires DATABASE_URL), so it is left out of the bundle.
const leaveOutEmbedded: esbuild.Plugin = {
  name: 'leave-out-embedded',
  setup(build) {
    const src = path.join(serverDir, 'src') + path.sep;
    build.onResolve({ filter: /^\.\.?\/(.*\/)?dev\// }, (args) => (args.importer.startsWith(src) ? { path: args.path, external: true } : undefined));
  },
};

const t0 = performance.now();
rmSync(dist, { recursive: true, force: true });
// The dashboard goes to client/dist (what `npm start` serves) and from there beside the bundle;
// with --outdir straight to <outdir>/public, leaving client/dist alone.
const clientDist = opts.outdir ? path.join(dist, 'public') : path.join(root, 'client', 'dist');
if (!opts['skip-client']) {
  say(`dashboard: vite build → ${path.relative(root, clientDist)}`);
  const vite = path.join(root, 'client', 'node_modules', 'vite', 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', clientDist, '--emptyOutDir'], path.join(root, 'client'));
}

say(`server: esbuild → ${path.relative(root, dist)}`);
const result = await esbuild.build({
  absWorkingDir: serverDir,
  entryPoints: { main: 'src/main.ts', cli: 'src/cli.ts' },
  outdir: dist,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  // Stack traces (node --enable-source-maps) name server/src files and lines; the maps need not
  // carry the sources themselves.
  sourcesContent: false,
  // Chunks (the query compiler, loaded on first query) stay in dist/ itself: productPath()
  // resolves from whichever file its code lands in.
  splitting: true,
  chunkNames: '[name]-[hash]',
  plugins: [leaveOutEmbedded, externalPackagesExceptPrismaRuntime],
  define: { __FLOWDECK_BUNDLE__: 'true' },
  // Prisma's runtime is CommonJS for Node (its "node" export condition), and bundled CommonJS
  // calls require() for Node's built-ins, which an ES module lacks: give every output file one.
  banner: { js: "import { createRequire as __flowdeckCreateRequire } from 'node:module'; const require = __flowdeckCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(path.join(dist, 'meta.json'), JSON.stringify(result.metafile));
cpSync(path.join(root, 'prisma', 'migrations'), path.join(dist, 'migrations'), { recursive: true });
cpSync(path.join(serverDir, 'src', 'connectors', 'pdf', 'templates'), path.join(dist, 'templates'), { recursive: true });
if (clientDist !== path.join(dist, 'public')) {
  if (existsSync(clientDist)) cpSync(clientDist, path.join(dist, 'public'), { recursive: true });
  else say('client/dist is missing: the api role will serve no dashboard');
}
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.js')) say(`  ${path.basename(file)}: ${(out.bytes / 1024).toFixed(0)} KiB from ${Object.keys(out.inputs).length} modules`);
}

if (opts.deploy) {
  const target = path.resolve(opts.deploy);
  say(`production folder: pnpm deploy --prod → ${target}`);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  // --legacy: copy the server package with its own production dependencies (no injected
  // workspace packages are involved: the server depends on none).
  await run('npx', ['--yes', 'pnpm@10.34.8', '--filter', '@flowdeck/server', 'deploy', '--prod', '--legacy', '--prefer-offline', target], root);
  // pnpm copied the package's files ("files": dist) as they are in server/; the build is this one.
  rmSync(path.join(target, 'dist'), { recursive: true, force: true });
  cpSync(dist, path.join(target, 'dist'), { recursive: true });
}
say(`done in ${Math.round(performance.now() - t0)} ms`);
