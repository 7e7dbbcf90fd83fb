import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import { ValidationError } from '../errors.ts';
import { effectiveRetention, runLogMaintenance, validateRetention } from './retention.ts';

const db = testDb();
afterAll(() => db.$disconnect());

const DAY = 86_400_000;
const now = new Date();
const dayStr = (offset: number) => new Date(now.getTime() + offset * DAY).toISOString().slice(0, 10);
const partition = (offset: number) => `LogEntry_p${dayStr(offset).replaceAll('-', '')}`;
const at = (offset: number) => new Date(`${dayStr(offset)}T12:00:00.000Z`);

async function exists(name: string): Promise<boolean> {
  const [r] = await db.$queryRawUnsafe<{ t: string | null }[]>('SELECT to_regclass($1)::text AS t', `"${name}"`);
  return r!.t !== null;
}

describe('retention settings', () => {
  it('validates per-level days and falls back to the default for unset levels', () => {
    expect(validateRetention({ DEBUG: 7, ERROR: 365 })).toEqual({ DEBUG: 7, ERROR: 365 });
    expect(() => validateRetention({ LOUD: 3 })).toThrow(ValidationError);
    expect(() => validateRetention({ DEBUG: 0 })).toThrow(ValidationError);
    expect(() => validateRetention([7])).toThrow(ValidationError);
    expect(effectiveRetention({ DEBUG: 7 }, 90)).toEqual({ DEBUG: 7, INFO: 90, WARN: 90, ERROR: 90 });
    expect(effectiveRetention({ DEBUG: 'x' }, 90)).toEqual({ DEBUG: 90, INFO: 90, WARN: 90, ERROR: 90 });
  });
});

describe('runLogMaintenance', () => {
  let tenantId: string;
  beforeAll(async () => {
    tenantId = (await createTestTenant(db)).id;
    await db.tenant.update({ where: { id: tenantId }, data: { logRetention: { DEBUG: 7 } } });
    for (const d of [-120, -95, -89, -30, -3]) await db.$queryRawUnsafe('SELECT flowdeck_ensure_log_partitions($1::date, $1::date)', dayStr(d));
    await db.logEntry.createMany({
      data: [
        { tenantId, level: 'INFO', message: 'very old', createdAt: at(-120) },
        { tenantId, level: 'ERROR', message: 'old', createdAt: at(-95) },
        { tenantId, level: 'INFO', message: 'kept by 90 days', createdAt: at(-89) },
        { tenantId, level: 'DEBUG', message: 'debug past 7 days', createdAt: at(-30) },
        { tenantId, level: 'INFO', message: 'info within 90 days', createdAt: at(-30) },
        { tenantId, level: 'DEBUG', message: 'recent debug', createdAt: at(-3) },
        // No partition for this day: the row lands in DEFAULT.
        { tenantId, level: 'WARN', message: 'stray', createdAt: at(-50) },
      ],
    });
  });

  const messages = async () => (await db.logEntry.findMany({ where: { tenantId }, orderBy: { createdAt: 'asc' } })).map((r) => r.message).sort();

  it('reports in a dry run what a real run removes, and changes nothing', async () => {
    const before = await messages();
    const report = await runLogMaintenance({ db, defaultRetentionDays: 90, dryRun: true, now });
    expect(report.partitionsDropped.map((p) => p.partition)).toEqual(expect.arrayContaining([partition(-120), partition(-95)]));
    expect(report.partitionsDropped.map((p) => p.partition)).not.toContain(partition(-89));
    expect(report.rowsDeleted).toContainEqual(expect.objectContaining({ tenantId, level: 'DEBUG', rows: 1 }));
    expect(report.strayRowsMoved).toBeGreaterThanOrEqual(1);
    expect(await exists(partition(-120))).toBe(true);
    expect(await exists(partition(-50))).toBe(false);
    expect(await messages()).toEqual(before);
    const run = await db.maintenanceRun.findFirst({ where: { dryRun: true }, orderBy: { startedAt: 'desc' } });
    expect(run).toMatchObject({ status: 'SUCCEEDED', task: 'log-maintenance' });
  });

  it('drops partitions past the longest retention, keeps newer ones, prunes short-retention levels, homes strays', async () => {
    const report = await runLogMaintenance({ db, defaultRetentionDays: 90, now });
    expect(await exists(partition(-120))).toBe(false);
    expect(await exists(partition(-95))).toBe(false);
    for (const d of [-89, -30, -3, 0, 14]) expect(await exists(partition(d)), partition(d)).toBe(true);
    // The stray row now lives in its own day's partition.
    expect(await exists(partition(-50))).toBe(true);
    const [stray] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${partition(-50)}" WHERE "tenantId" = $1::uuid`, tenantId);
    expect(Number(stray!.n)).toBe(1);
    expect(await messages()).toEqual(['info within 90 days', 'kept by 90 days', 'recent debug', 'stray'].sort());
    // Whole days went by DROP; the only row-level delete was the DEBUG slice.
    expect(report.partitionsDropped.map((p) => p.partition)).toEqual(expect.arrayContaining([partition(-120), partition(-95)]));
    expect(report.rowsDeleted.filter((r) => r.tenantId === tenantId)).toEqual([expect.objectContaining({ level: 'DEBUG', rows: 1 })]);
    const run = await db.maintenanceRun.findFirst({ where: { dryRun: false, status: 'SUCCEEDED' }, orderBy: { startedAt: 'desc' } });
    expect((run!.details as { partitionsDropped: { partition: string }[] }).partitionsDropped.map((p) => p.partition)).toEqual(expect.arrayContaining([partition(-120), partition(-95)]));
  });

  it('is safe to run again', async () => {
    const before = await messages();
    const report = await runLogMaintenance({ db, defaultRetentionDays: 90, now });
    expect(report.partitionsDropped.map((p) => p.partition)).not.toContain(partition(-120));
    expect(report.rowsDeleted.filter((r) => r.tenantId === tenantId)).toEqual([]);
    expect(await messages()).toEqual(before);
  });

  it('records a failure and logs it at error level', async () => {
    // Another session holds a lock partition creation needs; the run gives up at its lock timeout.
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }));
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE "LogEntry_default" IN SHARE MODE');
      await expect(runLogMaintenance({ db, defaultRetentionDays: 90, now, partitionsAheadDays: 40, lockTimeoutMs: 200, logger })).rejects.toThrow();
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const run = await db.maintenanceRun.findFirst({ where: { task: 'log-maintenance' }, orderBy: { startedAt: 'desc' } });
    expect(run).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/lock/i) });
    expect(run!.finishedAt).toBeInstanceOf(Date);
    expect(lines.some((l) => l.level === 50 && l.msg === 'log maintenance failed')).toBe(true);
  });
});
