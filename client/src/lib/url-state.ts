// Filters live in the URL so a link reproduces the view. Empty values are dropped to keep
// links short.
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

export function useUrlState<K extends string>(keys: readonly K[]): [Record<K, string>, (patch: Partial<Record<K, string | null>>) => void] {
  const [params, setParams] = useSearchParams();
  // The router applies a URL change as a transition, and until it commits, inputs bound to the
  // URL's values snap back (a filter checkbox un-ticks itself on a busy machine). A patch
  // therefore shows at once, and gives way to the URL as soon as the URL changes.
  const [overlay, setOverlay] = useState<Partial<Record<K, string>>>({});
  useEffect(() => setOverlay({}), [params]);
  const values = Object.fromEntries(keys.map((k) => [k, overlay[k] ?? params.get(k) ?? ''])) as Record<K, string>;
  const update = useCallback(
    (patch: Partial<Record<K, string | null>>) => {
      setOverlay((o) => ({ ...o, ...Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, (v as string | null | undefined) ?? ''])) }));
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch) as [K, string | null | undefined][]) {
            if (v) next.set(k, v);
            else next.delete(k);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [values, update];
}
