// Every chart is a <figure>: a caption that says what it shows and its headline numbers, the
// picture (hidden from assistive technology), and the same numbers as a table that screen
// readers always read (visually hidden) and sighted users can show ("Show data").
import { useState, type ReactNode } from 'react';

export interface DataTable {
  columns: readonly string[];
  rows: readonly (readonly (string | number)[])[];
  /** Said under the table, e.g. which rows were left out. */
  note?: string;
}

export function ChartFigure({ id, title, summary, data, children, className, actions }: { id: string; title: string; summary: ReactNode; data: DataTable; children: ReactNode; className?: string; actions?: ReactNode }) {
  const [shown, setShown] = useState(false);
  return (
    <figure className={`chart-figure card ${className ?? ''}`} aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} data-testid={id}>
      <figcaption>
        <h2 id={`${id}-title`} className="chart-title">
          {title}
        </h2>
        <p id={`${id}-summary`} className="chart-summary muted">
          {summary}
        </p>
      </figcaption>
      {children}
      <div className="chart-foot">
        {actions}
        <button type="button" className="link" aria-expanded={shown} aria-controls={`${id}-data`} onClick={() => setShown(!shown)}>
          {shown ? 'Hide data' : 'Show data'}
        </button>
      </div>
      <div id={`${id}-data`} className={shown ? 'chart-data' : 'visually-hidden'}>
        <DataTableView title={title} data={data} testId={`${id}-table`} />
      </div>
    </figure>
  );
}

function DataTableView({ title, data, testId }: { title: string; data: DataTable; testId?: string }) {
  return (
    <div className="table-wrap">
      <table className="grid compact" data-testid={testId}>
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            {data.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r, i) => (
            <tr key={i}>
              {r.map((v, j) => (j === 0 ? <th key={j} scope="row">{v}</th> : <td key={j}>{v}</td>))}
            </tr>
          ))}
        </tbody>
      </table>
      {data.note && <p className="muted small">{data.note}</p>}
    </div>
  );
}
