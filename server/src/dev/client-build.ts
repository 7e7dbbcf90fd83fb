// `npm start` serves the dashboard from client/dist. Build it with vite when it is missing or
// older than any client source, so a fresh clone or an edited page needs no separate step.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
const clientDir = path.join(root, 'client');

function newestMtime(p: string): number {
  const s = statSync(p, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

export function clientBuildIsStale(): boolean {
  const built = newestMtime(path.join(clientDir, 'dist', 'index.html'));
  if (!built) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => newestMtime(path.join(clientDir, f)));
  return Math.max(...sources) > built;
}

export async function ensureClientBuild(say: (msg: string) => void): Promise<void> {
  if (!existsSync(path.join(clientDir, 'src'))) return;
  if (!clientBuildIsStale()) return;
  say('building the dashboard (client/dist)…');
  const t0 = performance.now();
  const vite = path.join(clientDir, 'node_modules', 'vite', 'bin', 'vite.js');
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: clientDir, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  if (code !== 0) throw new Error('the dashboard build failed; see the output above');
  say(`dashboard built in ${Math.round(performance.now() - t0)} ms`);
}
