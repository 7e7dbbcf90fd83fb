// `npm run bench [name…]`: private PostgreSQL and Redis under .data/bench (wiped first, durable
// like `npm start`'s; BENCH_PG_DURABLE=0 turns fsync off to show what the disk costs), migrations
// applied, then each benchmark prints its own table.
// To add one: write `server/src/dev/bench-<area>.ts` exporting `(env: BenchEnv) => Promise<void>`
// and list it in BENCHES. Arguments pick benchmarks by name; none runs them all.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { migrate } from '../migrate.ts';
import { removeDir, startPostgres, startRedis, type Service } from './services.ts';
import { benchEngine } from './bench-engine.ts';
import { benchProbe } from './bench-probe.ts';

export interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  say(line: string): void;
}

/** Benchmarks written as scripts of their own run as child processes with the same services. */
function script(file: string, { ownServices = false } = {}): (env: BenchEnv) => Promise<void> {
  return (env) =>
    new Promise((resolve, reject) => {
      const childEnv = { ...process.env, ...(ownServices ? {} : { DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl }) };
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, file)], { stdio: 'inherit', env: childEnv, cwd: root });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${code}`))));
    });
}

const BENCHES: Record<string, (env: BenchEnv) => Promise<void>> = {
  engine: benchEngine,
  probe: benchProbe,
  pdf: script('bench-pdf.ts'),
  // Keeps its 10-million-row dataset under .data/bench-logs between runs (seeding takes minutes).
  logs: script('bench-logs.ts', { ownServices: true }),
};

const say = (msg: string) => process.stderr.write(`[flowdeck bench] ${msg}\n`);
const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = path.join(root, '.data', 'bench');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
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
  for (const name of wanted.length ? wanted : Object.keys(BENCHES)) {
    say(`running ${name}…`);
    await BENCHES[name]!({ databaseUrl: pg.url, redisUrl: redis.url, say });
  }
} catch (err) {
  say(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  status = 1;
} finally {
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
process.exit(status);
