import { useMemo, useState } from 'react';
import type { LogFilterInput, LogLevel } from '../graphql/graphql.ts';
import { LogView } from '../components/log-view.tsx';
import { LogsHistogram } from '../components/logs-histogram.tsx';
import { WorkflowSelect } from '../components/workflow-select.tsx';
import { isoToLocalInput, localInputToIso } from '../lib/format.ts';
import { useUrlState } from '../lib/url-state.ts';
import { rowId } from '../lib/ids.ts';
import { useSession } from '../session.tsx';

const LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** The export route takes the same filter as the logs query, as query parameters (row ids). */
export function exportUrl(filter: LogFilterInput, format: 'csv' | 'ndjson'): string {
  const params = new URLSearchParams({ format });
  for (const [k, v] of Object.entries(filter)) {
    if (v == null || v === '') continue;
    const value = Array.isArray(v) ? v.join(',') : String(v);
    params.set(k, k === 'workflowId' || k === 'executionId' ? rowId(value) : value);
  }
  return `/api/v1/logs/export?${params}`;
}

export function LogsPage() {
  const [f, setF] = useUrlState(['workflow', 'execution', 'level', 'since', 'until', 'q'] as const);
  const [text, setText] = useState(f.q);
  const [execution, setExecution] = useState(f.execution);
  const { apiKey } = useSession();
  const [exporting, setExporting] = useState<string | null>(null);
  const levels = f.level ? (f.level.split(',') as LogLevel[]) : [];
  const filter: LogFilterInput = useMemo(
    () => ({
      workflowId: f.workflow || null,
      executionId: f.execution || null,
      levels: f.level ? (f.level.split(',') as LogLevel[]) : null,
      since: f.since || null,
      until: f.until || null,
      search: f.q || null,
    }),
    [f.workflow, f.execution, f.level, f.since, f.until, f.q],
  );

  function toggleLevel(level: LogLevel, on: boolean) {
    const next = on ? [...levels, level] : levels.filter((l) => l !== level);
    setF({ level: LEVELS.filter((l) => next.includes(l)).join(',') });
  }

  // The key travels in a header, never in a URL (URLs end up in logs and history), so the
  // export is fetched and handed to the browser as a file.
  async function download(format: 'csv' | 'ndjson') {
    setExporting(`Exporting ${format.toUpperCase()}…`);
    try {
      const res = await fetch(exportUrl(filter, format), { headers: { authorization: `Bearer ${apiKey}` } });
      if (!res.ok) throw new Error(`${res.status} ${await res.text().catch(() => res.statusText)}`);
      const blob = await res.blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `flowdeck-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      setExporting(`Exported ${(blob.size / 1024).toFixed(1)} KB as ${format.toUpperCase()}.`);
    } catch (err) {
      setExporting(`Export failed: ${(err as Error).message}`);
    }
  }

  return (
    <section aria-labelledby="logs-title" className="logs-page">
      <div className="page-head">
        <h1 id="logs-title">Logs</h1>
        <div className="actions">
          <button type="button" onClick={() => download('csv')}>
            Export CSV
          </button>
          <button type="button" onClick={() => download('ndjson')}>
            Export NDJSON
          </button>
        </div>
      </div>
      {exporting && (
        <p role="status" className={exporting.startsWith('Export failed') ? 'field-error' : 'muted'}>
          {exporting}
        </p>
      )}
      <form
        className="toolbar"
        role="search"
        aria-label="Filter logs"
        onSubmit={(e) => {
          e.preventDefault();
          setF({ q: text.trim(), execution: execution.trim() });
        }}
      >
        <div className="field">
          <label htmlFor="log-workflow">Workflow</label>
          <WorkflowSelect id="log-workflow" value={f.workflow} onChange={(v) => setF({ workflow: v })} />
        </div>
        <div className="field">
          <label htmlFor="log-execution">Execution id</label>
          <input id="log-execution" value={execution} onChange={(e) => setExecution(e.target.value)} onBlur={() => setF({ execution: execution.trim() })} className="mono" size={14} />
        </div>
        <fieldset className="field levels">
          <legend>Levels</legend>
          {LEVELS.map((l) => (
            <label key={l} className="inline">
              <input type="checkbox" checked={levels.includes(l)} onChange={(e) => toggleLevel(l, e.target.checked)} /> {l}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="log-since">From</label>
          <input id="log-since" type="datetime-local" value={isoToLocalInput(f.since)} onChange={(e) => setF({ since: localInputToIso(e.target.value) })} />
        </div>
        <div className="field">
          <label htmlFor="log-until">To</label>
          <input id="log-until" type="datetime-local" value={isoToLocalInput(f.until)} onChange={(e) => setF({ until: localInputToIso(e.target.value) })} />
        </div>
        <div className="field">
          <label htmlFor="log-search">Text</label>
          <input id="log-search" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="words in the message" />
        </div>
        <button type="submit">Search</button>
        {(f.since || f.until) && (
          <button type="button" onClick={() => setF({ since: null, until: null })}>
            Clear time range
          </button>
        )}
      </form>
      <LogsHistogram filter={filter} onRange={(since, until) => setF({ since, until })} />
      <LogView filter={filter} />
    </section>
  );
}
