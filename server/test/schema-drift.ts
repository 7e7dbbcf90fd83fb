// Compares what schema.prisma says (through Prisma's own schema parser, the WASM build that
// needs no engine binary) with what the migrated database has: tables, columns, types,
// nullability, primary keys, unique and plain indexes (with sort order), foreign keys, enums.
// Used by schema-drift.test.ts; each difference is one readable line.
import { createRequire } from 'node:module';
import type pg from 'pg';

const require = createRequire(import.meta.url);
const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };

interface DmmfField {
  name: string;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  type: string;
  nativeType: [string, string[]] | null;
  dbName?: string | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  /** Absent for B-tree. */
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc'; operatorClass?: string }[];
}
interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: { name: string; values: { name: string }[] }[]; indexes: DmmfIndex[] };
}

export interface SchemaShape {
  tables: Map<string, { columns: Map<string, string>; indexes: Set<string>; foreignKeys: Set<string> }>;
  enums: Map<string, string>;
}

function columnType(f: DmmfField): string {
  const [native, args] = f.nativeType ?? [undefined, []];
  if (f.kind === 'enum') return `"${f.type}"`;
  switch (f.type) {
    case 'String':
      return native === 'Uuid' ? 'uuid' : native === 'VarChar' ? `character varying(${args[0]})` : 'text';
    case 'Int':
      return 'integer';
    case 'BigInt':
      return 'bigint';
    case 'Boolean':
      return 'boolean';
    case 'Float':
      return 'double precision';
    case 'Json':
      return 'jsonb';
    case 'Decimal':
      return `numeric(${args[0] ?? 65},${args[1] ?? 30})`;
    case 'DateTime':
      if (native === 'Date') return 'date';
      if (native === 'Timestamptz') return `timestamp(${args[0] ?? 3}) with time zone`;
      return `timestamp(${args[0] ?? 3}) without time zone`;
    default:
      return `unsupported:${f.type}`;
  }
}

const ON_DELETE: Record<string, string> = { Cascade: 'CASCADE', Restrict: 'RESTRICT', SetNull: 'SET NULL', NoAction: 'NO ACTION', SetDefault: 'SET DEFAULT' };

export function expectedShape(prismaSchema: string): SchemaShape {
  const dmmf = JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema }))) as Dmmf;
  const tables: SchemaShape['tables'] = new Map();
  const tableOf = new Map<string, string>();
  const columnOf = (model: DmmfModel, field: string) => model.fields.find((f) => f.name === field)?.dbName ?? field;
  for (const m of dmmf.datamodel.models) tableOf.set(m.name, m.dbName ?? m.name);
  for (const m of dmmf.datamodel.models) {
    const columns = new Map<string, string>();
    const foreignKeys = new Set<string>();
    for (const f of m.fields) {
      if (f.kind === 'object') {
        if (f.relationFromFields?.length) {
          const target = dmmf.datamodel.models.find((x) => x.name === f.type)!;
          const from = f.relationFromFields.map((c) => columnOf(m, c)).join(',');
          const to = (f.relationToFields ?? []).map((c) => columnOf(target, c)).join(',');
          foreignKeys.add(`(${from}) -> ${tableOf.get(f.type)}(${to}) on delete ${ON_DELETE[f.relationOnDelete ?? ''] ?? (f.isRequired ? 'RESTRICT' : 'SET NULL')}`);
        }
        continue;
      }
      columns.set(f.dbName ?? f.name, `${columnType(f)}${f.isList ? '[]' : ''} ${f.isRequired ? 'not null' : 'null'}`);
    }
    const indexes = new Set<string>();
    for (const idx of dmmf.datamodel.indexes.filter((i) => i.model === m.name)) {
      const kind = idx.type === 'id' ? 'primary key' : idx.type === 'unique' ? 'unique' : 'index';
      const using = idx.algorithm && idx.algorithm.toLowerCase() !== 'btree' ? ` using ${idx.algorithm.toLowerCase()}` : '';
      const col = (f: DmmfIndex['fields'][number]) => `${columnOf(m, f.name)}${f.operatorClass ? ` ${f.operatorClass}` : ''}${f.sortOrder === 'desc' ? ' desc' : ''}`;
      indexes.add(`${kind}${using} (${idx.fields.map(col).join(', ')})`);
    }
    tables.set(m.dbName ?? m.name, { columns, indexes, foreignKeys });
  }
  const enums = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.values.map((v) => v.name).join(',')]));
  return { tables, enums };
}

