import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useMutation } from 'urql';
import { graphql } from '../graphql';
import { errorMessage } from '../components/states.tsx';
import { randomKey } from '../lib/ids.ts';

// Only the new run's id: its status travels over the WebSocket, and a fast run can finish before
// this HTTP answer lands; a PENDING read at trigger time would then overwrite COMPLETED in the
// cache (as the cancel answer could, see execution-detail.tsx).
const TriggerWorkflowDocument = graphql(`
  mutation TriggerWorkflow($id: ID!, $input: TriggerWorkflowInput) {
    triggerWorkflow(id: $id, input: $input) {
      __typename
      ... on TriggerWorkflowPayload {
        created
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

/** "Run now": starts a run and opens its page so the operator watches it live. */
export function useRunNow() {
  const [, trigger] = useMutation(TriggerWorkflowDocument);
  const navigate = useNavigate();
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  async function runNow(id: string, name: string) {
    // One key per click: a double-submitted request starts one run, not two.
    const res = await trigger({ id, input: { idempotencyKey: randomKey() } });
    const r = res.data?.triggerWorkflow;
    if (res.error) return setMessage({ kind: 'error', text: errorMessage(res.error) });
    if (r?.__typename === 'TriggerWorkflowPayload') {
      setMessage({ kind: 'ok', text: `Started ${name}.` });
      navigate(`/executions/${encodeURIComponent(r.execution.id)}`);
    } else if (r && 'message' in r) setMessage({ kind: 'error', text: r.message });
  }
  return { runNow, message };
}
