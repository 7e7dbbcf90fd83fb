// The Logs Explorer's table: a virtualized list (only the rows on screen are in the DOM, so
// 100,000 loaded lines scroll like 100), cursor pages fetched as the user nears the end, and a
// live tail that prepends new lines while keeping what the user is reading where it is.
// Pages go through the uncached client: a list this long has no business in a normalised cache.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import { useVirtualizer } from '@tanstack/react-virtual';
import { graphql } from '../graphql';
import type { LogFilterInput, LogRowFragment } from '../graphql/graphql.ts';
import { formatLogTime } from '../lib/format.ts';
import { useRawClient } from '../raw-client.tsx';
import { JsonView } from './json-view.tsx';
import { Empty, ErrorState, errorMessage } from './states.tsx';

graphql(`
  fragment LogRow on LogEntry {
    id
    cursor
    level
    message
    metadata
    workflowId
    workflowName
    executionId
    step
    piiRedacted
    createdAt
  }
`);

const LogsPageDocument = graphql(`
  query LogsPage($filter: LogFilterInput, $first: Int, $after: String, $withTotal: Boolean!) {
    logs(filter: $filter, first: $first, after: $after) {
      totalCount @include(if: $withTotal)
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...LogRow
        }
      }
    }
  }
`);

const LogTailDocument = graphql(`
  subscription LogTail($filter: LogFilterInput, $after: String) {
    logAdded(filter: $filter, after: $after) {
      ...LogRow
    }
  }
`);

export const ROW_HEIGHT = 28;
const PAGE_SIZE = 500;
/** How long after subscribing an empty view reads its first page again (see the live tail). */
const REREAD_EMPTY_AFTER_MS = 1_000;
/** Start fetching the next page this many rows before the end, so scrolling rarely waits. */
const PREFETCH_ROWS = 300;

export interface LogViewProps {
  filter: LogFilterInput;
  liveByDefault?: boolean;
  height?: string;
}