export async function actualShape(client: pg.Client | pg.Pool): Promise<SchemaShape> {
  const tables: SchemaShape['tables'] = new Map();
  const { rows: tableRows } = await client.query<{ name: string; oid: number }>(`
    SELECT c.relname AS name, c.oid::int AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations'`);
  for (const t of tableRows) {
    const { rows: cols } = await client.query<{ name: string; type: string; notnull: boolean }>(`
      SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attnotnull AS notnull
      FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped`, [t.oid]);
    const columns = new Map(cols.map((c) => [c.name, `${c.type.replace(/^numeric\((\d+),(\d+)\)$/, 'numeric($1,$2)')} ${c.notnull ? 'not null' : 'null'}`]));
    // Operator classes are named only when they are not the column type's default (as in
    // schema.prisma, where `ops:` is needed only then).
    const { rows: idx } = await client.query<{ primary: boolean; unique: boolean; method: string; cols: string[] }>(`
      SELECT i.indisprimary AS primary, i.indisunique AS unique, am.amname AS method,
        ARRAY(SELECT a.attname
                || CASE WHEN NOT oc.opcdefault OR am.amname <> 'btree' AND oc.opcname NOT IN ('jsonb_ops', 'array_ops') THEN ' ' || oc.opcname ELSE '' END
                || CASE WHEN (i.indoption[k.n - 1] & 1) = 1 THEN ' desc' ELSE '' END
              FROM unnest(i.indkey, i.indclass) WITH ORDINALITY AS k(attnum, opclass, n)
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              JOIN pg_opclass oc ON oc.oid = k.opclass ORDER BY k.n) AS cols
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = $1`, [t.oid]);
    const indexes = new Set(idx.map((i) => `${i.primary ? 'primary key' : i.unique ? 'unique' : 'index'}${i.method === 'btree' ? '' : ` using ${i.method}`} (${i.cols.join(', ')})`));
    const { rows: fks } = await client.query<{ def: string }>(`
      SELECT '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) || ') -> ' ||
             c.confrelid::regclass::text || '(' ||
             (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) || ') on delete ' ||
             CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END AS def
      FROM pg_constraint c WHERE c.conrelid = $1 AND c.contype = 'f' AND c.conparentid = 0`, [t.oid]);
    tables.set(t.name, { columns, indexes, foreignKeys: new Set(fks.map((f) => f.def.replace(/"/g, ''))) });
  }
  const { rows: enumRows } = await client.query<{ name: string; vals: string }>(`
    SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS vals
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' GROUP BY t.typname`);
  return { tables, enums: new Map(enumRows.map((r) => [r.name, r.vals])) };
}

/** Every way the two shapes differ, one line each; empty when they agree. */
export function diffShapes(expected: SchemaShape, actual: SchemaShape): string[] {
  const out: string[] = [];
  for (const [name, want] of expected.tables) {
    const have = actual.tables.get(name);
    if (!have) {
      out.push(`table ${name}: in schema.prisma, missing from the database`);
      continue;
    }
    for (const [col, type] of want.columns) {
      const got = have.columns.get(col);
      if (got === undefined) out.push(`${name}.${col}: in schema.prisma (${type}), missing from the database`);
      else if (got !== type) out.push(`${name}.${col}: schema.prisma says ${type}, the database has ${got}`);
    }
    for (const col of have.columns.keys()) if (!want.columns.has(col)) out.push(`${name}.${col}: in the database, not in schema.prisma`);
    for (const i of want.indexes) if (!have.indexes.has(i)) out.push(`${name}: ${i} in schema.prisma, missing from the database`);
    for (const i of have.indexes) if (!want.indexes.has(i)) out.push(`${name}: ${i} in the database, not in schema.prisma`);
    for (const f of want.foreignKeys) if (!have.foreignKeys.has(f)) out.push(`${name}: foreign key ${f} in schema.prisma, missing from the database`);
    for (const f of have.foreignKeys) if (!want.foreignKeys.has(f)) out.push(`${name}: foreign key ${f} in the database, not in schema.prisma`);
  }
  for (const name of actual.tables.keys()) if (!expected.tables.has(name)) out.push(`table ${name}: in the database, not in schema.prisma`);
  for (const [name, vals] of expected.enums) {
    const got = actual.enums.get(name);
    if (got !== vals) out.push(`enum ${name}: schema.prisma says [${vals}], the database has [${got ?? 'nothing'}]`);
  }
  for (const name of actual.enums.keys()) if (!expected.enums.has(name)) out.push(`enum ${name}: in the database, not in schema.prisma`);
  return out;
}
