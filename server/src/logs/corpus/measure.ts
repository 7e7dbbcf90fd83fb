// Precision and recall of the redactor on the labelled corpus, per kind and overall.
// A labelled span is found when one detection of the same kind covers it entirely (a partial
// cover would leak the rest); a detection is correct when it overlaps a labelled span of its
// kind, and a false positive otherwise.
import { findRedactions, REDACTION_KINDS, type RedactionKind } from '../redact.ts';
import type { LabelledLine } from './generate.ts';

export interface KindScore {
  expected: number;
  detected: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
}

export interface CorpusScore {
  perKind: Record<RedactionKind, KindScore>;
  overall: KindScore;
  misses: { text: string; kind: RedactionKind; value: string }[];
  falsePositives: { text: string; kind: RedactionKind; value: string }[];
}

export function scoreCorpus(lines: LabelledLine[]): CorpusScore {
  const blank = (): KindScore => ({ expected: 0, detected: 0, predicted: 0, correct: 0, precision: 1, recall: 1 });
  const perKind = Object.fromEntries(REDACTION_KINDS.map((k) => [k, blank()])) as Record<RedactionKind, KindScore>;
  const misses: CorpusScore['misses'] = [];
  const falsePositives: CorpusScore['falsePositives'] = [];
  for (const line of lines) {
    const found = findRedactions(line.text);
    for (const e of line.spans) {
      perKind[e.kind].expected++;
      if (found.some((p) => p.kind === e.kind && p.start <= e.start && p.end >= e.end)) perKind[e.kind].detected++;
      else misses.push({ text: line.text, kind: e.kind, value: line.text.slice(e.start, e.end) });
    }
    for (const p of found) {
      perKind[p.kind].predicted++;
      if (line.spans.some((e) => e.kind === p.kind && p.start < e.end && e.start < p.end)) perKind[p.kind].correct++;
      else falsePositives.push({ text: line.text, kind: p.kind, value: line.text.slice(p.start, p.end) });
    }
  }
  const overall = blank();
  for (const s of Object.values(perKind)) {
    s.precision = s.predicted ? s.correct / s.predicted : 1;
    s.recall = s.expected ? s.detected / s.expected : 1;
    overall.expected += s.expected;
    overall.detected += s.detected;
    overall.predicted += s.predicted;
    overall.correct += s.correct;
  }
  overall.precision = overall.predicted ? overall.correct / overall.predicted : 1;
  overall.recall = overall.expected ? overall.detected / overall.expected : 1;
  return { perKind, overall, misses, falsePositives };
}

export function formatScore(score: CorpusScore): string {
  const row = (name: string, s: KindScore) =>
    `${name.padEnd(8)} expected ${String(s.expected).padStart(5)}  found ${String(s.detected).padStart(5)}  predicted ${String(s.predicted).padStart(5)}  precision ${s.precision.toFixed(4)}  recall ${s.recall.toFixed(4)}`;
  return [...Object.entries(score.perKind).map(([k, s]) => row(k, s)), row('OVERALL', score.overall)].join('\n');
}
