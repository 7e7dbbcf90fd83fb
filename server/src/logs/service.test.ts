import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import { createDb } from '../db.ts';
import { createRedis } from '../redis.ts';
import { channel, eventTopics, type LogBatchEvent } from '../events.ts';
import { loadConfig } from '../config.ts';
import { LogService, createLogServiceFromConfig } from './service.ts';

const db = testDb();
const redis = createRedis();
const topic = eventTopics(`t${randomUUID().slice(0, 8)}`).logs;
let tenantId: string;

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
});
afterAll(async () => {
  await db.$disconnect();
  redis.disconnect();
});

/** A second connection subscribed to a tenant's log channel, as the api process would be. */
async function subscribe(tenant: string) {
  const sub = new Redis(process.env.REDIS_URL!);
  const events: { event: LogBatchEvent; at: number }[] = [];
  sub.on('message', (_ch, msg) => events.push({ event: JSON.parse(msg), at: Date.now() }));
  await sub.subscribe(channel(topic, tenant));
  return { events, close: () => sub.quit() };
}

describe('LogService', () => {
  it('writes a burst in few batches, redacted, and publishes one event per batch', async () => {
    const sub = await subscribe(tenantId);
    const service = new LogService({ db, redis, topic, batchSize: 500, flushIntervalMs: 50 });
    const executionId = randomUUID();
    for (let i = 0; i < 1200; i++) {
      service.log({ tenantId, level: i % 100 === 0 ? 'ERROR' : 'INFO', message: `sent #${i} to juan+${i}@example.com`, metadata: { phone: '+63 917 555 1234', i }, executionId, step: 'send' });
    }
    await service.stop();
    const rows = await db.logEntry.findMany({ where: { tenantId, executionId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(rows).toHaveLength(1200);
    expect(rows.every((r) => r.piiRedacted)).toBe(true);
    expect(rows[7]!.message).toBe('sent #7 to [EMAIL]');
    expect(rows[7]!.metadata).toEqual({ phone: '[PHONE]', i: 7 });
    expect(JSON.stringify(rows)).not.toContain('example.com');
    // uuid v7 ids and createdAt agree on order, so the keyset order is the insertion order.
    expect(rows.map((r) => (r.metadata as { i: number }).i)).toEqual([...Array(1200).keys()]);

    await new Promise((r) => setTimeout(r, 100));
    await sub.close();
    const batches = sub.events.map((e) => e.event);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.length).toBeLessThanOrEqual(4);
    expect(batches.every((b) => b.tenantId === tenantId && b.entries.length <= 500)).toBe(true);
    expect(batches.flatMap((b) => b.entries.map((e) => e.id)).sort()).toEqual(rows.map((r) => r.id).sort());
    expect(batches[0]!.entries[0]).toMatchObject({ level: 'ERROR', executionId, workflowId: null });
    expect(service.stats()).toMatchObject({ accepted: 1200, written: 1200, dropped: 0, rejected: 0, buffered: 0 });
  });

  it('is configured from LOG_BATCH_SIZE, LOG_FLUSH_INTERVAL_MS and LOG_BUFFER_MAX', async () => {
    const config = loadConfig({ ...process.env, LOG_BATCH_SIZE: '2', LOG_FLUSH_INTERVAL_MS: '10000', LOG_BUFFER_MAX: '100' });
    const service = createLogServiceFromConfig({ config, db, redis });
    const step = `cfg-${randomUUID()}`;
    for (let i = 0; i < 150; i++) service.log({ tenantId, level: 'INFO', message: `line ${i}`, step });
    // The buffer holds 100 (the first batch of 2 left it synchronously, making room for 2 more).
    const { accepted, dropped } = service.stats();
    expect(accepted + dropped).toBe(150);
    expect(accepted).toBeLessThanOrEqual(102);
    // Batches of 2 go out back to back without waiting for the 10 s interval.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await db.logEntry.count({ where: { tenantId, step } })) < accepted) await new Promise((r) => setTimeout(r, 20));
    expect(await db.logEntry.count({ where: { tenantId, step } })).toBe(accepted);
    await service.stop();
  });

  it('writes a lone line within the flush interval', async () => {
    const service = new LogService({ db, redis, topic, batchSize: 500, flushIntervalMs: 30 });
    const step = `lone-${randomUUID()}`;
    service.log({ tenantId, level: 'DEBUG', message: 'one line', step });
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await db.logEntry.count({ where: { tenantId, step } })) === 0) await new Promise((r) => setTimeout(r, 20));
    expect(await db.logEntry.count({ where: { tenantId, step } })).toBe(1);
    await service.stop();
  });

  it('never throws on bad input and isolates lines the database rejects', async () => {
    const service = new LogService({ db, redis, topic, batchSize: 100, flushIntervalMs: 10_000 });
    const step = `bad-${randomUUID()}`;
    const ghostTenant = randomUUID(); // a well-formed id with no tenant row: FK violation
    const hostile = { get boom() { throw new Error('getter'); } };
    expect(() => {
      service.log({ tenantId: 'not-a-uuid', level: 'INFO', message: 'x' });
      service.log({ tenantId, level: 'LOUD' as never, message: 'x' });
      service.log({ tenantId, level: 'INFO', message: 'x', metadata: hostile });
      service.log(null as never);
      for (let i = 0; i < 10; i++) service.log({ tenantId: i === 4 ? ghostTenant : tenantId, level: 'INFO', message: `line ${i}`, step });
    }).not.toThrow();
    await service.stop();
    expect(await db.logEntry.count({ where: { tenantId, step } })).toBe(9);
    expect(service.stats()).toMatchObject({ written: 9, rejected: 5 });
  });

  it('bounds the buffer, drops the overflow, and records how many were lost', async () => {
    const other = (await createTestTenant(db)).id;
    const service = new LogService({ db, redis, topic, batchSize: 1000, flushIntervalMs: 10_000, maxBuffered: 10 });
    for (let i = 0; i < 25; i++) service.log({ tenantId: other, level: 'INFO', message: `line ${i}` });
    expect(service.stats()).toMatchObject({ accepted: 10, dropped: 15, buffered: 10 });
    await service.stop();
    const rows = await db.logEntry.findMany({ where: { tenantId: other }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(rows.map((r) => r.message).slice(0, 10)).toEqual([...Array(10).keys()].map((i) => `line ${i}`));
    expect(rows.at(-1)).toMatchObject({ level: 'WARN', message: expect.stringContaining('15 log line(s) were dropped') });
  });

  it('retries while the database is unreachable and writes once it is back', async () => {
    // A TCP relay on a port of our own stands in for the network path to PostgreSQL: closed
    // at first (connection refused), opened later.
    const target = new URL(process.env.DATABASE_URL!);
    const port = await freePort();
    const url = new URL(target);
    url.port = String(port);
    const flaky = createDb(url.toString(), 2);
    const service = new LogService({ db: flaky, redis, topic, batchSize: 50, flushIntervalMs: 10, retryBaseMs: 20, retryMaxMs: 100 });
    const step = `retry-${randomUUID()}`;
    for (let i = 0; i < 20; i++) service.log({ tenantId, level: 'INFO', message: `line ${i}`, step });
    const deadline = Date.now() + 10_000;
    while (service.stats().writeFailures < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(service.stats().writeFailures).toBeGreaterThanOrEqual(2);
    const relay = await startRelay(port, Number(target.port), target.hostname);
    try {
      await service.flush();
      expect(await db.logEntry.count({ where: { tenantId, step } })).toBe(20);
      await service.stop();
    } finally {
      await flaky.$disconnect();
      await relay.close();
    }
  });

  it('gives up on shutdown when the database never comes back, without throwing', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.port = String(await freePort());
    const dead = createDb(url.toString(), 1);
    const service = new LogService({ db: dead, redis, topic, batchSize: 50, flushIntervalMs: 10_000, retryBaseMs: 10, retryMaxMs: 20 });
    for (let i = 0; i < 5; i++) service.log({ tenantId, level: 'INFO', message: `line ${i}` });
    await expect(service.stop()).resolves.toBeUndefined();
    expect(service.stats()).toMatchObject({ written: 0, dropped: 5 });
    await dead.$disconnect();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startRelay(port: number, targetPort: number, host: string): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}
