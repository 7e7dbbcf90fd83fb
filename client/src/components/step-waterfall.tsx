// A run drawn as a waterfall (Gantt) of its steps, the way Temporal and Trigger.dev show a run:
// one row per step of the definition, a bar from the step's start to its end on one time axis
// that starts when the run started. Plain CSS grid, no chart library.
//
// The engine creates a step's row only when the step starts, so steps still to come are taken
// from the run's definition and drawn as "not started". While the run is RUNNING the component
// keeps its own 250 ms clock so the running bar grows smoothly; the clock stops otherwise.
//
// Accessibility: the drawing is one role="img" with a one-sentence summary, and a visually
// hidden table next to it lists every step's status, start offset and duration; each bar has a
// title (tooltip) saying the same.
import { useEffect, useId, useState } from 'react';
import { formatDuration } from '../lib/format.ts';
import { axisSpan, tickFormatter, ticks } from '../lib/time-axis.ts';

export interface WaterfallStepRun {
  id: string;
  index: number;
  name?: string | null;
  type: string;
  status: string;
  attempts: number;
  startedAt?: string | null;
  finishedAt?: string | null;
}

/** A step of the definition: what the run will execute, whether or not it has started. */
export interface PlannedStep {
  label: string;
  type: string;
}

interface Props {
  run: { status: string; startedAt?: string | null; finishedAt?: string | null };
  stepRuns: readonly WaterfallStepRun[];
  planned: readonly PlannedStep[];
  /** Steps in the definition according to the run's progress (covers a definition we could not read). */
  stepsTotal: number;
}

interface Row {
  key: string;
  label: string;
  type: string;
  status: string;
  attempts: number;
  /** Offsets from the axis origin in ms; null when the step has not started. */
  start: number | null;
  end: number | null;
  /** Still going: its end is "now". */
  open: boolean;
}

const TICK_MS = 250;

/** Re-renders every TICK_MS while `live`, and not at all otherwise. */
function useClock(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(t);
  }, [live]);
  return live ? now : Date.now();
}

const time = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);

/** The rows and the axis length for a run at instant `now`. */
function layout({ run, stepRuns, planned, stepsTotal }: Props, now: number) {
  const live = run.status === 'RUNNING';
  const byIndex = new Map(stepRuns.map((s) => [s.index, s]));
  const count = Math.max(planned.length, stepsTotal, ...stepRuns.map((s) => s.index + 1));
  const starts = stepRuns.map((s) => time(s.startedAt)).filter((t): t is number => t !== null);
  const runStart = time(run.startedAt);
  // The run's start, unless a step row says it began earlier (both are written by the worker).
  const origin = runStart !== null || starts.length ? Math.min(...(runStart !== null ? [runStart] : []), ...starts) : null;
  const runEnd = time(run.finishedAt);

  const rows: Row[] = [];
  for (let index = 0; index < count; index++) {
    const s = byIndex.get(index);
    const plan = planned[index];
    const label = s?.name ?? plan?.label ?? `step ${index + 1}`;
    const started = time(s?.startedAt);
    const finished = time(s?.finishedAt);
    const open = started !== null && finished === null;
    // An open step of a run that has ended (left so by a crash) stops at the run's end.
    const endAt = finished ?? (open ? (live || runEnd === null ? now : runEnd) : null);
    const start = started !== null && origin !== null ? started - origin : null;
    // Never before its own start: the browser's clock may be a little behind the server's.
    const end = start !== null && endAt !== null && origin !== null ? Math.max(start, endAt - origin) : null;
    rows.push({ key: s?.id ?? `planned-${index}`, label, type: s?.type ?? plan?.type ?? '', status: s?.status ?? 'PENDING', attempts: s?.attempts ?? 0, start, end, open });
  }

  const lastEnd = Math.max(0, ...rows.map((r) => r.end ?? 0));
  const elapsed = origin === null ? 0 : live ? Math.max(now - origin, lastEnd) : Math.max(runEnd !== null ? runEnd - origin : 0, lastEnd);
  const span = axisSpan(elapsed, live && origin !== null);
  return { rows, span, live, started: origin !== null, elapsed };
}

const STATUS_WORDS: Record<string, string> = {
  COMPLETED: 'completed',
  RUNNING: 'running',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  PENDING: 'not started',
  SKIPPED: 'skipped',
  WAITING: 'waiting',
};
const statusWord = (r: Row) => (r.status === 'PENDING' && r.start !== null ? 'waiting to resume' : (STATUS_WORDS[r.status] ?? r.status.toLowerCase()));
const offset = (ms: number) => `+${formatDuration(ms)}`;
const durationText = (r: Row) => (r.start === null || r.end === null ? '—' : formatDuration(r.end - r.start));

