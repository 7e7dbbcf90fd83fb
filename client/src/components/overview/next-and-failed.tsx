// What runs next (the enabled workflows' next fire times) and what failed last, with its error.
import { Link } from 'react-router-dom';
import type { OverviewQuery } from '../../graphql/graphql.ts';
import { formatAge, formatInZone } from '../../lib/format.ts';
import { describeCron } from '../../lib/cron-words.ts';

type Wf = OverviewQuery['workflows']['edges'][number]['node'];
type Failure = OverviewQuery['failures']['edges'][number]['node'];

export function NextRuns({ workflows, zone, limit = 6 }: { workflows: Wf[]; zone: string; limit?: number }) {
  const next = workflows.filter((w) => w.nextRunAt).sort((a, b) => Date.parse(a.nextRunAt!) - Date.parse(b.nextRunAt!)).slice(0, limit);
  return (
    <section className="card" aria-labelledby="next-title" data-testid="next-runs">
      <h2 id="next-title" className="chart-title">
        Next scheduled runs
      </h2>
      {next.length === 0 ? (
        <p className="muted">No enabled workflow has a schedule.</p>
      ) : (
        <ol className="plain next-runs">
          {next.map((w) => (
            <li key={w.id}>
              <Link to={`/workflows/${encodeURIComponent(w.id)}`}>{w.name}</Link>{' '}
              <span className="muted">
                in {formatAge(Date.parse(w.nextRunAt!) - Date.now())} · {formatInZone(w.nextRunAt, w.timezone ?? zone)}
                {w.schedule && <> · {describeCron(w.schedule)}</>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) {
    const e = error as { message?: unknown; step?: unknown };
    return `${e.step ? `${String(e.step)}: ` : ''}${String(e.message)}`;
  }
  return error ? JSON.stringify(error) : 'no error recorded';
}

export function RecentFailures({ runs, zone }: { runs: Failure[]; zone: string }) {
  return (
    <section className="card" aria-labelledby="failures-title" data-testid="recent-failures">
      <h2 id="failures-title" className="chart-title">
        Recent failures <Link to="/executions?status=FAILED" className="small">all</Link>
      </h2>
      {runs.length === 0 ? (
        <p className="muted">No failed runs.</p>
      ) : (
        <ul className="plain failures">
          {runs.map((r) => (
            <li key={r.id}>
              <Link to={`/executions/${encodeURIComponent(r.id)}`}>{r.workflow.name}</Link>{' '}
              <span className="muted">{formatInZone(r.finishedAt ?? r.createdAt, zone)}</span>
              <div className="failure-error mono">{errorText(r.error)}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
