// `npm run loadtest` / `npm run loadtest:smoke`: the standing measurement of API speed.
// Starts private PostgreSQL + Redis under .data/loadtest, seeds a realistic dataset, runs
// Flowdeck (api + worker roles) and a hello-world graphql-yoga server as separate processes,
// then drives both with k6 (open-model scenarios) and prints one table with absolute numbers
// and ratios to the hello-world ceiling. Exits non-zero when the baseline thresholds fail.
// Only 127.0.0.1 is ever targeted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { throwawaySecrets } from '../../../server/src/dev/secrets.ts';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startPostgres, startRedis, type Service } from '../../../server/src/dev/services.ts';
import { migrate } from '../../../server/src/migrate.ts';
import { seedLoadData } from './seed-load.ts';
import { createDb } from '../../../server/src/db.ts';
import { createApiKey } from '../../../server/src/auth/api-keys.ts';
import { createRedis } from '../../../server/src/redis.ts';
import { LogService } from '../../../server/src/logs/service.ts';
import { eventTopics } from '../../../server/src/events.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const say = (m: string) => process.stderr.write(`[loadtest] ${m}\n`);
const { values: opts } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'baseline-duration': { type: 'string' },
    'skip-steps': { type: 'boolean', default: false },
    /** Comma list of hello, baseline, max, steps, subscriptions (default: all). */
    only: { type: 'string' },
  },
});
const only = opts.only ? new Set(opts.only.split(',').map((s) => s.trim())) : undefined;
const wants = (scenario: string) => !only || only.has(scenario);
const smoke = opts.smoke!;
const K6_VERSION = 'v1.8.1';

/** k6 from PATH or ~/go/bin, else built from the Go module proxy (takes minutes, once). */
function ensureK6(): string {
  const candidates = [path.join(homedir(), 'go', 'bin', 'k6'), ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'k6'))];
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  say(`k6 not found; building go.k6.io/k6@${K6_VERSION} with go install (a few minutes, cached in ~/go/bin)…`);
  const res = spawnSync('go', ['install', `go.k6.io/k6@${K6_VERSION}`], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error('could not build k6 (is Go installed?)');
  return path.join(homedir(), 'go', 'bin', 'k6');
}

