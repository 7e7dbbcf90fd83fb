import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actualShape, diffShapes, expectedShape, type SchemaShape } from './schema-drift.ts';

const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));
const schema = readFileSync(schemaPath, 'utf8');

describe('schema.prisma and the migrated database', () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  let actual: SchemaShape;
  beforeAll(async () => {
    await client.connect();
    actual = await actualShape(client);
  });
  afterAll(() => client.end());

  it('agree on tables, columns, types, nullability, keys, indexes and enums', () => {
    expect(diffShapes(expectedShape(schema), actual)).toEqual([]);
  });

  it('reports a column added to schema.prisma without a migration', () => {
    const edited = schema.replace(/model Tenant \{\n/, 'model Tenant {\n  nickname String?\n');
    expect(diffShapes(expectedShape(edited), actual)).toEqual([
      'Tenant.nickname: in schema.prisma (text null), missing from the database',
    ]);
  });

  it('reports an index, a nullability change and an enum value that only one side has', () => {
    const edited = schema
      .replace('  @@index([enabled, schedule])\n', '')
      .replace(/(model Workflow \{[\s\S]*?description\s+)String\?/, '$1String')
      .replace('enum LogLevel {\n  DEBUG', 'enum LogLevel {\n  TRACE\n  DEBUG');
    const diff = diffShapes(expectedShape(edited), actual);
    expect(diff).toContain('Workflow: index (enabled, schedule) in the database, not in schema.prisma');
    expect(diff).toContain('Workflow.description: schema.prisma says text not null, the database has text null');
    expect(diff).toContain('enum LogLevel: schema.prisma says [TRACE,DEBUG,INFO,WARN,ERROR], the database has [DEBUG,INFO,WARN,ERROR]');
  });

  it('sees LogEntry as one partitioned table with daily partitions', async () => {
    const { rows } = await client.query<{ kind: string; parts: number }>(`
      SELECT c.relkind AS kind, (SELECT count(*)::int FROM pg_inherits WHERE inhparent = c.oid) AS parts
      FROM pg_class c WHERE c.relname = 'LogEntry'`);
    expect(rows[0]).toMatchObject({ kind: 'p' });
    expect(rows[0]!.parts).toBeGreaterThanOrEqual(15); // default + yesterday..today+14
  });
});