function describe(r: Row): string {
  if (r.start === null || r.end === null) return `${r.label}: ${statusWord(r)}`;
  const took = r.open ? `for ${durationText(r)} so far` : `took ${durationText(r)}`;
  return `${r.label}: ${statusWord(r)}, started at ${offset(r.start)}, ${took}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ''}`;
}

export function StepWaterfall(props: Props) {
  const captionId = useId();
  const now = useClock(props.run.status === 'RUNNING');
  const { rows, span, started, elapsed } = layout(props, now);
  const pct = (ms: number) => `${Math.min(100, (100 * ms) / span)}%`;
  const format = tickFormatter(span);
  const axisTicks = started ? ticks(span) : [];
  const summary = `Waterfall of ${rows.length} ${rows.length === 1 ? 'step' : 'steps'}${started ? ` over ${formatDuration(elapsed)}` : ', none started yet'}: ${rows.map(describe).join('; ')}.`;
  const statuses = [...new Set(rows.map((r) => r.status))];

  return (
    <figure className="card waterfall" aria-labelledby={captionId}>
      <figcaption id={captionId} className="muted">
        Waterfall · time since the run started
      </figcaption>
      <div role="img" aria-label={summary} className="wf-chart" data-testid="waterfall">
        <div className="wf-axis" aria-hidden="true">
          <span />
          <span className="wf-track">
            {axisTicks.map((t, i) => (
              <span key={t} className={`wf-tick${i === 0 ? ' first' : ''}${t / span > 0.9 ? ' last' : ''}`} style={{ left: pct(t) }}>
                {format(t)}
              </span>
            ))}
          </span>
          <span />
        </div>
        <ol className="wf-rows">
          {rows.map((r) => (
            <li key={r.key} className={`wf-row wf-${r.status.toLowerCase()}`} data-waterfall-step={r.label} data-status={r.status}>
              <span className="wf-label" title={`${r.label} (${r.type})`}>
                {r.label} <code>{r.type}</code>
              </span>
              <span className="wf-track">
                {axisTicks.map((t) => (
                  <span key={t} className="wf-grid" style={{ left: pct(t) }} />
                ))}
                {r.start !== null && r.end !== null ? (
                  // At least 3 px wide, and never pushed out past the right edge (a step of a few ms at
                  // the very end of a finished run would otherwise be clipped away).
                  <span className="wf-bar" style={{ left: `min(${pct(r.start)}, calc(100% - 3px))`, width: `max(3px, ${pct(r.end - r.start)})` }} title={describe(r)} />
                ) : (
                  <span className="wf-note" title={describe(r)}>
                    {statusWord(r)}
                  </span>
                )}
              </span>
              <span className="wf-dur">{durationText(r)}</span>
            </li>
          ))}
        </ol>
        <ul className="wf-legend">
          {statuses.map((s) => (
            <li key={s} className={`wf-${s.toLowerCase()}`}>
              <span className="wf-swatch" /> {STATUS_WORDS[s] ?? s.toLowerCase()}
            </li>
          ))}
        </ul>
      </div>
      {/* Wrapped: a table sizes itself to its content, so it is clipped by a box that cannot grow. */}
      <div className="visually-hidden">
        <table data-testid="waterfall-table">
          <caption>Steps of this run: when each started after the run began, and how long it took</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Started at</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-waterfall-row={r.label}>
                <th scope="row">{r.label}</th>
                <td>{r.type}</td>
                <td>{statusWord(r)}</td>
                <td>{r.start === null ? '—' : offset(r.start)}</td>
                <td>{r.open && r.end !== null ? `${durationText(r)} so far` : durationText(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** The steps a definition lists, labelled as the engine labels their rows (name, else id). */
export function plannedSteps(definition: unknown): PlannedStep[] {
  const steps = definition && typeof definition === 'object' ? (definition as { steps?: unknown }).steps : undefined;
  if (!Array.isArray(steps)) return [];
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return steps.map((s, i) => {
    const step = s && typeof s === 'object' ? (s as Record<string, unknown>) : {};
    return { label: text(step.name) ?? text(step.id) ?? `step ${i + 1}`, type: text(step.type) ?? '' };
  });
}
