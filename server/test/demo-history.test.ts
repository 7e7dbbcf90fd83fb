// The demo tenant a fresh `npm start` creates: a live one-minute schedule the tenant's floor
// allows, and 14 days of generated history that is consistent (step runs inside their runs, log
// lines inside their runs), marked as demo data, written once, and removable.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { DEMO_HISTORY_DAYS, DEMO_NAMES } from '../src/dev/demo-history.ts';
import { clearDemoHistory } from '../src/dev/demo-history-sql.ts';
import { seedDemo, type SeedResult } from '../src/dev/seed.ts';
import { nextFireTimes } from '../src/engine/cron.ts';
import { scheduleIntervalProblem, scheduleProblems } from '../src/workflows/schedule.ts';
import { redactText, redactValue } from '../src/logs/redact.ts';
import { testDb } from './helpers.ts';

const db = testDb();
// A slug of its own: the shared test database may hold other suites' tenants (or an old "demo").
const slug = `demo-${randomUUID().slice(0, 8)}`;
const now = new Date();
let seeded: SeedResult;
let tenantId = '';

const one = async <T>(sql: string, ...params: unknown[]): Promise<T> => (await db.$queryRawUnsafe<T[]>(sql, ...params))[0]!;
const num = (v: unknown) => Number(v);

beforeAll(async () => {
  seeded = await seedDemo(db, { slug, now });
  tenantId = seeded.tenantId;
  // Other suites' schedulers share this database: keep the live schedule from firing there.
  await db.workflow.updateMany({ where: { tenantId }, data: { enabled: false } });
});

afterAll(async () => {
  if (tenantId) {
    // Executions restrict deleting their workflow, so they go first; the rest cascades.
    await db.workflowExecution.deleteMany({ where: { tenantId } });
    await db.logEntry.deleteMany({ where: { tenantId } });
    await db.tenant.delete({ where: { id: tenantId } });
  }
  await db.$disconnect();
});

