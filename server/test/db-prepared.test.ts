import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedQuery } from '../src/db.ts';
import { testDb } from './helpers.ts';

// One connection, so the statements preparedQuery makes, the ones this test inspects
// (pg_prepared_statements, EXPLAIN EXECUTE) and the temporary table live in the same session.
// Temporary: other suites compare the public schema with schema.prisma, and autovacuum leaves
// temporary tables alone, so the table's statistics are only what this test makes them.
const db = testDb(1);
const table = `prepared_${randomUUID().replaceAll('-', '')}`;
const name = `test_${table}`;
const text = `SELECT count(*)::int AS n FROM "${table}" WHERE id = ANY($1::int[])`;

async function statements(): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pg_prepared_statements WHERE name LIKE '${name}%' ORDER BY name`);
  return rows.map((r) => r.name);
}

async function plan(statement: string): Promise<string> {
  const rows = await db.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN EXECUTE ${statement}('{1,2,3}')`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

beforeAll(async () => {
  await db.$executeRawUnsafe(`CREATE TEMPORARY TABLE "${table}" (id int PRIMARY KEY, pad text)`);
  await db.$executeRawUnsafe(`INSERT INTO "${table}" SELECT g, 'x' FROM generate_series(1, 10) g`);
  // As autovacuum would have left it: statistics of a table of one page.
  await db.$executeRawUnsafe(`ANALYZE "${table}"`);
});
afterAll(async () => {
  await db.$executeRawUnsafe(`DROP TABLE IF EXISTS "${table}"`);
  await db.$disconnect();
});

describe('preparedQuery', () => {
  it('prepares a statement again once its use has doubled, so a plan made on a nearly empty table does not stay', async () => {
    for (let i = 0; i < 10; i++) expect(await preparedQuery(db, name, text, [[1, 2, 3]])).toEqual([{ n: 3 }]);
    const [first] = await statements();
    expect(first).toBeDefined();
    // PostgreSQL settled on a generic plan after five executions; on ten rows it scans the table.
    expect(await plan(first!)).toMatch(/Seq Scan/);

    // The table grows (no ANALYZE, as between two autovacuum rounds).
    await db.$executeRawUnsafe(`INSERT INTO "${table}" SELECT g, repeat('x', 100) FROM generate_series(11, 100000) g`);
    for (let i = 10; i < 60; i++) expect(await preparedQuery(db, name, text, [[1, 2, 99_999]])).toEqual([{ n: 3 }]);

    const now = await statements();
    expect(await plan(now.at(-1)!)).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
    expect(now).toHaveLength(1); // the old statement was deallocated, not left behind
    expect(now[0]).not.toBe(first);
  });
});
