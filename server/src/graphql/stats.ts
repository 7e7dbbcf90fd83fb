// Aggregates for the Overview, the workflow page, the logs histogram and partners' dashboards:
// runStats, schedulerLag, logVolume and queueStats. The numbers come from the rollup tables the
// database keeps as runs and lines are written (stats/*.ts says how), so each query costs what
// its buckets cost, not what the tenant's history holds. A part of a result nobody selected is
// never computed.
import type { GraphQLResolveInfo } from 'graphql';
import { ValidationError } from '../errors.ts';
import { bucketWindow, type StatsBucket, type Window } from '../stats/buckets.ts';
import { percentiles, type Histogram, type Percentiles } from '../stats/histogram.ts';
import { logVolume, type LevelCounts } from '../stats/log-volume.ts';
import { allQueueDepths, tenantBacklog, type QueueDepth } from '../stats/queue-stats.ts';
import { bucketHistograms, emptyCounts, merged, p95Series, runCounts, windowHistograms, type DurationKind, type RunCounts, type StatsScope } from '../stats/run-stats.ts';
import { builder } from './builder.ts';
import { tenantOf, type GraphQLContext } from './context.ts';
import { globalId, localId } from './ids.ts';
import { LogFilterInput, toLogFilter } from './logs.ts';
import { selects } from './selects.ts';
import { tenantTimezone } from './tenant-zone.ts';

const StatsBucketEnum = builder.enumType('StatsBucket', {
  description: "Bucket size of a time series, in the tenant's zone.",
  values: {
    MINUTE: { description: 'One-minute buckets; windows up to 24 hours.' },
    HOUR: { description: 'Hours (in zones with half-hour offsets, hours of that zone); windows up to 31 days.' },
    DAY: { description: "Calendar days in the tenant's zone (23 or 25 hours at DST changes); windows up to 400 days." },
  },
});

// ---- Runs ----------------------------------------------------------------------------------

const RunCountsRef = builder.objectRef<RunCounts>('RunCounts').implement({
  description: 'Runs by current status. A run counts in the bucket it was created in.',
  fields: (t) => ({
    pending: t.exposeInt('pending', { description: 'Queued, not started.' }),
    running: t.exposeInt('running', { description: 'Running now.' }),
    completed: t.exposeInt('completed', { description: 'Finished successfully.' }),
    failed: t.exposeInt('failed', { description: 'Failed.' }),
    cancelled: t.exposeInt('cancelled', { description: 'Cancelled.' }),
    total: t.int({ description: 'All of them.', resolve: (c) => c.pending + c.running + c.completed + c.failed + c.cancelled }),
    failureRate: t.float({
      nullable: true,
      description: 'failed ÷ (completed + failed + cancelled), from 0 to 1; null when none has finished.',
      resolve: (c) => {
        const finished = c.completed + c.failed + c.cancelled;
        return finished ? c.failed / finished : null;
      },
    }),
  }),
});

const RunStatsBucketRef = builder.objectRef<{ start: Date; counts: RunCounts }>('RunStatsBucket').implement({
  description: 'One bucket of a runs time series.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'When the bucket begins.' }),
    counts: t.field({ type: RunCountsRef, description: 'Runs created in the bucket, by current status.', resolve: (b) => b.counts }),
  }),
});

const DurationStatsRef = builder.objectRef<Percentiles>('DurationStats').implement({
  description:
    'Percentiles of durations in milliseconds, from log-scale histograms with 8 bins per doubling: each value is within ±4.4 % of the exact percentile.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many were measured.' }),
    p50: t.exposeFloat('p50', { nullable: true, description: 'Median, ms; null when none was measured.' }),
    p95: t.exposeFloat('p95', { nullable: true, description: '95th percentile, ms.' }),
    p99: t.exposeFloat('p99', { nullable: true, description: '99th percentile, ms.' }),
    max: t.exposeFloat('max', { nullable: true, description: 'Longest, ms (to the same precision).' }),
  }),
});