function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({ child, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${out.slice(-2000)}`)));
  });
}

interface K6Summary {
  /** k6 exits 99 when a threshold fails. */
  thresholdsFailed: boolean;
  metrics: Record<string, { values: Record<string, number> }>;
}

function runK6(k6: string, script: string, env: Record<string, string>, label: string): K6Summary {
  const summaryFile = path.join(root, '.data', 'loadtest', `${label}.json`);
  say(`k6 ${label}…`);
  const res = spawnSync(k6, ['run', '--quiet', '--summary-trend-stats', 'avg,min,med,max,p(95),p(99)', '--summary-export', summaryFile, path.join(root, 'k6', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!existsSync(summaryFile)) throw new Error(`k6 ${label} produced no summary (exit ${res.status})`);
  const raw = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, Record<string, unknown>> };
  const metrics: K6Summary['metrics'] = {};
  for (const [name, m] of Object.entries(raw.metrics)) {
    const { thresholds: _t, ...values } = m as Record<string, unknown>;
    metrics[name] = { values: values as Record<string, number> };
  }
  if (res.status !== 0 && res.status !== 99) throw new Error(`k6 ${label} failed (exit ${res.status})`);
  return { thresholdsFailed: res.status === 99, metrics };
}

/** Failed requests: transport failures or GraphQL errors, whichever is larger. */
const errorRate = (m: K6Summary['metrics']) => Math.max(m.http_req_failed?.values.value ?? 0, m.graphql_errors?.values.value ?? 0);
/** Runs k6 in the background (the harness writes log lines meanwhile). */
function runK6Async(k6: string, script: string, env: Record<string, string>, label: string): Promise<K6Summary> {
  const summaryFile = path.join(root, '.data', 'loadtest', `${label}.json`);
  say(`k6 ${label}…`);
  return new Promise((resolve, reject) => {
    const child = spawn(k6, ['run', '--quiet', '--summary-trend-stats', 'avg,min,med,max,p(95),p(99)', '--summary-export', summaryFile, path.join(root, 'k6', script)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('exit', (code) => {
      if (!existsSync(summaryFile)) return reject(new Error(`k6 ${label} produced no summary (exit ${code})`));
      const raw = JSON.parse(readFileSync(summaryFile, 'utf8')) as { metrics: Record<string, Record<string, number>> };
      resolve({ thresholdsFailed: code === 99, metrics: Object.fromEntries(Object.entries(raw.metrics).map(([k, v]) => [k, { values: v }])) });
    });
  });
}

/**
 * Subscription scenario: CLIENTS graphql-ws clients on logAdded (WARN lines) while this process
 * writes WARN lines through the real LogService (redaction, batching, Redis events) at a steady
 * rate, each stamped with its send time.
 */
async function subscriptionScenario(k6: string, k6env: Record<string, string>, databaseUrl: string, redisUrl: string, tenantId: string, clients: number, holdMs: number, linesPerSecond: number) {
  const run = runK6Async(k6, 'subscriptions.js', { ...k6env, CLIENTS: String(clients), HOLD_MS: String(holdMs) }, `subscriptions-${clients}`);
  const db = createDb(databaseUrl, 2);
  const redis = createRedis(redisUrl);
  const logs = new LogService({ db, redis, topic: eventTopics('fd').logs, batchSize: 100, flushIntervalMs: 20 });
  await logs.start();
  // Let the clients connect and subscribe before the first line.
  await new Promise((r) => setTimeout(r, Math.min(8_000, holdMs / 4)));
  let written = 0;
  const writeUntil = Date.now() + holdMs / 2;
  while (Date.now() < writeUntil) {
    logs.log({ tenantId, level: 'WARN', message: `subscription probe ${written}`, metadata: { sentAt: Date.now() } });
    written++;
    await new Promise((r) => setTimeout(r, 1000 / linesPerSecond));
  }
  await logs.stop();
  await db.$disconnect();
  redis.disconnect();
  const summary = await run;
  return { summary, written };
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));

const services: Service[] = [];
const children: ChildProcess[] = [];
let status = 0;
try {
  const k6 = ensureK6();
  const dataDir = path.join(root, '.data', 'loadtest', smoke ? 'smoke' : 'full');
  mkdirSync(dataDir, { recursive: true });
  const [pg, redis] = await Promise.all([
    startPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: false, log: say }),
    startRedis({ dataDir: path.join(dataDir, 'redis'), log: say }),
  ]);
  services.push(pg, redis);
  await migrate(pg.url);
  const seed = await seedLoadData(pg.url, {
    tenants: 5,
    workflowsPerTenant: 20,
    executions: 100_000,
    logs: smoke ? 200_000 : 10_000_000,
    days: 90,
    log: say,
  });
  const db = createDb(pg.url, 2);
  const { key } = await createApiKey(db, { tenantId: seed.tenantIds[0]!, name: 'load test', role: 'OPERATOR' });
  await db.$disconnect();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: pg.url,
    REDIS_URL: redis.url,
    ...throwawaySecrets(),
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '20',
    RATE_LIMIT_PER_MINUTE: '0',
    FLOWDECK_DATA_DIR: dataDir,
  };
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  // LOG_LEVEL=warn hides the "port" line; read it from an info line printed by this role only.
  const app = await startProcess('flowdeck', ['--import', tsx, path.join(root, 'server/src/main.ts'), 'api', 'worker'], { ...env, LOG_LEVEL: 'info' }, /"port":(\d+)/);
  children.push(app.child);
  const hello = await startProcess('hello-yoga', ['--import', tsx, path.join(root, 'tools/src/loadtest/hello-yoga.ts')], env, /listening (\d+)/);
  children.push(hello.child);
  const url = `http://127.0.0.1:${app.match[1]}`;
  const helloUrl = `http://127.0.0.1:${hello.match[1]}`;
  const targetFile = path.join(root, '.data', 'loadtest', 'target.json');
  // Relay global ids, as partners see them.
  const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
  writeFileSync(
    targetFile,
    JSON.stringify({
      url,
      helloUrl,
      apiKey: key,
      workflowIds: seed.workflowIds.map((id) => globalId('Workflow', id)),
      executionIds: seed.executionIds.map((id) => globalId('Execution', id)),
    }),
  );
  const k6env = { TARGET_FILE: targetFile };

  const rows: string[][] = [];
  let helloRps = NaN;
  if (wants('hello')) {
    const ceiling = runK6(k6, 'hello.js', { ...k6env, DURATION: smoke ? '10s' : '20s' }, 'hello-ceiling');
    helloRps = ceiling.metrics.http_reqs?.values.rate ?? NaN;
    rows.push(['hello-world yoga, max', fmt(helloRps, 0), fmt(ceiling.metrics.http_req_duration?.values['p(95)']), fmt(ceiling.metrics.http_req_duration?.values['p(99)']), '—', '100%']);
  }

  const duration = opts['baseline-duration'] ?? (smoke ? '30s' : '10m');
  let perOp = '';
  if (wants('baseline')) {
    const baseline = runK6(k6, 'partner-mix.js', { ...k6env, RATE: '100', DURATION: duration }, 'baseline');
    const b = baseline.metrics;
    rows.push([`partner mix, 100 req/s × ${duration}`, fmt(b.http_reqs?.values.rate, 0), fmt(b.http_req_duration?.values['p(95)']), fmt(b.http_req_duration?.values['p(99)']), fmt(errorRate(b) * 100, 3) + '%', fmt(((b.http_reqs?.values.rate ?? 0) / helloRps) * 100, 1) + '%']);
    const ops = ['workflows', 'executions', 'execution', 'logs', 'trigger'];
    perOp = ops
      .map((op) => {
        const v = b[`http_req_duration{op:${op}}`]?.values;
        return v ? `${op} p50 ${fmt(v.med)} / p95 ${fmt(v['p(95)'])} ms` : undefined;
      })
      .filter(Boolean)
      .join(' · ');
    if (baseline.thresholdsFailed) {
      status = 1;
      say('baseline thresholds FAILED (p95 ≤ 200 ms, errors < 0.1% of requests): see the k6 output above');
    }
  }

  if (!smoke && wants('max')) {
    const max = runK6(k6, 'partner-max.js', { ...k6env, DURATION: '20s' }, 'mix-max');
    const mixRps = max.metrics.http_reqs?.values.rate ?? NaN;
    rows.push(['partner mix, max (closed model)', fmt(mixRps, 0), fmt(max.metrics.http_req_duration?.values['p(95)']), fmt(max.metrics.http_req_duration?.values['p(99)']), fmt(errorRate(max.metrics) * 100, 3) + '%', fmt((mixRps / helloRps) * 100, 1) + '%']);
  }
  if (!smoke && wants('steps') && !opts['skip-steps']) {
    for (const rate of [250, 500, 1000, 2000]) {
      const s = runK6(k6, 'partner-mix.js', { ...k6env, RATE: String(rate), DURATION: '30s', NO_THRESHOLDS: '1' }, `step-${rate}`);
      const m = s.metrics;
      const dropped = m.dropped_iterations?.values.count ?? 0;
      rows.push([`step ${rate} req/s (dropped ${dropped})`, fmt(m.http_reqs?.values.rate, 0), fmt(m.http_req_duration?.values['p(95)']), fmt(m.http_req_duration?.values['p(99)']), fmt(errorRate(m) * 100, 3) + '%', fmt(((m.http_reqs?.values.rate ?? 0) / helloRps) * 100, 1) + '%']);
    }
  }

  const clients = smoke ? 50 : 500;
  let subLine = '';
  if (wants('subscriptions')) {
    const sub = await subscriptionScenario(k6, k6env, pg.url, redis.url, seed.tenantIds[0]!, clients, smoke ? 20_000 : 60_000, 20);
    const sm = sub.summary.metrics;
    subLine =
      `Subscriptions: ${sm.clients_acked?.values.count ?? 0} of ${clients} graphql-ws clients connected, ${sm.clients_held?.values.count ?? 0} held to the end; ` +
      `${sub.written} WARN lines written at 20/s, ${sm.log_lines_received?.values.count ?? 0} deliveries (expected ${sub.written * clients}); ` +
      `write → client latency p50 ${fmt(sm.log_delivery_ms?.values.med)} / p95 ${fmt(sm.log_delivery_ms?.values['p(95)'])} / p99 ${fmt(sm.log_delivery_ms?.values['p(99)'])} ms`;
    say(subLine);
  }

  const header = ['scenario', 'req/s', 'p95 ms', 'p99 ms', 'errors', 'of ceiling'];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const report = `# Load test ${smoke ? '(smoke)' : ''}\n\n${new Date().toISOString()} · ${cpu} · ${(await import('node:os')).cpus().length} cores · k6 ${K6_VERSION} on the same machine\n\n${table}\n\nBaseline by operation: ${perOp}\n\n${subLine}\n`;
  mkdirSync(path.join(root, 'bench'), { recursive: true });
  writeFileSync(path.join(root, 'bench', smoke ? 'loadtest-smoke.md' : 'loadtest.md'), report);
  console.log(`\n${report}`);
} catch (err) {
  say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  status = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
process.exit(status);
