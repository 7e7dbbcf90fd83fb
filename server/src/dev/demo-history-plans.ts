// The story the demo history tells, as plans (no rows, no database): which runs happened when
// over the last 14 days, how long each step took, what it logged, and how it failed. Partners
// call the visa workflow in Manila office hours (a daily rhythm), the live POS sync ran every 10
// minutes, a POS outage four days ago fails every sync for two and a half hours (an error
// spike), the visa PDF step gets slower over the two weeks, and the failures look like the
// engine's (three attempts for retryable steps, the simulators' shop and account ids).
// demo-history.ts turns the plans into rows.
import { DateTime, IANAZone } from 'luxon';
import type { WorkflowDefinition } from '../workflows/definition.ts';

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

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

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

/** What one step of a planned run does: how long it takes, what it logs and returns, how it fails. */
export interface StepPlan {
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

export interface RunPlan {
  workflow: DemoWorkflowRef;
  at: number;
  trigger: 'SCHEDULE' | 'MANUAL' | 'API';
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

/** What happened when over the 14 days, run by run; demo-history.ts turns it into rows. */
export function planDemoRuns(opts: GenerateOptions): { plans: RunPlan[]; end: number } {
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

  return { plans: plans.filter((p) => p.at >= start), end };
}

/**
 * Local wall-clock fields in the zone, from its UTC offset memoised per hour: a luxon DateTime
 * per row would cost most of the seed time. An hour whose start and end offsets differ holds a
 * transition, and its instants ask the zone itself.
 */
export function zoneClock(zone: string) {
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
