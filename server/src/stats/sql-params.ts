/** Positional parameters for a statement built in parts: p(value) adds one and returns "$n". */
export function sqlParams(): { p: (value: unknown) => string; values: unknown[] } {
  const values: unknown[] = [];
  return {
    values,
    p: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
