export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status}</span>;
}

/** Steps done of total, plus the run's named counters (days processed, rows fetched…). */
export function Progress({ progress }: { progress: { stepsTotal: number; stepsCompleted: number; percent: number; counters?: unknown } }) {
  const counters = progress.counters && typeof progress.counters === 'object' ? Object.entries(progress.counters as Record<string, unknown>) : [];
  return (
    <div className="progress-cell">
      <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress.percent} aria-label="Steps completed">
        <span style={{ width: `${progress.percent}%` }} />
      </div>
      <small className="muted">
        {progress.stepsCompleted}/{progress.stepsTotal} steps
        {counters.map(([k, v]) => (
          <span key={k} data-counter={k}>
            {' '}
            · {k} {typeof v === 'object' ? JSON.stringify(v) : String(v)}
          </span>
        ))}
      </small>
    </div>
  );
}
