// The dashboard's typed documents (client/src/graphql/) are committed; this fails when they are
// stale against schema.graphql or the documents in client/src. Fix: `pnpm -F @flowdeck/client codegen`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const rootDir = fileURLToPath(new URL('../..', import.meta.url));
const committed = path.join(rootDir, 'client', 'src', 'graphql');

it('client/src/graphql matches codegen over schema.graphql and the client documents', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'fd-codegen-'));
  const cli = path.join(rootDir, 'client', 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js');
  execFileSync(process.execPath, [cli, '--config', path.join(rootDir, 'codegen.ts'), '--silent'], {
    cwd: path.join(rootDir, 'client'),
    env: { ...process.env, FLOWDECK_CODEGEN_OUT: scratch },
    stdio: 'pipe',
  });
  const files = readdirSync(committed).sort();
  expect(readdirSync(scratch).sort()).toEqual(files);
  for (const f of files) expect(readFileSync(path.join(scratch, f), 'utf8'), f).toBe(readFileSync(path.join(committed, f), 'utf8'));
});
