import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../graphql';
import { ExecutionsLiveDocument } from '../fragments.ts';
import { ExecutionsTable } from '../components/executions-table.tsx';
import { WorkflowCharts } from '../components/workflow-charts.tsx';
import { WebhooksPanel } from '../components/webhooks-panel.tsx';
import { Empty, ErrorState, Loading, errorMessage } from '../components/states.tsx';
import { describeCron } from '../lib/cron-words.ts';
import { formatInZone } from '../lib/format.ts';
import { lineOfOffset, offsetOfPointer } from '../lib/json-pointer.ts';
import { useDebounced } from '../lib/use-debounced.ts';
import { allows } from '../session.tsx';
import { useViewer } from '../viewer.tsx';
import { useRunNow } from './run-now.ts';

const WorkflowDetailDocument = graphql(`
  query WorkflowDetail($id: ID!) {
    workflow(id: $id) {
      id
      name
      description
      enabled
      schedule
      timezone
      version
      definition
      updatedAt
      executions(first: 20) {
        totalCount
        edges {
          node {
            ...ExecutionSummary
          }
        }
      }
    }
  }
`);

const ValidateDefinitionDocument = graphql(`
  query ValidateDefinition($definition: JSON!) {
    validateWorkflowDefinition(definition: $definition) {
      valid
      problems {
        path
        message
      }
    }
  }
`);

const CronPreviewDocument = graphql(`
  query CronPreview($expression: String!, $timezone: String) {
    cronPreview(expression: $expression, timezone: $timezone, count: 5) {
      __typename
      ... on CronPreview {
        timezone
        times
      }
      ... on ValidationError {
        message
        problems {
          path
          message
        }
      }
    }
  }
`);

