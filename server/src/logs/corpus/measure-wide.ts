// Recall and preservation of the redactor on the wide corpus, per kind, per language and per
// near-miss. A labelled identifier is found when detections cover every one of its characters
// (a partial cover leaks the rest); credentials count as one family, since a key caught as a
// TOKEN rather than an API_KEY is gone all the same. A near-miss is preserved when no detection
// touches it.
import { findRedactions, type RedactionKind } from '../redact.ts';
import type { WideLine } from './wide.ts';

export type Family = 'PHONE' | 'EMAIL' | 'CARD' | 'IBAN' | 'ID' | 'IP' | 'CREDENTIAL';

export const familyOf = (k: RedactionKind): Family => (k === 'JWT' || k === 'TOKEN' || k === 'API_KEY' || k === 'SECRET' ? 'CREDENTIAL' : k);

export interface Tally {
  expected: number;
  found: number;
  nearMisses: number;
  kept: number;
}

export interface WideScore {
  perKind: Record<string, Tally>;
  perLanguage: Record<string, Tally>;
  perNearMiss: Record<string, Tally>;
  overall: Tally;
  misses: { lang: string; kind: string; value: string; text: string }[];
  eaten: { lang: string; name: string; value: string; text: string }[];
}

const blank = (): Tally => ({ expected: 0, found: 0, nearMisses: 0, kept: 0 });
export const recall = (t: Tally) => (t.expected ? t.found / t.expected : 1);
export const preservation = (t: Tally) => (t.nearMisses ? t.kept / t.nearMisses : 1);

export function scoreWide(lines: WideLine[]): WideScore {
  const score: WideScore = { perKind: {}, perLanguage: {}, perNearMiss: {}, overall: blank(), misses: [], eaten: [] };
  const tally = (table: Record<string, Tally>, key: string) => (table[key] ??= blank());
  for (const line of lines) {
    const found = findRedactions(line.text, { region: line.region });
    for (const e of line.spans) {
      const fam = familyOf(e.kind);
      const covered = new Uint8Array(e.end - e.start);
      for (const p of found) {
        if (familyOf(p.kind) !== fam) continue;
        for (let i = Math.max(p.start, e.start); i < Math.min(p.end, e.end); i++) covered[i - e.start] = 1;
      }
      const ok = covered.every((c) => c === 1);
      for (const t of [tally(score.perKind, fam), tally(score.perLanguage, line.lang), score.overall]) {
        t.expected++;
        if (ok) t.found++;
      }
      if (!ok) score.misses.push({ lang: line.lang, kind: e.kind, value: line.text.slice(e.start, e.end), text: line.text });
    }
    for (const k of line.keeps) {
      const ok = !found.some((p) => p.start < k.end && k.start < p.end);
      for (const t of [tally(score.perNearMiss, k.name), tally(score.perLanguage, line.lang), score.overall]) {
        t.nearMisses++;
        if (ok) t.kept++;
      }
      if (!ok) score.eaten.push({ lang: line.lang, name: k.name, value: line.text.slice(k.start, k.end), text: line.text });
    }
  }
  return score;
}

export function formatWide(score: WideScore): string {
  const row = (name: string, t: Tally) =>
    `${name.padEnd(12)} ${String(t.expected).padStart(6)} ${t.expected ? recall(t).toFixed(4) : '     -'}   ${String(t.nearMisses).padStart(6)} ${t.nearMisses ? preservation(t).toFixed(4) : '     -'}`;
  const head = `${''.padEnd(12)} ${'PII'.padStart(6)} ${'recall'.padStart(6)}   ${'near'.padStart(6)} ${'kept'.padStart(6)}`;
  return [
    'per kind', head, ...Object.entries(score.perKind).map(([k, t]) => row(k, t)),
    '', 'per language', head, ...Object.entries(score.perLanguage).map(([k, t]) => row(k, t)),
    '', 'per near-miss', head, ...Object.entries(score.perNearMiss).map(([k, t]) => row(k, t)),
    '', row('OVERALL', score.overall),
  ].join('\n');
}
