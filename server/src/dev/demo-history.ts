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
// demo-history-plans.ts decides what happened; this file turns it into rows whose times agree
// (step runs in order inside their run, log lines inside their step), deterministically (a seeded
// PRNG) and in memory. demo-history-sql.ts writes them and removes them.
import { randomBytes } from 'node:crypto';
import { DEFAULT_STEP_ATTEMPTS } from '../engine/retry.ts';
import { resolveDateRange } from '../workflows/date-range.ts';
import { planDemoRuns, zoneClock, type GenerateOptions, type Level, type RunPlan } from './demo-history-plans.ts';

export { DEMO_HISTORY_DAYS, DEMO_NAMES, type DemoWorkflowRef, type GenerateOptions } from './demo-history-plans.ts';

export const DEMO_MARKER = { demo: true } as const;

/** SCHEDULE_DRIFT_WARN_MS at its default: a scheduled run starting later than this logs a WARN. */
const DRIFT_WARN_MS = 5_000;

type Status = 'COMPLETED' | 'FAILED' | 'CANCELLED';
type StepStatus = Status | 'SKIPPED';

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

/** Builds the history in memory; nothing here touches the database. */
export function generateDemoHistory(opts: GenerateOptions): DemoHistory {
  const { plans, end } = planDemoRuns(opts);
  return materialize(plans, end, opts.timezone);
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