const UpdateWorkflowDocument = graphql(`
  mutation UpdateWorkflow($id: ID!, $input: UpdateWorkflowInput!) {
    updateWorkflow(id: $id, input: $input) {
      __typename
      ... on WorkflowPayload {
        workflow {
          id
          name
          schedule
          timezone
          nextRunAt
          version
          definition
          updatedAt
        }
      }
      ... on ValidationError {
        message
        problems {
          path
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

function parse(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

export function WorkflowDetailPage() {
  const { id = '' } = useParams();
  const viewer = useViewer();
  const [{ data, fetching, error }, refetch] = useQuery({ query: WorkflowDetailDocument, variables: { id } });
  useSubscription({ query: ExecutionsLiveDocument, variables: { workflowId: id } });
  const { runNow, message } = useRunNow();

  if (error && !data) return <ErrorState error={error} retry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (fetching && !data) return <Loading />;
  const wf = data?.workflow;
  if (!wf) return <Empty>No such workflow. <Link to="/workflows">All workflows</Link></Empty>;
  const canOperate = allows(viewer.role, 'OPERATOR');
  return (
    <section aria-labelledby="wf-title">
      <div className="page-head">
        <h1 id="wf-title">{wf.name}</h1>
        <span className={`badge ${wf.enabled ? 'status-completed' : 'status-cancelled'}`}>{wf.enabled ? 'Enabled' : 'Disabled'}</span>
        <span className="muted">v{wf.version}</span>
        <div className="actions">
          <button type="button" className="primary" disabled={!canOperate} title={canOperate ? undefined : 'Needs the OPERATOR role'} onClick={() => runNow(wf.id, wf.name)}>
            Run now
          </button>
        </div>
      </div>
      {wf.description && <p className="muted">{wf.description}</p>}
      {message && (
        <p className={message.kind === 'error' ? 'field-error' : 'ok-text'} role="status">
          {message.text}
        </p>
      )}
      <WorkflowCharts workflowId={wf.id} />
      {/* Keyed by version: a saved change (here or elsewhere) resets the editor to what is stored. */}
      <DefinitionEditor key={wf.version} workflow={wf} tenantZone={viewer.tenant.timezone} canEdit={allows(viewer.role, 'ADMIN')} />
      <WebhooksPanel workflowId={wf.id} canEdit={allows(viewer.role, 'ADMIN')} />
      <h2>
        Executions <small className="muted">({wf.executions.totalCount})</small>{' '}
        <Link to={`/executions?workflow=${encodeURIComponent(wf.id)}`}>all</Link> · <Link to={`/logs?workflow=${encodeURIComponent(wf.id)}`}>logs</Link>
      </h2>
      {wf.executions.edges.length ? <ExecutionsTable executions={wf.executions.edges.map((e) => e.node)} showWorkflow={false} /> : <Empty>This workflow has not run yet.</Empty>}
    </section>
  );
}

interface EditorWorkflow {
  id: string;
  schedule?: string | null;
  timezone?: string | null;
  version: number;
  definition: unknown;
}

function DefinitionEditor({ workflow, tenantZone, canEdit }: { workflow: EditorWorkflow; tenantZone: string; canEdit: boolean }) {
  const [text, setText] = useState(() => JSON.stringify(workflow.definition, null, 2));
  const [schedule, setSchedule] = useState(workflow.schedule ?? '');
  const [timezone, setTimezone] = useState(workflow.timezone ?? '');
  const [saveResult, setSaveResult] = useState<{ ok: boolean; text: string; problems?: { path: string; message: string }[] } | null>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [, update] = useMutation(UpdateWorkflowDocument);

  const debouncedText = useDebounced(text, 300);
  const parsed = parse(debouncedText);
  const [validation] = useQuery({
    query: ValidateDefinitionDocument,
    variables: { definition: parsed.ok ? parsed.value : null },
    pause: !parsed.ok,
    requestPolicy: 'network-only',
  });
  const debouncedSchedule = useDebounced(schedule.trim(), 300);
  const zone = timezone.trim() || tenantZone;
  const [preview] = useQuery({ query: CronPreviewDocument, variables: { expression: debouncedSchedule, timezone: zone }, pause: !debouncedSchedule });

  const problems = parsed.ok ? (validation.data?.validateWorkflowDefinition.problems ?? []) : [];
  const valid = parsed.ok && validation.data?.validateWorkflowDefinition.valid === true && debouncedText === text;
  const dirty = text !== JSON.stringify(workflow.definition, null, 2) || schedule !== (workflow.schedule ?? '') || timezone !== (workflow.timezone ?? '');
  useEffect(() => setSaveResult(null), [text, schedule, timezone]);

  function goTo(pointer: string) {
    const el = textarea.current;
    if (!el) return;
    const offset = offsetOfPointer(text, pointer);
    el.focus();
    el.setSelectionRange(offset, offset);
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18;
    el.scrollTop = Math.max(0, (lineOfOffset(text, offset) - 3) * lineHeight);
  }

  async function save() {
    if (!parsed.ok) return;
    const res = await update({
      id: workflow.id,
      input: { definition: parsed.value, schedule: schedule.trim() || null, timezone: timezone.trim() || null, expectedVersion: workflow.version },
    });
    const r = res.data?.updateWorkflow;
    if (res.error) setSaveResult({ ok: false, text: errorMessage(res.error) });
    else if (r?.__typename === 'WorkflowPayload') setSaveResult({ ok: true, text: `Saved as version ${r.workflow.version}.` });
    else if (r?.__typename === 'ValidationError') setSaveResult({ ok: false, text: r.message, problems: r.problems });
    else if (r && 'message' in r) setSaveResult({ ok: false, text: r.message });
  }

  const cron = preview.data?.cronPreview;
  return (
    <div className="cols">
      <div className="card">
        <h2>Definition</h2>
        <label htmlFor="definition" className="visually-hidden">
          Definition (JSON)
        </label>
        <textarea
          id="definition"
          ref={textarea}
          value={text}
          readOnly={!canEdit}
          spellCheck={false}
          onChange={(e) => setText(e.target.value)}
          aria-describedby="definition-status"
          aria-invalid={!parsed.ok || problems.length > 0 || undefined}
        />
        <div id="definition-status" aria-live="polite">
          {!parsed.ok ? (
            <p className="field-error">JSON syntax: {parsed.message}</p>
          ) : validation.error ? (
            <p className="field-error">{errorMessage(validation.error)}</p>
          ) : problems.length ? (
            <ul className="problems" aria-label="Definition problems">
              {problems.map((p) => (
                <li key={`${p.path}:${p.message}`}>
                  <button type="button" className="link" onClick={() => goTo(p.path)}>
                    <code>{p.path || '/'}</code>
                  </button>{' '}
                  {p.message}
                </li>
              ))}
            </ul>
          ) : valid ? (
            <p className="ok-text">Valid definition.</p>
          ) : (
            <p className="muted">Checking…</p>
          )}
        </div>
      </div>
      <div className="card">
        <h2>Schedule</h2>
        <div className="toolbar">
          <div className="field">
            <label htmlFor="cron">Cron expression</label>
            <input id="cron" value={schedule} readOnly={!canEdit} onChange={(e) => setSchedule(e.target.value)} placeholder="e.g. 0 6 * * *" className="mono" aria-describedby="cron-preview" />
          </div>
          <div className="field">
            <label htmlFor="tz">Time zone</label>
            <input id="tz" value={timezone} readOnly={!canEdit} onChange={(e) => setTimezone(e.target.value)} placeholder={tenantZone} />
          </div>
        </div>
        <div id="cron-preview" aria-live="polite">
          {!schedule.trim() ? (
            <p className="muted">No schedule: runs only when triggered.</p>
          ) : cron?.__typename === 'CronPreview' ? (
            <>
              <p>{describeCron(schedule)}</p>
              <p className="muted">Next five runs ({cron.timezone}):</p>
              <ol className="fire-times">
                {cron.times.map((t) => (
                  <li key={t}>{formatInZone(t, cron.timezone)}</li>
                ))}
              </ol>
            </>
          ) : cron?.__typename === 'ValidationError' ? (
            <p className="field-error">{cron.problems.map((p) => `${p.path}: ${p.message}`).join('; ') || cron.message}</p>
          ) : preview.error ? (
            <p className="field-error">{errorMessage(preview.error)}</p>
          ) : (
            <p className="muted">…</p>
          )}
        </div>
        {canEdit && (
          <div className="toolbar">
            <button type="button" className="primary" disabled={!dirty || !valid} onClick={save}>
              Save changes
            </button>
            {saveResult && (
              <span className={saveResult.ok ? 'ok-text' : 'field-error'} role="status">
                {saveResult.text}
                {saveResult.problems?.map((p) => ` ${p.path}: ${p.message}`).join(';')}
              </span>
            )}
          </div>
        )}
        {!canEdit && <p className="muted">Only admins can change workflows.</p>}
      </div>
    </div>
  );
}