interface WorkflowStats {
  workflowId: string;
  counts: RunCounts;
  duration: Histogram;
  p95Series: (number | null)[];
}

/** Names of the workflows a result mentions, deleted ones included: one query per result. */
async function workflowNames(ctx: GraphQLContext, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await ctx.db.workflow.findMany({ where: { tenantId: tenantOf(ctx), id: { in: ids } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, r.name]));
}

const WorkflowRunStatsRef = builder.objectRef<WorkflowStats & { name: string | null }>('WorkflowRunStats').implement({
  description: "One workflow's runs in the window.",
  fields: (t) => ({
    workflowId: t.id({ description: 'Global id of the workflow.', resolve: (w) => globalId('Workflow', w.workflowId) }),
    name: t.exposeString('name', { nullable: true, description: 'Its name (null if it no longer exists).' }),
    counts: t.field({ type: RunCountsRef, description: 'Its runs by current status.', resolve: (w) => w.counts }),
    duration: t.field({ type: DurationStatsRef, description: 'Durations of its finished (completed or failed) runs.', resolve: (w) => percentiles(w.duration) }),
    p95Series: t.field({
      type: ['Float'],
      nullable: { list: false, items: true },
      description: 'p95 duration (ms) per bucket, aligned with RunStats.buckets; null where no run finished. Which workflow got slower.',
      resolve: (w) => w.p95Series,
    }),
  }),
});

const StepTypeStatsRef = builder.objectRef<{ type: string; duration: Histogram }>('StepTypeStats').implement({
  description: 'Durations of one step type (finished steps of every workflow).',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'The step type, e.g. pdf.generate.' }),
    duration: t.field({ type: DurationStatsRef, description: 'Durations of its completed or failed steps.', resolve: (s) => percentiles(s.duration) }),
  }),
});

/** What a stats field resolves to: the window, and each part loaded once when first asked for. */
class StatsSource {
  private readonly memo = new Map<string, Promise<unknown>>();
  constructor(readonly scope: StatsScope) {}
  get window(): Window {
    return this.scope.window;
  }
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) this.memo.set(key, (p = load()));
    return p;
  }
  counts() {
    return this.once('counts', () => runCounts(this.scope));
  }
  windowHistograms(kind: DurationKind) {
    return this.once(`window:${kind}`, () => windowHistograms(this.scope, kind));
  }
  bucketHistograms(kind: 'w' | 'l') {
    return this.once(`buckets:${kind}`, () => bucketHistograms(this.scope, kind));
  }
}

const RunStatsRef = builder.objectRef<StatsSource>('RunStats').implement({
  description: "Runs over time in the tenant's zone: counts by status, failure rate, durations per workflow and per step type.",
  fields: (t) => ({
    bucket: t.field({ type: StatsBucketEnum, description: 'The bucket size.', resolve: (s) => s.window.bucket }),
    timezone: t.string({ description: 'The zone buckets are cut in.', resolve: (s) => s.window.zone }),
    from: t.field({ type: 'DateTime', description: 'Start of the first bucket (from, rounded down to a bucket).', resolve: (s) => s.window.from }),
    to: t.field({ type: 'DateTime', description: 'End of the last bucket.', resolve: (s) => s.window.to }),
    buckets: t.field({
      type: [RunStatsBucketRef],
      description: 'Every bucket of the window, oldest first, empty ones included.',
      resolve: async (s) => {
        const { buckets } = await s.counts();
        return s.window.starts.map((start, i) => ({ start, counts: buckets[i]! }));
      },
    }),
    totals: t.field({ type: RunCountsRef, description: 'The whole window.', resolve: async (s) => (await s.counts()).totals }),
    workflows: t.field({
      type: [WorkflowRunStatsRef],
      description: 'Per workflow that ran in the window, most runs first.',
      resolve: async (s, _args, ctx, info) => workflowStats(s, ctx, info),
    }),
    stepTypes: t.field({
      type: [StepTypeStatsRef],
      description: 'Per step type that finished in the window, by type.',
      resolve: async (s) => {
        const bySubject = await s.windowHistograms('s');
        return [...bySubject].map(([type, duration]) => ({ type, duration })).sort((a, b) => a.type.localeCompare(b.type));
      },
    }),
  }),
});

