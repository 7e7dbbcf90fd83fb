// Generated files are committed; these fail when one is stale.
// Fix: `npm run prisma:generate` (Prisma client + Pothos types + schema.graphql).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_PATH } from '../src/graphql/print-schema.ts';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const rootDir = path.resolve(serverDir, '..');

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p, base) : [path.relative(base, p)];
  });
}

describe('generated files', () => {
  it('schema.graphql is the printed Pothos schema', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(printedSchema());
  });

  it('the Prisma client and Pothos types match schema.prisma', () => {
    // Generate into a scratch copy laid out like the repository, then compare file by file.
    const scratch = mkdtempSync(path.join(tmpdir(), 'fd-gen-'));
    cpSync(path.join(rootDir, 'prisma', 'schema.prisma'), path.join(scratch, 'prisma', 'schema.prisma'));
    const out = path.join(scratch, 'server', 'src', 'generated');
    writeFileSync(path.join(scratch, 'prisma.config.ts'), '');
    execFileSync(process.execPath, [path.join(serverDir, 'node_modules', 'prisma', 'build', 'index.js'), 'generate', '--schema', path.join(scratch, 'prisma', 'schema.prisma')], {
      cwd: serverDir,
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', PATH: `${path.join(serverDir, 'node_modules', '.bin')}:${process.env.PATH}`, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: 'pipe',
    });
    const committed = path.join(serverDir, 'src', 'generated');
    const files = listFiles(committed).sort();
    expect(listFiles(out).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(path.join(out, f), 'utf8'), f).toBe(readFileSync(path.join(committed, f), 'utf8'));
  });
});
