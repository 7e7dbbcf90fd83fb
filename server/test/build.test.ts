// The production build (`npm run build`, tools/src/build/build.ts) as a deployment uses it: built
// into a scratch folder, deployed with production dependencies only (`pnpm deploy --prod`), then
// every role started from there on plain Node — no tsx, no TypeScript, no dev dependency — runs a
// workflow through GraphQL (a PDF and a log line), serves the dashboard, migrates with the built
// CLI, drains on SIGTERM, and exports its traces over OTLP (the SDK is loaded from the deployed
// dependencies only when an endpoint is set, so only a built process shows that it loads). About 20 s, most of it `pnpm deploy`. It uses a database of its
// own on the test server: its worker's scheduler and sweeper would otherwise act on other
// suites' workflows and runs.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueues } from '../src/engine/queues.ts';
import { createRedis } from '../src/redis.ts';
import { waitFor } from './engine-deps.ts';
import { createTestKey, createTestTenant } from './helpers.ts';
import { createDb, type Db } from '../src/db.ts';
import pg from 'pg';

const rootDir = fileURLToPath(new URL('../..', import.meta.url));
const tsx = path.join(rootDir, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const scratch = mkdtempSync(path.join(tmpdir(), 'fd-build-'));
const dist = path.join(scratch, 'dist');
const app = path.join(scratch, 'app');
const redisPrefix = `b${randomUUID().slice(0, 8)}`;
const database = `fd_build_${randomUUID().slice(0, 8)}`;
const databaseUrl = Object.assign(new URL(process.env.DATABASE_URL!), { pathname: `/${database}` }).toString();
let db: Db;

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Only what a deployment sets: nothing of this test process (NODE_OPTIONS could load tsx). */
function deploymentEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    ENCRYPTION_KEY: process.env.ENCRYPTION_KEY,
    SIGNING_SECRET: process.env.SIGNING_SECRET,
    FLOWDECK_DATA_DIR: path.join(scratch, 'data'),
    LOG_LEVEL: 'info',
    ...extra,
  };
}

beforeAll(async () => {
  await admin(`CREATE DATABASE "${database}"`);
  db = createDb(databaseUrl, 2);
  const res = spawnSync(process.execPath, ['--import', tsx, path.join(rootDir, 'tools/src/build/build.ts'), '--outdir', dist, '--deploy', app], {
    cwd: rootDir,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (res.status !== 0) throw new Error(`the build failed:\n${res.stdout}\n${res.stderr}`);
}, 240_000);

afterAll(async () => {
  const redis = createRedis();
  const queues = createQueues(redis, redisPrefix);
  for (const q of [queues.runs, queues.schedules, queues.pdf, queues.maintenance]) await q.obliterate({ force: true }).catch(() => {});
  await queues.close();
  redis.disconnect();
  await db?.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('bundles only the product, and the deployed folder has production dependencies only', () => {
    const meta = JSON.parse(readFileSync(path.join(app, 'dist', 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs).toContain('src/main.ts');
    expect(inputs.filter((i) => /^src\/dev\/|tools\/|\.test\.ts$|^test\//.test(i))).toEqual([]);
    for (const f of ['main.js', 'main.js.map', 'cli.js', 'public/index.html', 'templates/receipt.html']) expect(existsSync(path.join(app, 'dist', f)), f).toBe(true);
    const modules = path.join(app, 'node_modules');
    for (const prodDep of ['bullmq', 'pg', '@prisma/adapter-pg', 'graphql-yoga', 'puppeteer-core']) expect(existsSync(path.join(modules, prodDep)), prodDep).toBe(true);
    // Dev-only packages, and @prisma/client, whose runtime the bundle carries (see build.ts).
    for (const devDep of ['tsx', 'typescript', 'vitest', 'prisma', '@prisma/client', 'esbuild']) expect(existsSync(path.join(modules, devDep)), devDep).toBe(false);
  });

  it('migrates with the built CLI, runs a workflow with every role on plain Node, and drains on SIGTERM', async () => {
    const cli = spawnSync(process.execPath, ['dist/cli.js', 'migrate'], { cwd: app, env: deploymentEnv(), encoding: 'utf8' });
    expect(cli.stderr).toBe('');
    // A new database: the built CLI finds the migrations copied beside the bundle and applies all.
    expect(cli.stdout).toMatch(/^[1-9]\d* applied, 0 already applied$/m);
    const noDb = spawnSync(process.execPath, ['dist/cli.js', 'tenants', 'list'], { cwd: app, env: deploymentEnv({ DATABASE_URL: '' }), encoding: 'utf8' });
    expect([noDb.status, noDb.stderr.trim()]).toEqual([2, 'DATABASE_URL is required']);

    // A stand-in OTLP/HTTP collector: it keeps the JSON bodies posted to /v1/traces.
    const exported: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') exported.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const otlp = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js', 'api', 'worker', 'pdf-worker'], {
      cwd: app,
      env: deploymentEnv({ PORT: '0', SHUTDOWN_TIMEOUT_MS: '5000', OTEL_EXPORTER_OTLP_ENDPOINT: otlp, OTEL_BSP_SCHEDULE_DELAY: '100' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await waitFor(async () => /"port":(\d+)/.exec(output)?.[1], 30_000, `the built server to listen: ${output}`);
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/readyz`)).ok, 30_000, `/readyz: ${output}`);
      expect(output).not.toMatch(/tsx/);
      const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<div id="root">')]);

      const tenant = await createTestTenant(db);
      const key = await createTestKey(db, tenant.id);
      const gql = async (query: string, variables: Record<string, unknown>) => {
        const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
        return ((await res.json()) as { data: any }).data;
      };
      const definition = { steps: [{ id: 'doc', type: 'pdf.generate', config: { template: 'receipt', variables: { customer: 'Ana' } } }, { type: 'log', config: { message: 'built and deployed' } }] };
      const created = await gql('mutation($i: CreateWorkflowInput!) { createWorkflow(input: $i) { ... on WorkflowPayload { workflow { id } } } }', { i: { name: 'built', definition } });
      const triggered = await gql('mutation($id: ID!) { triggerWorkflow(id: $id) { ... on TriggerWorkflowPayload { execution { id } } } }', { id: created.createWorkflow.workflow.id });
      const executionId = triggered.triggerWorkflow.execution.id;
      const done = await waitFor(async () => {
        const e = (await gql('query($id: ID!) { execution(id: $id) { status stepRuns { output } } }', { id: executionId })).execution;
        return ['COMPLETED', 'FAILED'].includes(e.status) && e;
      }, 60_000, 'the run');
      expect(done.status).toBe('COMPLETED');
      const link = new URL(done.stepRuns[0].output.url);
      const pdf = await fetch(`${base}${link.pathname}${link.search}`);
      expect([pdf.status, Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()]).toEqual([200, '%PDF-']);
      // Log lines are written in batches (LOG_FLUSH_INTERVAL_MS), so the line may follow the run.
      await waitFor(() => db.logEntry.findFirst({ where: { tenantId: tenant.id, message: 'built and deployed' } }), 10_000, 'the log line');
      // The run's span reached the collector (its attribute is the row id inside the global id),
      // named for the process's roles.
      const rowId = Buffer.from(executionId, 'base64').toString().split(':')[1]!;
      await waitFor(async () => exported.some((b) => b.includes(rowId) && b.includes('"name":"run"')), 10_000, `the run span exported over OTLP (${exported.length} posts)`);
      expect(exported.join('')).toContain('"flowdeck"');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    collector.close();
  });
});
