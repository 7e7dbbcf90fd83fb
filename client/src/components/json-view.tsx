/** JSON for people: pretty-printed, with every link in it (a PDF's signed URL…) also clickable. */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  if (value == null) return null;
  const links: string[] = [];
  (function collect(v: unknown) {
    if (typeof v === 'string' && /^(https?:\/\/|\/files\/)/.test(v)) links.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  })(value);
  return (
    <div className="json-view">
      {links.map((href) => (
        <div key={href}>
          <a href={href} target="_blank" rel="noreferrer noopener">
            {/\.pdf(\?|$)|document|pdf/i.test(href) ? 'Open PDF' : 'Open link'}
          </a>{' '}
          <small className="muted">{href.length > 80 ? `${href.slice(0, 80)}…` : href}</small>
        </div>
      ))}
      <pre aria-label={label}>{JSON.stringify(value, null, 2)}</pre>
    </div>
  );
}
