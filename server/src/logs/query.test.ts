import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import { encodeLogCursor, queryLogs } from './query.ts';

const db = testDb();
let tenantId: string;
afterAll(() => db.$disconnect());

beforeAll(async () => {
  tenantId = (await createTestTenant(db)).id;
  const base = Date.now() - 60_000;
  await db.logEntry.createMany({
    data: Array.from({ length: 25 }, (_, i) => ({
      tenantId,
      level: i % 5 === 0 ? ('ERROR' as const) : ('INFO' as const),
      message: i % 2 ? `order ${i} synced` : `message ${i} sent`,
      // Pairs share a timestamp so the id tie-break matters.
      createdAt: new Date(base + Math.floor(i / 2) * 1000),
    })),
  });
});

describe('queryLogs', () => {
  it('pages newest first with keyset cursors and no repeats or gaps', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await queryLogs(db, tenantId, {}, { first: 7, after });
      seen.push(...page.entries.map((e) => e.id));
      if (!page.hasNextPage) break;
      after = encodeLogCursor(page.entries.at(-1)!);
    }
    const all = await db.logEntry.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it('filters by level and words, and never crosses tenants', async () => {
    const errors = await queryLogs(db, tenantId, { levels: ['ERROR'] });
    expect(errors.entries.map((e) => e.level)).toEqual(Array(5).fill('ERROR'));
    const synced = await queryLogs(db, tenantId, { search: 'ORDER synced' });
    expect(synced.entries).toHaveLength(12);
    const other = await createTestTenant(db);
    expect((await queryLogs(db, other.id, {})).entries).toEqual([]);
  });
});
