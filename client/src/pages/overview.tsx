// The page the dashboard opens on: how runs went over the last day, which workflow got slower
// over two weeks, whether work is backing up, what runs next and what failed last. One document,
// re-run every 10 s and at once (throttled) when a run's update arrives over the
// executionUpdated subscription, so the numbers move while the page is open.
import { useCallback, useEffect } from 'react';
import { graphql } from '../graphql';
import { ExecutionsLiveDocument } from '../fragments.ts';
import { useRawClient } from '../raw-client.tsx';
import { allows } from '../session.tsx';
import { useViewer } from '../viewer.tsx';
import { useLiveQuery } from '../lib/use-live-query.ts';
import { formatAge, formatDuration, formatPercent } from '../lib/format.ts';
import { ErrorState, Loading } from '../components/states.tsx';
import { LiveIndicator } from '../components/live-indicator.tsx';
import { FailureRateChart, RunsByStatusChart } from '../components/overview/runs-charts.tsx';
import { WorkflowDurations } from '../components/overview/workflow-durations.tsx';
import { QueueDepth, SchedulerLagChart } from '../components/overview/queue-and-lag.tsx';
import { NextRuns, RecentFailures } from '../components/overview/next-and-failed.tsx';

export const RunCountsFragment = graphql(`
  fragment RunCountsAll on RunCounts {
    pending
    running
    completed
    failed
    cancelled
    total
    failureRate
  }
`);

const OverviewDocument = graphql(`
  query Overview($dayFrom: DateTime!, $daysFrom: DateTime!, $admin: Boolean!) {
    hourly: runStats(from: $dayFrom, bucket: HOUR) {
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
    }
    daily: runStats(from: $daysFrom, bucket: DAY) {
      timezone
      buckets {
        start
      }
      workflows {
        workflowId
        name
        counts {
          total
          failed
          failureRate
        }
        duration {
          count
          p50
          p95
        }
        p95Series
      }
    }
    schedulerLag(from: $dayFrom, bucket: HOUR) {
      timezone
      buckets {
        start
        lag {
          count
          p95
        }
      }
      overall {
        count
        p50
        p95
        max
      }
    }
    queueStats {
      pendingRuns
      oldestPendingAt
      queues @include(if: $admin) {
        queue
        waiting
        prioritized
        active
        delayed
        failed
        oldestWaitingAt
      }
    }
    workflows(first: 100, filter: { enabled: true }) {
      edges {
        node {
          id
          name
          schedule
          timezone
          nextRunAt
        }
      }
    }
    failures: executions(first: 6, filter: { statuses: [FAILED] }) {
      edges {
        node {
          id
          createdAt
          finishedAt
          error
          workflow {
            id
            name
          }
        }
      }
    }
  }
`);

const HOUR_MS = 3_600_000;
/** Daily p95 over this many days (today included): two weeks, so week 1 and week 2 compare. */
export const TREND_DAYS = 14;

export function OverviewPage() {
  const viewer = useViewer();
  const admin = allows(viewer.role, 'ADMIN');
  const raw = useRawClient();
  const variables = useCallback(
    () => ({
      dayFrom: new Date(Date.now() - 24 * HOUR_MS).toISOString(),
      daysFrom: new Date(Date.now() - (TREND_DAYS - 1) * 24 * HOUR_MS).toISOString(),
      admin,
    }),
    [admin],
  );
  const live = useLiveQuery(OverviewDocument, variables, `overview:${admin}`, 10_000);
  const { refresh } = live;

  // A run changed (created, progressed, finished): the numbers are stale, fetch them soon.
  useEffect(() => {
    const sub = raw.subscription(ExecutionsLiveDocument, {}).subscribe(() => refresh());
    return () => sub.unsubscribe();
  }, [raw, refresh]);

  const d = live.data;
  if (!d && live.error) return <ErrorState error={live.error} retry={refresh} />;
  if (!d) return <Loading label="Loading the overview…" />;
  const totals = d.hourly.totals;
  // "Today" in the tenant's zone: the hourly buckets that start on its current date.
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: d.hourly.timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const today = day.format(new Date());
  const runsToday = d.hourly.buckets.filter((b) => day.format(new Date(b.start)) === today).reduce((n, b) => n + b.counts.total, 0);
  const oldestPending = d.queueStats.oldestPendingAt ? Date.now() - Date.parse(d.queueStats.oldestPendingAt) : null;
  return (
    <section aria-labelledby="overview-title" className="overview">
      <div className="page-head">
        <h1 id="overview-title">Overview</h1>
        <LiveIndicator updatedAt={live.updatedAt} paused={live.paused} error={live.error} />
      </div>
      <ul className="stat-tiles" aria-label="Key numbers">
        <li data-testid="stat-runs">
          <span className="stat-label">Runs, last 24 h</span>
          <strong className="stat-value">{totals.total.toLocaleString('en-US')}</strong>
          <span className="muted">
            {totals.completed} completed · {totals.failed} failed · {totals.cancelled} cancelled
          </span>
          <span className="muted" data-testid="stat-runs-today">
            {runsToday.toLocaleString('en-US')} today ({d.hourly.timezone})
          </span>
        </li>
        <li data-testid="stat-failure-rate">
          <span className="stat-label">Failure rate, last 24 h</span>
          <strong className={`stat-value ${(totals.failureRate ?? 0) > 0.1 ? 'status-failed' : ''}`}>{formatPercent(totals.failureRate)}</strong>
          <span className="muted">of {(totals.completed + totals.failed + totals.cancelled).toLocaleString('en-US')} finished</span>
        </li>
        <li data-testid="stat-pending">
          <span className="stat-label">Waiting to start</span>
          <strong className="stat-value">{d.queueStats.pendingRuns.toLocaleString('en-US')}</strong>
          <span className="muted">{oldestPending != null ? `oldest waiting ${formatAge(oldestPending)}` : 'nothing waiting'}</span>
        </li>
        <li data-testid="stat-lag">
          <span className="stat-label">Scheduler lag p95, 24 h</span>
          <strong className="stat-value">{formatDuration(d.schedulerLag.overall.p95)}</strong>
          <span className="muted">{d.schedulerLag.overall.count} scheduled starts</span>
        </li>
      </ul>
      <div className="chart-grid">
        <RunsByStatusChart stats={d.hourly} />
        <FailureRateChart stats={d.hourly} />
      </div>
      <WorkflowDurations stats={d.daily} />
      <div className="chart-grid">
        <QueueDepth stats={d.queueStats} admin={admin} />
        <SchedulerLagChart lag={d.schedulerLag} />
      </div>
      <div className="chart-grid">
        <NextRuns workflows={d.workflows.edges.map((e) => e.node)} zone={viewer.tenant.timezone} />
        <RecentFailures runs={d.failures.edges.map((e) => e.node)} zone={viewer.tenant.timezone} />
      </div>
    </section>
  );
}
