// Private PostgreSQL and Redis for `npm start` and `npm test`, run from Debian's binaries as
// child processes with their data under a directory of ours (.data/ by default). Nothing is
// daemonised: when the parent stops them (or dies) they go with it, and a later start reuses
// the same data directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

export interface Service {
  url: string;
  /** The server's process (PostgreSQL's postmaster; its backends are its children). */
  pid: number;
  stop(): Promise<void>;
}

export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export function findRedisServer(): string | undefined {
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root, so as root we run it as the `postgres` system user. */
function postgresIds(): { uid?: number; gid?: number } {
  return isRoot ? postgresUser() : {};
}

async function waitFor(what: string, probe: () => Promise<boolean>, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what} exited during start-up (exit code ${child.exitCode}); see its log above`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** A postmaster left by a parent that was SIGKILLed would hold the data directory: stop it. */
async function stopStale(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: the server replaces a stale pid file itself
  }
  for (let i = 0; i < 150; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface PostgresOptions {
  dataDir: string;
  port?: number;
  database?: string;
  /** Turns off fsync for throwaway test clusters. */
  durable?: boolean;
  /** Serve TLS too (ssl=on) with this certificate and key (PEM files), as managed services do. */
  tls?: { certFile: string; keyFile: string };
  log?: (line: string) => void;
}

export async function startPostgres(opts: PostgresOptions): Promise<Service> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? 'flowdeck';
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (isRoot) {
      const { uid, gid } = postgresUser();
      await chown(dataDir, uid, gid);
    }
    const args = ['-D', dataDir, '-U', 'flowdeck', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-instructions'];
    const res = spawnSync(path.join(bin, 'initdb'), args, { encoding: 'utf8', cwd: '/', ...postgresIds() });
    if (res.status !== 0) throw new Error(`initdb failed: ${res.stderr || res.stdout}`);
  }
  await stopStale(path.join(dataDir, 'postmaster.pid'));
  if (opts.tls) {
    // PostgreSQL insists that its key belongs to it and is private: copy both into its directory.
    for (const [from, to] of [[opts.tls.certFile, 'server.crt'], [opts.tls.keyFile, 'server.key']] as const) {
      await copyFile(from, path.join(dataDir, to));
      await chmod(path.join(dataDir, to), 0o600);
      if (isRoot) await chown(path.join(dataDir, to), postgresUser().uid, postgresUser().gid);
    }
  }
  const port = opts.port ?? (await freePort());
  const settings = [
    `listen_addresses=127.0.0.1`, `unix_socket_directories=`, `max_connections=300`,
    `shared_buffers=256MB`, `work_mem=16MB`, `log_min_messages=warning`, `logging_collector=off`,
    ...(opts.durable === false ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
    ...(opts.tls ? ['ssl=on'] : []),
  ];
  const args = ['-D', dataDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])];
  // detached: a Ctrl-C in the terminal reaches only our process, which stops the services
  // after the application has drained.
  const child = spawn(path.join(bin, 'postgres'), args, {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: '/', ...postgresIds(),
  });
  pipeLines(child, 'postgres', opts.log);
  const adminUrl = `postgresql://flowdeck@127.0.0.1:${port}/postgres`;
  await waitFor('PostgreSQL', async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.end();
    return true;
  }, child);
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await c.query(`CREATE DATABASE "${database}"`);
  await c.end();
  return {
    url: `postgresql://flowdeck@127.0.0.1:${port}/${database}`,
    pid: child.pid!,
    // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
    stop: () => stopChild(child, 'SIGINT'),
  };
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the postgres system user (apt-get install postgresql creates it)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface RedisServerOptions {
  dataDir: string;
  port?: number;
  /** Serve only TLS on the port (the URL is then rediss://localhost:<port>), with these PEM files. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  log?: (line: string) => void;
}

/**
 * Redis as a database: append-only file fsynced every second, and never evicting keys
 * (BullMQ loses jobs under eviction).
 */
export async function startRedis(opts: RedisServerOptions): Promise<Service> {
  const server = findRedisServer();
  if (!server) throw new Error('Redis is not installed (apt-get install redis-server)');
  const dataDir = path.resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, 'redis.pid');
  await stopStale(pidFile);
  const port = opts.port ?? (await freePort());
  const conf = [
    `pidfile ${pidFile}`,
    ...(opts.tls
      ? ['port 0', `tls-port ${port}`, `tls-cert-file ${opts.tls.certFile}`, `tls-key-file ${opts.tls.keyFile}`, `tls-ca-cert-file ${opts.tls.caFile}`, 'tls-auth-clients no']
      : [`port ${port}`]),
    'bind 127.0.0.1', `dir ${dataDir}`, 'appendonly yes', 'appendfsync everysec',
    'maxmemory-policy noeviction', 'save ""', 'daemonize no', 'protected-mode yes', 'loglevel warning',
  ].join('\n');
  const confPath = path.join(dataDir, 'redis.conf');
  await writeFile(confPath, conf + '\n');
  const child = spawn(server, [confPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  pipeLines(child, 'redis', opts.log);
  const url = opts.tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`;
  const tls = opts.tls ? { tls: { ca: readFileSync(opts.tls.caFile) } } : {};
  await waitFor('Redis', async () => {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...tls });
    r.on('error', () => {}); // refused while starting: the probe just answers false
    try {
      await r.connect();
      // Until the AOF is loaded Redis answers LOADING; wait for a real PONG.
      return (await r.ping()) === 'PONG';
    } finally {
      r.disconnect();
    }
  }, child);
  return { url, pid: child.pid!, stop: () => stopChild(child, 'SIGTERM') };
}

/**
 * Passes on what a service prints only when it matters: warnings and errors, everything when
 * FLOWDECK_SERVICES_LOG=1, and the last lines if it dies during start-up (see waitFor).
 */
function pipeLines(child: ChildProcess, name: string, log?: (line: string) => void): void {
  const verbose = process.env.FLOWDECK_SERVICES_LOG === '1';
  const important = /\b(WARNING|ERROR|FATAL|PANIC)\b|# Fatal|# Can't|Failed/;
  const recent: string[] = [];
  const out = (buf: Buffer) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 30) recent.shift();
      if (verbose || (important.test(line) && !line.includes('overcommit'))) log?.(`[${name}] ${line}`);
    }
  };
  child.once('exit', (code) => {
    if (code !== 0 && code !== null && !verbose) for (const line of recent) log?.(`[${name}] ${line}`);
  });
  child.stdout?.on('data', out);
  child.stderr?.on('data', out);
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