async function workflowStats(s: StatsSource, ctx: GraphQLContext, info: GraphQLResolveInfo) {
  const wantDurations = selects(info, 'duration');
  const wantSeries = selects(info, 'p95Series');
  const minute = s.window.bucket === 'MINUTE';
  // Counts always: they say which workflows ran, and (HOUR, DAY) carry the p95 series.
  const [counts, durations, minuteSeries] = await Promise.all([
    s.counts(),
    wantDurations ? s.windowHistograms('w') : undefined,
    wantSeries && minute ? s.bucketHistograms('w') : undefined,
  ]);
  const ids = new Set<string>([...counts.byWorkflow.keys(), ...(durations?.keys() ?? [])]);
  const names = await workflowNames(ctx, [...ids]);
  const none = s.window.starts.map(() => null);
  const total = (c: RunCounts) => c.pending + c.running + c.completed + c.failed + c.cancelled;
  return [...ids]
    .map((id) => {
      const minuteHistograms = minuteSeries?.get(id);
      return {
        workflowId: id,
        name: names.get(id) ?? null,
        counts: counts.byWorkflow.get(id) ?? emptyCounts(),
        duration: durations?.get(id) ?? new Map(),
        p95Series: minute ? (minuteHistograms ? p95Series(minuteHistograms) : none) : counts.p95ByWorkflow.get(id) ?? none,
      };
    })
    .sort((a, b) => total(b.counts) - total(a.counts) || (a.name ?? '').localeCompare(b.name ?? ''));
}

// ---- Scheduler lag ---------------------------------------------------------------------------

const LagBucketRef = builder.objectRef<{ start: Date; lag: Percentiles }>('SchedulerLagBucket').implement({
  description: 'Slot → start lag of the scheduled runs created in one bucket.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'When the bucket begins.' }),
    lag: t.field({ type: DurationStatsRef, description: 'How late after their slot the runs started, ms.', resolve: (b) => b.lag }),
  }),
});

const WorkflowLagRef = builder.objectRef<{ workflowId: string; name: string | null; lag: Percentiles }>('WorkflowSchedulerLag').implement({
  description: "One scheduled workflow's slot → start lag in the window.",
  fields: (t) => ({
    workflowId: t.id({ description: 'Global id of the workflow.', resolve: (w) => globalId('Workflow', w.workflowId) }),
    name: t.exposeString('name', { nullable: true, description: 'Its name (null if it no longer exists).' }),
    lag: t.field({ type: DurationStatsRef, description: 'How late after their slot its runs started, ms.', resolve: (w) => w.lag }),
  }),
});

const SchedulerLagRef = builder.objectRef<StatsSource>('SchedulerLag').implement({
  description: 'How late scheduled runs started after their slot (driftMs), over time.',
  fields: (t) => ({
    bucket: t.field({ type: StatsBucketEnum, description: 'The bucket size.', resolve: (s) => s.window.bucket }),
    timezone: t.string({ description: 'The zone buckets are cut in.', resolve: (s) => s.window.zone }),
    buckets: t.field({
      type: [LagBucketRef],
      description: 'Every bucket of the window, oldest first.',
      resolve: async (s) => {
        const series = [...(await s.bucketHistograms('l')).values()][0];
        return s.window.starts.map((start, i) => ({ start, lag: percentiles(series?.[i] ?? new Map()) }));
      },
    }),
    overall: t.field({
      type: DurationStatsRef,
      description: 'The whole window, every workflow.',
      resolve: async (s) => percentiles(merged((await s.windowHistograms('l')).values())),
    }),
    workflows: t.field({
      type: [WorkflowLagRef],
      description: 'Per scheduled workflow, latest p95 first.',
      resolve: async (s, _args, ctx) => {
        const bySubject = await s.windowHistograms('l');
        const names = await workflowNames(ctx, [...bySubject.keys()]);
        return [...bySubject]
          .map(([id, h]) => ({ workflowId: id, name: names.get(id) ?? null, lag: percentiles(h) }))
          .sort((a, b) => (b.lag.p95 ?? 0) - (a.lag.p95 ?? 0));
      },
    }),
  }),
});

