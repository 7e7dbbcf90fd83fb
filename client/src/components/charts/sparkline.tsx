// A row-sized trend line: a few points (one a day), so plain SVG is enough and cheaper than a
// canvas chart per table row. Gaps (null: nothing finished that day) break the line.
export function Sparkline({ values, label, color = 'var(--accent)', width = 120, height = 28 }: { values: readonly (number | null)[]; label: string; color?: string; width?: number; height?: number }) {
  const present = values.filter((v): v is number => v != null);
  const max = Math.max(...present, 1);
  const step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
  const y = (v: number) => height - 2 - (v / max) * (height - 4);
  const runs: string[][] = [[]];
  values.forEach((v, i) => {
    if (v == null) runs.push([]);
    else runs.at(-1)!.push(`${(2 + i * step).toFixed(1)},${y(v).toFixed(1)}`);
  });
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      {runs
        .filter((r) => r.length)
        .map((r, k) =>
          r.length === 1 ? (
            <circle key={k} cx={r[0]!.split(',')[0]} cy={r[0]!.split(',')[1]} r={1.8} fill={color} />
          ) : (
            <polyline key={k} points={r.join(' ')} fill="none" stroke={color} strokeWidth={1.6} strokeLinejoin="round" />
          ),
        )}
    </svg>
  );
}