export function LogView({ filter, liveByDefault = false, height }: LogViewProps) {
  const raw = useRawClient();
  const filterKey = JSON.stringify(filter);
  const [rows, setRows] = useState<LogRowFragment[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [status, setStatus] = useState<{ loading: boolean; hasMore: boolean; error: string | null }>({ loading: true, hasMore: false, error: null });
  const [live, setLive] = useState(liveByDefault);
  const [liveError, setLiveError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [unseen, setUnseen] = useState(0);
  const viewport = useRef<HTMLDivElement>(null);
  const cursor = useRef<string | null>(null);
  const loading = useRef(false);
  const ids = useRef(new Set<string>());
  const generation = useRef(0);
  const anchorShift = useRef(0);

  const loadPage = useCallback(async () => {
    if (loading.current) return;
    loading.current = true;
    const gen = generation.current;
    setStatus((s) => ({ ...s, loading: true, error: null }));
    // Counting is the expensive part of a page over a large match; only the first page asks.
    const withTotal = cursor.current === null;
    const res = await raw.query(LogsPageDocument, { filter: JSON.parse(filterKey) as LogFilterInput, first: PAGE_SIZE, after: cursor.current, withTotal }).toPromise();
    loading.current = false;
    if (gen !== generation.current) return; // the filter changed while this page was in flight
    if (res.error || !res.data) {
      setStatus((s) => ({ ...s, loading: false, error: res.error ? errorMessage(res.error) : 'No data' }));
      return;
    }
    const page = res.data.logs;
    const fresh = page.edges.map((e) => e.node).filter((n) => !ids.current.has(n.id));
    for (const n of fresh) ids.current.add(n.id);
    cursor.current = page.pageInfo.endCursor ?? cursor.current;
    if (page.totalCount != null) setTotal(page.totalCount);
    setRows((prev) => (prev.length ? prev.concat(fresh) : fresh));
    setStatus({ loading: false, hasMore: page.pageInfo.hasNextPage, error: null });
  }, [raw, filterKey]);

  // A new filter starts over from the newest line.
  useEffect(() => {
    generation.current++;
    cursor.current = null;
    loading.current = false;
    ids.current = new Set();
    setRows([]);
    setTotal(null);
    setUnseen(0);
    setSelectedId(null);
    viewport.current?.scrollTo({ top: 0 });
    void loadPage();
  }, [loadPage]);

  // Live tail. Lines arrive oldest first; they are batched per animation frame and prepended.
  const newestCursor = rows[0]?.cursor ?? null;
  const tailFrom = useRef<string | null>(null);
  tailFrom.current = newestCursor;
  const firstPageLoaded = rows.length > 0 || (!status.loading && !status.error);
  useEffect(() => {
    if (!live || !firstPageLoaded) return;
    setLiveError(null);
    let buffer: LogRowFragment[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = buffer.filter((n) => !ids.current.has(n.id)).reverse();
      buffer = [];
      if (!batch.length) return;
      for (const n of batch) ids.current.add(n.id);
      const el = viewport.current;
      // Someone reading further down keeps their place; someone at the top watches the tail.
      if (el && el.scrollTop > 0) {
        anchorShift.current += batch.length * ROW_HEIGHT;
        setUnseen((u) => u + batch.length);
      }
      setTotal((t) => (t === null ? t : t + batch.length));
      setRows((prev) => batch.concat(prev));
    };
    // `after` replays whatever was written between the first page and this subscription.
    const filter = JSON.parse(filterKey) as LogFilterInput;
    const sub = raw.subscription(LogTailDocument, { filter, after: tailFrom.current }).subscribe((result) => {
      if (result.error) return setLiveError(errorMessage(result.error));
      const entry = result.data?.logAdded;
      if (!entry) return;
      buffer.push(entry);
      frame ||= requestAnimationFrame(flush);
    });
    // An empty first page gives no cursor to replay from: a line written after that page was read
    // but before the server started this subscription (a run's last lines land just after it
    // finishes) would never show. So the first page is read once more when the tail has surely
    // started; what it has that is new is older than anything the tail brought, so it goes after.
    let stopped = false;
    const reread =
      tailFrom.current === null
        ? setTimeout(() => {
            void raw
              .query(LogsPageDocument, { filter, first: PAGE_SIZE, after: null, withTotal: true })
              .toPromise()
              .then((res) => {
                const page = res.data?.logs;
                if (!page || stopped) return;
                const missed = page.edges.map((e) => e.node).filter((n) => !ids.current.has(n.id));
                for (const n of missed) ids.current.add(n.id);
                if (missed.length) setRows((prev) => prev.concat(missed));
                if (page.totalCount != null) setTotal((t) => Math.max(t ?? 0, page.totalCount!));
              });
          }, REREAD_EMPTY_AFTER_MS)
        : undefined;
    return () => {
      stopped = true;
      sub.unsubscribe();
      clearTimeout(reread);
      cancelAnimationFrame(frame);
    };
    // Not on every new line: the cursor to resume from is read through tailFrom at subscribe time.
  }, [live, filterKey, firstPageLoaded, raw]);

  useLayoutEffect(() => {
    if (anchorShift.current && viewport.current) {
      viewport.current.scrollTop += anchorShift.current;
      anchorShift.current = 0;
    }
  }, [rows]);

  // Stable callbacks: the virtualizer recomputes every row's offset when they change, which
  // with 100,000 rows must happen once per page loaded, not once per scroll frame.
  const getItemKey = useCallback((i: number) => rows[i]!.id, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: useCallback(() => viewport.current, []),
    estimateSize: useCallback(() => ROW_HEIGHT, []),
    overscan: 10,
    getItemKey,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  useEffect(() => {
    if (status.hasMore && !status.loading && !status.error && lastIndex >= rows.length - PREFETCH_ROWS) void loadPage();
  }, [lastIndex, rows.length, status, loadPage]);

  const selectedIndex = selectedId ? rows.findIndex((r) => r.id === selectedId) : -1;
  const selected = selectedIndex >= 0 ? rows[selectedIndex] : undefined;

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 20, PageUp: -20 };
    let next: number | null = null;
    if (e.key in moves) next = Math.min(rows.length - 1, Math.max(0, (selectedIndex < 0 ? -1 : selectedIndex) + moves[e.key]!));
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = rows.length - 1;
    else if (e.key === 'Escape') setSelectedId(null);
    if (next === null || next < 0) return;
    e.preventDefault();
    setSelectedId(rows[next]!.id);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  }

  const source = (r: LogRowFragment) => [r.workflowId ? (r.workflowName ?? 'workflow') : null, r.step].filter(Boolean).join(' · ');
  const untilPast = !!filter.until && Date.parse(String(filter.until)) < Date.now();

  return (
    <div className="log-view" style={height ? { height } : undefined}>
      <div className="toolbar log-toolbar">
        <label className="inline">
          <input type="checkbox" checked={live && !untilPast} disabled={untilPast} onChange={(e) => setLive(e.target.checked)} /> Live tail
        </label>
        <span className="muted" aria-live="polite" data-testid="log-count">
          {live && !untilPast && !liveError && <span className="live-dot" aria-hidden="true" />}
          {rows.length.toLocaleString()} loaded{total !== null && ` of ${total.toLocaleString()}`}
          {status.loading && ' · loading…'}
          {liveError && ` · live tail interrupted: ${liveError}`}
        </span>
        {unseen > 0 && (
          <button
            type="button"
            onClick={() => {
              viewport.current?.scrollTo({ top: 0 });
              setUnseen(0);
            }}
          >
            {unseen} new line{unseen === 1 ? '' : 's'} above ↑
          </button>
        )}
      </div>
      <div className="log-header" aria-hidden="true">
        <span>Time</span>
        <span>Level</span>
        <span className="col-source">Source</span>
        <span>Message</span>
      </div>
      <div
        ref={viewport}
        className="log-viewport"
        tabIndex={0}
        role="listbox"
        aria-label="Log lines, newest first. Arrow keys move the selection."
        aria-activedescendant={selected ? `log-${selected.id}` : undefined}
        onKeyDown={onKeyDown}
        onScroll={(e) => {
          if (e.currentTarget.scrollTop === 0 && unseen) setUnseen(0);
        }}
        data-testid="log-viewport"
      >
        {status.error && !rows.length ? (
          <ErrorState error={status.error} retry={() => void loadPage()} />
        ) : !rows.length && !status.loading ? (
          <Empty>No log lines match these filters{live && !untilPast ? ' yet; new ones will appear here' : ''}.</Empty>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const r = rows[item.index]!;
              return (
                <div
                  key={item.key}
                  id={`log-${r.id}`}
                  role="option"
                  aria-selected={r.id === selectedId}
                  className="log-row"
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => setSelectedId(r.id === selectedId ? null : r.id)}
                  data-level={r.level}
                  data-created-at={r.createdAt}
                >
                  <span>{formatLogTime(r.createdAt)}</span>
                  <span className={`level-${r.level.toLowerCase()}`}>{r.level}</span>
                  <span className="col-source">{source(r)}</span>
                  <span title={r.message}>{r.message}</span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      {status.error && rows.length > 0 && <ErrorState error={status.error} retry={() => void loadPage()} />}
      {selected && (
        <div className="card log-detail" aria-label="Selected log line">
          <dl className="facts">
            <dt>Time</dt>
            <dd>{new Date(selected.createdAt).toISOString()}</dd>
            <dt>Level</dt>
            <dd>{selected.level}</dd>
            <dt>Message</dt>
            <dd>{selected.message}</dd>
            {selected.step && (
              <>
                <dt>Step</dt>
                <dd>{selected.step}</dd>
              </>
            )}
            {selected.executionId && (
              <>
                <dt>Execution</dt>
                <dd>
                  <Link to={`/executions/${encodeURIComponent(selected.executionId)}`}>{selected.executionId}</Link>
                </dd>
              </>
            )}
            <dt>PII redacted</dt>
            <dd>{selected.piiRedacted ? 'yes' : 'no'}</dd>
          </dl>
          <h2>Metadata</h2>
          {selected.metadata == null ? <p className="muted">none</p> : <JsonView value={selected.metadata} label="Metadata" />}
        </div>
      )}
    </div>
  );
}
