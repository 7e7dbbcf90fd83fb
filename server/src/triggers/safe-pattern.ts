// Regular expressions in tenants' webhook payload schemas (`pattern`, `patternProperties`) run on
// every delivery in the api process, and JavaScript's backtracking engine can take exponential
// time on a pattern like ^(a+)+$ — one tenant's schema would stall the process for every tenant.
// So a pattern is accepted only when it cannot backtrack catastrophically by construction: no
// repeated group that itself contains a repetition or an alternation (star height one, the
// classic ReDoS shapes (a+)+, (a*)*, (a|aa)*), no backreferences, and a bounded length. Character
// classes with quantifiers ([0-9]{8,15}, \w+, .*) and optional groups ((-\d+)?) stay allowed.

export const MAX_PATTERN_LENGTH = 500;

interface Frame {
  /** The group holds a repeating quantifier (*, +, {n,}, {n,m} with m > 1) somewhere inside. */
  repeats: boolean;
  alternates: boolean;
}

/** Why `source` is refused, or null when it is safe. */
export function unsafePattern(source: string): string | null {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  const stack: Frame[] = [{ repeats: false, alternates: false }];
  let i = 0;
  /** Length of a repeating quantifier at `at` (0 when there is none, or it repeats at most once). */
  const repeating = (at: number): number => {
    const c = source[at];
    if (c === '*' || c === '+') return 1;
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
      if (!m) return 0;
      const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
      return max > 1 ? m[0].length : 0;
    }
    return 0;
  };
  while (i < source.length) {
    const c = source[i]!;
    const top = stack[stack.length - 1]!;
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return 'backreferences are not allowed';
      i += 2;
    } else if (c === '[') {
      // A character class: skip to its unescaped end.
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      stack.push({ repeats: false, alternates: false });
      i++;
      if (source[i] === '?') i += source[i + 1] === '<' && source[i + 2] !== '=' && source[i + 2] !== '!' ? source.indexOf('>', i) - i + 1 : 2;
      continue;
    } else if (c === ')') {
      const group = stack.pop();
      if (!group || stack.length === 0) return 'unbalanced parentheses';
      const parent = stack[stack.length - 1]!;
      i++;
      const q = repeating(i);
      if (q > 0 && (group.repeats || group.alternates)) return 'a repeated group contains a repetition or an alternation (it could backtrack catastrophically)';
      parent.repeats ||= group.repeats || q > 0;
      if (q > 0) i += q;
      continue;
    } else if (c === '|') {
      top.alternates = true;
      i++;
      continue;
    } else {
      i++;
    }
    // After an atom (a character, an escape or a class): a quantifier on it.
    const q = repeating(i);
    if (q > 0) {
      top.repeats = true;
      i += q;
    }
  }
  return stack.length === 1 ? null : 'unbalanced parentheses';
}
