// The real entry point as a child process: configuration errors, serving, and draining on SIGTERM.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));

function startMain(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', tsx, main, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The port the process logs it listens on. */
function portOf(p: ReturnType<typeof startMain>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"port":(\d+)/.exec(p.output());
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 50);
    void p.exited.then(() => reject(new Error(`exited early: ${p.output()}`)));
  });
}

describe('main.ts', () => {
  it('stops at start with exit code 78 and names each bad variable', async () => {
    const p = startMain({ PORT: 'abc', REDIS_URL: '' });
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('PORT must be an integer from 0 to 65535, got "abc"');
    expect(p.output()).toContain('REDIS_URL is required');
  });

  it('serves the api role and drains cleanly on SIGTERM', async () => {
    const p = startMain({ PORT: '0' }, ['api']);
    const port = await portOf(p);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('answers probes from a worker process on HEALTH_PORT, and serves nothing else there', async () => {
    const p = startMain({ HEALTH_PORT: '0', REDIS_PREFIX: `h${randomUUID().slice(0, 8)}` }, ['worker', 'pdf-worker']);
    const port = await portOf(p);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { ready: true, checks: { database: true, redis: true, migrations: true } }]);
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
