// Generated history for the demo tenant, so a fresh `npm start` opens on charts that show
// something: 14 days of runs of the demo workflows (mostly COMPLETED, some FAILED with the
// engine's error shape, a few CANCELLED), their step runs and their log lines, with a daily
// rhythm (partners call the visa workflow in office hours), a POS outage four days ago (an error
// spike), and a PDF step that gets slower over the two weeks.
//
// It is demo data, marked so it can be told apart and removed:
//   - WorkflowExecution.input is {"demo": true} (DEMO_MARKER); its StepRuns belong to it and go
//     with it (ON DELETE CASCADE);
//   - LogEntry.metadata carries "demo": true.
// clearDemoHistory() (`npm run admin -- demo clear --tenant demo`) deletes exactly those rows.
//
// Generation is deterministic (a seeded PRNG) and in memory; insertion is one set-based
// statement per table (jsonb_to_recordset over one JSON parameter), inside the caller's
// transaction, so a few thousand runs cost well under a second.
import { randomBytes } from 'node:crypto';
import { DateTime, IANAZone } from 'luxon';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { DEFAULT_STEP_ATTEMPTS } from '../engine/retry.ts';
import { resolveDateRange } from '../workflows/date-range.ts';
import type { WorkflowDefinition } from '../workflows/definition.ts';

export const DEMO_MARKER = { demo: true } as const;
export const DEMO_HISTORY_DAYS = 14;

/** Names of the demo workflows that get history (seed.ts defines them). */
export const DEMO_NAMES = {
  live: 'Live POS orders sync',
  visa: 'Visa status update',
  daily: 'Daily ads and sales sync',
  backfill: 'Weekly backfill',
  heartbeat: 'Heartbeat',
} as const;

/** The simulators' ids (server/src/simulators/index.ts), so errors name what a run would. */
const SHOP_ID = '30037101';
const AD_ACCOUNT = '1234567890';
const DRIFT_WARN_MS = 5_000;

type Status = 'COMPLETED' | 'FAILED' | 'CANCELLED';
type StepStatus = Status | 'SKIPPED';
type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface ExecutionRow {
  id: string;
  workflowId: string;
  status: Status;
  trigger: 'SCHEDULE' | 'MANUAL' | 'API';
  scheduledFor: string | null;
  driftMs: number | null;
  dateRange: unknown;
  rangeStart: string | null;
  rangeEnd: string | null;
  stepsTotal: number;
  stepsCompleted: number;
  progress: Record<string, number>;
  output: unknown;
  error: unknown;
  cancelRequestedAt: string | null;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
}

export interface StepRow {
  id: string;
  executionId: string;
  index: number;
  type: string;
  status: StepStatus;
  attempts: number;
  progress: Record<string, number>;
  output: unknown;
  error: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
}

export interface LogRow {
  id: string;
  level: Level;
  message: string;
  metadata: Record<string, unknown>;
  workflowId: string;
  executionId: string;
  step: string | null;
  createdAt: string;
}

export interface DemoHistory {
  executions: ExecutionRow[];
  steps: StepRow[];
  logs: LogRow[];
}

export interface DemoWorkflowRef {
  id: string;
  name: string;
  definition: WorkflowDefinition;
}

/** mulberry32: small, fast, and the same history for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (lo: number, hi: number) => lo + (hi - lo) * next(),
    chance: (p: number) => next() < p,
    /** Log-normal around a median: durations have a long right tail, as real ones do. */
    around: (median: number, spread = 0.25) => {
      const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      return median * Math.exp(spread * z);
    },
  };
}
type Rng = ReturnType<typeof prng>;

/** Random bytes drawn in blocks: one randomBytes call per id cost a fifth of the seed time. */
let pool = Buffer.alloc(0);
let poolAt = 0;
function random16(): Buffer {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(16 * 4096);
    poolAt = 0;
  }
  poolAt += 16;
  return Buffer.from(pool.subarray(poolAt - 16, poolAt));
}

