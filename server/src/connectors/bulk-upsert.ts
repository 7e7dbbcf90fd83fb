// One INSERT … ON CONFLICT DO UPDATE per chunk of rows, instead of one upsert round trip per row:
// a day of a large ad account is thousands of rows. Ids are UUIDv7 like Prisma's uuid(7), so
// keyset pagination by id stays time-ordered.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { uuidv7 } from '../uuid7.ts';

export interface Column {
  name: string;
  /** SQL type the parameter is cast to. */
  type: 'uuid' | 'text' | 'date' | 'timestamptz' | 'numeric' | 'bigint' | 'int' | 'jsonb';
}

const CHUNK = 500;

/**
 * Upserts rows (values in `columns` order; "id" is added) into `table`, keyed by `conflict`.
 * Every non-key column is overwritten, so a re-run leaves the same row contents.
 * Returns the number of rows written.
 */
export async function bulkUpsert(db: PrismaClient, table: string, columns: Column[], conflict: string[], rows: unknown[][]): Promise<number> {
  const q = (n: string) => `"${n.replace(/"/g, '')}"`;
  const all: Column[] = [{ name: 'id', type: 'uuid' }, ...columns];
  const updates = columns.filter((c) => !conflict.includes(c.name)).map((c) => `${q(c.name)} = EXCLUDED.${q(c.name)}`);
  let written = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const values = [uuidv7(), ...row];
      return `(${values.map((v, j) => {
        params.push(all[j]!.type === 'jsonb' && v !== null ? JSON.stringify(v) : typeof v === 'bigint' ? v.toString() : v);
        return `$${params.length}::${all[j]!.type}`;
      })})`;
    });
    written += await db.$executeRawUnsafe(
      `INSERT INTO ${q(table)} (${all.map((c) => q(c.name)).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${conflict.map(q).join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
      ...params,
    );
  }
  return written;
}
