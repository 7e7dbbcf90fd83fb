import { Link } from 'react-router-dom';
import type { ExecutionSummaryFragment } from '../graphql/graphql.ts';
import { durationBetween, formatDuration, formatInZone } from '../lib/format.ts';
import { Progress, StatusBadge } from './status.tsx';
import { useViewer } from '../viewer.tsx';

export function ExecutionsTable({ executions, showWorkflow = true }: { executions: ExecutionSummaryFragment[]; showWorkflow?: boolean }) {
  const zone = useViewer().tenant.timezone;
  return (
    <div className="table-wrap">
      <table className="grid executions">
        <thead>
          <tr>
            <th scope="col">Run</th>
            {showWorkflow && <th scope="col">Workflow</th>}
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col" className="hide-narrow">
              Trigger
            </th>
            <th scope="col" className="hide-narrow">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {executions.map((e) => (
            <tr key={e.id} data-execution={e.id} data-status={e.status}>
              <td>
                <Link to={`/executions/${encodeURIComponent(e.id)}`}>{formatInZone(e.createdAt, zone)}</Link>
              </td>
              {showWorkflow && <td>{e.workflow.name}</td>}
              <td>
                <StatusBadge status={e.status} />
                {e.cancelRequestedAt && e.status === 'RUNNING' && <small className="muted"> cancelling…</small>}
              </td>
              <td>
                <Progress progress={e.progress} />
              </td>
              <td className="hide-narrow">
                {e.trigger}
                {e.driftMs != null && <small className="muted"> (drift {formatDuration(e.driftMs)})</small>}
              </td>
              <td className="hide-narrow">{formatDuration(durationBetween(e.startedAt, e.finishedAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
