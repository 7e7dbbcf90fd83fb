// `npm run bench startup`: start-up time and memory of each process role, built (node
// dist/main.js from a `pnpm deploy --prod` folder) against the sources (node --import tsx
// server/src/main.ts). Each process starts against private PostgreSQL and Redis (already
// migrated); the time runs from spawn() to the first 200 from /readyz (the api on PORT, the
// workers on HEALTH_PORT), polled every 10 ms, once the process has logged "flowdeck started"
// (in `all`, the HTTP server answers before the workers have started). Beside that wall-clock
// time, the CPU time (user + system) the process had used when it became ready: on a busy
// machine the wall clock mostly measures the others, the CPU time much less so.
// Memory is read from /proc 3 s after readiness:
// the Node process's RSS, and the proportional set size (PSS) of its whole process tree, which
// includes Chromium where the pdf-worker has started one. Prints a table (median of --runs
// starts, 3 by default), writes it to bench/startup.md, and reports metrics to bench.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../../../server/src/migrate.ts';
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { removeDir, startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { processTreeMemoryMb } from '../../../server/src/process-memory.ts';
import { metric, percentile } from './bench-metrics.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = path.join(root, '.data', 'startup');
const appDir = path.join(dataDir, 'app');
const say = (msg: string) => process.stderr.write(`[flowdeck startup] ${msg}\n`);
const ROLES = ['api', 'worker', 'pdf-worker', 'all'] as const;
type Role = (typeof ROLES)[number];
type Variant = 'built' | 'tsx';

interface Sample {
  readyMs: number;
  cpuMs: number;
  rssMb: number;
  treePssMb: number;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

/** User + system CPU time of a process (children not included), in ms. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; in clock ticks (100/s on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function procStatus(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) / 1024;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
}

async function measure(variant: Variant, role: Role, env: NodeJS.ProcessEnv): Promise<Sample> {
  const node = path.join(root, 'node_modules', 'node', 'bin', 'node');
  const args =
    variant === 'built'
      ? [path.join(appDir, 'dist', 'main.js'), role]
      : ['--import', path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs'), path.join(root, 'server', 'src', 'main.ts'), role];
  const t0 = performance.now();
  const child = spawn(node, args, { cwd: variant === 'built' ? appDir : root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    let readyMs: number | undefined;
    let cpu = 0;
    while (readyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`${variant} ${role} exited: ${output}`);
      if (performance.now() - t0 > 60_000) throw new Error(`${variant} ${role} not ready after 60 s: ${output}`);
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port && output.includes('flowdeck started')) {
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
        if (ok) {
          readyMs = performance.now() - t0;
          cpu = await cpuMs(child.pid!);
        }
      }
      if (readyMs === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    return { readyMs, cpuMs: cpu, rssMb: await procStatus(child.pid!, 'VmRSS'), treePssMb: await processTreeMemoryMb(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'skip-build': { type: 'boolean' } } });
const runs = Number(opts.runs);
const services: Service[] = [];
// The services are detached (a Ctrl-C must not reach them first): stop them on the way out.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.allSettled(services.map((s) => s.stop())).then(() => process.exit(130)));
}
try {
  if (!opts['skip-build']) {
    say(`building and deploying into ${path.relative(root, appDir)} (npm run build -- --deploy)…`);
    await run(process.execPath, ['--import', path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs'), path.join(root, 'tools/src/build/build.ts'), '--skip-client', '--outdir', path.join(dataDir, 'dist'), '--deploy', appDir]);
  }
  await removeDir(path.join(dataDir, 'services'));
  const [pg, redis] = await Promise.all([
    startPostgres({ dataDir: path.join(dataDir, 'services', 'postgres'), durable: false, log: () => {} }),
    startRedis({ dataDir: path.join(dataDir, 'services', 'redis'), log: () => {} }),
  ]);
  services.push(pg, redis);
  await migrate(pg.url);
  mkdirSync(path.join(dataDir, 'run'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    ...throwawaySecrets(),
    PORT: '0',
    HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    FLOWDECK_DATA_DIR: path.join(dataDir, 'run'),
  };
  const rows: string[] = [];
  for (const role of ROLES) {
    const cells: string[] = [];
    for (const variant of ['built', 'tsx'] as const) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) samples.push(await measure(variant, role, env));
      const med = (f: (s: Sample) => number) => percentile(samples.map(f), 50);
      say(`${role} ${variant}: ready ${samples.map((s) => Math.round(s.readyMs)).join(', ')} ms; CPU ${samples.map((s) => Math.round(s.cpuMs)).join(', ')} ms; RSS ${samples.map((s) => Math.round(s.rssMb)).join(', ')} MB`);
      metric('startup', `${role} ${variant} ready`, med((s) => s.readyMs), 'ms', 'lower');
      metric('startup', `${role} ${variant} cpu to ready`, med((s) => s.cpuMs), 'ms', 'lower');
      metric('startup', `${role} ${variant} rss`, med((s) => s.rssMb), 'MB', 'lower');
      cells.push(`${Math.round(med((s) => s.readyMs))} ms`, `${Math.round(med((s) => s.cpuMs))} ms`, `${Math.round(med((s) => s.rssMb))} MB`, `${Math.round(med((s) => s.treePssMb))} MB`);
    }
    rows.push(`| ${role} | ${cells.join(' | ')} |`);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const table = [
    `Start-up to a green /readyz (wall clock, and the CPU time the process used until then) and memory 3 s later, median of ${runs} starts per cell (${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} × ${cpu}, Node ${process.version}; load average at the end ${load}: a shared machine, so the wall-clock times are disturbed by others' work).`,
    '',
    '| role | built: ready | built: CPU to ready | built: RSS | built: tree PSS | tsx: ready | tsx: CPU to ready | tsx: RSS | tsx: tree PSS |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  writeFileSync(path.join(root, 'bench', 'startup.md'), `# Start-up time and memory per role\n\nMeasured by \`npm run bench startup\` (tools/src/bench/startup.ts).\n\n${table}\n`);
} finally {
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
