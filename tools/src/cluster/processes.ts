// Flowdeck roles as separate OS processes for the cluster test. roleCommand() is the one place
// that says how a role starts: from the production build when it exists (what a deployment
// runs), else from the TypeScript sources through tsx (what `npm start` runs).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = path.resolve(import.meta.dirname, '../../..');
/** The real Node 24 binary (node_modules/.bin/node is a shell wrapper that would not pass signals on). */
const node = path.join(root, 'node_modules', 'node', 'bin', 'node');

export type Role = 'api' | 'worker' | 'pdf-worker';

export function roleCommand(roles: Role[]): { command: string; args: string[]; built: boolean } {
  const built = path.join(root, 'server', 'dist', 'main.js');
  if (existsSync(built)) return { command: node, args: ['--enable-source-maps', built, ...roles], built: true };
  const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return { command: node, args: ['--import', tsx, path.join(root, 'server', 'src', 'main.ts'), ...roles], built: false };
}

export interface RoleProcess {
  name: string;
  roles: Role[];
  /** The HTTP port (api processes). */
  port?: number;
  url?: string;
  child: ChildProcess;
  pid: number;
  startedMs: number;
  exited: Promise<number | null>;
  alive(): boolean;
}

/**
 * Starts a role and resolves once it has logged "flowdeck started". Its output (pino JSON) goes
 * to <logDir>/<name>.log; lines at warn or above are also passed to `say`.
 */
export async function startRole(opts: {
  name: string;
  roles: Role[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  port?: number;
  say: (line: string) => void;
  timeoutMs?: number;
}): Promise<RoleProcess> {
  const { command, args } = roleCommand(opts.roles);
  mkdirSync(opts.logDir, { recursive: true });
  const log = createWriteStream(path.join(opts.logDir, `${opts.name}.log`), { flags: 'a' });
  const env = { ...opts.env, LOG_LEVEL: 'info', WORKER_NAME: opts.name, ...(opts.port ? { PORT: String(opts.port) } : {}) };
  const t0 = Date.now();
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  let started = false;
  let tail = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${opts.name} did not start within ${opts.timeoutMs ?? 90_000} ms:\n${tail}`)), opts.timeoutMs ?? 90_000);
    const onLine = (line: string) => {
      log.write(line + '\n');
      tail = (tail + line + '\n').slice(-3000);
      if (!started && line.includes('flowdeck started')) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level ? Number(level) >= 40 : !line.startsWith('{')) opts.say(`[${opts.name}] ${line.slice(0, 400)}`);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    void exited.then((code) => {
      log.end();
      if (!started) {
        clearTimeout(timer);
        reject(new Error(`${opts.name} exited (${code}) before it started:\n${tail}`));
      }
    });
  });
  await ready;
  const proc: RoleProcess = {
    name: opts.name,
    roles: opts.roles,
    port: opts.port,
    url: opts.port ? `http://127.0.0.1:${opts.port}` : undefined,
    child,
    pid: child.pid!,
    startedMs: Date.now() - t0,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  return proc;
}

/** kill -9: no drain, no goodbye to Redis or PostgreSQL. */
export async function killHard(p: RoleProcess): Promise<void> {
  if (!p.alive()) return;
  p.child.kill('SIGKILL');
  await p.exited;
}

/** SIGTERM and wait for the drain (then SIGKILL if it takes too long). */
export async function stopGracefully(p: RoleProcess, timeoutMs = 20_000): Promise<void> {
  if (!p.alive()) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  await p.exited;
  clearTimeout(timer);
}

/** Whether some file under server/src is newer than the build (then the build tests old code). */
export function buildIsStale(): boolean {
  const built = path.join(root, 'server', 'dist', 'main.js');
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? newer(p) : statSync(p).mtimeMs > builtAt;
    });
  return newer(path.join(root, 'server', 'src'));
}
