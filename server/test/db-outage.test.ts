// PostgreSQL going away (a restart, a failover, a network cut) as the processes see it, through a
// TCP proxy that drops every connection: runs are handed back and finish once it is back instead
// of being left RUNNING forever, and the API answers SERVICE_UNAVAILABLE (503, Retry-After)
// instead of a masked "Unexpected error.".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, isDatabaseUnavailable, poolOf } from '../src/db.ts';
import { triggerExecution } from '../src/engine/executions.ts';
import { RunWorker } from '../src/engine/run-worker.ts';
import { createBuiltinRegistry } from '../src/engine/steps/builtin.ts';
import { startTestApp } from './app.ts';
import { collectLogs, createEngineDeps, quietLogger, waitFor } from './engine-deps.ts';
import { createTestKey, createTestTenant, testDb } from './helpers.ts';
import { TcpProxy } from './tcp-proxy.ts';

const db = testDb();
let proxy: TcpProxy;
let proxied: ReturnType<typeof createDb>;

beforeAll(async () => {
  proxy = await new TcpProxy(Number(new URL(process.env.DATABASE_URL!).port)).start();
  proxied = createDb(proxy.url(process.env.DATABASE_URL!), 4);
});
afterAll(async () => {
  await proxied.$disconnect().catch(() => {});
  await proxy.stop();
  await db.$disconnect();
});

describe('isDatabaseUnavailable', () => {
  it('is true for a database that cannot be reached or drops the connection, false for refused queries and outside APIs', async () => {
    await proxy.cut();
    const unreachable = await proxied.tenant.count().catch((e: unknown) => e);
    await proxy.restore();
    expect(isDatabaseUnavailable(unreachable)).toBe(true);

    // A backend terminated mid-query (what a PostgreSQL restart does to open connections).
    const one = createDb(process.env.DATABASE_URL!, 1);
    const [row] = await one.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
    const pid = row!.pid;
    const sleeping = one.$queryRawUnsafe('SELECT pg_sleep(10)').catch((e: unknown) => e);
    await waitFor(async () => (await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${pid} AND query LIKE '%pg_sleep%'`))[0]!.n > 0n, 5000, 'the sleep to start');
    await db.$queryRawUnsafe(`SELECT pg_terminate_backend(${pid})`);
    expect(isDatabaseUnavailable(await sleeping)).toBe(true);
    await one.$disconnect();

    const tenant = await createTestTenant(db);
    const duplicate = await db.tenant.create({ data: { name: 'dup', slug: tenant.slug } }).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(duplicate)).toBe(false);
    const outside = await fetch('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect(isDatabaseUnavailable(outside)).toBe(false);
    expect(isDatabaseUnavailable(new Error('step failed'))).toBe(false);
  });
});

describe('a run while PostgreSQL is cut off', () => {
  it('is handed back and finishes once the database is back, continuing from its last completed step', async () => {
    const deps = createEngineDeps(proxied);
    const worker = new RunWorker({
      ...deps,
      registry: createBuiltinRegistry(),
      logSink: collectLogs(),
      logger: quietLogger,
      driftWarnMs: 5000,
      concurrency: 2,
      stalledIntervalMs: 30_000,
      lockDurationMs: 30_000,
      drainMs: 1000,
    });
    await worker.start();
    try {
      const tenantId = (await createTestTenant(db)).id;
      const wf = await db.workflow.create({
        data: { tenantId, name: 'outage', definition: { steps: [{ type: 'log', config: { message: 'before' } }, { type: 'delay', config: { ms: 1500 } }, { type: 'log', config: { message: 'after' } }] } },
      });
      const { execution } = await triggerExecution(deps, { tenantId, workflowId: wf.id, trigger: 'API' });
      await waitFor(async () => (await db.stepRun.findUnique({ where: { executionId_index: { executionId: execution.id, index: 1 } } }))?.status === 'RUNNING', 10_000, 'the delay step');
      // The delay ends while the database is unreachable: its completion cannot be written.
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 3000));
      await proxy.restore();
      const done = await waitFor(async () => {
        const e = await db.workflowExecution.findUniqueOrThrow({ where: { id: execution.id }, include: { stepRuns: { orderBy: { index: 'asc' } } } });
        return e.status !== 'RUNNING' && e.status !== 'PENDING' && e;
      }, 20_000, 'the run to finish after the outage');
      expect(done.status).toBe('COMPLETED');
      expect(done.stepsCompleted).toBe(3);
      // The first step was not run again; the interrupted delay was.
      expect(done.stepRuns.map((s) => [s.status, s.attempts])).toEqual([
        ['COMPLETED', 1],
        ['COMPLETED', 2],
        ['COMPLETED', 1],
      ]);
    } finally {
      await worker.stop();
      await deps.close();
    }
  });
});

describe('the API while PostgreSQL is cut off', () => {
  it('answers SERVICE_UNAVAILABLE with HTTP 503 and Retry-After, and works again once it is back', async () => {
    const app = await startTestApp(['api'], { DATABASE_URL: proxy.url(process.env.DATABASE_URL!) });
    try {
      const tenant = await createTestTenant(db);
      const key = await createTestKey(db, tenant.id);
      const query = async () => {
        const res = await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: '{ workflows { totalCount } }' }),
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { data?: any; errors?: any[] } };
      };
      expect((await query()).status).toBe(200);
      await proxy.cut();
      const down = await query();
      await proxy.restore();
      expect(down.status).toBe(503);
      expect(down.retryAfter).toBe('2');
      expect(down.body.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
      expect(down.body.errors?.[0].message).toMatch(/database is unavailable/);
      const up = await waitFor(async () => {
        const r = await query();
        return r.status === 200 && r;
      }, 10_000, 'the API to answer again');
      expect(up.body.data.workflows.totalCount).toBe(0);
    } finally {
      await app.stop();
    }
  });
});

describe('a pooled connection terminated while checked out between queries', () => {
  it('does not end the process; the pool drops it and keeps answering', async () => {
    const one = createDb(process.env.DATABASE_URL!, 2);
    try {
      const pool = poolOf(one)!;
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Lent out, no query running: pg emits the server's FATAL as an 'error' event on the client.
      await db.$queryRawUnsafe(`SELECT pg_terminate_backend(${rows[0]!.pid})`);
      await waitFor(async () => (await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ${rows[0]!.pid}`))[0]!.n === 0n, 5000, 'the backend to end');
      await new Promise((r) => setTimeout(r, 200));
      const broken = await client.query('SELECT 1').catch((e: unknown) => e);
      expect(isDatabaseUnavailable(broken)).toBe(true);
      client.release(broken as Error);
      expect(await one.$queryRawUnsafe<{ ok: number }[]>('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await one.$disconnect();
    }
  });
});
