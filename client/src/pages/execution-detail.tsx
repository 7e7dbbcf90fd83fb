import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../graphql';
import { JsonView } from '../components/json-view.tsx';
import { LogView } from '../components/log-view.tsx';
import { Empty, ErrorState, Loading, errorMessage } from '../components/states.tsx';
import { Progress, StatusBadge } from '../components/status.tsx';
import { StepWaterfall, plannedSteps } from '../components/step-waterfall.tsx';
import { durationBetween, formatDuration, formatInZone } from '../lib/format.ts';
import { allows } from '../session.tsx';
import type { ExecutionQuery } from '../graphql/graphql.ts';
import { useViewer } from '../viewer.tsx';

const ExecutionDetailFragment = graphql(`
  fragment ExecutionDetail on Execution {
    ...ExecutionSummary
    workflowVersion
    input
    output
    rangeStart
    rangeEnd
    idempotencyKey
    retryOfId
    waitingForSlot
    attemptNumber
    attempts {
      id
      attemptNumber
      status
    }
    stepRuns {
      id
      index
      name
      type
      status
      attempts
      reused
      output
      error
      startedAt
      finishedAt
      wait {
        id
        kind
        status
        title
        message
        eventName
        match
        timeoutAt
        onTimeout
        decision
        decidedBy
        comment
      }
    }
  }
`);

const ExecutionDocument = graphql(`
  query Execution($id: ID!) {
    execution(id: $id) {
      ...ExecutionDetail
    }
  }
`);

// The steps the run will execute, for the waterfall's rows of steps not started yet. A run's
// definition never changes, so it is read once: neither the live subscription nor the page's
// periodic re-read while the run is active carries it.
const ExecutionDefinitionDocument = graphql(`
  query ExecutionDefinition($id: ID!) {
    execution(id: $id) {
      id
      definition
    }
  }
`);

const ExecutionLiveDocument = graphql(`
  subscription ExecutionLive($executionId: ID!) {
    executionUpdated(executionId: $executionId) {
      ...ExecutionDetail
    }
  }
`);

