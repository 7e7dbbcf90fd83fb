// The Approvals inbox: every OPEN wait.approval of the tenant, longest waiting first, with
// Approve / Reject and an optional comment. Live: the list is read again whenever a run changes
// (executionUpdated), since a run parking at or leaving an approval is a run change.
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useMutation } from 'urql';
import { graphql } from '../graphql';
import type { ApprovalsQuery } from '../graphql/graphql.ts';
import { ExecutionsLiveDocument } from '../fragments.ts';
import { useRawClient } from '../raw-client.tsx';
import { useLiveQuery } from '../lib/use-live-query.ts';
import { formatAge, formatInZone } from '../lib/format.ts';
import { allows } from '../session.tsx';
import { useViewer } from '../viewer.tsx';
import { Empty, ErrorState, Loading, errorMessage } from '../components/states.tsx';
import { LiveIndicator } from '../components/live-indicator.tsx';

const ApprovalsDocument = graphql(`
  query Approvals {
    approvals(first: 100) {
      totalCount
      edges {
        node {
          id
          title
          message
          approverRole
          waitingSince
          timeoutAt
          onTimeout
          execution {
            id
            status
            workflow {
              id
              name
            }
          }
        }
      }
    }
  }
`);

const ApprovalsCountDocument = graphql(`
  query ApprovalsCount {
    approvals(first: 0) {
      totalCount
    }
  }
`);

const DecideApprovalDocument = graphql(`
  mutation DecideApproval($id: ID!, $decision: ApprovalDecision!, $comment: String) {
    decideApproval(id: $id, decision: $decision, comment: $comment) {
      __typename
      ... on DecideApprovalPayload {
        approval {
          id
          status
          decision
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

/**
 * Re-reads `refresh` whenever a run of the tenant changes (a run leaving an approval may have
 * been decided elsewhere), at once when a run parks (WAITING): refreshes are throttled
 * (use-live-query.ts), and the refresh a run's start caused would otherwise hold back the one
 * that shows its approval by the throttle's gap.
 */
function useRunChanges(refresh: (now?: boolean) => void) {
  const raw = useRawClient();
  useEffect(() => {
    const sub = raw.subscription(ExecutionsLiveDocument, {}).subscribe((result) => refresh(result.data?.executionUpdated?.status === 'WAITING'));
    return () => sub.unsubscribe();
  }, [raw, refresh]);
}

/** The nav's live count of pending approvals. */
export function ApprovalsBadge() {
  const live = useLiveQuery(ApprovalsCountDocument, useCallback(() => ({}), []), 'approvals-count', 30_000);
  useRunChanges(live.refresh);
  const n = live.data?.approvals.totalCount ?? 0;
  if (n === 0) return null;
  return (
    <span className="badge nav-count" data-testid="approvals-count" aria-label={`${n} pending`}>
      {n}
    </span>
  );
}

type Approval = ApprovalsQuery['approvals']['edges'][number]['node'];

export function ApprovalsPage() {
  const live = useLiveQuery(ApprovalsDocument, useCallback(() => ({}), []), 'approvals', 15_000);
  useRunChanges(live.refresh);
  if (!live.data && live.error) return <ErrorState error={live.error} retry={live.refresh} />;
  if (!live.data) return <Loading label="Loading approvals…" />;
  const items = live.data.approvals.edges.map((e) => e.node);
  return (
    <section aria-labelledby="approvals-title">
      <div className="page-head">
        <h1 id="approvals-title">Approvals</h1>
        <LiveIndicator updatedAt={live.updatedAt} paused={live.paused} />
      </div>
      {items.length === 0 ? (
        <Empty>Nothing is waiting for a decision.</Empty>
      ) : (
        <ul className="approvals" aria-label="Pending approvals">
          {items.map((a) => (
            <ApprovalItem key={a.id} approval={a} onDecided={live.refresh} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ApprovalItem({ approval: a, onDecided }: { approval: Approval; onDecided: () => void }) {
  const viewer = useViewer();
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [state, decide] = useMutation(DecideApprovalDocument);
  const role = a.approverRole ?? 'OPERATOR';
  const may = allows(viewer.role, role);
  const waited = Date.now() - Date.parse(a.waitingSince);

  async function onDecide(decision: 'APPROVE' | 'REJECT') {
    const res = await decide({ id: a.id, decision, comment: comment.trim() || null });
    const r = res.data?.decideApproval;
    if (res.error) setProblem(errorMessage(res.error));
    else if (r && r.__typename !== 'DecideApprovalPayload' && 'message' in r) setProblem(r.message);
    else setProblem(null);
    onDecided();
  }

  return (
    <li className="card approval" data-approval={a.id}>
      <div className="approval-head">
        <strong>{a.title ?? 'Approval'}</strong>
        <span className="muted">
          <Link to={`/workflows/${encodeURIComponent(a.execution.workflow.id)}`}>{a.execution.workflow.name}</Link> ·{' '}
          <Link to={`/executions/${encodeURIComponent(a.execution.id)}`}>run</Link> · waiting {formatAge(waited)}
          {a.timeoutAt && ` · times out ${formatInZone(a.timeoutAt, viewer.tenant.timezone)} (${a.onTimeout})`}
        </span>
      </div>
      <p className="approval-message">{a.message}</p>
      <label>
        Comment (optional)
        <input type="text" value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} disabled={!may} />
      </label>
      <div className="actions">
        <button type="button" onClick={() => onDecide('APPROVE')} disabled={!may || state.fetching} title={may ? undefined : `Needs the ${role} role`}>
          Approve
        </button>
        <button type="button" className="danger" onClick={() => onDecide('REJECT')} disabled={!may || state.fetching} title={may ? undefined : `Needs the ${role} role`}>
          Reject
        </button>
      </div>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}
