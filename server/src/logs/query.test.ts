import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestTenant, testDb } from '../../test/helpers.ts';
import { ValidationError } from '../errors.ts';
import { genericPlanQuery, preparedQuery } from '../db.ts';
import type { LogLevel } from '../generated/prisma/enums.ts';
import { buildLogQuery, encodeLogCursor, logWhere, queryLogs } from './query.ts';

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

describe('queryLogs filters', () => {
  let t: string;
  const wf = randomUUID();
  const ex = randomUUID();
  beforeAll(async () => {
    t = (await createTestTenant(db)).id;
    const base = Date.now() - 3_600_000;
    await db.logEntry.createMany({
      data: Array.from({ length: 60 }, (_, i) => ({
        tenantId: t,
        level: (['DEBUG', 'INFO', 'WARN', 'ERROR'] as const)[i % 4]!,
        message: i % 3 === 0 ? `100% done for order_${i}` : `step ${i} finished`,
        metadata: { i },
        workflowId: i % 2 ? wf : null,
        executionId: i % 6 === 1 ? ex : null,
        createdAt: new Date(base + Math.floor(i / 3) * 1000),
      })),
    });
  });

  /** Every matching row, newest first, by walking pages of `size`. */
  async function walk(filter: Parameters<typeof queryLogs>[2], size: number) {
    const out: { id: string; i: number }[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await queryLogs(db, t, filter, { first: size, after });
      out.push(...page.entries.map((e) => ({ id: e.id, i: (e.metadata as { i: number }).i })));
      if (!page.hasNextPage) return out;
      after = encodeLogCursor(page.entries.at(-1)!);
    }
  }

  it('pages a level set, workflow, execution, time range and search exactly like the equivalent findMany', async () => {
    const cases: Parameters<typeof queryLogs>[2][] = [
      { levels: ['WARN', 'ERROR'] },
      { levels: ['DEBUG', 'INFO', 'WARN'], workflowId: wf },
      { executionId: ex },
      { since: new Date(Date.now() - 3_600_000 + 5_000), until: new Date(Date.now() - 3_600_000 + 15_000) },
      { search: '100% ORDER_' },
      { search: 'step', levels: ['INFO', 'ERROR'], workflowId: wf },
    ];
    for (const filter of cases) {
      const expected = await db.logEntry.findMany({ where: logWhere(t, filter), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect((await walk(filter, 4)).map((r) => r.id), JSON.stringify(filter)).toEqual(expected.map((e) => e.id));
    }
  });

  it('treats % and _ in search words literally', async () => {
    const page = await queryLogs(db, t, { search: '100%' });
    expect(page.entries).toHaveLength(20);
    expect((await queryLogs(db, t, { search: '0%d' })).entries).toEqual([]);
  });

  it('reads pages on connections that always use generic plans; other statements keep the default', async () => {
    const mode = `SELECT current_setting('plan_cache_mode') AS mode`;
    expect((await genericPlanQuery<{ mode: string }>(db, 'flowdeck_test_generic_mode', mode, []))[0]!.mode).toBe('force_generic_plan');
    expect((await preparedQuery<{ mode: string }>(db, 'flowdeck_test_main_mode', mode, []))[0]!.mode).toBe('auto');
  });

  it('returns typed rows', async () => {
    const [e] = (await queryLogs(db, t, {}, { first: 1 })).entries;
    expect(e!.createdAt).toBeInstanceOf(Date);
    expect(e!.metadata).toEqual({ i: expect.any(Number) });
    expect(e!.piiRedacted).toBe(true);
  });

  it('rejects malformed filters with a typed error', async () => {
    await expect(queryLogs(db, t, { workflowId: 'nope' })).rejects.toBeInstanceOf(ValidationError);
    await expect(queryLogs(db, t, { levels: ['LOUD' as never] })).rejects.toBeInstanceOf(ValidationError);
    await expect(queryLogs(db, t, { since: new Date('x') })).rejects.toBeInstanceOf(ValidationError);
    await expect(queryLogs(db, t, {}, { after: 'garbage' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('queryLogs plans', () => {
  // Enough rows in one day's partition that a sequential scan is never the cheap choice there,
  // then EXPLAIN every combination of the Logs Explorer's filters, first page and a deep page.
  it('uses an index for every filter combination', async () => {
    const t = (await createTestTenant(db)).id;
    const wf = '0195a0c0-0000-7000-8000-000000000001';
    const ex = '0195a0c0-0000-7000-8000-000000000002';
    await db.$executeRawUnsafe(
      `INSERT INTO "LogEntry" ("id","tenantId","level","message","workflowId","executionId","createdAt")
       SELECT md5($1 || g)::uuid, $1::uuid,
              (ARRAY['DEBUG','INFO','INFO','WARN','ERROR'])[1 + g % 5]::"LogLevel",
              (ARRAY['synced orders','sent template','render finished','timeout calling CGB'])[1 + g % 4] || ' #' || g,
              CASE WHEN g % 10 = 0 THEN $2::uuid ELSE md5('w' || g % 50)::uuid END,
              CASE WHEN g % 100 = 0 THEN $3::uuid ELSE md5('e' || g / 40)::uuid END,
              date_trunc('day', now()) + (g % 3600) * interval '1 second'
       FROM generate_series(1, 30000) g`,
      t, wf, ex,
    );
    await db.$executeRawUnsafe('ANALYZE "LogEntry"');
    const populated = new Set(
      (await db.$queryRawUnsafe<{ relname: string }[]>(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"LogEntry"'::regclass AND c.reltuples > 1000`)).map((r) => r.relname),
    );
    expect(populated.size).toBeGreaterThan(0);
    const deep = await queryLogs(db, t, {}, { first: 1000 });
    const after = encodeLogCursor(deep.entries.at(-1)!);
    const parts = {
      workflowId: wf,
      executionId: ex,
      levels: ['WARN', 'ERROR'] as LogLevel[],
      since: new Date(Date.now() - 86_400_000),
      search: 'timeout',
    };
    const keys = Object.keys(parts) as (keyof typeof parts)[];
    const report: string[] = [];
    for (let mask = 0; mask < 1 << keys.length; mask++) {
      const filter = Object.fromEntries(keys.filter((_, i) => mask & (1 << i)).map((k) => [k, parts[k]]));
      // The whole range (the last window) and a one-day window (the first).
      for (const [page, window] of [[{ first: 100 }, {}], [{ first: 100, after }, {}], [{ first: 100 }, { from: new Date(Date.now() - 86_400_000) }]] as const) {
        const { sql, params } = buildLogQuery(t, filter, page, window);
        const [row] = await db.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(`EXPLAIN (FORMAT JSON) ${sql}`, ...params);
        const plan = row!['QUERY PLAN'];
        const scans = planNodes((plan as [{ Plan: PlanNode }])[0].Plan).filter((n) => n['Relation Name'] && populated.has(n['Relation Name']));
        const label = `${Object.keys(filter).join('+') || 'tenant'}${'after' in page ? ' (deep)' : ''}${'from' in window ? ' (1-day window)' : ''}`;
        report.push(`${label}: ${[...new Set(scans.map((s) => `${s['Node Type']} ${s['Index Name'] ?? ''}`.trim()))].join(', ')}`);
        expect(scans.length, label).toBeGreaterThan(0);
        for (const s of scans) expect(s['Node Type'], label).not.toBe('Seq Scan');
      }
    }
    console.log(report.join('\n'));
  });
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
function planNodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(planNodes)];
}

describe('queryLogs across time windows', () => {
  it('pages through rows spread over months in order, with cursors and until', async () => {
    const t = (await createTestTenant(db)).id;
    const days = [0, 0.5, 2, 6.9, 7.1, 20, 34.9, 35.1, 60, 200];
    await db.logEntry.createMany({ data: days.map((d, i) => ({ tenantId: t, level: 'INFO' as const, message: `row ${i}`, createdAt: new Date(Date.now() - d * 86_400_000 - 1000) })) });
    const all = (await db.logEntry.findMany({ where: { tenantId: t }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).map((e) => e.id);
    for (const size of [1, 2, 3, 10]) {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await queryLogs(db, t, {}, { first: size, after });
        seen.push(...page.entries.map((e) => e.id));
        if (!page.hasNextPage) break;
        after = encodeLogCursor(page.entries.at(-1)!);
      }
      expect(seen, `page size ${size}`).toEqual(all);
    }
    const until = new Date(Date.now() - 10 * 86_400_000);
    const since = new Date(Date.now() - 100 * 86_400_000);
    expect((await queryLogs(db, t, { until, since })).entries.map((e) => e.message)).toEqual(['row 5', 'row 6', 'row 7', 'row 8']);
  });
});