// Only what the cancel itself records. The answer comes over HTTP and the run's own updates over
// the WebSocket, so a CANCELLED payload can arrive first; a status in this answer (RUNNING, read
// when the cancel was recorded) would then overwrite it in the cache and the page would show a
// stopped run as running.
const CancelExecutionDocument = graphql(`
  mutation CancelExecution($id: ID!) {
    cancelExecution(id: $id) {
      __typename
      ... on ExecutionPayload {
        execution {
          id
          cancelRequestedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const RetryExecutionDocument = graphql(`
  mutation RetryExecution($id: ID!, $fromStep: RetryFrom) {
    retryExecution(id: $id, fromStep: $fromStep) {
      __typename
      ... on ExecutionPayload {
        execution {
          id
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const ACTIVE = new Set(['PENDING', 'RUNNING', 'WAITING']);
const RETRYABLE = new Set(['FAILED', 'CANCELLED']);
const UNFINISHED_STEP = new Set(['PENDING', 'RUNNING', 'WAITING']);
const RESYNC_MS = 5_000;

/** Re-renders every second while something is running, so durations tick. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    // At once too: the page may have been showing another (finished) run, whose last tick would
    // give a step that started since a negative duration.
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function ExecutionDetailPage() {
  const { id = '' } = useParams();
  const viewer = useViewer();
  const navigate = useNavigate();
  const [{ data, fetching, error }, refetch] = useQuery({ query: ExecutionDocument, variables: { id } });
  const [{ data: plan }] = useQuery({ query: ExecutionDefinitionDocument, variables: { id } });
  useSubscription({ query: ExecutionLiveDocument, variables: { executionId: id } });
  const [cancelState, cancel] = useMutation(CancelExecutionDocument);
  const [retryState, retry] = useMutation(RetryExecutionDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const e = data?.execution;
  const active = !!e && ACTIVE.has(e.status);
  const now = useNow(active);
  // Safety net while the run is active: a subscription payload lost across a reconnect, or a
  // query answer that lands after a newer payload, would otherwise freeze a stale status.
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => refetch({ requestPolicy: 'network-only' }), RESYNC_MS);
    return () => clearInterval(t);
  }, [active, refetch]);
  // A finished run whose steps still read as unfinished mixes two moments: its status came from a
  // newer answer than its steps (a short run can finish between the page's query and its
  // subscription starting). The resync above stopped with the run, so read the whole run once more.
  const torn = !!e && !active && e.stepRuns.some((s) => UNFINISHED_STEP.has(s.status));
  useEffect(() => {
    if (torn) refetch({ requestPolicy: 'network-only' });
  }, [torn, refetch]);

  if (error && !data) return <ErrorState error={error} retry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (fetching && !data) return <Loading />;
  if (!e) return <Empty>No such execution. <Link to="/executions">All executions</Link></Empty>;
  const canOperate = allows(viewer.role, 'OPERATOR');
  const zone = viewer.tenant.timezone;
  const planned = plannedSteps(plan?.execution?.definition);

  async function onCancel() {
    const res = await cancel({ id: e!.id });
    const r = res.data?.cancelExecution;
    setProblem(res.error ? errorMessage(res.error) : r && r.__typename !== 'ExecutionPayload' && 'message' in r ? r.message : null);
  }
  async function onRetry(fromStep: 'START' | 'FAILED' = 'START') {
    const res = await retry({ id: e!.id, fromStep });
    const r = res.data?.retryExecution;
    if (res.error) return setProblem(errorMessage(res.error));
    if (r?.__typename === 'ExecutionPayload') navigate(`/executions/${encodeURIComponent(r.execution.id)}`);
    else if (r && 'message' in r) setProblem(r.message);
  }

  return (
    <section aria-labelledby="ex-title">
      <div className="page-head">
        <h1 id="ex-title">
          <Link to={`/workflows/${encodeURIComponent(e.workflow.id)}`}>{e.workflow.name}</Link> run
        </h1>
        <StatusBadge status={e.status} />
        {e.cancelRequestedAt && ACTIVE.has(e.status) && <span className="muted">cancel requested…</span>}
        {e.waitingForSlot && <span className="muted">waiting for a concurrency slot…</span>}
        <div className="actions">
          {ACTIVE.has(e.status) && (
            <button type="button" className="danger" onClick={onCancel} disabled={!canOperate || cancelState.fetching || !!e.cancelRequestedAt} title={canOperate ? undefined : 'Needs the OPERATOR role'}>
              Cancel run
            </button>
          )}
          {RETRYABLE.has(e.status) && (
            <button type="button" onClick={() => onRetry('START')} disabled={!canOperate || retryState.fetching} title={canOperate ? undefined : 'Needs the OPERATOR role'}>
              Retry
            </button>
          )}
          {e.status === 'FAILED' && (
            <button
              type="button"
              onClick={() => onRetry('FAILED')}
              disabled={!canOperate || retryState.fetching}
              title={canOperate ? 'A new attempt that reuses the outputs of the steps that succeeded and starts at the failed step' : 'Needs the OPERATOR role'}
            >
              Retry from failed step
            </button>
          )}
        </div>
      </div>
      {e.attempts.length > 1 && (
        <nav className="attempts-strip" aria-label="Attempts">
          {e.attempts.map((a) =>
            a.id === e.id ? (
              <span key={a.id} className="attempt current" aria-current="page">
                Attempt {a.attemptNumber} <StatusBadge status={a.status} />
              </span>
            ) : (
              <Link key={a.id} className="attempt" to={`/executions/${encodeURIComponent(a.id)}`}>
                Attempt {a.attemptNumber} <StatusBadge status={a.status} />
              </Link>
            ),
          )}
        </nav>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      <div className="cols">
        <div className="card">
          <dl className="facts">
            <dt>Trigger</dt>
            <dd>{e.trigger}</dd>
            {e.scheduledFor && (
              <>
                <dt>Slot</dt>
                <dd>
                  {formatInZone(e.scheduledFor, zone)} {e.driftMs != null && <span className="muted">(started {formatDuration(e.driftMs)} after)</span>}
                </dd>
              </>
            )}
            <dt>Created</dt>
            <dd>{formatInZone(e.createdAt, zone)}</dd>
            <dt>Started</dt>
            <dd>{formatInZone(e.startedAt, zone)}</dd>
            <dt>Finished</dt>
            <dd>{formatInZone(e.finishedAt, zone)}</dd>
            <dt>Duration</dt>
            <dd data-testid="duration">{formatDuration(durationBetween(e.startedAt, e.finishedAt, now))}</dd>
            {e.rangeStart && (
              <>
                <dt>Dates</dt>
                <dd>
                  {e.rangeStart} → {e.rangeEnd}
                </dd>
              </>
            )}
            {e.retryOfId && (
              <>
                <dt>Retry of</dt>
                <dd>
                  <Link to={`/executions/${encodeURIComponent(e.retryOfId)}`}>earlier run</Link>
                </dd>
              </>
            )}
          </dl>
        </div>
        <div className="card" aria-label="Progress">
          <Progress progress={e.progress} />
          {e.error != null && (
            <>
              <h2 className="field-error">Error</h2>
              <JsonView value={e.error} label="Execution error" />
            </>
          )}
          {e.output != null && (
            <>
              <h2>Output</h2>
              <JsonView value={e.output} label="Execution output" />
            </>
          )}
        </div>
      </div>
      <h2>Steps</h2>
      <StepWaterfall run={e} stepRuns={e.stepRuns} planned={planned} stepsTotal={e.progress.stepsTotal} />
      {e.stepRuns.length === 0 ? (
        <Empty>No step has started yet.</Empty>
      ) : (
        <ol className="timeline" aria-label="Step timeline">
          {e.stepRuns.map((s) => (
            <li key={s.id} className={`step-${s.status.toLowerCase()}`} data-step={s.name ?? s.type}>
              {/* Named like the waterfall's rows: the step's name, else its id in the definition. */}
              <strong>{s.name ?? planned[s.index]?.label ?? `step ${s.index + 1}`}</strong> <code>{s.type}</code> <StatusBadge status={s.status} />{' '}
              {s.reused && (
                <span className="badge reused" title="Reused from the previous attempt: its recorded output, the step did not run again">
                  reused
                </span>
              )}{' '}
              <span className="muted">
                {formatDuration(durationBetween(s.startedAt, s.finishedAt, now))}
                {s.attempts > 1 && ` · ${s.attempts} attempts`}
              </span>
              {s.wait && <WaitFacts wait={s.wait} zone={zone} />}
              {s.error != null && <JsonView value={s.error} label={`Error of ${s.name ?? s.type}`} />}
              {s.output != null && (
                <details open={s.type.startsWith('pdf') || s.type.startsWith('whatsapp')}>
                  <summary>Output</summary>
                  <JsonView value={s.output} label={`Output of ${s.name ?? s.type}`} />
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
      <h2>Logs</h2>
      <LogView filter={{ executionId: e.id }} liveByDefault height="24rem" />
    </section>
  );
}

type Wait = NonNullable<NonNullable<ExecutionQuery['execution']>['stepRuns'][number]['wait']>;

/** What a wait step waits (or waited) for, and how it ended. */
function WaitFacts({ wait: w, zone }: { wait: Wait; zone: string }) {
  const open = w.status === 'OPEN';
  return (
    <div className="wait-facts" data-testid="wait">
      {w.kind === 'APPROVAL' ? (
        <>
          {open ? 'Waiting for approval' : 'Approval'}
          {w.title && <>: <strong>{w.title}</strong></>} {open && <Link to="/approvals">open the inbox</Link>}
          <p className="approval-message">{w.message}</p>
          {w.decision && (
            <p>
              {w.decision === 'APPROVE' ? 'Approved' : 'Rejected'} {w.decidedBy ? `by ${w.decidedBy}` : 'by the timeout'}
              {w.comment && <> — “{w.comment}”</>}
            </p>
          )}
        </>
      ) : (
        <>
          {open ? 'Waiting for event' : 'Event'} <code>{w.eventName}</code>
          {w.match && (
            <>
              {' '}
              where <code>{w.match}</code>
            </>
          )}
        </>
      )}
      {w.timeoutAt && open && (
        <span className="muted">
          {' '}
          · times out {formatInZone(w.timeoutAt, zone)} ({w.onTimeout})
        </span>
      )}
      {!open && <span className="muted"> · {w.status.toLowerCase().replace('_', ' ')}</span>}
    </div>
  );
}
