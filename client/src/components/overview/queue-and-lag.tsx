// Is work backing up? The viewer's waiting runs, every queue's depth for admins (the queues are
// shared by all tenants, so only admins see them), and how late scheduled runs started.
import { useCallback, useMemo } from 'react';
import type { OverviewQuery } from '../../graphql/graphql.ts';
import { ChartFigure } from '../charts/chart-figure.tsx';
import type { ChartColors } from '../charts/colors.ts';
import { linesOptions } from '../charts/options.ts';
import { UplotChart } from '../charts/uplot-chart.tsx';
import { formatAge, formatBucket, formatDuration } from '../../lib/format.ts';

export function QueueDepth({ stats, admin }: { stats: OverviewQuery['queueStats']; admin: boolean }) {
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="queue-title" data-testid="queue-depth">
      <h2 id="queue-title" className="chart-title">
        Queue depth
      </h2>
      <p className="chart-summary">
        <strong>{stats.pendingRuns}</strong> of your runs waiting to start
        {stats.oldestPendingAt && <>, the oldest for {formatAge(now - Date.parse(stats.oldestPendingAt))}</>}.
      </p>
      {admin && stats.queues ? (
        <div className="table-wrap">
          <table className="grid compact">
            <caption className="visually-hidden">Jobs per queue (all tenants)</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Active</th>
                <th scope="col">Delayed</th>
                <th scope="col" className="hide-narrow">
                  Failed
                </th>
                <th scope="col">Oldest</th>
              </tr>
            </thead>
            <tbody>
              {stats.queues.map((q) => (
                <tr key={q.queue} data-queue={q.queue}>
                  <th scope="row">{q.queue}</th>
                  <td>{q.waiting + q.prioritized}</td>
                  <td>{q.active}</td>
                  <td>{q.delayed}</td>
                  <td className="hide-narrow">{q.failed}</td>
                  <td>{q.oldestWaitingAt ? formatAge(now - Date.parse(q.oldestWaitingAt)) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">Queues are shared by every tenant; waiting includes prioritized jobs (manual and API runs).</p>
        </div>
      ) : (
        <p className="muted small">Per-queue depths are shown to admins.</p>
      )}
    </section>
  );
}

export function SchedulerLagChart({ lag }: { lag: OverviewQuery['schedulerLag'] }) {
  const zone = lag.timezone;
  const options = useCallback((c: ChartColors) => linesOptions(c, { zone, series: [{ label: 'Lag p95', color: c.warn }], format: (v) => formatDuration(v) }), [zone]);
  const data = useMemo(() => [Float64Array.from(lag.buckets.map((b) => Date.parse(b.start) / 1000)), lag.buckets.map((b) => (b.lag.count ? b.lag.p95 : null))] as [Float64Array, (number | null)[]], [lag.buckets]);
  const o = lag.overall;
  return (
    <ChartFigure
      id="chart-lag"
      title="Scheduler lag per hour (p95)"
      summary={o.count ? `${o.count} scheduled runs started a median ${formatDuration(o.p50)} after their slot; p95 ${formatDuration(o.p95)}, worst ${formatDuration(o.max)}.` : 'No scheduled run started in the last 24 hours.'}
      data={{ columns: ['Hour', 'Starts', 'Lag p95'], rows: lag.buckets.filter((b) => b.lag.count > 0).map((b) => [formatBucket(b.start, 'HOUR', zone), b.lag.count, formatDuration(b.lag.p95)]) }}
    >
      {/* An empty chart says less than its summary. */}
      {o.count > 0 && <UplotChart options={options} data={data} height={160} testId="chart-lag-canvas" />}
    </ChartFigure>
  );
}
