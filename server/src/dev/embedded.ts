// The embedded default: PostgreSQL and Redis of our own under <dataDir>, shared by `npm start`
// and the admin CLI. The process that starts them records their URLs in <dataDir>/runtime.json
// so a CLI run alongside uses the same servers instead of starting (and fighting over) its own.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startPostgres, startRedis, type Service } from './services.ts';

interface Runtime {
  pid: number;
  databaseUrl: string;
  redisUrl: string;
}

export interface EmbeddedServices {
  databaseUrl: string;
  redisUrl: string;
  /** Stops the services when this process started them; otherwise does nothing. */
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readRuntime(file: string): Runtime | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Runtime;
  } catch {
    return undefined;
  }
}

async function answers(databaseUrl: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** The running owner's services, if a live process started them under this data directory. */
export async function findRunning(dataDir: string): Promise<Runtime | undefined> {
  const rt = readRuntime(path.join(dataDir, 'runtime.json'));
  if (rt && alive(rt.pid) && (await answers(rt.databaseUrl))) return rt;
  return undefined;
}

export async function startEmbedded(dataDir: string, log: (line: string) => void): Promise<EmbeddedServices> {
  const file = path.join(dataDir, 'runtime.json');
  const services: Service[] = [];
  const stop = async () => {
    for (const s of services.reverse()) await s.stop().catch(() => {});
    if (readRuntime(file)?.pid === process.pid && existsSync(file)) rmSync(file);
  };
  try {
    const postgres = await startPostgres({ dataDir: path.join(dataDir, 'postgres'), log });
    services.push(postgres);
    const redis = await startRedis({ dataDir: path.join(dataDir, 'redis'), log });
    services.push(redis);
    const rt: Runtime = { pid: process.pid, databaseUrl: postgres.url, redisUrl: redis.url };
    writeFileSync(file, JSON.stringify(rt, null, 2));
    return { databaseUrl: postgres.url, redisUrl: redis.url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** For tools (the admin CLI): the running instance's services, or our own for the duration. */
export async function useEmbedded(dataDir: string, log: (line: string) => void): Promise<EmbeddedServices> {
  const running = await findRunning(dataDir);
  if (running) return { databaseUrl: running.databaseUrl, redisUrl: running.redisUrl, stop: async () => {} };
  return startEmbedded(dataDir, log);
}
