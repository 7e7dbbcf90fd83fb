// The view of a line the redactor's patterns run on. People and outside systems write the same
// identifier with characters our ASCII patterns would not match: full-width or Arabic-Indic
// digits, en/em dashes, no-break and thin spaces, zero-width spaces and joiners inside an
// e-mail, bidi marks glued to a number after RTL text. Folding those to ASCII (and dropping
// the invisible ones) lets one set of patterns see them all; `map` takes every position of the
// view back to the original text, so the spans redactText replaces are those of the original,
// invisible characters included.
//
// One pass over the line, one array when (and only when) the line has a non-ASCII character.

export interface NormalizedText {
  text: string;
  /** map[i] = index in the original of view character i; null when the view is the original. */
  map: Int32Array | null;
}

/** Characters that carry nothing visible: removed from the view. */
function invisible(c: number): boolean {
  return (
    (c >= 0x200b && c <= 0x200f) || // zero-width space/non-joiner/joiner, LRM, RLM
    (c >= 0x202a && c <= 0x202e) || // bidi embeddings and overrides
    (c >= 0x2060 && c <= 0x2064) || // word joiner, invisible operators
    (c >= 0x2066 && c <= 0x2069) || // bidi isolates
    c === 0xfeff || // zero-width no-break space (BOM)
    c === 0x061c || // Arabic letter mark
    c === 0x00ad // soft hyphen
  );
}

/** The ASCII character a look-alike stands for, or -1 to keep the character as it is. */
function fold(c: number): number {
  if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0; // full-width ASCII: ０-９ ＋ ＠ （ ） ． －
  if (c >= 0x0660 && c <= 0x0669) return c - 0x0660 + 48; // Arabic-Indic digits
  if (c >= 0x06f0 && c <= 0x06f9) return c - 0x06f0 + 48; // Persian (extended Arabic-Indic) digits
  if (c >= 0x0966 && c <= 0x096f) return c - 0x0966 + 48; // Devanagari digits
  if (c >= 0x09e6 && c <= 0x09ef) return c - 0x09e6 + 48; // Bengali digits
  if (c >= 0x0e50 && c <= 0x0e59) return c - 0x0e50 + 48; // Thai digits
  if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0xfe58 || c === 0xfe63) return 45; // dashes, minus → -
  if (c === 0x00a0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000) return 32; // spaces → ' '
  if (c === 0x2024 || c === 0x3002) return 46; // one-dot leader, ideographic full stop → .
  return -1;
}

// Any character at or above U+00A0 may need folding; plain ASCII lines (most log lines) skip the copy.
const NEEDS_VIEW = /[^\x00-\x9f]/;

export function normalizeForDetection(text: string): NormalizedText {
  if (!NEEDS_VIEW.test(text)) return { text, map: null };
  const map = new Int32Array(text.length);
  let out = '';
  let n = 0;
  let changed = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xa0) {
      out += text[i];
      map[n++] = i;
      continue;
    }
    if (invisible(c)) {
      changed = true;
      continue;
    }
    const f = fold(c);
    if (f >= 0) changed = true;
    out += f >= 0 ? String.fromCharCode(f) : text[i];
    map[n++] = i;
  }
  return changed ? { text: out, map: map.subarray(0, n) } : { text, map: null };
}

/** A span [start, end) of the view as a span of the original text. */
export function toOriginal(view: NormalizedText, start: number, end: number): [number, number] {
  if (!view.map) return [start, end];
  return [view.map[start]!, view.map[end - 1]! + 1];
}
