// "Live" for the stats: the rollups are cheap, so a query is simply re-run every few seconds
// (network-only, through the cache-less client: each refresh has a new time window, which
// graphcache would keep forever), paused while the tab is hidden, and re-run at once — at
// most every REFRESH_GAP_MS — when the page says something changed (a run's update arrived
// over the executionUpdated subscription).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { AnyVariables, CombinedError, TypedDocumentNode } from 'urql';
import { useRawClient } from '../raw-client.tsx';

const REFRESH_GAP_MS = 2_000;

export interface LiveQuery<T> {
  data?: T;
  error?: CombinedError;
  /** When the data shown was fetched (ms since epoch); null before the first answer. */
  updatedAt: number | null;
  /** The data shown is for an older key (a previous filter) while the new one loads. */
  stale: boolean;
  /** Polling is paused because the tab is hidden. */
  paused: boolean;
  /** Re-run soon (throttled): something changed. `now`: without waiting out the throttle's gap. */
  refresh(now?: boolean): void;
}

/**
 * Runs `document` with `variables()` (evaluated at each run, so "the last 24 hours" slides) now,
 * then every `intervalMs` (0: only on refresh()) while the tab is visible. A new `key` starts over.
 */
export function useLiveQuery<T, V extends AnyVariables>(query: TypedDocumentNode<T, V>, variables: () => V, key: string, intervalMs: number): LiveQuery<T> {
  const raw = useRawClient();
  const [state, setState] = useState<{ key: string; data?: T; error?: CombinedError; updatedAt: number | null }>({ key, updatedAt: null });
  const [paused, setPaused] = useState(() => document_hidden());
  const vars = useRef(variables);
  vars.current = variables;
  const kick = useRef<(now?: boolean) => void>(() => {});

  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    let again = false;
    let last = 0;
    let soon: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (stopped || document_hidden()) return;
      if (inFlight) return void (again = true);
      inFlight = true;
      last = Date.now();
      const res = await raw.query(query, vars.current(), { requestPolicy: 'network-only' }).toPromise();
      inFlight = false;
      if (stopped) return;
      setState((s) => (res.data ? { key, data: res.data, error: res.error, updatedAt: Date.now() } : { ...s, error: res.error }));
      if (again) {
        again = false;
        void run();
      }
    };
    kick.current = (now = false) => {
      clearTimeout(soon);
      soon = setTimeout(run, now ? 0 : Math.max(0, last + REFRESH_GAP_MS - Date.now()));
    };
    const every = intervalMs > 0 ? setInterval(run, intervalMs) : undefined;
    const onVisibility = () => {
      setPaused(document_hidden());
      if (!document_hidden()) void run();
    };
    document.addEventListener('visibilitychange', onVisibility);
    void run();
    return () => {
      stopped = true;
      clearInterval(every);
      clearTimeout(soon);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [raw, query, key, intervalMs]);

  const refresh = useCallback((now?: boolean) => kick.current(now), []);
  return { data: state.data, error: state.error, updatedAt: state.updatedAt, stale: state.key !== key, paused, refresh };
}

function document_hidden(): boolean {
  return typeof document !== 'undefined' && document.visibilityState === 'hidden';
}
