// Live updates over graphql-ws (raw protocol frames) and SSE. Events are published the way a
// worker publishes them (publishEvent on the tenant's Redis channel); no worker runs here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channel, eventTopics, publishEvent, type ExecutionEvent, type LogBatchEvent } from '../src/events.ts';
import { encodeLogCursor } from '../src/logs/query.ts';
import type { LogEntry } from '../src/generated/prisma/client.ts';
import { startTestApp } from './app.ts';
import { openWs } from './ws-client.ts';
import { globalId, seedWorkflow, tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let a: TestTenant;
let b: TestTenant;
let topics: ReturnType<typeof eventTopics>;
let workflowId: string;

beforeAll(async () => {
  app = await startTestApp();
  [a, b] = [await tenantWithKeys(app.db), await tenantWithKeys(app.db)];
  topics = eventTopics(app.config.redisPrefix);
  workflowId = (await seedWorkflow(app.db, a.id)).id;
});
afterAll(() => app.stop());

/** A raw graphql-transport-ws socket (or one with another subprotocol) on this suite's app. */
const openSocket = (protocol: string | null = 'graphql-transport-ws') => openWs(app.url, protocol);

async function connected(key: string) {
  const s = await openSocket();
  s.send({ type: 'connection_init', payload: { authToken: key } });
  expect(await s.next()).toEqual({ type: 'connection_ack' });
  return s;
}

async function numsub(ch: string): Promise<number> {
  const reply = (await app.redis.pubsub('NUMSUB', ch)) as [string, number];
  return Number(reply[1]);
}

/** Polls (bounded) until the condition holds; the relay's SUBSCRIBE/UNSUBSCRIBE is asynchronous. */
async function until(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('graphql-ws protocol', () => {
  it('acknowledges a valid key and answers ping with pong', async () => {
    const s = await connected(a.keys.VIEWER);
    s.send({ type: 'ping' });
    expect(await s.next()).toEqual({ type: 'pong' });
    s.send({ type: 'subscribe', id: 'q', payload: { query: '{ viewer { role } }' } });
    expect(await s.next()).toEqual({ type: 'next', id: 'q', payload: { data: { viewer: { role: 'VIEWER' } } } });
    expect(await s.next()).toEqual({ type: 'complete', id: 'q' });
    s.ws.close();
  });

  it('closes with 4403 for a bad token and 4401 for subscribe before the ack', async () => {
    const bad = await openSocket();
    bad.send({ type: 'connection_init', payload: { authToken: 'fd_aaaaaaaaaaaa_' + 'b'.repeat(40) } });
    expect((await bad.closed).code).toBe(4403);
    const early = await openSocket();
    early.send({ type: 'subscribe', id: '1', payload: { query: '{ viewer { role } }' } });
    expect((await early.closed).code).toBe(4401);
  });

  it('closes with 4429 on a second init, 4409 on a duplicate operation id, 4400 on a malformed frame, 4406 without the subprotocol', async () => {
    const twice = await connected(a.keys.VIEWER);
    twice.send({ type: 'connection_init', payload: { authToken: a.keys.VIEWER } });
    expect((await twice.closed).code).toBe(4429);
    const dup = await connected(a.keys.VIEWER);
    const sub = { type: 'subscribe', id: 'same', payload: { query: 'subscription { executionUpdated { id } }' } };
    dup.send(sub);
    dup.send(sub);
    expect((await dup.closed).code).toBe(4409);
    const junk = await connected(a.keys.VIEWER);
    junk.ws.send('{"type":"subscribe"}');
    expect((await junk.closed).code).toBe(4400);
    const none = await openSocket(null); // a client that speaks no GraphQL subprotocol
    expect((await none.closed).code).toBe(4406);
  });

  it('accepts a socket without a key, which can run nothing that needs one; a key per operation (GraphiQL) works', async () => {
    const s = await openSocket();
    s.send({ type: 'connection_init' });
    expect(await s.next()).toEqual({ type: 'connection_ack' });
    s.send({ type: 'subscribe', id: 'anon', payload: { query: '{ viewer { role } }' } });
    const anon = await s.next();
    expect(anon.payload.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await s.next(); // complete
    s.send({ type: 'subscribe', id: 'k', payload: { query: '{ viewer { role } }', extensions: { headers: { Authorization: `Bearer ${a.keys.OPERATOR}` } } } });
    expect(await s.next()).toEqual({ type: 'next', id: 'k', payload: { data: { viewer: { role: 'OPERATOR' } } } });
    await s.next(); // complete
    s.send({ type: 'subscribe', id: 'bad', payload: { query: '{ viewer { role } }', extensions: { headers: { Authorization: 'Bearer nope' } } } });
    const bad = await s.next();
    expect(bad.type).toBe('error');
    expect(bad.payload[0].extensions.code).toBe('UNAUTHENTICATED');
    s.ws.close();
  });

  it('applies the armor limits on the WebSocket path too', async () => {
    const s = await connected(a.keys.VIEWER);
    const aliases = Array.from({ length: app.config.graphql.maxAliases + 1 }, (_, i) => `a${i}: viewer { role }`).join(' ');
    s.send({ type: 'subscribe', id: 'x', payload: { query: `{ ${aliases} }` } });
    const f = await s.next();
    expect(f.type).toBe('error');
    expect(JSON.stringify(f.payload)).toMatch(/alias/i);
    s.ws.close();
  });
});

describe('executionUpdated', () => {
  it('relays the tenant’s events for the chosen execution, loads the row, and completing stops the Redis relay', async () => {
    const exec = await app.db.workflowExecution.create({ data: { tenantId: a.id, workflowId, workflowVersion: 1, trigger: 'API' } });
    const other = await app.db.workflowExecution.create({ data: { tenantId: a.id, workflowId, workflowVersion: 1, trigger: 'API' } });
    const ch = channel(topics.executions, a.id);
    // The 4409 test's socket closes while its first subscribe is still being set up; its relay
    // must end (shared-subscriptions.ts, an iterator returned before it started), asynchronously.
    await until(async () => (await numsub(ch)) === 0, 'no relay left from earlier tests');
    const s = await connected(a.keys.VIEWER);
    s.send({ type: 'subscribe', id: 'e', payload: { query: 'subscription($id: ID) { executionUpdated(executionId: $id) { id status progress { stepsCompleted } } }', variables: { id: globalId('Execution', exec.id) } } });
    await until(async () => (await numsub(ch)) === 1, 'SUBSCRIBE');

    const event = (e: { id: string }, status: ExecutionEvent['status']): ExecutionEvent => ({ tenantId: a.id, executionId: e.id, workflowId, status });
    await publishEvent(app.redis, topics.executions, a.id, event(other, 'RUNNING')); // another execution: filtered out
    await app.db.workflowExecution.update({ where: { id: exec.id }, data: { status: 'RUNNING', stepsCompleted: 1 } });
    await publishEvent(app.redis, topics.executions, a.id, event(exec, 'RUNNING'));
    expect(await s.next()).toEqual({ type: 'next', id: 'e', payload: { data: { executionUpdated: { id: globalId('Execution', exec.id), status: 'RUNNING', progress: { stepsCompleted: 1 } } } } });
    expect(s.pending()).toBe(0);

    s.send({ type: 'complete', id: 'e' });
    await until(async () => (await numsub(ch)) === 0, 'UNSUBSCRIBE after complete');
    s.ws.close();
  });

  it('never shows one tenant’s events to another', async () => {
    const exec = await app.db.workflowExecution.create({ data: { tenantId: a.id, workflowId, workflowVersion: 1, trigger: 'API' } });
    const s = await connected(b.keys.ADMIN);
    s.send({ type: 'subscribe', id: 'x', payload: { query: 'subscription { executionUpdated { id status } }' } });
    await until(async () => (await numsub(channel(topics.executions, b.id))) === 1, 'SUBSCRIBE');
    await publishEvent(app.redis, topics.executions, a.id, { tenantId: a.id, executionId: exec.id, workflowId, status: 'RUNNING' });
    s.send({ type: 'ping' });
    // The pong arrives after anything the event could have caused on this socket.
    await new Promise((r) => setTimeout(r, 100));
    expect(await s.next()).toEqual({ type: 'pong' });
    s.ws.close();
  });
});

describe('logAdded', () => {
  async function writeLog(level: LogEntry['level'], message: string, at: Date): Promise<LogEntry> {
    return app.db.logEntry.create({ data: { tenantId: a.id, level, message, workflowId, createdAt: at } });
  }
  const batch = (...entries: LogEntry[]): LogBatchEvent => ({
    tenantId: a.id,
    entries: entries.map((e) => ({ id: e.id, createdAt: e.createdAt.toISOString(), level: e.level, workflowId: e.workflowId, executionId: e.executionId })),
  });

  it('replays what was missed since the cursor, then continues live without gaps or duplicates, honouring the filter', async () => {
    const t0 = Date.now() - 10_000;
    const seen = await writeLog('ERROR', 'seen before', new Date(t0));
    const missed1 = await writeLog('ERROR', 'missed one', new Date(t0 + 1000));
    await writeLog('INFO', 'missed but filtered out', new Date(t0 + 2000));
    const missed2 = await writeLog('ERROR', 'missed two', new Date(t0 + 3000));

    const s = await connected(a.keys.VIEWER);
    s.send({
      type: 'subscribe',
      id: 'l',
      payload: {
        query: 'subscription($f: LogFilterInput, $after: String) { logAdded(filter: $f, after: $after) { id message level cursor } }',
        variables: { f: { levels: ['ERROR', 'WARN'], workflowId: globalId('Workflow', workflowId) }, after: encodeLogCursor(seen) },
      },
    });
    const got = async () => (await s.next()).payload.data.logAdded;
    expect((await got()).message).toBe('missed one');
    expect((await got()).message).toBe('missed two');

    // Live: a worker writes and publishes; a re-published old entry is not delivered twice.
    const live1 = await writeLog('ERROR', 'live one', new Date());
    const noise = await writeLog('DEBUG', 'live but filtered out', new Date());
    await publishEvent(app.redis, topics.logs, a.id, batch(missed2, noise, live1));
    const first = await got();
    expect(first.message).toBe('live one');
    const live2 = await writeLog('WARN', 'live two', new Date());
    await publishEvent(app.redis, topics.logs, a.id, batch(live2));
    expect((await got()).message).toBe('live two');
    expect(s.pending()).toBe(0);
    expect([missed1.id, missed2.id, live1.id].every(Boolean)).toBe(true);
    s.send({ type: 'complete', id: 'l' });
    await until(async () => (await numsub(channel(topics.logs, a.id))) === 0, 'UNSUBSCRIBE after complete');
    s.ws.close();
  });

  it('loses nothing and repeats nothing when lines are written while the replay runs', async () => {
    const own = (await seedWorkflow(app.db, a.id)).id; // lines of this test only
    const start = Date.now() - 60_000;
    const anchor = await app.db.logEntry.create({ data: { tenantId: a.id, level: 'INFO', message: 'anchor', workflowId: own, createdAt: new Date(start) } });
    // More than one replay page (queryLogs pages of 1000), all after the anchor.
    await app.db.logEntry.createMany({ data: Array.from({ length: 1500 }, (_, i) => ({ tenantId: a.id, level: 'INFO' as const, message: `missed ${i}`, workflowId: own, createdAt: new Date(start + 1 + Math.floor(i / 10)) })) });
    const s = await connected(a.keys.VIEWER);
    s.send({ type: 'subscribe', id: 'g', payload: { query: 'subscription($after: String, $f: LogFilterInput) { logAdded(after: $after, filter: $f) { id message } }', variables: { after: encodeLogCursor(anchor), f: { workflowId: globalId('Workflow', own) } } } });
    // A worker keeps writing (then publishing) while the subscription starts and replays.
    const live: string[] = [];
    for (let i = 0; i < 30; i++) {
      const e = await app.db.logEntry.create({ data: { tenantId: a.id, level: 'INFO', message: `live ${i}`, workflowId: own } });
      live.push(e.id);
      await publishEvent(app.redis, topics.logs, a.id, batch(e));
    }
    const got: string[] = [];
    while (got.length < 1530) got.push((await s.next()).payload.data.logAdded.message);
    expect(new Set(got).size).toBe(1530);
    expect(got.filter((m) => m.startsWith('missed'))).toHaveLength(1500);
    expect(got.filter((m) => m.startsWith('live'))).toEqual(Array.from({ length: 30 }, (_, i) => `live ${i}`));
    s.send({ type: 'ping' });
    expect(await s.next()).toEqual({ type: 'pong' });
    s.ws.close();
  });

  it('a resume misses no line another worker wrote late: lines logged before the cursor but not yet delivered come too', async () => {
    const own = (await seedWorkflow(app.db, a.id)).id;
    const log = (message: string, at: Date) => app.db.logEntry.create({ data: { tenantId: a.id, level: 'INFO', message, workflowId: own, createdAt: at } });
    const t = Date.now() - 5_000;
    // Worker B's line was the last the client got; worker A's batch, logged earlier, is committed after it.
    const lastReceived = await log('from worker B', new Date(t));
    const lateBatch = await log('from worker A, written late', new Date(t - 1_500));
    const s = await connected(a.keys.VIEWER);
    s.send({ type: 'subscribe', id: 'r', payload: { query: 'subscription($after: String, $f: LogFilterInput) { logAdded(after: $after, filter: $f) { id message } }', variables: { after: encodeLogCursor(lastReceived), f: { workflowId: globalId('Workflow', own) } } } });
    const got = async () => (await s.next()).payload.data.logAdded;
    expect(await got()).toMatchObject({ id: lateBatch.id, message: 'from worker A, written late' });
    // And live: a line logged before the cursor that is written only now is delivered, once.
    const later = await log('from worker A, even later', new Date(t - 500));
    await publishEvent(app.redis, topics.logs, a.id, batch(later, lateBatch));
    expect(await got()).toMatchObject({ id: later.id });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.pending()).toBe(0);
    s.ws.close();
  });

  it('refuses to replay a backlog of more than 10 000 lines', async () => {
    const own = (await seedWorkflow(app.db, a.id)).id;
    const start = Date.now() - 3_600_000;
    const anchor = await app.db.logEntry.create({ data: { tenantId: a.id, level: 'INFO', message: 'anchor', workflowId: own, createdAt: new Date(start) } });
    await app.db.logEntry.createMany({ data: Array.from({ length: 10_001 }, (_, i) => ({ tenantId: a.id, level: 'INFO' as const, message: `backlog ${i}`, workflowId: own, createdAt: new Date(start + 1 + i) })) });
    const s = await connected(a.keys.VIEWER);
    s.send({ type: 'subscribe', id: 'b', payload: { query: 'subscription($after: String, $f: LogFilterInput) { logAdded(after: $after, filter: $f) { id } }', variables: { after: encodeLogCursor(anchor), f: { workflowId: globalId('Workflow', own) } } } });
    const f = await s.next(15_000);
    expect(f.type).toBe('error');
    expect(f.payload[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(f.payload[0].message).toMatch(/More than 10000 lines/);
    s.ws.close();
  });

  it('applies the text search in SQL before delivering', async () => {
    const s = await connected(a.keys.VIEWER);
    s.send({ type: 'subscribe', id: 's', payload: { query: 'subscription { logAdded(filter: { search: "invoice" }) { message } }' } });
    await until(async () => (await numsub(channel(topics.logs, a.id))) === 1, 'SUBSCRIBE');
    const other = await writeLog('INFO', 'nothing to see', new Date());
    const hit = await writeLog('INFO', 'sent Invoice 42', new Date());
    await publishEvent(app.redis, topics.logs, a.id, batch(other, hit));
    expect((await s.next()).payload.data.logAdded.message).toBe('sent Invoice 42');
    s.ws.close();
  });
});

describe('Server-Sent Events', () => {
  it('delivers subscriptions over text/event-stream', async () => {
    const exec = await app.db.workflowExecution.create({ data: { tenantId: a.id, workflowId, workflowVersion: 1, trigger: 'API', status: 'COMPLETED' } });
    const ch = channel(topics.executions, a.id);
    const controller = new AbortController();
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${a.keys.VIEWER}` },
      body: JSON.stringify({ query: 'subscription { executionUpdated { id status } }' }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await until(async () => (await numsub(ch)) >= 1, 'SUBSCRIBE');
    await publishEvent(app.redis, topics.executions, a.id, { tenantId: a.id, executionId: exec.id, workflowId, status: 'COMPLETED' });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: next')) text += new TextDecoder().decode((await reader.read()).value);
    while (!/data: .*\n/.test(text.slice(text.indexOf('event: next')))) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/event: next\ndata: (.*)\n/.exec(text)![1]!);
    expect(data).toEqual({ data: { executionUpdated: { id: globalId('Execution', exec.id), status: 'COMPLETED' } } });
    controller.abort();
  });
});
