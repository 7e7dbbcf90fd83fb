import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql';
import { Empty, ErrorState, Loading, errorMessage } from '../components/states.tsx';
import { StatusBadge } from '../components/status.tsx';
import { describeCron } from '../lib/cron-words.ts';
import { formatInZone } from '../lib/format.ts';
import { useUrlState } from '../lib/url-state.ts';
import { allows } from '../session.tsx';
import { useViewer } from '../viewer.tsx';
import { useRunNow } from './run-now.ts';

const WorkflowsDocument = graphql(`
  query Workflows($filter: WorkflowFilter, $first: Int) {
    workflows(filter: $filter, first: $first) {
      totalCount
      edges {
        node {
          id
          name
          description
          enabled
          schedule
          timezone
          nextRunAt
          version
          executions(first: 1) {
            edges {
              node {
                id
                status
                createdAt
                finishedAt
              }
            }
          }
        }
      }
    }
  }
`);

export const SetWorkflowEnabledDocument = graphql(`
  mutation SetWorkflowEnabled($id: ID!, $enabled: Boolean!) {
    enableWorkflow(id: $id) @include(if: $enabled) {
      __typename
      ... on WorkflowPayload {
        workflow {
          id
          enabled
          nextRunAt
        }
      }
      ... on Error {
        message
      }
    }
    disableWorkflow(id: $id) @skip(if: $enabled) {
      __typename
      ... on WorkflowPayload {
        workflow {
          id
          enabled
          nextRunAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

/** The next slot, computed by the API (one field of the list, not a query per row). */
function NextRun({ nextRunAt, timezone, enabled }: { nextRunAt: string | null; timezone: string; enabled: boolean }) {
  if (!enabled) return <span className="muted">paused</span>;
  if (!nextRunAt) return <span className="muted">never again</span>;
  return <>{formatInZone(nextRunAt, timezone)}</>;
}

export function WorkflowsPage() {
  const viewer = useViewer();
  const [filters, setFilters] = useUrlState(['q', 'enabled'] as const);
  const [search, setSearch] = useState(filters.q);
  const filter = { search: filters.q || null, enabled: filters.enabled ? filters.enabled === 'true' : null };
  const [{ data, fetching, error }, refetch] = useQuery({ query: WorkflowsDocument, variables: { filter, first: 100 } });
  const [, setEnabled] = useMutation(SetWorkflowEnabledDocument);
  const { runNow, message } = useRunNow();
  const [problem, setProblem] = useState<string | null>(null);
  const canAdmin = allows(viewer.role, 'ADMIN');
  const canOperate = allows(viewer.role, 'OPERATOR');

  async function toggle(id: string, enabled: boolean) {
    const res = await setEnabled({ id, enabled });
    const payload = enabled ? res.data?.enableWorkflow : res.data?.disableWorkflow;
    setProblem(res.error ? errorMessage(res.error) : payload && payload.__typename !== 'WorkflowPayload' && 'message' in payload ? payload.message : null);
  }

  return (
    <section aria-labelledby="workflows-title">
      <div className="page-head">
        <h1 id="workflows-title">Workflows</h1>
        {data && <span className="muted">{data.workflows.totalCount} in total</span>}
      </div>
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ q: search.trim() });
        }}
      >
        <div className="field">
          <label htmlFor="wf-search">Search</label>
          <input id="wf-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name or description" />
        </div>
        <div className="field">
          <label htmlFor="wf-enabled">Status</label>
          <select id="wf-enabled" value={filters.enabled} onChange={(e) => setFilters({ enabled: e.target.value })}>
            <option value="">All</option>
            <option value="true">Enabled</option>
            <option value="false">Disabled</option>
          </select>
        </div>
        <button type="submit">Apply</button>
      </form>
      {(problem || message) && (
        <p className={problem || message?.kind === 'error' ? 'field-error' : 'ok-text'} role="status">
          {problem ?? message?.text}
        </p>
      )}
      {error && !data ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : fetching && !data ? (
        <Loading />
      ) : !data?.workflows.edges.length ? (
        <Empty>No workflows match these filters.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Status</th>
                <th scope="col">Schedule</th>
                <th scope="col" className="hide-narrow">
                  Next run
                </th>
                <th scope="col" className="hide-narrow">
                  Last run
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.workflows.edges.map(({ node: wf }) => {
                const zone = wf.timezone ?? viewer.tenant.timezone;
                const last = wf.executions.edges[0]?.node;
                return (
                  <tr key={wf.id} data-workflow={wf.name}>
                    <td>
                      <Link to={`/workflows/${encodeURIComponent(wf.id)}`}>{wf.name}</Link>
                      {wf.description && <div className="muted hide-narrow">{wf.description}</div>}
                    </td>
                    <td>
                      <span className={`badge ${wf.enabled ? 'status-completed' : 'status-cancelled'}`}>{wf.enabled ? 'Enabled' : 'Disabled'}</span>
                    </td>
                    <td>
                      {wf.schedule ? (
                        <>
                          {describeCron(wf.schedule)}
                          <div className="muted">
                            <code>{wf.schedule}</code> · {zone}
                          </div>
                        </>
                      ) : (
                        <span className="muted">Manual / API only</span>
                      )}
                    </td>
                    <td className="hide-narrow">{wf.schedule ? <NextRun nextRunAt={wf.nextRunAt} timezone={zone} enabled={wf.enabled} /> : '—'}</td>
                    <td className="hide-narrow">
                      {last ? (
                        <Link to={`/executions/${encodeURIComponent(last.id)}`}>
                          <StatusBadge status={last.status} /> {formatInZone(last.createdAt, zone)}
                        </Link>
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td>
                      <div className="row-actions">
                        <button type="button" disabled={!canOperate} title={canOperate ? undefined : 'Needs the OPERATOR role'} onClick={() => runNow(wf.id, wf.name)}>
                          Run now
                        </button>
                        {canAdmin && (
                          <button type="button" onClick={() => toggle(wf.id, !wf.enabled)} aria-label={`${wf.enabled ? 'Disable' : 'Enable'} ${wf.name}`}>
                            {wf.enabled ? 'Disable' : 'Enable'}
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