// ---- Logs ------------------------------------------------------------------------------------

const LogVolumeBucketRef = builder.objectRef<{ start: Date | null; counts: LevelCounts }>('LogVolumeCounts').implement({
  description: 'Log lines by level (one bucket, or the totals).',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', nullable: true, description: 'When the bucket begins; null for totals.' }),
    debug: t.int({ description: 'DEBUG lines.', resolve: (b) => b.counts.DEBUG }),
    info: t.int({ description: 'INFO lines.', resolve: (b) => b.counts.INFO }),
    warn: t.int({ description: 'WARN lines.', resolve: (b) => b.counts.WARN }),
    error: t.int({ description: 'ERROR lines.', resolve: (b) => b.counts.ERROR }),
    total: t.int({ description: 'All levels.', resolve: (b) => b.counts.DEBUG + b.counts.INFO + b.counts.WARN + b.counts.ERROR }),
  }),
});

type LogVolumeSource = Awaited<ReturnType<typeof logVolume>> & { window: Window };

const LogVolumeRef = builder.objectRef<LogVolumeSource>('LogVolume').implement({
  description: 'Log lines per level over time for a Logs filter: the histogram over the Logs Explorer.',
  fields: (t) => ({
    bucket: t.field({ type: StatsBucketEnum, description: 'The bucket size.', resolve: (v) => v.window.bucket }),
    timezone: t.string({ description: 'The zone buckets are cut in.', resolve: (v) => v.window.zone }),
    from: t.field({ type: 'DateTime', description: 'Start of the first bucket.', resolve: (v) => v.window.from }),
    to: t.field({ type: 'DateTime', description: 'End of the last bucket.', resolve: (v) => v.window.to }),
    exact: t.boolean({
      description:
        'False when the filter (an execution, search words, or MINUTE buckets), counted line by line, matched more than 5,000 lines: then the newest 5,000 are counted, from countedFrom on.',
      resolve: (v) => v.exact,
    }),
    countedFrom: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When not exact: the counts cover the lines from this time to the end of the window; null when exact.',
      resolve: (v) => v.countedFrom,
    }),
    buckets: t.field({
      type: [LogVolumeBucketRef],
      description: 'Every bucket of the window, oldest first.',
      resolve: (v) => v.window.starts.map((start, i) => ({ start, counts: v.buckets[i]! })),
    }),
    totals: t.field({ type: LogVolumeBucketRef, description: 'The whole window.', resolve: (v) => ({ start: null, counts: v.totals }) }),
  }),
});

// ---- Queues ----------------------------------------------------------------------------------

const QueueDepthRef = builder.objectRef<QueueDepth>('QueueDepth').implement({
  description: 'One BullMQ queue now (shared by every tenant).',
  fields: (t) => ({
    queue: t.exposeString('queue', { description: 'runs, pdf, schedules or maintenance.' }),
    waiting: t.exposeInt('waiting', { description: 'Jobs waiting for a worker.' }),
    prioritized: t.exposeInt('prioritized', { description: 'Jobs waiting with a priority (manual, API and retried runs).' }),
    active: t.exposeInt('active', { description: 'Jobs being worked on.' }),
    delayed: t.exposeInt('delayed', { description: 'Jobs waiting for their time (scheduled slots, retry backoff).' }),
    failed: t.exposeInt('failed', { description: 'Jobs that failed and are kept for inspection.' }),
    oldestWaitingAt: t.expose('oldestWaitingAt', { type: 'DateTime', nullable: true, description: 'When the oldest waiting job was added; null when none waits.' }),
  }),
});

