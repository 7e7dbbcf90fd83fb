// Where a JSON Pointer (/steps/0/config/to) lands in the editor's text, so a validation problem
// can take the caret to the offending value. A small scanner over the JSON text; it only runs
// on text that JSON.parse accepted.

function skipWs(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i;
}

function skipString(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  return i;
}

/** End of the value starting at i. */
function skipValue(s: string, i: number): number {
  i = skipWs(s, i);
  if (s[i] === '"') return skipString(s, i);
  if (s[i] === '{' || s[i] === '[') {
    let depth = 0;
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '"') {
        i = skipString(s, i) - 1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return i;
  }
  while (i < s.length && !/[\s,}\]]/.test(s[i]!)) i++;
  return i;
}

/** Offset of the value at `pointer` in `text`, or of the deepest ancestor that exists. */
export function offsetOfPointer(text: string, pointer: string): number {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  let i = skipWs(text, 0);
  for (const token of tokens) {
    if (text[i] === '{') {
      i = skipWs(text, i + 1);
      let found = false;
      while (i < text.length && text[i] !== '}') {
        const keyEnd = skipString(text, i);
        const key = JSON.parse(text.slice(i, keyEnd)) as string;
        i = skipWs(text, keyEnd) + 1; // past ':'
        const valueStart = skipWs(text, i);
        if (key === token) {
          i = valueStart;
          found = true;
          break;
        }
        i = skipWs(text, skipValue(text, valueStart));
        if (text[i] === ',') i = skipWs(text, i + 1);
      }
      if (!found) return i;
    } else if (text[i] === '[') {
      const index = Number(token);
      i = skipWs(text, i + 1);
      for (let n = 0; n < index && text[i] !== ']'; n++) {
        i = skipWs(text, skipValue(text, i));
        if (text[i] === ',') i = skipWs(text, i + 1);
      }
    } else return i;
  }
  return i;
}

export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
