// `npm run loadtest` / `npm run loadtest:smoke`: the standing measurement of API speed.
// Starts private PostgreSQL + Redis under .data/loadtest, seeds a realistic dataset, runs
// Flowdeck in its deployment shape (an `api` process, runs executing in a separate `worker`
// process), a hello-world graphql-yoga server and PostGraphile v5 (read-only role, same tables)
// as separate processes, drives them with k6 (closed and open-model scenarios) and graphql-ws
// client processes, then measures the mix once more with every role in one process (`all`).
// Prints one report: ratios to the hello-world ceiling, the step test's accepted/refused/latency,
// the PostGraphile ratio and the subscription table. Exits non-zero when the baseline
// thresholds fail. Only 127.0.0.1 is ever targeted.
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
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '../../..');
const say = (m: string) => process.stderr.write(`[loadtest] ${m}\n`);
const { values: opts } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'baseline-duration': { type: 'string' },
    'skip-steps': { type: 'boolean', default: false },
    /** Comma list of hello, baseline, max, steps, reads, subscriptions, all (default: every one). */
    only: { type: 'string' },
    /** Writes a V8 CPU profile of each Flowdeck process into this folder when it stops (open it in Chrome DevTools). */
    profile: { type: 'string' },
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

/** argv that runs `cmd` with the file-descriptor limit raised to the hard limit (thousands of sockets). */
function withFdLimit(cmd: string, args: string[]): [string, string[]] {
  return ['bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', cmd, ...args]];
}