describe('seedDemo on a fresh tenant', () => {
  it('creates the live workflow on a one-minute schedule the tenant floor allows', async () => {
    expect(seeded.apiKey).toMatch(/^fd_/);
    const tenant = await db.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(tenant.timezone).toBe('Asia/Manila');
    const live = await db.workflow.findFirstOrThrow({ where: { tenantId, name: DEMO_NAMES.live } });
    const tz = live.timezone ?? tenant.timezone;
    expect(scheduleProblems(live.schedule!, tz)).toEqual([]);
    expect(scheduleIntervalProblem(live.schedule!, tz, tenant.minScheduleIntervalSeconds)).toBeNull();
    const [a, b] = nextFireTimes(live.schedule!, tz, 2, now);
    expect(b!.getTime() - a!.getTime()).toBe(60_000);
    expect(live.description).toMatch(/demo/i);
  });

  it('seeds the live workflow enabled (off without the simulators) and the other scheduled one disabled', async () => {
    // A second tenant without history, left as seeded, to read `enabled` untouched.
    const other = await seedDemo(db, { slug: `${slug}-x`, history: false });
    try {
      const rows = await db.workflow.findMany({ where: { tenantId: other.tenantId }, select: { name: true, enabled: true, schedule: true } });
      expect(rows.find((r) => r.name === DEMO_NAMES.live)).toMatchObject({ enabled: true, schedule: '* * * * *' });
      expect(rows.find((r) => r.name === DEMO_NAMES.daily)).toMatchObject({ enabled: false });
      expect(await db.workflowExecution.count({ where: { tenantId: other.tenantId, input: { equals: { demo: true } } } })).toBe(0);
    } finally {
      await db.workflow.updateMany({ where: { tenantId: other.tenantId }, data: { enabled: false } });
      await db.workflowExecution.deleteMany({ where: { tenantId: other.tenantId } });
      await db.tenant.delete({ where: { id: other.tenantId } });
    }
    // Without the simulators (start.ts passes USE_SIMULATORS) the live workflow would only fail: it ships off.
    const quiet = await seedDemo(db, { slug: `${slug}-y`, history: false, live: false });
    try {
      expect(await db.workflow.count({ where: { tenantId: quiet.tenantId, enabled: true, schedule: { not: null } } })).toBe(0);
    } finally {
      await db.tenant.delete({ where: { id: quiet.tenantId } });
    }
  });

  it('writes a few thousand runs over 14 days quickly, every day and every status and trigger present', async () => {
    console.log(`[demo-history] ${JSON.stringify(seeded.history)}`);
    expect(seeded.history!.executions).toBeGreaterThan(2_000);
    expect(seeded.history!.executions).toBeLessThan(6_000);
    // Budget: well under 2 s (measured 0.5–1.2 s on the shared 2-core box); the margin is for a loaded CI machine.
    expect(seeded.history!.ms).toBeLessThan(2_500);
    const s = await one<{ n: bigint; oldest: Date; newest: Date; days: bigint; open: bigint; late: bigint }>(
      `SELECT count(*) AS n, min("createdAt") AS oldest, max("finishedAt") AS newest,
              count(DISTINCT ("startedAt" AT TIME ZONE 'Asia/Manila')::date) AS days,
              count(*) FILTER (WHERE status NOT IN ('COMPLETED','FAILED','CANCELLED') OR "finishedAt" IS NULL OR "startedAt" IS NULL) AS open,
              count(*) FILTER (WHERE "finishedAt" > $2::timestamptz OR "startedAt" < "createdAt" OR "finishedAt" < "startedAt") AS late
       FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid`,
      tenantId,
      now,
    );
    expect(num(s.n)).toBe(seeded.history!.executions);
    expect(now.getTime() - s.oldest.getTime()).toBeGreaterThan((DEMO_HISTORY_DAYS - 0.5) * 86_400_000);
    expect(now.getTime() - s.oldest.getTime()).toBeLessThan((DEMO_HISTORY_DAYS + 1) * 86_400_000);
    expect(now.getTime() - s.newest.getTime()).toBeLessThan(30 * 60_000);
    expect(num(s.days)).toBeGreaterThanOrEqual(DEMO_HISTORY_DAYS);
    expect(num(s.open)).toBe(0);
    expect(num(s.late)).toBe(0);

    const mix = await db.workflowExecution.groupBy({ by: ['status', 'trigger'], where: { tenantId }, _count: true });
    const count = (f: (r: (typeof mix)[number]) => boolean) => mix.filter(f).reduce((t, r) => t + r._count, 0);
    expect(count((r) => r.status === 'COMPLETED')).toBeGreaterThan(0.85 * num(s.n));
    expect(count((r) => r.status === 'FAILED')).toBeGreaterThan(20);
    expect(count((r) => r.status === 'CANCELLED')).toBeGreaterThanOrEqual(2);
    for (const trigger of ['SCHEDULE', 'MANUAL', 'API'] as const) expect(count((r) => r.trigger === trigger), trigger).toBeGreaterThan(0);
    // Every demo workflow has history.
    const perWorkflow = await db.workflowExecution.groupBy({ by: ['workflowId'], where: { tenantId }, _count: true });
    expect(perWorkflow).toHaveLength(Object.keys(DEMO_NAMES).length);
  });

  it('gives scheduled runs their slot and drift, and failed runs the engine’s error shape', async () => {
    const bad = await one<{ sched: bigint; err: bigint; failed: bigint }>(
      `SELECT count(*) FILTER (WHERE trigger = 'SCHEDULE' AND ("scheduledFor" IS NULL OR "driftMs" IS DISTINCT FROM (extract(epoch FROM "startedAt" - "scheduledFor") * 1000)::int)) AS sched,
              count(*) FILTER (WHERE trigger <> 'SCHEDULE' AND ("scheduledFor" IS NOT NULL OR "driftMs" IS NOT NULL)) +
              count(*) FILTER (WHERE (status = 'FAILED') <> (error IS NOT NULL)) AS err,
              count(*) FILTER (WHERE status = 'FAILED' AND NOT (error ? 'message' AND error ? 'step' AND error ? 'source' AND error ? 'date')) AS failed
       FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid`,
      tenantId,
    );
    expect({ sched: num(bad.sched), err: num(bad.err), failed: num(bad.failed) }).toEqual({ sched: 0, err: 0, failed: 0 });
    // The error names the step that failed, and that step run carries the same error.
    const mismatched = await one<{ n: bigint }>(
      `SELECT count(*) AS n FROM "WorkflowExecution" e
       WHERE e."tenantId" = $1::uuid AND e.status = 'FAILED'
         AND NOT EXISTS (SELECT 1 FROM "StepRun" s JOIN "Workflow" w ON w.id = e."workflowId"
                         WHERE s."executionId" = e.id AND s.status = 'FAILED' AND s.error = e.error
                           AND w.definition->'steps'->s.index->>'id' = e.error->>'step')`,
      tenantId,
    );
    expect(num(mismatched.n)).toBe(0);
  });

  it('has one step run per step, in order, each inside its run, with fail-fast and cancel shapes', async () => {
    const r = await one<{ missing: bigint; outside: bigint; wrongType: bigint; shape: bigint; overlap: bigint }>(
      `WITH e AS (SELECT * FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid),
            s AS (SELECT s.* FROM "StepRun" s JOIN e ON e.id = s."executionId"),
            per AS (SELECT e.id, e.status::text AS status, e."stepsTotal", e."stepsCompleted", e."cancelRequestedAt",
                           count(s.id) AS n, max(s.index) AS last,
                           count(s.id) FILTER (WHERE s.status = 'COMPLETED') AS done,
                           count(s.id) FILTER (WHERE s.status::text = e.status::text) AS same
                    FROM e LEFT JOIN s ON s."executionId" = e.id GROUP BY e.id, e.status, e."stepsTotal", e."stepsCompleted", e."cancelRequestedAt")
       SELECT
         (SELECT count(*) FROM per WHERE n <> "stepsTotal" OR last <> "stepsTotal" - 1) AS missing,
         (SELECT count(*) FROM s JOIN e ON e.id = s."executionId"
           WHERE (s.status = 'SKIPPED') <> (s."startedAt" IS NULL)
              OR s."finishedAt" < s."startedAt" OR s."startedAt" < e."startedAt" OR s."finishedAt" > e."finishedAt") AS outside,
         (SELECT count(*) FROM s JOIN e ON e.id = s."executionId" JOIN "Workflow" w ON w.id = e."workflowId"
           WHERE w.definition->'steps'->s.index->>'type' <> s.type) AS "wrongType",
         (SELECT count(*) FROM per WHERE
              (status = 'COMPLETED' AND done <> n)
           OR (status <> 'COMPLETED' AND same <> 1)
           OR "stepsCompleted" <> done
           OR (status = 'CANCELLED') <> ("cancelRequestedAt" IS NOT NULL)) AS shape,
         (SELECT count(*) FROM s a JOIN s b ON a."executionId" = b."executionId" AND b.index = a.index + 1
           WHERE b."startedAt" < a."finishedAt") AS overlap`,
      tenantId,
    );
    expect({ missing: num(r.missing), outside: num(r.outside), wrongType: num(r.wrongType), shape: num(r.shape), overlap: num(r.overlap) }).toEqual({
      missing: 0,
      outside: 0,
      wrongType: 0,
      shape: 0,
      overlap: 0,
    });
  });

  it('writes log lines of every level inside their runs, in daily partitions, with an error spike and a daily rhythm', async () => {
    const l = await one<{ n: bigint; outside: bigint; levels: string[]; stray: bigint }>(
      `SELECT count(*) AS n,
              count(*) FILTER (WHERE e.id IS NULL OR l."workflowId" <> e."workflowId" OR l."createdAt" < e."startedAt" OR l."createdAt" > e."finishedAt") AS outside,
              array_agg(DISTINCT l.level::text ORDER BY l.level::text) AS levels,
              (SELECT count(*) FROM "LogEntry_default" d WHERE d."tenantId" = $1::uuid) AS stray
       FROM "LogEntry" l LEFT JOIN "WorkflowExecution" e ON e.id = l."executionId" AND e."tenantId" = l."tenantId"
       WHERE l."tenantId" = $1::uuid`,
      tenantId,
    );
    expect(num(l.n)).toBe(seeded.history!.logs);
    expect(num(l.n)).toBeGreaterThan(3_000);
    expect(num(l.outside)).toBe(0);
    expect(l.levels).toEqual(['ERROR', 'INFO', 'WARN']);
    expect(num(l.stray)).toBe(0);

    const hours = await db.$queryRawUnsafe<{ h: Date; errors: bigint }[]>(
      `SELECT date_trunc('hour', "createdAt") AS h, count(*) AS errors FROM "LogEntry" WHERE "tenantId" = $1::uuid AND level = 'ERROR' GROUP BY 1 ORDER BY 2 DESC`,
      tenantId,
    );
    const counts = hours.map((h) => num(h.errors)).sort((a, b) => a - b);
    // The outage hour has many times the errors of a typical hour that has any…
    expect(counts.at(-1)!).toBeGreaterThanOrEqual(5 * counts[Math.floor(counts.length / 2)]!);
    // …and its day stands out in a 14-day histogram too.
    const days = await db.$queryRawUnsafe<{ errors: bigint }[]>(
      `SELECT count(*) AS errors FROM "LogEntry" WHERE "tenantId" = $1::uuid AND level = 'ERROR' GROUP BY ("createdAt" AT TIME ZONE 'Asia/Manila')::date`,
      tenantId,
    );
    const perDay = days.map((d) => num(d.errors)).sort((a, b) => a - b);
    expect(perDay.at(-1)!).toBeGreaterThanOrEqual(3 * perDay[Math.floor(perDay.length / 2)]!);

    // The rhythm is the partners' (the visa workflow's): the POS sync logs around the clock, so
    // over all lines the ratio moved with the hour the test ran at (it once fell to 1.5).
    const rhythm = await one<{ office: bigint; night: bigint }>(
      `SELECT count(*) FILTER (WHERE extract(hour FROM l."createdAt" AT TIME ZONE 'Asia/Manila') BETWEEN 10 AND 11) AS office,
              count(*) FILTER (WHERE extract(hour FROM l."createdAt" AT TIME ZONE 'Asia/Manila') BETWEEN 2 AND 3) AS night
       FROM "LogEntry" l JOIN "Workflow" w ON w.id = l."workflowId" AND w.name = $2
       WHERE l."tenantId" = $1::uuid`,
      tenantId,
      DEMO_NAMES.visa,
    );
    expect(num(rhythm.office)).toBeGreaterThan(0);
    expect(num(rhythm.office)).toBeGreaterThan(5 * num(rhythm.night));
  });

  it('has one workflow getting slower: the visa run’s daily p95 rises over the two weeks', async () => {
    const days = await db.$queryRawUnsafe<{ day: string; p95: number }[]>(
      `SELECT to_char(("startedAt" AT TIME ZONE 'Asia/Manila')::date, 'YYYY-MM-DD') AS day,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "startedAt")) AS p95
       FROM "WorkflowExecution" e JOIN "Workflow" w ON w.id = e."workflowId"
       WHERE e."tenantId" = $1::uuid AND w.name = $2 AND e.status = 'COMPLETED'
       GROUP BY 1 ORDER BY 1`,
      tenantId,
      DEMO_NAMES.visa,
    );
    expect(days.length).toBeGreaterThanOrEqual(DEMO_HISTORY_DAYS);
    const avg = (xs: { p95: number }[]) => xs.reduce((t, d) => t + Number(d.p95), 0) / xs.length;
    expect(avg(days.slice(-3))).toBeGreaterThan(1.5 * avg(days.slice(0, 3)));
  });

  it('marks every generated row as demo data', async () => {
    const m = await one<{ runs: bigint; steps: bigint; logs: bigint }>(
      `SELECT (SELECT count(*) FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid AND input <> '{"demo": true}'::jsonb) AS runs,
              (SELECT count(*) FROM "StepRun" s JOIN "WorkflowExecution" e ON e.id = s."executionId" WHERE s."tenantId" = $1::uuid AND NOT e.input @> '{"demo": true}') AS steps,
              (SELECT count(*) FROM "LogEntry" WHERE "tenantId" = $1::uuid AND NOT coalesce(metadata @> '{"demo": true}', false)) AS logs`,
      tenantId,
    );
    expect({ runs: num(m.runs), steps: num(m.steps), logs: num(m.logs) }).toEqual({ runs: 0, steps: 0, logs: 0 });
    // No PII in the generated text: the log service's redactor (which every real line passes
    // through) finds nothing to change.
    const lines = await db.logEntry.findMany({ where: { tenantId }, select: { message: true, metadata: true } });
    const changed = lines.filter((l) => redactText(l.message) !== l.message || JSON.stringify(redactValue(l.metadata)) !== JSON.stringify(l.metadata));
    expect(changed.slice(0, 3)).toEqual([]);
  });

  it('a second seed finds the tenant and adds nothing', async () => {
    const before = await Promise.all([db.workflow.count({ where: { tenantId } }), db.workflowExecution.count({ where: { tenantId } }), db.stepRun.count({ where: { tenantId } }), db.logEntry.count({ where: { tenantId } }), db.apiKey.count({ where: { tenantId } })]);
    const again = await seedDemo(db, { slug, now: new Date() });
    expect(again).toEqual({ tenantId });
    const after = await Promise.all([db.workflow.count({ where: { tenantId } }), db.workflowExecution.count({ where: { tenantId } }), db.stepRun.count({ where: { tenantId } }), db.logEntry.count({ where: { tenantId } }), db.apiKey.count({ where: { tenantId } })]);
    expect(after).toEqual(before);
  });

  it('`admin demo clear` removes the demo rows and nothing else', async () => {
    const wf = await db.workflow.findFirstOrThrow({ where: { tenantId, name: DEMO_NAMES.heartbeat } });
    const real = await db.workflowExecution.create({ data: { tenantId, workflowId: wf.id, workflowVersion: 1, trigger: 'MANUAL', status: 'COMPLETED', input: { source: 'a person' } } });
    await db.logEntry.create({ data: { tenantId, level: 'INFO', message: 'a real line', metadata: { step: 'x' }, executionId: real.id } });
    const lines: string[] = [];
    await runCli(['demo', 'clear', '--tenant', slug], (l) => lines.push(l));
    expect(lines).toEqual([`tenant ${slug}: deleted ${seeded.history!.executions} demo run(s) with their step runs and ${seeded.history!.logs} demo log line(s)`]);
    expect(await db.workflowExecution.findMany({ where: { tenantId }, select: { id: true } })).toEqual([{ id: real.id }]);
    expect(await db.stepRun.count({ where: { tenantId } })).toBe(0);
    expect((await db.logEntry.findMany({ where: { tenantId }, select: { message: true } })).map((r) => r.message)).toEqual(['a real line']);
    // Nothing left to clear the second time.
    expect(await clearDemoHistory(db, tenantId)).toEqual({ executions: 0, logs: 0 });
  });
});
