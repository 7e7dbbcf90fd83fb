// runStats, schedulerLag, logVolume and queueStats through the API, checked against the same
// numbers computed here from the generated rows: bucket edges in zones with 30- and 45-minute
// offsets and across a DST change, every status, durations from milliseconds to minutes, runs
// changing status and deleted (the triggers' update and delete paths), tenant isolation, typed
// refusals. The rollups are also compared with a full recomputation after all that churn.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binOf, binValue } from '../src/stats/histogram.ts';
import { startTestApp } from './app.ts';
import { globalId, tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { createWorkflows, generateLines, generateRuns, insertLines, insertRuns, rng, type GeneratedLine, type GeneratedRun } from './stats-data.ts';
import { rollupMismatches } from './stats-truth.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.stop();
});

const RUN_STATS = `query($from: DateTime!, $to: DateTime, $bucket: StatsBucket!, $workflowId: ID) {
  runStats(from: $from, to: $to, bucket: $bucket, workflowId: $workflowId) {
    bucket timezone from to
    buckets { start counts { pending running completed failed cancelled total failureRate } }
    totals { pending running completed failed cancelled total failureRate }
    workflows { workflowId name counts { total failed } duration { count p50 p95 p99 max } p95Series }
  }
}`;

type Status = GeneratedRun['status'];
const KEYS: Record<Status, string> = { PENDING: 'pending', RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed', CANCELLED: 'cancelled' };

/** Bucket start (ms) of a time, in the zone, as the API cuts buckets. */
function bucketOf(at: Date, bucket: 'MINUTE' | 'HOUR' | 'DAY', zone: string): number {
  const unit = { MINUTE: 'minute', HOUR: 'hour', DAY: 'day' } as const;
  return DateTime.fromJSDate(at, { zone }).startOf(unit[bucket]).toMillis();
}

/** The nearest-rank quantile as the histogram reports it: the bin value of the exact one. */
function expectedQuantile(values: number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return binValue(binOf(sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!));
}

function durationOf(r: GeneratedRun): number | null {
  return (r.status === 'COMPLETED' || r.status === 'FAILED') && r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null;
}

function checkRunStats(data: any, runs: GeneratedRun[], bucket: 'MINUTE' | 'HOUR' | 'DAY', zone: string) {
  const from = new Date(data.from);
  const to = new Date(data.to);
  const inWindow = runs.filter((r) => r.createdAt >= from && r.createdAt < to);
  const expected = new Map<number, Record<string, number>>();
  for (const r of inWindow) {
    const b = bucketOf(r.createdAt, bucket, zone);
    const counts = expected.get(b) ?? { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    counts[KEYS[r.status]]! += 1;
    expected.set(b, counts);
  }
  let nonEmpty = 0;
  for (const b of data.buckets) {
    const want = expected.get(Date.parse(b.start)) ?? { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    expect({ at: b.start, ...b.counts, total: undefined, failureRate: undefined }).toEqual({ at: b.start, ...want, total: undefined, failureRate: undefined });
    if (b.counts.total) nonEmpty++;
  }
  // Every run in the window landed in some bucket.
  expect(data.buckets.reduce((n: number, b: any) => n + b.counts.total, 0)).toBe(inWindow.length);
  expect(data.totals.total).toBe(inWindow.length);
  expect(nonEmpty).toBeGreaterThan(1);
  const finished = inWindow.filter((r) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(r.status)).length;
  expect(data.totals.failureRate).toBeCloseTo(inWindow.filter((r) => r.status === 'FAILED').length / finished, 10);
  for (const w of data.workflows) {
    const own = inWindow.filter((r) => globalId('Workflow', r.workflowId) === w.workflowId);
    expect(w.counts.total).toBe(own.length);
    const durations = own.map(durationOf).filter((d): d is number => d !== null);
    expect(w.duration.count).toBe(durations.length);
    for (const [q, key] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
      expect(w.duration[key]).toBeCloseTo(expectedQuantile(durations, q)!, 6);
    }
    // The per-bucket p95 series, bucket by bucket.
    const byBucket = new Map<number, number[]>();
    for (const r of own) {
      const d = durationOf(r);
      if (d === null) continue;
      const b = bucketOf(r.createdAt, bucket, zone);
      byBucket.set(b, [...(byBucket.get(b) ?? []), d]);
    }
    data.buckets.forEach((b: any, i: number) => {
      const want = expectedQuantile(byBucket.get(Date.parse(b.start)) ?? [], 0.95);
      if (want === null) expect(w.p95Series[i]).toBeNull();
      else expect(w.p95Series[i]).toBeCloseTo(want, 6);
    });
  }
}

describe.each([
  ['Asia/Kolkata', 11],
  ['Asia/Kathmandu', 12],
  ['America/New_York', 13],
])('runStats in %s', (zone, seed) => {
  let t: TestTenant;
  let runs: GeneratedRun[];
  let workflows: string[];
  // Over the 2026-11-01 DST change in New York: one 25-hour day, two 01:00 hours.
  const end = new Date('2026-11-03T00:00:00Z');
  const start = new Date(end.getTime() - 6 * 86_400_000);

  beforeAll(async () => {
    t = await tenantWithKeys(app.db);
    await app.db.tenant.update({ where: { id: t.id }, data: { timezone: zone } });
    workflows = await createWorkflows(app.db, t.id, 4);
    const random = rng(seed);
    runs = generateRuns(random, workflows, 3000, start, end);
    await insertRuns(app.db, t.id, runs);
    // Status changes after the insert, in batches as the workers make them: the update trigger.
    const moving = runs.filter((r) => r.status === 'PENDING').slice(0, 200);
    for (const r of moving) {
      r.status = 'COMPLETED';
      r.startedAt = new Date(r.createdAt.getTime() + 10);
      r.finishedAt = new Date(r.startedAt.getTime() + 333);
    }
    await app.db.$executeRawUnsafe(
      `UPDATE "WorkflowExecution" SET "status" = 'COMPLETED', "startedAt" = "createdAt" + interval '10 ms', "finishedAt" = "createdAt" + interval '343 ms' WHERE "id" = ANY($1::uuid[])`,
      moving.map((r) => r.id),
    );
    // Progress-only updates change nothing counted.
    await app.db.$executeRawUnsafe(`UPDATE "WorkflowExecution" SET "stepsCompleted" = "stepsCompleted" + 1 WHERE "tenantId" = $1::uuid`, t.id);
    // And deletions (the delete trigger).
    const gone = new Set(runs.filter((_, i) => i % 17 === 0).map((r) => r.id));
    await app.db.$executeRawUnsafe(`DELETE FROM "WorkflowExecution" WHERE "id" = ANY($1::uuid[])`, [...gone]);
    runs = runs.filter((r) => !gone.has(r.id));
  });

  it.each(['HOUR', 'DAY'] as const)('%s buckets match the runs themselves', async (bucket) => {
    const res = await app.graphql(RUN_STATS, { from: start.toISOString(), to: end.toISOString(), bucket }, t.keys.VIEWER);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.runStats.timezone).toBe(zone);
    checkRunStats(res.body.data.runStats, runs, bucket, zone);
  });

  it('MINUTE buckets over the last six hours of the window', async () => {
    const from = new Date(end.getTime() - 6 * 3_600_000);
    const res = await app.graphql(RUN_STATS, { from: from.toISOString(), to: end.toISOString(), bucket: 'MINUTE' }, t.keys.VIEWER);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.runStats.buckets).toHaveLength(360);
    checkRunStats(res.body.data.runStats, runs, 'MINUTE', zone);
  });

  it('one workflow', async () => {
    const res = await app.graphql(RUN_STATS, { from: start.toISOString(), to: end.toISOString(), bucket: 'DAY', workflowId: globalId('Workflow', workflows[1]!) }, t.keys.VIEWER);
    expect(res.body.errors).toBeUndefined();
    const own = runs.filter((r) => r.workflowId === workflows[1]);
    expect(res.body.data.runStats.workflows).toHaveLength(1);
    checkRunStats(res.body.data.runStats, own, 'DAY', zone);
  });

  it('the rollups equal a full recomputation after inserts, updates and deletes', async () => {
    expect(await rollupMismatches(app.db, t.id)).toEqual([]);
  });
});

it('New York buckets: the DST day has 25 hours and two 01:00 hours', async () => {
  const t = await tenantWithKeys(app.db);
  await app.db.tenant.update({ where: { id: t.id }, data: { timezone: 'America/New_York' } });
  const res = await app.graphql(RUN_STATS, { from: '2026-11-01T04:00:00Z', to: '2026-11-02T05:00:00Z', bucket: 'HOUR' }, t.keys.VIEWER);
  const starts = res.body.data.runStats.buckets.map((b: any) => DateTime.fromISO(b.start, { zone: 'America/New_York' }).toFormat('HH:mm ZZ'));
  expect(starts).toHaveLength(25);
  expect(starts.filter((s: string) => s.startsWith('01:00'))).toEqual(['01:00 -04:00', '01:00 -05:00']);
});

describe('schedulerLag', () => {
  it('percentiles of slot → start drift per bucket and per workflow', async () => {
    const t = await tenantWithKeys(app.db);
    const workflows = await createWorkflows(app.db, t.id, 3);
    const end = new Date('2026-10-10T00:00:00Z');
    const start = new Date(end.getTime() - 3 * 86_400_000);
    const runs = generateRuns(rng(21), workflows, 2000, start, end);
    await insertRuns(app.db, t.id, runs);
    const res = await app.graphql(
      `query($from: DateTime!, $to: DateTime) { schedulerLag(from: $from, to: $to, bucket: DAY) {
        buckets { start lag { count p50 p95 p99 } } overall { count p95 } workflows { workflowId lag { count p95 } } } }`,
      { from: start.toISOString(), to: end.toISOString() },
      t.keys.VIEWER,
    );
    expect(res.body.errors).toBeUndefined();
    const lag = res.body.data.schedulerLag;
    const drifts = runs.filter((r) => r.driftMs !== null);
    expect(lag.overall.count).toBe(drifts.length);
    expect(lag.overall.p95).toBeCloseTo(expectedQuantile(drifts.map((r) => r.driftMs!), 0.95)!, 6);
    for (const b of lag.buckets) {
      const inBucket = drifts.filter((r) => bucketOf(r.createdAt, 'DAY', 'Asia/Manila') === Date.parse(b.start)).map((r) => r.driftMs!);
      expect(b.lag.count).toBe(inBucket.length);
      expect(b.lag.p99).toBe(expectedQuantile(inBucket, 0.99));
    }
    expect(lag.workflows.map((w: any) => w.lag.count).reduce((a: number, b: number) => a + b, 0)).toBe(drifts.length);
  });
});

describe('logVolume', () => {
  let t: TestTenant;
  let lines: GeneratedLine[];
  let workflows: string[];
  const end = new Date(Date.now() + 3_600_000);
  const start = new Date(end.getTime() - 3 * 86_400_000);
  const QUERY = `query($from: DateTime!, $to: DateTime, $bucket: StatsBucket!, $filter: LogFilterInput) {
    logVolume(from: $from, to: $to, bucket: $bucket, filter: $filter) { exact from to buckets { start debug info warn error total } totals { total warn error } } }`;

  beforeAll(async () => {
    t = await tenantWithKeys(app.db);
    await app.db.tenant.update({ where: { id: t.id }, data: { timezone: 'Asia/Kolkata' } });
    workflows = await createWorkflows(app.db, t.id, 3);
    const runs = generateRuns(rng(31), workflows, 50, start, end);
    await insertRuns(app.db, t.id, runs);
    lines = generateLines(rng(32), workflows, runs.map((r) => r.id), 6000, start, end);
    await insertLines(app.db, t.id, lines);
  });

  function expected(filter: (l: GeneratedLine) => boolean, bucket: 'MINUTE' | 'HOUR' | 'DAY', from: Date, to: Date) {
    const out = new Map<number, Record<string, number>>();
    for (const l of lines.filter((l) => l.createdAt >= from && l.createdAt < to && filter(l))) {
      const b = bucketOf(l.createdAt, bucket, 'Asia/Kolkata');
      const c = out.get(b) ?? { debug: 0, info: 0, warn: 0, error: 0 };
      c[l.level.toLowerCase()]! += 1;
      out.set(b, c);
    }
    return out;
  }

  const cases: [string, Record<string, unknown>, (l: GeneratedLine) => boolean][] = [
    ['everything', {}, () => true],
    ['WARN and ERROR of one workflow', { levels: ['WARN', 'ERROR'] }, (l) => l.level === 'WARN' || l.level === 'ERROR'],
    ['search words', { search: 'deadlock timeout' }, (l) => l.message.includes('deadlock') && l.message.includes('timeout')],
  ];
  it.each(cases)('%s, HOUR and DAY', async (_name, filter, matches) => {
    for (const bucket of ['HOUR', 'DAY'] as const) {
      const withWorkflow = 'levels' in filter ? { ...filter, workflowId: globalId('Workflow', workflows[0]!) } : filter;
      const match = 'levels' in filter ? (l: GeneratedLine) => matches(l) && l.workflowId === workflows[0] : matches;
      const res = await app.graphql(QUERY, { from: start.toISOString(), to: end.toISOString(), bucket, filter: withWorkflow }, t.keys.VIEWER);
      expect(res.body.errors).toBeUndefined();
      const v = res.body.data.logVolume;
      expect(v.exact).toBe(true);
      const want = expected(match, bucket, new Date(v.from), new Date(v.to));
      for (const b of v.buckets) {
        const w = want.get(Date.parse(b.start)) ?? { debug: 0, info: 0, warn: 0, error: 0 };
        expect({ at: b.start, debug: b.debug, info: b.info, warn: b.warn, error: b.error }).toEqual({ at: b.start, ...w });
      }
      expect(v.totals.total).toBeGreaterThan(0);
    }
  });

  it('more than 5,000 matching lines: the newest 5,000 are counted, and it says from when', async () => {
    const res = await app.graphql(
      `query($from: DateTime!, $to: DateTime, $filter: LogFilterInput) { logVolume(from: $from, to: $to, bucket: DAY, filter: $filter) { exact countedFrom buckets { start total } totals { total } } }`,
      { from: start.toISOString(), to: end.toISOString(), filter: { search: 'e' } },
      t.keys.VIEWER,
    );
    expect(res.body.errors).toBeUndefined();
    const v = res.body.data.logVolume;
    const matching = lines.filter((l) => l.message.includes('e')).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    expect(matching.length).toBeGreaterThan(5000);
    const newest = matching.slice(0, 5000);
    expect(v.exact).toBe(false);
    expect(v.totals.total).toBe(5000);
    expect(Date.parse(v.countedFrom)).toBe(newest.at(-1)!.createdAt.getTime());
    for (const b of v.buckets) {
      expect(b.total).toBe(newest.filter((l) => bucketOf(l.createdAt, 'DAY', 'Asia/Kolkata') === Date.parse(b.start)).length);
    }
  });

  it('an execution, MINUTE buckets', async () => {
    const execution = lines.find((l) => l.executionId)!.executionId!;
    const from = new Date(end.getTime() - 20 * 3_600_000);
    const res = await app.graphql(QUERY, { from: from.toISOString(), to: end.toISOString(), bucket: 'MINUTE', filter: { executionId: globalId('Execution', execution) } }, t.keys.VIEWER);
    expect(res.body.errors).toBeUndefined();
    const v = res.body.data.logVolume;
    const want = lines.filter((l) => l.executionId === execution && l.createdAt >= new Date(v.from) && l.createdAt < new Date(v.to)).length;
    expect(v.totals.total).toBe(want);
  });

  it('retention deletes take their lines out of the counts', async () => {
    const before = (await app.graphql(QUERY, { from: start.toISOString(), to: end.toISOString(), bucket: 'DAY' }, t.keys.VIEWER)).body.data.logVolume.totals.total;
    const n = await app.db.$executeRawUnsafe(`DELETE FROM "LogEntry" WHERE "tenantId" = $1::uuid AND "level" = 'DEBUG'`, t.id);
    const after = (await app.graphql(QUERY, { from: start.toISOString(), to: end.toISOString(), bucket: 'DAY' }, t.keys.VIEWER)).body.data.logVolume.totals.total;
    expect(n).toBeGreaterThan(0);
    expect(after).toBe(before - n);
    expect(await rollupMismatches(app.db, t.id)).toEqual([]);
  });
});

describe('bad input and isolation', () => {
  it('refuses windows too wide for the bucket, reversed windows and foreign ids with typed errors', async () => {
    const t = await tenantWithKeys(app.db);
    const cases = [
      { from: '2026-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z', bucket: 'MINUTE' },
      { from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z', bucket: 'HOUR' },
      { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z', bucket: 'DAY' },
      { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', bucket: 'DAY', workflowId: globalId('Execution', '00000000-0000-0000-0000-000000000001') },
    ];
    for (const variables of cases) {
      const res = await app.graphql(RUN_STATS, variables, t.keys.VIEWER);
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
    }
  });

  it("counts only the caller's tenant, also with another tenant's workflow id", async () => {
    const a = await tenantWithKeys(app.db);
    const b = await tenantWithKeys(app.db);
    const [wfA] = await createWorkflows(app.db, a.id, 1);
    const end = new Date('2026-09-01T00:00:00Z');
    const start = new Date(end.getTime() - 86_400_000);
    await insertRuns(app.db, a.id, generateRuns(rng(41), [wfA!], 100, start, end));
    const vars = { from: start.toISOString(), to: end.toISOString(), bucket: 'DAY' };
    expect((await app.graphql(RUN_STATS, vars, a.keys.VIEWER)).body.data.runStats.totals.total).toBe(100);
    expect((await app.graphql(RUN_STATS, vars, b.keys.VIEWER)).body.data.runStats.totals.total).toBe(0);
    const foreign = await app.graphql(RUN_STATS, { ...vars, workflowId: globalId('Workflow', wfA!) }, b.keys.VIEWER);
    expect(foreign.body.data.runStats.totals.total).toBe(0);
    expect(foreign.body.data.runStats.workflows).toEqual([]);
  });
});

describe('queueStats', () => {
  it('the caller’s waiting runs for everyone, the shared queues for admins only', async () => {
    const t = await tenantWithKeys(app.db);
    const [wf] = await createWorkflows(app.db, t.id, 1);
    const oldest = new Date(Date.now() - 60_000);
    const runs = generateRuns(rng(51), [wf!], 40, oldest, new Date()).map((r, i) => ({ ...r, status: 'PENDING' as const, createdAt: i === 0 ? oldest : r.createdAt, startedAt: null, finishedAt: null, driftMs: null }));
    await insertRuns(app.db, t.id, runs);
    const q = `{ queueStats { pendingRuns oldestPendingAt queues { queue waiting active delayed prioritized failed oldestWaitingAt } } }`;
    const viewer = await app.graphql(q, {}, t.keys.VIEWER);
    expect(viewer.body.errors?.[0]?.path).toEqual(['queueStats', 'queues']);
    const admin = await app.graphql(q, {}, t.keys.ADMIN);
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data.queueStats).toMatchObject({ pendingRuns: 40, oldestPendingAt: oldest.toISOString() });
    expect(admin.body.data.queueStats.queues.map((x: any) => x.queue).sort()).toEqual(['maintenance', 'pdf', 'runs', 'schedules']);
  });
});
