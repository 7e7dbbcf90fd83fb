import { useQuery, useSubscription } from 'urql';
import { graphql } from '../graphql';
import type { ExecutionStatus, TriggerKind } from '../graphql/graphql.ts';
import { ExecutionsLiveDocument } from '../fragments.ts';
import { ExecutionsTable } from '../components/executions-table.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { WorkflowSelect } from '../components/workflow-select.tsx';
import { isoToLocalInput, localInputToIso } from '../lib/format.ts';
import { useUrlState } from '../lib/url-state.ts';

const ExecutionsDocument = graphql(`
  query Executions($filter: ExecutionFilter, $first: Int, $after: String) {
    executions(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...ExecutionSummary
        }
      }
    }
  }
`);

const STATUSES: ExecutionStatus[] = ['PENDING', 'RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED'];
const TRIGGERS: TriggerKind[] = ['MANUAL', 'SCHEDULE', 'API'];

export function ExecutionsPage() {
  const [f, setF] = useUrlState(['workflow', 'status', 'trigger', 'since', 'until', 'after'] as const);
  const filter = {
    workflowId: f.workflow || null,
    statuses: f.status ? (f.status.split(',') as ExecutionStatus[]) : null,
    triggers: f.trigger ? (f.trigger.split(',') as TriggerKind[]) : null,
    since: f.since || null,
    until: f.until || null,
  };
  const [{ data, fetching, error }, refetch] = useQuery({ query: ExecutionsDocument, variables: { filter, first: 50, after: f.after || null } });
  const [live] = useSubscription({ query: ExecutionsLiveDocument, variables: { workflowId: f.workflow || null } });
  const edges = data?.executions.edges ?? [];

  return (
    <section aria-labelledby="executions-title">
      <div className="page-head">
        <h1 id="executions-title">Executions</h1>
        {data && <span className="muted">{data.executions.totalCount} match</span>}
        <span className="muted" aria-live="polite">
          {live.error ? 'live updates interrupted — reconnecting' : (
            <>
              <span className="live-dot" aria-hidden="true" />
              live
            </>
          )}
        </span>
      </div>
      <div className="toolbar" role="search" aria-label="Filter executions">
        <div className="field">
          <label htmlFor="ex-workflow">Workflow</label>
          <WorkflowSelect id="ex-workflow" value={f.workflow} onChange={(v) => setF({ workflow: v, after: null })} />
        </div>
        <div className="field">
          <label htmlFor="ex-status">Status</label>
          <select id="ex-status" value={f.status} onChange={(e) => setF({ status: e.target.value, after: null })}>
            <option value="">Any status</option>
            <option value="PENDING,RUNNING,WAITING">Active</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ex-trigger">Trigger</label>
          <select id="ex-trigger" value={f.trigger} onChange={(e) => setF({ trigger: e.target.value, after: null })}>
            <option value="">Any trigger</option>
            {TRIGGERS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ex-since">From</label>
          <input id="ex-since" type="datetime-local" value={isoToLocalInput(f.since)} onChange={(e) => setF({ since: localInputToIso(e.target.value), after: null })} />
        </div>
        <div className="field">
          <label htmlFor="ex-until">To</label>
          <input id="ex-until" type="datetime-local" value={isoToLocalInput(f.until)} onChange={(e) => setF({ until: localInputToIso(e.target.value), after: null })} />
        </div>
      </div>
      {error && !data ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : fetching && !data ? (
        <Loading />
      ) : !edges.length ? (
        <Empty>No executions match these filters.</Empty>
      ) : (
        <>
          <ExecutionsTable executions={edges.map((e) => e.node)} />
          <div className="toolbar">
            {f.after && (
              <button type="button" onClick={() => setF({ after: null })}>
                Newest
              </button>
            )}
            {data?.executions.pageInfo.hasNextPage && (
              <button type="button" onClick={() => setF({ after: data.executions.pageInfo.endCursor })}>
                Older
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
