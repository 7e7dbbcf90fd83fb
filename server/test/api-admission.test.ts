// Admission control against a real api process: requests made slow for real (a lock holds the
// table they read) fill the process, and everything past its places and its queue must be
// refused with a typed answer (503 OVERLOADED or 429 RATE_LIMITED, Retry-After, extensions.code)
// while the slow ones are still running; the admitted ones then complete normally. The suite
// has a database of its own, since it locks a table that the other suites use.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate.ts';
import { createDb } from '../src/db.ts';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';

const base = new URL(process.env.DATABASE_URL!);
const dbName = `admission_${Math.random().toString(36).slice(2, 10)}`;
const databaseUrl = Object.assign(new URL(base), { pathname: `/${dbName}` }).toString();
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function workflows(key: string): Promise<Answer> {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ workflows(first: 5) { edges { node { id name } } } }' }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

/** Holds an exclusive lock on "Workflow" (every read of it waits) until the returned function is called. */
async function lockWorkflows(): Promise<() => Promise<void>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query('BEGIN');
  await c.query('LOCK TABLE "Workflow" IN ACCESS EXCLUSIVE MODE');
  return async () => {
    await c.query('COMMIT');
    await c.end();
  };
}

/** Fails instead of hanging when refusals wait for the slow requests (no admission control). */
function settleWhileLocked<T>(answers: Promise<T>[]): Promise<T[]> {
  return Promise.race([
    Promise.all(answers),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('refusals did not come back while the admitted requests were still held')), 15_000)),
  ]);
}

function expectRefused(a: Answer, status: 503 | 429, code: 'OVERLOADED' | 'RATE_LIMITED') {
  expect(a.status).toBe(status);
  expect(Number(a.retryAfter)).toBeGreaterThan(0);
  expect(a.body.data).toBeUndefined();
  expect(a.body.errors).toHaveLength(1);
  expect(a.body.errors![0]!.extensions?.code).toBe(code);
}

function expectServed(a: Answer) {
  expect(a.status).toBe(200);
  expect(a.body.errors).toBeUndefined();
  expect(a.body.data.workflows.edges).toHaveLength(2);
}

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await migrate(databaseUrl);
  const db = createDb(databaseUrl, 2);
  t = await tenantWithKeys(db);
  for (const name of ['a', 'b']) await db.workflow.create({ data: { tenantId: t.id, name, definition: { steps: [{ type: 'log', config: { message: 'x' } }] } } });
  await db.$disconnect();
  // Two places, a queue of three; the queue-time budget is long for the fair-share case and
  // shortened below where waiting out the budget is the point.
  app = await startTestApp(['api'], { DATABASE_URL: databaseUrl, API_MAX_CONCURRENT: '2', API_MAX_QUEUE: '3', API_MAX_QUEUE_MS: '20000', RATE_LIMIT_PER_MINUTE: '0' });
  // Warm the key cache, so admitted requests only wait for the lock.
  for (const key of Object.values(t.keys)) expectServed(await workflows(key));
});
afterAll(async () => {
  await app?.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

describe('admission control', () => {
  it('past its places and queue a process refuses at once with 503 OVERLOADED, while the admitted requests run on and complete', async () => {
    const unlock = await lockWorkflows();
    const admitted = [workflows(t.keys.ADMIN), workflows(t.keys.ADMIN)];
    await waitFor(async () => (await lockWaiters()) === 2);
    const queued = [0, 1, 2].map(() => workflows(t.keys.ADMIN));
    await waitFor(async () => (await queueLength()) === 3);
    const refused = await settleWhileLocked(Array.from({ length: 6 }, () => workflows(t.keys.ADMIN)));
    for (const a of refused) expectRefused(a, 503, 'OVERLOADED');
    await unlock();
    for (const a of await Promise.all([...admitted, ...queued])) expectServed(a);
  });

  it('a request that waits longer than API_MAX_QUEUE_MS is refused with 503 OVERLOADED, before the slow ones finish', async () => {
    await app.stop();
    app = await startTestApp(['api'], { DATABASE_URL: databaseUrl, API_MAX_CONCURRENT: '1', API_MAX_QUEUE: '10', API_MAX_QUEUE_MS: '200', RATE_LIMIT_PER_MINUTE: '0' });
    expectServed(await workflows(t.keys.ADMIN));
    const unlock = await lockWorkflows();
    const admitted = workflows(t.keys.ADMIN);
    await waitFor(async () => (await lockWaiters()) === 1);
    const waited = await settleWhileLocked([0, 1, 2].map(() => workflows(t.keys.ADMIN)));
    for (const a of waited) expectRefused(a, 503, 'OVERLOADED');
    await unlock();
    expectServed(await admitted);
    await app.stop();
    app = await startTestApp(['api'], { DATABASE_URL: databaseUrl, API_MAX_CONCURRENT: '2', API_MAX_QUEUE: '3', API_MAX_QUEUE_MS: '20000', RATE_LIMIT_PER_MINUTE: '0' });
    for (const key of Object.values(t.keys)) expectServed(await workflows(key));
  });

  it('a key past its fair share gets 429 RATE_LIMITED, and another key still gets in', async () => {
    const unlock = await lockWorkflows();
    // Key A fills both places and the whole queue.
    const a = [workflows(t.keys.ADMIN), workflows(t.keys.ADMIN)];
    await waitFor(async () => (await lockWaiters()) === 2);
    const aQueued = [0, 1, 2].map(() => tracked(workflows(t.keys.ADMIN)));
    await waitFor(async () => (await queueLength()) === 3);
    // Key B arrives: A's newest waiting request makes room for it...
    const b = workflows(t.keys.VIEWER);
    await settleWhileLocked([Promise.race(aQueued.map((q) => q.promise))]);
    const evicted = aQueued.filter((q) => q.settled);
    expect(evicted).toHaveLength(1);
    expectRefused(await evicted[0]!.promise, 429, 'RATE_LIMITED');
    // ...and A, holding more than its half of the places, is refused outright.
    const [aMore] = await settleWhileLocked([workflows(t.keys.ADMIN)]);
    expectRefused(aMore!, 429, 'RATE_LIMITED');
    await unlock();
    expectServed(await b);
    const rest = aQueued.filter((q) => q !== evicted[0]).map((q) => q.promise);
    for (const answer of await Promise.all([...a, ...rest])) expectServed(answer);
  });
});

function tracked<T>(promise: Promise<T>) {
  const t = { promise, settled: false };
  void promise.finally(() => (t.settled = true));
  return t;
}

/** Backends of the test database waiting for the table lock (the admitted requests). */
async function lockWaiters(): Promise<number> {
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [dbName]);
  return rows[0].n;
}

async function queueLength(): Promise<number> {
  const res = await fetch(`${app.url}/readyz`);
  return ((await res.json()) as { admission?: { waiting: number } }).admission?.waiting ?? -1;
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}