/** UUID v7 for a past instant (the shared generator is monotonic on the wall clock, not on `ms`). */
function uuidv7At(ms: number): string {
  const b = random16();
  b.writeUIntBE(Math.floor(ms), 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

/** What one step of a planned run does: how long it takes, what it logs and returns, how it fails. */
interface StepPlan {
  ms: number;
  output?: unknown;
  /** Lines the step logs on success, at its end. */
  lines?: Array<{ level: Level; message: string; metadata?: Record<string, unknown> }>;
  /** Transient failures retried before the outcome (WARN lines, like run-execution.ts writes). */
  retries?: Array<{ message: string; waitMs: number }>;
  fail?: { message: string; source: string; date?: string; code?: string | number; shopId?: string; accountId?: string; errorLine?: string };
  cancel?: boolean;
  progress?: Record<string, number>;
}

interface RunPlan {
  workflow: DemoWorkflowRef;
  at: number;
  trigger: ExecutionRow['trigger'];
  scheduledFor?: number;
  driftMs?: number;
  steps: StepPlan[];
}

export interface GenerateOptions {
  workflows: DemoWorkflowRef[];
  timezone: string;
  now?: Date;
  seed?: number;
}

/** Builds the history in memory; nothing here touches the database. */
export function generateDemoHistory(opts: GenerateOptions): DemoHistory {
  const now = (opts.now ?? new Date()).getTime();
  const rng = prng(opts.seed ?? 20261216);
  const zone = opts.timezone;
  const start = DateTime.fromMillis(now, { zone }).startOf('day').minus({ days: DEMO_HISTORY_DAYS }).toMillis();
  // Nothing generated may still be going: every run ends a couple of minutes before now.
  const end = now - 3 * 60_000;
  const byName = new Map(opts.workflows.map((w) => [w.name, w]));
  const plans: RunPlan[] = [];
  const clock = zoneClock(zone);
  const localDay = (ms: number) => clock.date(ms);
  const yesterday = (ms: number) => clock.date(ms, 1);
  // The POS outage: four days ago, 14:00–16:30 local time. Every sync in it fails.
  const outageFrom = DateTime.fromMillis(now, { zone }).startOf('day').minus({ days: 4 }).set({ hour: 14 }).toMillis();
  const outageTo = outageFrom + 150 * 60_000;

  const live = byName.get(DEMO_NAMES.live);
  if (live) {
    // One run per 10-minute slot (the live schedule is every minute; a slot in ten keeps the
    // history to a few thousand rows while runs-per-hour still has a steady base).
    for (let slot = start; slot < end; slot += 10 * 60_000) {
      const date = yesterday(slot);
      const driftMs = Math.round(rng.chance(0.01) ? rng.between(5_500, 14_000) : rng.around(120, 0.6));
      const inOutage = slot >= outageFrom && slot < outageTo;
      let step: StepPlan;
      if (inOutage) {
        const msg = `Pancake POS answered HTTP 503 Service Unavailable (date ${date}, shop ${SHOP_ID})`;
        step = { ms: rng.around(7_400, 0.1), retries: [{ message: msg, waitMs: 2_000 }, { message: msg, waitMs: 4_000 }], fail: { message: msg, source: 'pos', date, code: 503, shopId: SHOP_ID, errorLine: `POS orders sync failed: ${msg}` } };
      } else if (rng.chance(0.002)) {
        // Three timeouts in a row: the engine's three attempts (DEFAULT_STEP_ATTEMPTS) all fail.
        const msg = `Pancake POS request timed out after 30000 ms (date ${date}, shop ${SHOP_ID})`;
        step = { ms: rng.around(93_500, 0.01), retries: [{ message: msg, waitMs: 1_000 }, { message: msg, waitMs: 2_000 }], fail: { message: msg, source: 'pos', date, code: 'ETIMEDOUT', shopId: SHOP_ID, errorLine: `POS orders sync failed: ${msg}` } };
      } else {
        const orders = 20;
        // Now and then one request times out and the retry succeeds: a WARN line and a slow run.
        const timedOut = rng.chance(0.01);
        step = {
          ms: rng.around(1_050, 0.2) + (timedOut ? 31_000 : 0),
          ...(timedOut ? { retries: [{ message: `Pancake POS request timed out after 30000 ms (date ${date}, shop ${SHOP_ID})`, waitMs: 1_000 }] } : {}),
          output: { orders, days: 1, shops: [SHOP_ID] },
          progress: { daysProcessed: 1, posFetched: orders },
          lines: [{ level: 'INFO', message: `POS orders synced: ${orders} over 1 day(s)`, metadata: { shops: 1 } }],
        };
      }
      plans.push({ workflow: live, at: slot, trigger: 'SCHEDULE', scheduledFor: slot, driftMs, steps: [step] });
    }
  }

  const visa = byName.get(DEMO_NAMES.visa);
  const heartbeat = byName.get(DEMO_NAMES.heartbeat);
  for (let hour = start; hour < end; hour += 3_600_000) {
    const h = clock.hour(hour);
    const weekend = clock.weekend(hour);
    const office = h >= 8 && h < 18;
    // Partners call in office hours, busiest late morning and mid-afternoon.
    const peak = h === 10 || h === 11 || h === 14 || h === 15;
    const rate = office ? (weekend ? 1 : peak ? 6 : 3.5) : 0.15;
    if (visa) for (let i = poisson(rng, rate); i > 0; i--) plans.push(visaRun(rng, visa, hour + rng.next() * 3_600_000, (hour - start) / (end - start)));
    if (heartbeat && office && !weekend && rng.chance(0.35)) plans.push(heartbeatRun(rng, heartbeat, hour + rng.next() * 3_600_000));
  }

  const daily = byName.get(DEMO_NAMES.daily);
  const backfill = byName.get(DEMO_NAMES.backfill);
  for (let day = DateTime.fromMillis(start, { zone }); day.toMillis() < end; day = day.plus({ days: 1 })) {
    const six = day.set({ hour: 6 }).toMillis();
    if (daily) {
      const date = yesterday(six);
      const throttled = localDay(six) === DateTime.fromMillis(now, { zone }).minus({ days: 9 }).toISODate();
      const sales: StepPlan = throttled
        ? {
            ms: rng.around(71_000, 0.05),
            retries: [15_000, 30_000].map((waitMs) => ({ message: `(#80004) There have been too many calls to this ad-account. Wait a bit and try again. (date ${date}, account ${AD_ACCOUNT})`, waitMs })),
            fail: { message: `(#80004) There have been too many calls to this ad-account. Wait a bit and try again. (date ${date}, account ${AD_ACCOUNT})`, source: 'meta', date, code: 80004, accountId: AD_ACCOUNT },
          }
        : {
            ms: rng.around(24_000, 0.15),
            output: { days: 1, metaRows: 12, posOrders: 20 },
            progress: { daysProcessed: 1, metaFetched: 12, posFetched: 20 },
            lines: [
              { level: 'INFO', message: 'Meta insights synced: 12 rows over 1 day(s)', metadata: { accounts: 1 } },
              { level: 'INFO', message: 'POS orders synced: 20 over 1 day(s)', metadata: { shops: 1 } },
            ],
          };
      if (six < end) plans.push({ workflow: daily, at: six, trigger: 'SCHEDULE', scheduledFor: six, driftMs: Math.round(rng.around(150, 0.5)), steps: [sales] });
    }
    if (backfill && day.weekday === 1) {
      const at = day.set({ hour: 9, minute: 12 }).toMillis();
      const ok = (type: string, n: number): StepPlan => ({
        ms: rng.around(type === 'meta' ? 74_000 : 21_000, 0.1),
        output: type === 'meta' ? { rows: n, days: 7, accounts: [AD_ACCOUNT] } : { orders: n, days: 7, shops: [SHOP_ID] },
        progress: type === 'meta' ? { daysProcessed: 7, metaFetched: n } : { daysProcessed: 7, posFetched: n },
        lines: [{ level: 'INFO', message: type === 'meta' ? `Meta insights synced: ${n} rows over 7 day(s)` : `POS orders synced: ${n} over 7 day(s)`, metadata: type === 'meta' ? { accounts: 1 } : { shops: 1 } }],
      });
      if (at < end) plans.push({ workflow: backfill, at, trigger: 'MANUAL', steps: [ok('meta', 84), ok('pos', 140)] });
    }
  }

  return materialize(plans.filter((p) => p.at >= start), end, zone);
}

/**
 * Local wall-clock fields in the zone, from its UTC offset memoised per hour: a luxon DateTime
 * per row would cost most of the seed time. An hour whose start and end offsets differ holds a
 * transition, and its instants ask the zone itself.
 */
function zoneClock(zone: string) {
  const z = IANAZone.create(zone);
  const byHour = new Map<number, number>();
  const at = (hour: number) => {
    let minutes = byHour.get(hour);
    if (minutes === undefined) byHour.set(hour, (minutes = z.offset(hour * 3_600_000)));
    return minutes;
  };
  const local = (ms: number) => {
    const hour = Math.floor(ms / 3_600_000);
    const minutes = at(hour) === at(hour + 1) ? at(hour) : z.offset(ms);
    return new Date(ms + minutes * 60_000);
  };
  return {
    /** The local date `offsetDays` days before the instant's. */
    date: (ms: number, offsetDays = 0) => new Date(local(ms).getTime() - offsetDays * 86_400_000).toISOString().slice(0, 10),
    hour: (ms: number) => local(ms).getUTCHours(),
    weekend: (ms: number) => [0, 6].includes(local(ms).getUTCDay()),
  };
}

function poisson(rng: Rng, lambda: number): number {
  let k = 0;
  for (let p = Math.exp(-lambda), s = p, u = rng.next(); u > s; k++) {
    p *= lambda / (k + 1);
    s += p;
  }
  return k;
}

/** A partner's API call (or an operator's click): render the certificate, then send it. */
function visaRun(rng: Rng, workflow: DemoWorkflowRef, at: number, t: number): RunPlan {
  // The renderer slows down over the two weeks (bigger templates, a busier pdf worker): the
  // "which workflow got slower" sparkline has something to find.
  const pdfMs = rng.around(1_300 + 1_900 * t * t, 0.2);
  const certificate: StepPlan = {
    ms: pdfMs,
    output: { sizeBytes: Math.round(rng.around(48_000, 0.05)), storageKey: 'documents/demo/visa-certificate.pdf' },
    lines: [{ level: 'INFO', message: 'PDF generated', metadata: { sizeBytes: Math.round(rng.around(48_000, 0.05)), pages: 1 } }],
  };
  const notify: StepPlan = {
    ms: rng.around(520, 0.3),
    output: { sent: 1 },
    lines: [{ level: 'INFO', message: 'WhatsApp text sent', metadata: { contactId: 1000 + Math.floor(rng.next() * 9000) } }],
  };
  const trigger = rng.chance(0.85) ? 'API' : 'MANUAL';
  const roll = rng.next();
  if (roll < 0.03) {
    const msg = 'CGB answered HTTP 429 Too Many Requests';
    notify.ms = rng.around(6_800, 0.1);
    notify.retries = [{ message: msg, waitMs: 2_000 }, { message: msg, waitMs: 4_000 }];
    notify.fail = { message: msg, source: 'whatsapp', code: 429, errorLine: `WhatsApp send failed: ${msg}` };
  } else if (roll < 0.04) {
    const msg = 'No WhatsApp contact matches the recipient';
    notify.fail = { message: msg, source: 'whatsapp', code: 'CONTACT_NOT_FOUND', errorLine: `WhatsApp send failed: ${msg}` };
  } else if (roll < 0.048) {
    const msg = 'PDF rendering timed out after 30000 ms';
    certificate.ms = rng.around(93_000, 0.01);
    certificate.retries = [{ message: msg, waitMs: 1_000 }, { message: msg, waitMs: 2_000 }];
    certificate.fail = { message: msg, source: 'pdf', code: 'TIMEOUT' };
  } else if (trigger === 'MANUAL' && roll > 0.92) {
    // An operator who clicked Run now on the wrong applicant cancels while the PDF renders.
    certificate.cancel = true;
  }
  return { workflow, at, trigger, steps: [certificate, notify] };
}

function heartbeatRun(rng: Rng, workflow: DemoWorkflowRef, at: number): RunPlan {
  const hello: StepPlan = { ms: rng.around(12, 0.4), output: { logged: true }, lines: [{ level: 'INFO', message: 'Heartbeat from the demo tenant' }] };
  const pause: StepPlan = { ms: 500 + rng.around(4, 0.5), output: { waitedMs: 500 } };
  if (rng.chance(0.06)) {
    pause.cancel = true;
    pause.ms = rng.between(100, 450);
  }
  return { workflow, at, trigger: rng.chance(0.7) ? 'MANUAL' : 'API', steps: [hello, pause] };
}

/** Turns plans into rows with consistent times: steps in order inside their run, lines inside their step. */
function materialize(plans: RunPlan[], end: number, zone: string): DemoHistory {
  const out: DemoHistory = { executions: [], steps: [], logs: [] };
  const clock = zoneClock(zone);
  const ranges = new Map<string, { since: string; until: string }>();
  plans.sort((a, b) => a.at - b.at);
  for (const plan of plans) {
    const { workflow } = plan;
    const defSteps = workflow.definition.steps;
    const createdAt = plan.scheduledFor !== undefined ? plan.scheduledFor - 1_000 : plan.at;
    const startedAt = plan.scheduledFor !== undefined ? plan.scheduledFor + plan.driftMs! : plan.at + 40 + (plan.at % 150);
    const id = uuidv7At(createdAt);
    const log = (at: number, level: Level, message: string, step: string | null, metadata: Record<string, unknown> = {}) =>
      out.logs.push({ id: uuidv7At(at), level, message, metadata: { ...metadata, ...DEMO_MARKER }, workflowId: workflow.id, executionId: id, step, createdAt: iso(at) });
    const rows: StepRow[] = [];
    if (plan.scheduledFor !== undefined) {
      const slot = iso(plan.scheduledFor);
      const late = plan.driftMs! > DRIFT_WARN_MS;
      log(startedAt, late ? 'WARN' : 'INFO', late ? `Slot ${slot} started ${plan.driftMs} ms late (threshold ${DRIFT_WARN_MS} ms)` : `Slot ${slot} started after ${plan.driftMs} ms`, null, { driftMs: plan.driftMs, scheduledFor: slot });
    }
    let cursor = startedAt + 4;
    let status: Status = 'COMPLETED';
    let error: Record<string, unknown> | null = null;
    let cancelRequestedAt: number | null = null;
    const outputs: Record<string, unknown> = {};
    const progress: Record<string, number> = {};
    let completed = 0;
    plan.steps.forEach((s, index) => {
      const def = defSteps[index]!;
      const key = def.id ?? `step${index + 1}`;
      if (status !== 'COMPLETED') {
        rows.push({ id: uuidv7At(cursor), executionId: id, index, type: def.type, status: 'SKIPPED', attempts: 0, progress: {}, output: null, error: null, startedAt: null, finishedAt: null, createdAt: iso(cursor) });
        return;
      }
      const stepStart = cursor;
      const stepEnd = stepStart + Math.max(1, Math.round(s.ms));
      (s.retries ?? []).forEach((r, i) => {
        const at = stepStart + ((i + 1) * (stepEnd - stepStart)) / ((s.retries?.length ?? 0) + 2);
        log(at, 'WARN', `Attempt ${i + 1} of ${DEFAULT_STEP_ATTEMPTS} failed: ${r.message}; retrying in ${r.waitMs} ms`, key, { attempt: i + 1, waitMs: r.waitMs });
      });
      let stepStatus: StepStatus = 'COMPLETED';
      let stepError: Record<string, unknown> | null = null;
      if (s.fail) {
        const { errorLine, ...rest } = s.fail;
        stepError = { message: rest.message, step: key, date: rest.date ?? null, source: rest.source, ...(rest.accountId ? { accountId: rest.accountId } : {}), ...(rest.shopId ? { shopId: rest.shopId } : {}), ...(rest.code !== undefined ? { code: rest.code } : {}) };
        if (errorLine) log(stepEnd - 1, 'ERROR', errorLine, key, { code: rest.code });
        stepStatus = 'FAILED';
        status = 'FAILED';
        error = stepError;
      } else if (s.cancel) {
        cancelRequestedAt = stepEnd - 30;
        stepStatus = 'CANCELLED';
        status = 'CANCELLED';
      } else {
        for (const line of s.lines ?? []) log(stepEnd - 1, line.level, line.message, key, line.metadata);
        outputs[key] = s.output ?? null;
        for (const [k, v] of Object.entries(s.progress ?? {})) progress[k] = (progress[k] ?? 0) + v;
        completed++;
      }
      rows.push({
        id: uuidv7At(stepStart),
        executionId: id,
        index,
        type: def.type,
        status: stepStatus,
        attempts: 1 + (s.retries?.length ?? 0),
        progress: stepStatus === 'COMPLETED' ? (s.progress ?? {}) : {},
        output: stepStatus === 'COMPLETED' ? (s.output ?? null) : null,
        error: stepError,
        startedAt: iso(stepStart),
        finishedAt: iso(stepEnd),
        createdAt: iso(stepStart),
      });
      cursor = stepEnd + 3;
    });
    const finishedAt = cursor + 2;
    if (finishedAt > end) {
      // Would still be running now: drop it and its lines rather than show a finished future.
      out.logs = out.logs.filter((l) => l.executionId !== id);
      continue;
    }
    // The dates the run covered, resolved in the tenant's zone as the engine does (they depend
    // only on the local date, hence the memo).
    const spec = workflow.definition.dateRange;
    let range: { since: string; until: string } | undefined;
    if (spec) {
      const k = `${workflow.id}:${clock.date(startedAt)}`;
      range = ranges.get(k);
      if (!range) ranges.set(k, (range = resolveDateRange(spec, zone, new Date(startedAt))));
    }
    out.executions.push({
      id,
      workflowId: workflow.id,
      status,
      trigger: plan.trigger,
      scheduledFor: plan.scheduledFor !== undefined ? iso(plan.scheduledFor) : null,
      driftMs: plan.scheduledFor !== undefined ? plan.driftMs! : null,
      dateRange: workflow.definition.dateRange ?? null,
      rangeStart: range?.since ?? null,
      rangeEnd: range?.until ?? null,
      stepsTotal: plan.steps.length,
      stepsCompleted: completed,
      progress,
      output: status === 'COMPLETED' ? outputs : null,
      error,
      cancelRequestedAt: cancelRequestedAt === null ? null : iso(cancelRequestedAt),
      createdAt: iso(createdAt),
      startedAt: iso(startedAt),
      finishedAt: iso(finishedAt),
    });
    out.steps.push(...rows);
  }
  return out;
}

const INSERT_EXECUTIONS = `INSERT INTO "WorkflowExecution" ("id","tenantId","workflowId","workflowVersion","status","trigger","scheduledFor","driftMs","dateRange","rangeStart","rangeEnd","input","stepsTotal","stepsCompleted","progress","output","error","cancelRequestedAt","attempts","createdAt","startedAt","finishedAt","updatedAt")
SELECT r.id, $2::uuid, r."workflowId", 1, r.status::"ExecutionStatus", r.trigger::"TriggerKind", r."scheduledFor", r."driftMs", r."dateRange", r."rangeStart", r."rangeEnd", $3::jsonb,
       r."stepsTotal", r."stepsCompleted", r.progress, r.output, r.error, r."cancelRequestedAt", 1, r."createdAt", r."startedAt", r."finishedAt", r."finishedAt"
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "workflowId" uuid, status text, trigger text, "scheduledFor" timestamptz, "driftMs" int, "dateRange" jsonb, "rangeStart" date, "rangeEnd" date,
     "stepsTotal" int, "stepsCompleted" int, progress jsonb, output jsonb, error jsonb, "cancelRequestedAt" timestamptz, "createdAt" timestamptz, "startedAt" timestamptz, "finishedAt" timestamptz)`;

const INSERT_STEPS = `INSERT INTO "StepRun" ("id","tenantId","executionId","index","name","type","status","attempts","progress","output","error","startedAt","finishedAt","createdAt")
SELECT r.id, $2::uuid, r."executionId", r.index, NULL, r.type, r.status::"StepStatus", r.attempts, r.progress, r.output, r.error, r."startedAt", r."finishedAt", r."createdAt"
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "executionId" uuid, index int, type text, status text, attempts int, progress jsonb, output jsonb, error jsonb, "startedAt" timestamptz, "finishedAt" timestamptz, "createdAt" timestamptz)`;

// The same columns the log service writes (logs/service.ts); the text is ours and has no PII, so
// piiRedacted is true as for every stored line.
const INSERT_LOGS = `INSERT INTO "LogEntry" ("id","tenantId","level","message","metadata","workflowId","executionId","step","piiRedacted","createdAt")
SELECT r.id, $2::uuid, r.level::"LogLevel", r.message, r.metadata, r."workflowId", r."executionId", r.step, true, r."createdAt"
FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, level text, message text, metadata jsonb, "workflowId" uuid, "executionId" uuid, step text, "createdAt" timestamptz)`;

type Sql = Pick<PrismaClient, '$executeRawUnsafe' | '$queryRawUnsafe'> | Prisma.TransactionClient;

export interface InsertedCounts {
  executions: number;
  steps: number;
  logs: number;
  /** Where the time went (the seed reports it; `npm start` must stay quick). */
  timings: { partitionsMs: number; runsMs: number; logsMs: number };
}

/**
 * Writes the history for the tenant: first the daily log partitions its lines fall in (the
 * DEFAULT partition is for strays, and maintenance would move them one by one), then one
 * statement per table. Run it in the transaction that creates the tenant, so a failure leaves
 * nothing half-seeded.
 */
export async function insertDemoHistory(db: Sql, tenantId: string, history: DemoHistory): Promise<InsertedCounts> {
  const t0 = performance.now();
  if (history.logs.length) {
    const days = history.logs.map((l) => l.createdAt.slice(0, 10)).sort();
    await db.$queryRawUnsafe('SELECT flowdeck_ensure_log_partitions($1::date, $2::date)', days[0], days.at(-1));
  }
  const t1 = performance.now();
  const marker = JSON.stringify(DEMO_MARKER);
  const executions = await db.$executeRawUnsafe(INSERT_EXECUTIONS, JSON.stringify(history.executions), tenantId, marker);
  const steps = await db.$executeRawUnsafe(INSERT_STEPS, JSON.stringify(history.steps), tenantId);
  const t2 = performance.now();
  const logs = await db.$executeRawUnsafe(INSERT_LOGS, JSON.stringify(history.logs), tenantId);
  const t3 = performance.now();
  return { executions, steps, logs, timings: { partitionsMs: Math.round(t1 - t0), runsMs: Math.round(t2 - t1), logsMs: Math.round(t3 - t2) } };
}

/** Deletes the tenant's demo history (runs marked input.demo, their step runs by cascade, and lines marked metadata.demo). */
export async function clearDemoHistory(db: Sql, tenantId: string): Promise<{ executions: number; logs: number }> {
  const marker = JSON.stringify(DEMO_MARKER);
  const logs = await db.$executeRawUnsafe(`DELETE FROM "LogEntry" WHERE "tenantId" = $1::uuid AND "metadata" @> $2::jsonb`, tenantId, marker);
  const executions = await db.$executeRawUnsafe(`DELETE FROM "WorkflowExecution" WHERE "tenantId" = $1::uuid AND "input" @> $2::jsonb`, tenantId, marker);
  return { executions, logs };
}