const QueueStatsRef = builder.objectRef<{ tenantId: string }>('QueueStats').implement({
  description: 'Whether work is backing up: your runs waiting to start, and (for admins) the queues themselves.',
  fields: (t) => ({
    pendingRuns: t.int({ description: 'Your runs waiting to start.', resolve: async (q, _a, ctx) => (await backlog(ctx)).pendingRuns }),
    oldestPendingAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When your oldest waiting run was created; null when none waits.',
      resolve: async (q, _a, ctx) => (await backlog(ctx)).oldestPendingAt,
    }),
    queues: t.field({
      type: [QueueDepthRef],
      authScopes: { role: 'ADMIN' },
      description: 'Every queue by state (ADMIN: the queues are shared by all tenants).',
      resolve: (_q, _a, ctx) => allQueueDepths(ctx.engine.queues),
    }),
  }),
});

const backlogs = new WeakMap<GraphQLContext, ReturnType<typeof tenantBacklog>>();
function backlog(ctx: GraphQLContext) {
  let b = backlogs.get(ctx);
  if (!b) backlogs.set(ctx, (b = tenantBacklog(ctx.db, tenantOf(ctx))));
  return b;
}

// ---- Query fields ----------------------------------------------------------------------------

async function scopeOf(ctx: GraphQLContext, args: { from: Date; to?: Date | null; bucket: StatsBucket; workflowId?: string | null }): Promise<StatsScope> {
  let workflowId: string | null = null;
  if (args.workflowId != null) {
    workflowId = localId(args.workflowId, 'Workflow');
    if (!workflowId) throw new ValidationError([{ path: 'workflowId', message: 'is not a workflow id' }]);
  }
  const window = bucketWindow(args.bucket, await tenantTimezone(ctx), args.from, args.to ?? new Date());
  return { db: ctx.db, tenantId: tenantOf(ctx), window, workflowId };
}

const windowArgs = (t: Parameters<Parameters<typeof builder.queryField>[1]>[0]) => ({
  from: t.arg({ type: 'DateTime', required: true, description: 'Start of the window (rounded down to a bucket).' }),
  to: t.arg({ type: 'DateTime', description: 'End of the window (exclusive); now when omitted.' }),
  bucket: t.arg({ type: StatsBucketEnum, required: true, description: 'Bucket size.' }),
});

builder.queryField('runStats', (t) =>
  t.field({
    type: RunStatsRef,
    authScopes: { viewer: true },
    description: "Runs over time in the tenant's zone: counts by status, failure rate, duration percentiles per workflow and step type.",
    args: { ...windowArgs(t), workflowId: t.arg.id({ description: 'Only this workflow (global id).' }) },
    resolve: async (_root, args, ctx) => new StatsSource(await scopeOf(ctx, args)),
  }),
);

builder.queryField('schedulerLag', (t) =>
  t.field({
    type: SchedulerLagRef,
    authScopes: { viewer: true },
    description: 'How late scheduled runs started after their slot, over time and per workflow.',
    args: { ...windowArgs(t), workflowId: t.arg.id({ description: 'Only this workflow (global id).' }) },
    resolve: async (_root, args, ctx) => new StatsSource(await scopeOf(ctx, args)),
  }),
);

builder.queryField('logVolume', (t) =>
  t.field({
    type: LogVolumeRef,
    authScopes: { viewer: true },
    description: 'Log lines per level over time for a Logs filter (the same filter logs takes).',
    args: { ...windowArgs(t), filter: t.arg({ type: LogFilterInput, description: 'Which lines; all of them when omitted.' }) },
    resolve: async (_root, args, ctx) => {
      const { window, tenantId } = await scopeOf(ctx, args);
      return { window, ...(await logVolume(ctx.db, tenantId, window, toLogFilter(args.filter))) };
    },
  }),
);

builder.queryField('queueStats', (t) =>
  t.field({
    type: QueueStatsRef,
    authScopes: { viewer: true },
    description: 'Whether work is backing up: waiting runs and queue depths now.',
    resolve: (_root, _args, ctx) => ({ tenantId: tenantOf(ctx) }),
  }),
);
