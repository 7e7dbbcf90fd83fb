// One workflow's runs by status, failure rate and p95 duration trend, over 30 days (daily bars),
// 48 hours (hourly) or 3 hours (per minute); refreshed every 15 s while the tab is visible.
import { useCallback, useMemo, useState } from 'react';
import { graphql } from '../graphql';
import type { StatsBucket, WorkflowStatsQuery } from '../graphql/graphql.ts';
import { ChartFigure } from './charts/chart-figure.tsx';
import type { ChartColors } from './charts/colors.ts';
import { linesOptions } from './charts/options.ts';
import { UplotChart } from './charts/uplot-chart.tsx';
import { FailureRateChart, RunsByStatusChart } from './overview/runs-charts.tsx';
import { LiveIndicator } from './live-indicator.tsx';
import { formatBucket, formatDuration } from '../lib/format.ts';
import { useLiveQuery } from '../lib/use-live-query.ts';

const WorkflowStatsDocument = graphql(`
  query WorkflowStats($workflowId: ID!, $from: DateTime!, $bucket: StatsBucket!) {
    runStats(from: $from, bucket: $bucket, workflowId: $workflowId) {
      bucket
      timezone
      buckets {
        start
        counts {
          ...RunCountsAll
        }
      }
      totals {
        ...RunCountsAll
      }
      workflows {
        workflowId
        duration {
          count
          p50
          p95
          p99
          max
        }
        p95Series
      }
    }
  }
`);

const RANGES = [
  { id: '30d', label: '30 days', bucket: 'DAY', ms: 29 * 86_400_000 },
  { id: '48h', label: '48 hours', bucket: 'HOUR', ms: 47 * 3_600_000 },
  { id: '3h', label: '3 hours', bucket: 'MINUTE', ms: 3 * 3_600_000 - 60_000 },
] as const satisfies readonly { id: string; label: string; bucket: StatsBucket; ms: number }[];

export function WorkflowCharts({ workflowId }: { workflowId: string }) {
  const [rangeId, setRangeId] = useState<(typeof RANGES)[number]['id']>('30d');
  const range = RANGES.find((r) => r.id === rangeId)!;
  const variables = useCallback(() => ({ workflowId, from: new Date(Date.now() - range.ms).toISOString(), bucket: range.bucket }), [workflowId, range]);
  const live = useLiveQuery(WorkflowStatsDocument, variables, `${workflowId}:${rangeId}`, 15_000);
  const stats = live.data?.runStats;

  return (
    <section aria-labelledby="wf-charts-title" className="workflow-charts" data-testid="workflow-charts">
      <div className="histogram-head">
        <h2 id="wf-charts-title">Runs and durations</h2>
        <div className="range-toggle" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.id} type="button" aria-pressed={r.id === rangeId} onClick={() => setRangeId(r.id)}>
              {r.label}
            </button>
          ))}
        </div>
        <LiveIndicator updatedAt={live.updatedAt} paused={live.paused} error={live.error} />
      </div>
      {!stats ? (
        <p className="muted">{live.error ? `Statistics unavailable: ${live.error.message}` : 'Loading statistics…'}</p>
      ) : (
        <div className="chart-grid">
          <RunsByStatusChart stats={stats} id="wf-chart-runs" />
          <FailureRateChart stats={stats} id="wf-chart-failure-rate" />
          <DurationTrend stats={stats} />
        </div>
      )}
    </section>
  );
}

type Stats = WorkflowStatsQuery['runStats'];

function DurationTrend({ stats }: { stats: Stats }) {
  const zone = stats.timezone;
  const wf = stats.workflows[0];
  const options = useCallback((c: ChartColors) => linesOptions(c, { zone, series: [{ label: 'p95 duration', color: c.accent }], format: (v) => formatDuration(v) }), [zone]);
  const data = useMemo(() => [Float64Array.from(stats.buckets.map((b) => Date.parse(b.start) / 1000)), stats.buckets.map((_, i) => wf?.p95Series[i] ?? null)] as [Float64Array, (number | null)[]], [stats.buckets, wf]);
  const d = wf?.duration;
  const unit = stats.bucket === 'DAY' ? 'day' : stats.bucket === 'HOUR' ? 'hour' : 'minute';
  return (
    <ChartFigure
      id="wf-chart-duration"
      title={`Duration p95 per ${unit}`}
      summary={d?.count ? `${d.count} finished runs: p50 ${formatDuration(d.p50)}, p95 ${formatDuration(d.p95)}, p99 ${formatDuration(d.p99)}, longest ${formatDuration(d.max)}.` : 'No run finished in this window.'}
      data={{ columns: [unit === 'day' ? 'Day' : unit === 'hour' ? 'Hour' : 'Minute', 'p95 duration'], rows: stats.buckets.flatMap((b, i) => (wf?.p95Series[i] != null ? [[formatBucket(b.start, stats.bucket, zone), formatDuration(wf.p95Series[i])]] : [])) }}
    >
      <UplotChart options={options} data={data} height={200} testId="wf-chart-duration-canvas" />
    </ChartFigure>
  );
}
