// `npm run bench [name…]`: private PostgreSQL and Redis under .data/bench (wiped first, durable
// like `npm start`'s; BENCH_PG_DURABLE=0 turns fsync off to show what the disk costs), migrations
// applied, then each benchmark prints its own table.
// To add one: write `tools/src/bench/bench-<area>.ts` exporting `(env: BenchEnv) => Promise<void>`
// and list it in BENCHES. Arguments pick benchmarks by name; none runs them all.
// Every `metric()` a benchmark reports lands in bench/results.json and bench/results.md with a
// description of the machine; `--compare <older results.json>` prints each metric beside the
// older value and their ratio.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseMetricLine, type Metric } from './bench-metrics.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { removeDir, startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { benchEngine } from './bench-engine.ts';
import { benchProbe } from './bench-probe.ts';
import { benchTracing } from './bench-tracing.ts';
import { benchConcurrency } from './bench-concurrency.ts';

import type { BenchEnv } from './bench-env.ts';

/** Benchmarks written as scripts of their own run as child processes with the same services. */
function script(file: string, { ownServices = false } = {}): (env: BenchEnv) => Promise<void> {
  return (env) =>
    new Promise((resolve, reject) => {
      const childEnv = { ...process.env, ...(ownServices ? {} : { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl }) };
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, file)], { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv, cwd: root });
      // The child's stdout goes through ours, where metric lines are collected.
      child.stdout.on('data', (d: Buffer) => process.stdout.write(d));
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}`))));
    });
}

const BENCHES: Record<string, (env: BenchEnv) => Promise<void>> = {
  engine: benchEngine,
  probe: benchProbe,
  // What OpenTelemetry tracing costs, off (the default) and on (OTLP to a local stand-in collector).
  tracing: benchTracing,
  // Concurrency limits: 1,000 runs over 50 keys with keyLimit 1 against no limit, and what unlimited runs pay.
  concurrency: benchConcurrency,
  pdf: script('bench-pdf.ts'),
  // Keeps its 10-million-row dataset under .data/bench-logs between runs (seeding takes minutes).
  logs: script('bench-logs.ts', { ownServices: true }),
  // Builds and deploys the product, then starts each role on services of its own.
  startup: script('startup.ts', { ownServices: true }),
  // Keeps its 1-million-run, 10-million-line dataset under .data/bench-stats between runs.
  stats: script('bench-stats.ts', { ownServices: true }),
  // Builds a page per chart library and renders it in Chromium; needs no services.
  charts: script('chart-libs.ts', { ownServices: true }),
  // Signed webhook deliveries: accepted/s at 8 and 32 senders, webhook → run COMPLETED at 50/s.
  webhooks: script('bench-webhooks.ts'),
};

const say = (msg: string) => process.stderr.write(`[flowdeck bench] ${msg}\n`);
const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = path.join(root, '.data', 'bench');
const { values: opts, positionals: wanted } = parseArgs({ allowPositionals: true, options: { compare: { type: 'string' } } });

// Collect metric lines from everything written to stdout (ours and the children's), keeping
// them out of the human-readable output.
const metrics: Metric[] = [];
const write = process.stdout.write.bind(process.stdout);
let pending = '';
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  const keep = lines.filter((l) => {
    const m = parseMetricLine(l);
    if (m) metrics.push(m);
    return !m;
  });
  return keep.length ? write(`${keep.join('\n')}\n`, ...(rest as [])) : true;
}) as typeof process.stdout.write;

function machine(): string {
  const cpu = os.cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'} · ${cpu.length} cores · ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version} · ${os.platform()} ${os.release()}`;
}

/**
 * Writes this run's metrics into bench/results.{json,md}, keeping the metrics of the benchmarks
 * that did not run this time (each with the time it was measured): `npm run bench logs` must not
 * wipe the engine's figures.
 */
function writeResults(ran: string[]): void {
  const dir = path.join(root, 'bench');
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const file = path.join(dir, 'results.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { at?: string; metrics?: Metric[] }) : {};
  const kept = (previous.metrics ?? []).filter((m) => !ran.includes(m.bench)).map((m) => ({ ...m, at: m.at ?? previous.at }));
  const all = [...kept, ...metrics.map((m) => ({ ...m, at }))].sort((a, b) => a.bench.localeCompare(b.bench));
  writeFileSync(file, `${JSON.stringify({ at, machine: machine(), metrics: all }, null, 2)}\n`);
  const rows = all.map((m) => `| ${m.bench} | ${m.name} | ${m.value} ${m.unit} | ${m.at?.slice(0, 16).replace('T', ' ') ?? ''} |`);
  writeFileSync(path.join(dir, 'results.md'), `# Benchmarks\n\nLast run ${at} · ${machine()}\n\n| bench | metric | value | measured (UTC) |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n`);
  say(`wrote bench/results.json and bench/results.md (${metrics.length} metrics)`);
}

/** Each metric beside an earlier run's, with the ratio; ▲ better, ▼ worse (by more than 5%). */
function compare(file: string): void {
  if (!existsSync(file)) throw new Error(`no results file at ${file}`);
  const old = JSON.parse(readFileSync(file, 'utf8')) as { at: string; machine: string; metrics: Metric[] };
  const before = new Map(old.metrics.map((m) => [`${m.bench}/${m.name}`, m]));
  const lines = [`\nCompared with ${file} (${old.at}, ${old.machine})\n`, '| bench | metric | before | now | ratio |', '| --- | --- | --- | --- | --- |'];
  for (const m of metrics) {
    const b = before.get(`${m.bench}/${m.name}`);
    if (!b || b.value === 0) continue;
    const ratio = m.value / b.value;
    const better = m.better === 'higher' ? ratio > 1.05 : ratio < 0.95;
    const worse = m.better === 'higher' ? ratio < 0.95 : ratio > 1.05;
    lines.push(`| ${m.bench} | ${m.name} | ${b.value} ${b.unit} | ${m.value} ${m.unit} | ${ratio.toFixed(2)}x ${better ? '▲' : worse ? '▼' : '='} |`);
  }
  console.log(lines.join('\n'));
}
const unknown = wanted.filter((n) => !BENCHES[n]);
if (unknown.length) {
  say(`unknown benchmark(s) ${unknown.join(', ')}; available: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const services: Service[] = [];
let status = 0;
try {
  await removeDir(dataDir);
  const [pg, redis] = await Promise.all([
    startPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: process.env.BENCH_PG_DURABLE !== '0', log: () => {} }),
    startRedis({ dataDir: path.join(dataDir, 'redis'), log: () => {} }),
  ]);
  services.push(pg, redis);
  await migrate(pg.url);
  const ran = wanted.length ? wanted : Object.keys(BENCHES);
  for (const name of ran) {
    say(`running ${name}…`);
    await BENCHES[name]!({ databaseUrl: pg.url, redisUrl: redis.url, pids: { postgres: pg.pid, redis: redis.pid }, say });
  }
  writeResults(ran);
  if (opts.compare) compare(path.resolve(opts.compare));
} catch (err) {
  say(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  status = 1;
} finally {
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
process.exit(status);