function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = withFdLimit(process.execPath, args);
    const child = spawn(cmd, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        // Keep draining, so a chatty child never blocks on a full pipe.
        child.stdout!.resume();
        resolve({ child, match: m });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out.length < 100_000 ? (out += d.toString()) : undefined));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${out.slice(-2000)}`)));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Resident memory of a process in bytes (Linux), for memory per connection. */
function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) * 1024 : NaN;
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
const fmt = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '—');

interface SubscriptionResult {
  clients: number;
  acked: number;
  held: number;
  failed: number;
  closedEarly: number;
  received: number;
  expected: number;
  written: number;
  linesPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  bytesPerConnection: number;
}

/** The value at quantile q of a histogram of [value, count] pairs. */
function quantile(hist: Map<number, number>, q: number): number {
  const total = [...hist.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (const ms of [...hist.keys()].sort((a, b) => a - b)) {
    seen += hist.get(ms)!;
    if (seen >= q * total) return ms;
  }
  return NaN;
}

/**
 * Subscription scenario: `clients` graphql-ws sockets, spread over client processes of at most
 * 2,500 sockets each (tools/src/loadtest/ws-subscribers.ts), on logAdded with one filter, while this
 * process writes WARN lines through the real LogService (redaction, batching, Redis events),
 * each stamped with its write time. Memory per connection is the api process's resident memory
 * once every socket subscribed, minus before, divided by the sockets.
 */
async function subscriptionScenario(o: { wsUrl: string; apiKey: string; apiPid: number; databaseUrl: string; redisUrl: string; tenantId: string; clients: number; writeMs: number; linesPerSecond: number }): Promise<SubscriptionResult> {
  const perProcess = 2_500;
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const rssBefore = rssOf(o.apiPid);
  const procs = Array.from({ length: Math.ceil(o.clients / perProcess) }, (_, i) => {
    const n = Math.min(perProcess, o.clients - i * perProcess);
    const [cmd, argv] = withFdLimit(process.execPath, ['--import', tsx, path.join(root, 'tools/src/loadtest/ws-subscribers.ts')]);
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, WS_URL: o.wsUrl, API_KEY: o.apiKey, CLIENTS: String(n) }, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines: Record<string, any>[] = [];
    let buf = '';
    const waiters: (() => void)[] = [];
    child.stdout!.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
        for (const w of waiters.splice(0)) w();
      }
    });
    const line = async (type: string) => {
      for (;;) {
        const found = lines.find((l) => l.type === type);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`subscriber process exited (${child.exitCode}) before "${type}"`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 1000);
        });
      }
    };
    return { child, line };
  });
  await Promise.all(procs.map((p) => p.line('connected')));
  // Subscriptions start right after connection_ack; let the last ones reach Redis.
  await new Promise((r) => setTimeout(r, 3_000));
  const rssAfter = rssOf(o.apiPid);
  const db = createDb(o.databaseUrl, 2);
  const redis = createRedis(o.redisUrl);
  const logs = new LogService({ db, redis, topic: eventTopics('fd').logs, batchSize: 100, flushIntervalMs: 20 });
  await logs.start();
  let written = 0;
  const writeUntil = Date.now() + o.writeMs;
  while (Date.now() < writeUntil) {
    logs.log({ tenantId: o.tenantId, level: 'WARN', message: `subscription probe ${written}`, metadata: { sentAt: Date.now() } });
    written++;
    await new Promise((r) => setTimeout(r, 1000 / o.linesPerSecond));
  }
  await logs.stop();
  await db.$disconnect();
  redis.disconnect();
  // Let the last lines arrive, then collect.
  await new Promise((r) => setTimeout(r, 5_000));
  for (const p of procs) p.child.stdin!.write('stop\n');
  const results = await Promise.all(procs.map((p) => p.line('done')));
  for (const p of procs) p.child.stdin!.end();
  const hist = new Map<number, number>();
  for (const r of results) for (const [ms, n] of r.hist as [number, number][]) hist.set(ms, (hist.get(ms) ?? 0) + n);
  const sum = (k: string) => results.reduce((a, r) => a + Number(r[k] ?? 0), 0);
  return {
    clients: o.clients,
    acked: sum('acked'),
    held: sum('held'),
    failed: sum('failed'),
    closedEarly: sum('closedEarly'),
    received: sum('received'),
    expected: written * o.clients,
    written,
    linesPerSecond: o.linesPerSecond,
    p50: quantile(hist, 0.5),
    p95: quantile(hist, 0.95),
    p99: quantile(hist, 0.99),
    bytesPerConnection: (rssAfter - rssBefore) / o.clients,
  };
}

/** A read-only role for PostGraphile: SELECT on the tables the partner reads touch, nothing else. */
async function createReadOnlyRole(databaseUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flowdeck_readonly') THEN CREATE ROLE flowdeck_readonly LOGIN; END IF; END $$`);
    await c.query(`GRANT USAGE ON SCHEMA public TO flowdeck_readonly`);
    await c.query(`GRANT SELECT ON "Workflow", "WorkflowExecution", "StepRun", "LogEntry" TO flowdeck_readonly`);
  } finally {
    await c.end();
  }
  const url = new URL(databaseUrl);
  url.username = 'flowdeck_readonly';
  url.password = '';
  return url.toString();
}

