// p95 duration per workflow over two weeks, one row each, slowest-getting first: which workflow
// got slower. The change compares the median daily p95 of the first week with the last week's.
import { Link } from 'react-router-dom';
import type { OverviewQuery } from '../../graphql/graphql.ts';
import { Sparkline } from '../charts/sparkline.tsx';
import { slowdown } from '../../lib/chart-math.ts';
import { formatDuration, formatPercent } from '../../lib/format.ts';
import { Empty } from '../states.tsx';

type Daily = OverviewQuery['daily'];

export function WorkflowDurations({ stats }: { stats: Daily }) {
  const days = stats.buckets.length;
  const rows = stats.workflows
    .map((w) => ({ ...w, change: slowdown(w.p95Series) }))
    .sort((a, b) => (b.change ?? -Infinity) - (a.change ?? -Infinity) || b.counts.total - a.counts.total);
  return (
    <section className="card" aria-labelledby="durations-title" data-testid="workflow-durations">
      <h2 id="durations-title" className="chart-title">
        Duration per workflow, last {days} days
      </h2>
      <p className="chart-summary muted">
        p95 of each day's finished runs ({stats.timezone}); the change compares the median daily p95 of the last {Math.floor(days / 2)} days with the {Math.floor(days / 2)}{' '}
        before. Slower first.
      </p>
      {rows.length === 0 ? (
        <Empty>No run finished in the last {days} days.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid durations">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Runs</th>
                <th scope="col" className="hide-narrow">
                  Failed
                </th>
                <th scope="col" className="hide-narrow">
                  p50
                </th>
                <th scope="col">p95</th>
                <th scope="col">Daily p95</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr key={w.workflowId} data-workflow={w.name ?? ''}>
                  <th scope="row">{w.name ? <Link to={`/workflows/${encodeURIComponent(w.workflowId)}`}>{w.name}</Link> : <span className="muted">(deleted)</span>}</th>
                  <td>{w.counts.total}</td>
                  <td className="hide-narrow">{formatPercent(w.counts.failureRate)}</td>
                  <td className="hide-narrow">{formatDuration(w.duration.p50)}</td>
                  <td>{formatDuration(w.duration.p95)}</td>
                  <td>
                    <Sparkline
                      values={w.p95Series}
                      label={`Daily p95 of ${w.name ?? 'a deleted workflow'}: ${w.p95Series.map((v) => (v == null ? 'none' : formatDuration(v))).join(', ')}`}
                      color={w.change != null && w.change > 0.2 ? 'var(--err)' : 'var(--accent)'}
                    />
                  </td>
                  <td className={w.change != null && w.change > 0.2 ? 'status-failed' : w.change != null && w.change < -0.2 ? 'ok-text' : ''}>
                    {w.change == null ? '—' : `${w.change > 0 ? '+' : ''}${Math.round(w.change * 100)} %`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
