// "Live · updated 4 s ago": says that the page refreshes itself and how fresh what it shows is.
import { useEffect, useState } from 'react';
import type { CombinedError } from 'urql';
import { errorMessage } from './states.tsx';

export function LiveIndicator({ updatedAt, paused, error }: { updatedAt: number | null; paused: boolean; error?: CombinedError }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const ago = updatedAt ? Math.max(0, Math.round((now - updatedAt) / 1000)) : null;
  return (
    <span className="live-indicator muted" data-testid="live-indicator" title="Refreshes every 10 s, and soon after any run changes">
      {paused ? (
        <>Paused while the tab is hidden</>
      ) : (
        <>
          <span className="live-dot" aria-hidden="true" />
          Live
        </>
      )}
      {ago != null && <> · updated {ago < 2 ? 'just now' : `${ago} s ago`}</>}
      {error && <span className="field-error"> · refresh failed: {errorMessage(error)}</span>}
    </span>
  );
}
