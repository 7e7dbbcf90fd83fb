// No module of ours imports itself through others, type-only imports included: a cycle makes
// the order modules initialise in depend on which one is loaded first (a bundle can see an
// uninitialised binding), and it usually means a shared piece wants a file of its own.
// Prisma's generated client (src/generated/prisma) has cycles of its own and is not ours.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const rootDir = fileURLToPath(new URL('../..', import.meta.url));
const ROOTS = ['server/src', 'tools/src'];
const IGNORED = [path.join('server', 'src', 'generated', 'prisma')];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (IGNORED.some((i) => p.endsWith(i)) || e.name === 'node_modules') return [];
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Every relative import (static, `import type`, re-export, dynamic) of each file, resolved. */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const deps = importedFiles
        .map((i) => i.fileName)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.resolve(path.dirname(file), spec))
        .filter((dep) => known.has(dep));
      return [file, deps];
    }),
  );
}

/** One path per cycle found by a depth-first walk (enough to name each cycle to fix). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === 'open') cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('import cycles', () => {
  it('finds a cycle, type-only imports included (the check itself works)', () => {
    const graph = new Map([
      ['/a.ts', ['/b.ts']],
      ['/b.ts', ['/c.ts']],
      ['/c.ts', ['/a.ts']],
      ['/d.ts', ['/a.ts']],
    ]);
    expect(findCycles(graph)).toEqual([['/a.ts', '/b.ts', '/c.ts', '/a.ts']]);
    const { importedFiles } = ts.preProcessFile("import type { X } from './x.ts';\nexport * from './y.ts';\nawait import('./z.ts');", true, true);
    expect(importedFiles.map((f) => f.fileName)).toEqual(['./x.ts', './y.ts', './z.ts']);
  });

  it('server/src and tools/src have none', () => {
    const files = ROOTS.flatMap((r) => sourceFiles(path.join(rootDir, r)));
    expect(files.length).toBeGreaterThan(100);
    const cycles = findCycles(importGraph(files)).map((c) => c.map((f) => path.relative(rootDir, f)).join(' -> '));
    expect(cycles).toEqual([]);
  });
});
