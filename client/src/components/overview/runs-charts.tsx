// Runs per hour stacked by status, and the failure rate of the same hours.
import { useCallback, useMemo } from 'react';
import type { OverviewQuery } from '../../graphql/graphql.ts';
import { ChartFigure } from '../charts/chart-figure.tsx';
import { statusColor, type ChartColors } from '../charts/colors.ts';
import { linesOptions, stackData, stackedBarsOptions } from '../charts/options.ts';
import { UplotChart } from '../charts/uplot-chart.tsx';
import { formatBucket, formatPercent } from '../../lib/format.ts';

type RunStats = Pick<OverviewQuery['hourly'], 'bucket' | 'timezone' | 'buckets' | 'totals'>;
type Status = 'completed' | 'failed' | 'cancelled' | 'running' | 'pending';
/** Bottom to top: finished runs first, the ones still moving on top. */
export const STATUSES: readonly Status[] = ['completed', 'failed', 'cancelled', 'running', 'pending'];
const LABEL: Record<Status, string> = { completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled', running: 'Running', pending: 'Pending' };
const seconds = (iso: string) => Date.parse(iso) / 1000;

const per = (b: RunStats['bucket']) => (b === 'DAY' ? 'day' : b === 'HOUR' ? 'hour' : 'minute');

export function RunsByStatusChart({ stats, id = 'chart-runs', title }: { stats: RunStats; id?: string; title?: string }) {
  const zone = stats.timezone;
  const options = useCallback(
    (c: ChartColors) => stackedBarsOptions(c, { zone, layers: STATUSES.map((s) => ({ label: LABEL[s], color: statusColor(c)[s] })) }),
    [zone],
  );
  const data = useMemo(
    () => stackData(stats.buckets.map((b) => seconds(b.start)), STATUSES.map((s) => ({ label: s, color: '', values: stats.buckets.map((b) => b.counts[s]) }))),
    [stats.buckets],
  );
  const t = stats.totals;
  const rows = stats.buckets.filter((b) => b.counts.total > 0).map((b) => [formatBucket(b.start, stats.bucket, zone), b.counts.total, ...STATUSES.map((s) => b.counts[s])]);
  return (
    <ChartFigure
      id={id}
      title={title ?? `Runs per ${per(stats.bucket)} by status`}
      summary={`${t.total} runs: ${t.completed} completed, ${t.failed} failed, ${t.cancelled} cancelled, ${t.running} running, ${t.pending} pending (${zone}).`}
      data={{ columns: [per(stats.bucket) === 'day' ? 'Day' : 'Hour', 'Runs', ...STATUSES.map((s) => LABEL[s])], rows, note: `${stats.buckets.length - rows.length} ${per(stats.bucket)}s without runs are left out.` }}
      className="wide"
    >
      <UplotChart options={options} data={data} height={200} testId={`${id}-canvas`} />
    </ChartFigure>
  );
}

export function FailureRateChart({ stats, id = 'chart-failure-rate' }: { stats: RunStats; id?: string }) {
  const zone = stats.timezone;
  const options = useCallback((c: ChartColors) => linesOptions(c, { zone, series: [{ label: 'Failure rate', color: c.err }], format: (v) => formatPercent(v), yMax: 1 }), [zone]);
  const data = useMemo(() => [Float64Array.from(stats.buckets.map((b) => seconds(b.start))), stats.buckets.map((b) => b.counts.failureRate)] as [Float64Array, (number | null)[]], [stats.buckets]);
  const finished = stats.buckets.filter((b) => b.counts.failureRate != null);
  const worst = finished.reduce<(typeof finished)[number] | null>((w, b) => (!w || (b.counts.failureRate ?? 0) > (w.counts.failureRate ?? 0) ? b : w), null);
  return (
    <ChartFigure
      id={id}
      title={`Failure rate per ${per(stats.bucket)}`}
      summary={
        worst
          ? `${formatPercent(stats.totals.failureRate)} overall; highest ${formatPercent(worst.counts.failureRate)} at ${formatBucket(worst.start, stats.bucket, zone)}.`
          : 'No run finished in this window.'
      }
      data={{
        columns: [per(stats.bucket) === 'day' ? 'Day' : 'Hour', 'Failure rate', 'Failed', 'Finished'],
        rows: finished.map((b) => [formatBucket(b.start, stats.bucket, zone), formatPercent(b.counts.failureRate), b.counts.failed, b.counts.completed + b.counts.failed + b.counts.cancelled]),
      }}
    >
      <UplotChart options={options} data={data} height={200} testId={`${id}-canvas`} />
    </ChartFigure>
  );
}
