// Log lines over time above the Logs Explorer, stacked by level, for the explorer's own filter.
// Dragging across it picks a time range: since/until go into the URL (snapped to the bars'
// edges) and the list below follows. The window is the filter's since/until, or the last 24
// hours; its length picks the bars' size (MINUTE up to 6 h, HOUR up to 14 days, DAY beyond).
import { useCallback, useMemo, useRef } from 'react';
import { graphql } from '../graphql';
import type { LogFilterInput } from '../graphql/graphql.ts';
import { ChartFigure } from './charts/chart-figure.tsx';
import { levelColor, type ChartColors } from './charts/colors.ts';
import { stackData, stackedBarsOptions } from './charts/options.ts';
import { UplotChart } from './charts/uplot-chart.tsx';
import { histogramWindow, snapToBuckets } from '../lib/chart-math.ts';
import { formatBucket } from '../lib/format.ts';
import { useLiveQuery } from '../lib/use-live-query.ts';
import { useViewer } from '../viewer.tsx';

const LogVolumeDocument = graphql(`
  query LogVolume($from: DateTime!, $to: DateTime, $bucket: StatsBucket!, $filter: LogFilterInput) {
    logVolume(from: $from, to: $to, bucket: $bucket, filter: $filter) {
      bucket
      exact
      from
      to
      timezone
      buckets {
        start
        debug
        info
        warn
        error
        total
      }
      totals {
        debug
        info
        warn
        error
        total
      }
    }
  }
`);

type Level = 'debug' | 'info' | 'warn' | 'error';
/** Bottom to top: errors on the baseline, where they are easiest to see. */
const LEVELS: readonly Level[] = ['error', 'warn', 'info', 'debug'];
const per = { MINUTE: 'minute', HOUR: 'hour', DAY: 'day' } as const;

export function LogsHistogram({ filter, onRange }: { filter: LogFilterInput; onRange(since: string, until: string): void }) {
  const zone = useViewer().tenant.timezone;
  const key = JSON.stringify(filter);
  const variables = useCallback(() => {
    const w = histogramWindow(filter);
    return { from: w.from.toISOString(), to: w.to?.toISOString() ?? null, bucket: w.bucket, filter };
    // The filter object is new on every render; its JSON (the key) says when it changed.
  }, [key]);
  // An open-ended window (up to now) keeps moving; a closed one does not change.
  const live = useLiveQuery(LogVolumeDocument, variables, key, filter.until ? 0 : 30_000);
  const volume = live.data?.logVolume;

  // Snap a dragged range to the edges of the bars it touches.
  const starts = useRef<Float64Array>(new Float64Array());
  const onRangeRef = useRef(onRange);
  onRangeRef.current = onRange;
  const onSelect = useCallback((fromSec: number, toSec: number) => {
    const range = snapToBuckets(starts.current, fromSec, toSec);
    if (range) onRangeRef.current(new Date(range.from * 1000).toISOString(), new Date(range.to * 1000).toISOString());
  }, []);

  const options = useCallback(
    (c: ChartColors) => stackedBarsOptions(c, { zone, onSelect, layers: LEVELS.map((l) => ({ label: l.toUpperCase(), color: levelColor(c)[l] })) }),
    [zone, onSelect],
  );
  const data = useMemo(() => {
    const b = volume?.buckets ?? [];
    const xs = b.map((x) => Date.parse(x.start!) / 1000);
    starts.current = Float64Array.from(xs);
    return stackData(xs, LEVELS.map((l) => ({ label: l, color: '', values: b.map((x) => x[l]) })));
  }, [volume]);

  if (!volume) return <div className="card log-histogram muted" data-testid="log-histogram">{live.error ? `Log volume unavailable: ${live.error.message}` : 'Loading log volume…'}</div>;
  const t = volume.totals;
  const bucket = volume.bucket;
  const rows = volume.buckets.filter((b) => b.total > 0).map((b) => [formatBucket(b.start!, bucket, zone), b.total, ...LEVELS.map((l) => b[l])]);
  const approx = volume.exact ? '' : 'at least ';
  return (
    <ChartFigure
      id="log-histogram"
      className="log-histogram"
      title={`Log lines per ${per[bucket]}`}
      summary={
        <>
          {approx}
          {t.total.toLocaleString('en-US')} lines ({t.error.toLocaleString('en-US')} errors, {t.warn.toLocaleString('en-US')} warnings) from {formatBucket(volume.from, bucket, zone)} to{' '}
          {formatBucket(volume.to, bucket, zone)}
          {!filter.since && !filter.until && ', the last 24 hours'} ({zone}). Drag across the bars to pick a time range.
          {!volume.exact && (
            <strong className="status-cancelled" data-testid="histogram-inexact">
              {' '}
              Approximate: counting stopped at 200,000 lines.
            </strong>
          )}
        </>
      }
      data={{ columns: [per[bucket] === 'day' ? 'Day' : per[bucket] === 'hour' ? 'Hour' : 'Minute', 'Lines', ...LEVELS.map((l) => l.toUpperCase())], rows, note: 'Periods without lines are left out.' }}
    >
      <div className={live.stale ? 'stale' : undefined}>
        <UplotChart options={options} data={data} height={120} testId="log-histogram-canvas" />
      </div>
    </ChartFigure>
  );
}
