import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsApplied, MigrationError, readMigrations } from './migrate.ts';

const base = new URL(process.env.DATABASE_URL!);

/** A fresh database in the test cluster, so each case starts empty. */
async function freshDatabase(admin: pg.Client): Promise<string> {
  const name = `mig_${Math.random().toString(36).slice(2, 10)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('migrator', () => {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  beforeAll(() => admin.connect());
  afterAll(() => admin.end());

  it('applies every migration once, recording them as prisma migrate deploy does', async () => {
    const url = await freshDatabase(admin);
    const first = await migrate(url);
    const all = await readMigrations();
    expect(first.applied).toEqual(all.map((m) => m.name));
    const second = await migrate(url);
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });
    const rows = await withClient(url, (c) => c.query('SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"'));
    expect(rows.rows).toHaveLength(all.length);
    expect(rows.rows[0]).toMatchObject({ migration_name: all[0]!.name, checksum: all[0]!.checksum, applied_steps_count: 1 });
    expect(await withClient(url, (c) => migrationsApplied(async (sql) => (await c.query(sql)).rows))).toBe(true);
  });

  it('lets only one of several concurrent processes migrate', async () => {
    const url = await freshDatabase(admin);
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const appliedCounts = results.map((r) => r.applied.length).sort();
    const total = (await readMigrations()).length;
    expect(appliedCounts).toEqual([0, 0, total]);
    const { rows } = await withClient(url, (c) => c.query('SELECT count(*)::int AS n FROM "_prisma_migrations"'));
    expect(rows[0].n).toBe(total);
  });

  it('refuses a migration edited after it was applied', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mig-'));
    await mkdir(path.join(dir, '20260101000000_a'));
    await writeFile(path.join(dir, '20260101000000_a', 'migration.sql'), 'CREATE TABLE a (id int);');
    const url = await freshDatabase(admin);
    await migrate(url, { dir });
    await writeFile(path.join(dir, '20260101000000_a', 'migration.sql'), 'CREATE TABLE a (id bigint);');
    await expect(migrate(url, { dir })).rejects.toThrow(/was edited after it was applied/);
  });

  it('rolls back a failing migration, records it, and refuses to go on until it is resolved', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mig-'));
    await mkdir(path.join(dir, '20260101000000_ok'));
    await writeFile(path.join(dir, '20260101000000_ok', 'migration.sql'), 'CREATE TABLE ok (id int);');
    await mkdir(path.join(dir, '20260102000000_bad'));
    await writeFile(path.join(dir, '20260102000000_bad', 'migration.sql'), 'CREATE TABLE half (id int);\nSELECT no_such_function();');
    const url = await freshDatabase(admin);
    await expect(migrate(url, { dir })).rejects.toThrow(MigrationError);
    const state = await withClient(url, async (c) => ({
      half: (await c.query("SELECT to_regclass('half') AS t")).rows[0].t,
      ok: (await c.query("SELECT to_regclass('ok') AS t")).rows[0].t,
      logs: (await c.query(`SELECT logs FROM "_prisma_migrations" WHERE migration_name = '20260102000000_bad'`)).rows[0].logs,
    }));
    expect(state).toMatchObject({ half: null, ok: 'ok' });
    expect(state.logs).toMatch(/no_such_function/);
    await expect(migrate(url, { dir })).rejects.toThrow(/failed earlier and was not rolled back/);
  });
});