const services: Service[] = [];
const children: ChildProcess[] = [];
let status = 0;
try {
  const k6 = ensureK6();
  const dataDir = path.join(root, '.data', 'loadtest', smoke ? 'smoke' : 'full');
  mkdirSync(dataDir, { recursive: true });
  const [pgService, redis] = await Promise.all([
    startPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: false, log: say }),
    startRedis({ dataDir: path.join(dataDir, 'redis'), log: say }),
  ]);
  services.push(pgService, redis);
  await migrate(pgService.url);
  const seed = await seedLoadData(pgService.url, {
    tenants: 5,
    workflowsPerTenant: 20,
    executions: 100_000,
    logs: smoke ? 200_000 : 10_000_000,
    days: 90,
    log: say,
  });
  const db = createDb(pgService.url, 2);
  const { key } = await createApiKey(db, { tenantId: seed.tenantIds[0]!, name: 'load test', role: 'OPERATOR' });
  await db.$disconnect();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: pgService.url,
    REDIS_URL: redis.url,
    ...throwawaySecrets(),
    PORT: '0',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    FLOWDECK_DATA_DIR: dataDir,
  };
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const main = path.join(root, 'server/src/main.ts');
  /** A Flowdeck process with these roles; the api ones answer with their URL. */
  const startFlowdeck = async (roles: string[]) => {
    // LOG_LEVEL=warn hides the "port" line; read it from info lines, printed at start only.
    const profile = opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.profile)}`] : [];
    const p = await startProcess(`flowdeck ${roles.join('+')}`, [...profile, '--import', tsx, main, ...roles], { ...env, LOG_LEVEL: 'info' }, roles.some((r) => r === 'api' || r === 'all') ? /"port":(\d+)/ : /flowdeck started/);
    children.push(p.child);
    // The profile's file name carries the pid (via the bash exec, the same process).
    if (opts.profile) say(`flowdeck ${roles.join('+')} is pid ${p.child.pid}; its CPU profile goes to ${path.resolve(opts.profile)}`);
    return { child: p.child, url: p.match[1] ? `http://127.0.0.1:${p.match[1]}` : '' };
  };
  // The deployment shape: the api alone, runs executing in a worker process of their own.
  let api = await startFlowdeck(['api']);
  let worker = await startFlowdeck(['worker']);
  const hello = await startProcess('hello-yoga', ['--import', tsx, path.join(root, 'tools/src/loadtest/hello-yoga.ts')], env, /listening (\d+)/);
  children.push(hello.child);
  let postgraphileUrl = '';
  if (wants('reads')) {
    const pgl = await startProcess('postgraphile', ['--import', tsx, path.join(root, 'tools/src/loadtest/postgraphile-server.ts')], { ...env, DATABASE_URL: await createReadOnlyRole(pgService.url), DATABASE_POOL_SIZE: '8' }, /listening (\d+)/);
    children.push(pgl.child);
    postgraphileUrl = `http://127.0.0.1:${pgl.match[1]}`;
  }
  const targetFile = path.join(root, '.data', 'loadtest', 'target.json');
  // Relay global ids, as partners see them; raw ids for PostGraphile's conditions.
  const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
  const writeTarget = (url: string) =>
    writeFileSync(
      targetFile,
      JSON.stringify({
        url,
        helloUrl: `http://127.0.0.1:${hello.match[1]}`,
        postgraphileUrl,
        apiKey: key,
        tenantId: seed.tenantIds[0],
        workflowIds: seed.workflowIds.map((id) => globalId('Workflow', id)),
        executionIds: seed.executionIds.map((id) => globalId('Execution', id)),
        rawWorkflowIds: seed.workflowIds,
        rawExecutionIds: seed.executionIds,
      }),
    );
  writeTarget(api.url);
  const k6env = { TARGET_FILE: targetFile };

  const rows: string[][] = [];
  /** Throughput is what was answered with data: refusals (admission control) are counted apart. */
  const row = (name: string, m: K6Summary['metrics'], ceiling: number) => {
    const answered = m.accepted ? (m.accepted.values.rate ?? 0) : (m.http_reqs?.values.rate ?? NaN);
    const latency = m.accepted_ms ?? m.http_req_duration;
    const total = (m.accepted?.values.count ?? 0) + (m.refused?.values.count ?? 0) + (m.other_errors?.values.count ?? 0);
    const refused = m.refused ? pct(m.refused.values.count ?? 0, total) : '—';
    const errors = m.other_errors ? pct(m.other_errors.values.count ?? 0, total) : fmt(errorRate(m) * 100, 3) + '%';
    rows.push([name, fmt(answered, 0), fmt(latency?.values['p(95)']), fmt(latency?.values['p(99)']), refused, errors, fmt((answered / ceiling) * 100, 1) + '%']);
    return answered;
  };
  let helloRps = NaN;
  if (wants('hello')) {
    const ceiling = runK6(k6, 'hello.js', { ...k6env, DURATION: smoke ? '10s' : '20s' }, 'hello-ceiling');
    helloRps = ceiling.metrics.http_reqs?.values.rate ?? NaN;
    row('hello-world yoga, max', ceiling.metrics, helloRps);
  }

  const duration = opts['baseline-duration'] ?? (smoke ? '30s' : '10m');
  let perOp = '';
  if (wants('baseline')) {
    const baseline = runK6(k6, 'partner-mix.js', { ...k6env, RATE: '100', DURATION: duration }, 'baseline');
    const b = baseline.metrics;
    row(`partner mix, 100 req/s × ${duration} (api + worker processes)`, b, helloRps);
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

  let mixRps = NaN;
  if (!smoke && wants('max')) {
    mixRps = row('partner mix, max (closed model), api alone + worker process', runK6(k6, 'partner-max.js', { ...k6env, DURATION: '20s', RESPECT_RETRY_AFTER: '1' }, 'mix-max').metrics, helloRps);
  }

  // Open-model steps: what is accepted, what is refused (typed 503/429), how fast the accepted are.
  const steps: string[][] = [];
  if (!smoke && wants('steps') && !opts['skip-steps']) {
    const rates = [250, 500, 1000, 2000];
    const twice = Math.round((2 * mixRps) / 10) * 10;
    if (Number.isFinite(twice) && twice > 0 && !rates.includes(twice)) rates.push(twice);
    for (const rate of rates.sort((a, b) => a - b)) {
      const m = runK6(k6, 'partner-mix.js', { ...k6env, RATE: String(rate), DURATION: '30s', NO_THRESHOLDS: '1' }, `step-${rate}`).metrics;
      const seconds = 30;
      const accepted = m.accepted?.values.count ?? 0;
      const refused = m.refused?.values.count ?? 0;
      const other = m.other_errors?.values.count ?? 0;
      const total = accepted + refused + other;
      steps.push([
        `${rate}${rate === twice ? ' (2× max)' : ''}`,
        fmt(total / seconds, 0),
        fmt(accepted / seconds, 0),
        fmt(refused / seconds, 0),
        pct(refused, total),
        `${fmt(m.accepted_ms?.values.med)} / ${fmt(m.accepted_ms?.values['p(95)'])} / ${fmt(m.accepted_ms?.values['p(99)'])}`,
        fmt(m.refused_ms?.values['p(95)']),
        String(other),
        String(m.dropped_iterations?.values.count ?? 0),
      ]);
    }
  }

  // Side by side with PostGraphile: the same reads, as fast as each answers.
  let readsLine = '';
  if (wants('reads')) {
    const d = smoke ? '5s' : '20s';
    const ours = runK6(k6, 'reads.js', { ...k6env, TARGET_KIND: 'flowdeck', DURATION: d, RESPECT_RETRY_AFTER: '1' }, 'reads-flowdeck').metrics;
    const theirs = runK6(k6, 'reads.js', { ...k6env, TARGET_KIND: 'postgraphile', DURATION: d, RESPECT_RETRY_AFTER: '1' }, 'reads-postgraphile').metrics;
    const a = row('partner reads, max — Flowdeck (api alone)', ours, helloRps);
    const b = row('partner reads, max — PostGraphile v5 (read-only role)', theirs, helloRps);
    const byOp = (m: K6Summary['metrics']) =>
      ['workflows', 'executions', 'execution', 'logs'].map((op) => `${op} p95 ${fmt(m[`http_req_duration{op:${op}}`]?.values['p(95)'])}`).join(', ');
    readsLine = `Flowdeck ÷ PostGraphile on the same reads: **${fmt(a / b, 2)}×** (${fmt(a, 0)} vs ${fmt(b, 0)} answered req/s; clients refused by Flowdeck's admission control wait Retry-After, as partners are told to). Flowdeck: ${byOp(ours)} ms; PostGraphile: ${byOp(theirs)} ms.`;
    say(readsLine);
  }

  const subs: SubscriptionResult[] = [];
  if (wants('subscriptions')) {
    const plan = smoke
      ? [{ clients: 200, linesPerSecond: 10 }]
      : [
          { clients: 1_000, linesPerSecond: 10 },
          { clients: 5_000, linesPerSecond: 4 },
          { clients: 10_000, linesPerSecond: 2 },
        ];
    for (const step of plan) {
      say(`subscriptions: ${step.clients} clients…`);
      const r = await subscriptionScenario({
        wsUrl: `${api.url.replace(/^http/, 'ws')}/graphql`,
        apiKey: key,
        apiPid: api.child.pid!,
        databaseUrl: pgService.url,
        redisUrl: redis.url,
        tenantId: seed.tenantIds[0]!,
        clients: step.clients,
        writeMs: smoke ? 10_000 : 30_000,
        linesPerSecond: step.linesPerSecond,
      });
      say(JSON.stringify(r));
      subs.push(r);
    }
  }

  // The other shape: every role in one process (as `npm start` runs).
  if (!smoke && wants('all')) {
    await stopProcess(api.child);
    await stopProcess(worker.child);
    const all = await startFlowdeck(['all']);
    writeTarget(all.url);
    row('partner mix, max (closed model), all roles in one process', runK6(k6, 'partner-max.js', { ...k6env, DURATION: '20s', RESPECT_RETRY_AFTER: '1' }, 'mix-max-all').metrics, helloRps);
    api = all;
    worker = all;
  }

  const header = ['scenario', 'answered req/s', 'p95 ms', 'p99 ms', 'refused', 'errors', 'of ceiling'];
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const stepHeader = ['offered req/s', 'sent req/s', 'accepted req/s', 'refused req/s', 'refused', 'accepted p50 / p95 / p99 ms', 'refusal p95 ms', 'other errors', 'dropped by k6'];
  const stepTable = steps.length ? `\n\nStep test (open model, 30 s each; refusals are 503 OVERLOADED / 429 RATE_LIMITED with Retry-After):\n\n${[stepHeader, stepHeader.map(() => '---'), ...steps].map((r) => `| ${r.join(' | ')} |`).join('\n')}` : '';
  const subHeader = ['clients', 'connected', 'held', 'lines (per s)', 'deliveries / expected', 'p50 / p95 / p99 ms', 'server memory per connection'];
  const subRows = subs.map((r) => [String(r.clients), String(r.acked), String(r.held), `${r.written} (${r.linesPerSecond}/s)`, `${r.received} / ${r.expected}`, `${fmt(r.p50, 0)} / ${fmt(r.p95, 0)} / ${fmt(r.p99, 0)}`, `${fmt(r.bytesPerConnection / 1024, 1)} KiB`]);
  const subTable = subs.length ? `\n\nSubscriptions (logAdded, one filter; graphql-ws clients in processes of ≤ 2,500 sockets on loopback; latency = write call → client received):\n\n${[subHeader, subHeader.map(() => '---'), ...subRows].map((r) => `| ${r.join(' | ')} |`).join('\n')}` : '';
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const report = `# Load test ${smoke ? '(smoke)' : ''}\n\n${new Date().toISOString()} · ${cpu} · ${(await import('node:os')).cpus().length} cores · k6 ${K6_VERSION} on the same machine\n\n${table}\n\nBaseline by operation: ${perOp}\n\n${readsLine}${stepTable}${subTable}\n`;
  mkdirSync(path.join(root, 'bench'), { recursive: true });
  writeFileSync(path.join(root, 'bench', smoke ? 'loadtest-smoke.md' : 'loadtest.md'), report);
  console.log(`\n${report}`);
} catch (err) {
  say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  status = 1;
} finally {
  for (const c of children) await stopProcess(c);
  for (const s of services.reverse()) await s.stop().catch(() => {});
}
process.exit(status);
