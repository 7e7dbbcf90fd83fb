// TLS to PostgreSQL and Redis as a managed service offers it: a real PostgreSQL with ssl=on and
// a Redis serving only TLS, both with a certificate for "localhost" signed by a CA made here with
// openssl. Connections through the product's own paths (createDb, migrate, createRedis) verify
// the server against the configured CA, and are refused with another CA or another name.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/db.ts';
import { migrate } from '../src/migrate.ts';
import { createRedis } from '../src/redis.ts';
import { pgConnection, redisTls } from '../src/tls.ts';
import { startPostgres, startRedis, type Service } from '../src/dev/services.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fd-tls-'));
// As root, PostgreSQL runs as the postgres user, which must reach its data directory in here.
chmodSync(dir, 0o755);
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
let postgres: Service;
let redis: Service;
let pgPort: string;

function makeCa(name: string) {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`));
}

beforeAll(async () => {
  makeCa('ca');
  makeCa('other-ca');
  // The server's certificate names only "localhost": connecting to 127.0.0.1 is a name mismatch.
  writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('san.ext'), '-out', file('server.crt'));
  [postgres, redis] = await Promise.all([
    startPostgres({ dataDir: file('postgres'), durable: false, tls: { certFile: file('server.crt'), keyFile: file('server.key') } }),
    startRedis({ dataDir: file('redis'), tls: { certFile: file('server.crt'), keyFile: file('server.key'), caFile: file('ca.crt') } }),
  ]);
  pgPort = new URL(postgres.url).port;
}, 60_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const pgUrl = (host: string, params: string) => `postgresql://flowdeck@${host}:${pgPort}/flowdeck?${params}`;

/** Whether the session runs over TLS, as PostgreSQL itself reports it. */
async function sessionSsl(db: ReturnType<typeof createDb>): Promise<boolean> {
  const rows = await db.$queryRaw<{ ssl: boolean }[]>`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
  return rows[0]!.ssl;
}

describe('PostgreSQL over TLS', () => {
  it('verify-full with the right CA: migrations and queries run encrypted', async () => {
    const url = pgUrl('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(file('ca.crt'))}`);
    const { applied } = await migrate(url);
    expect(applied.length).toBeGreaterThan(0);
    const db = createDb(url, 2);
    try {
      expect(await sessionSsl(db)).toBe(true);
    } finally {
      await db.$disconnect();
    }
  });

  it('DATABASE_SSL_MODE and DATABASE_SSL_CA apply when the URL names neither', async () => {
    const client = new pg.Client(pgConnection(pgUrl('localhost', ''), { DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA: file('ca.crt') }));
    await client.connect();
    try {
      expect((await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const db = createDb(pgUrl('localhost', `sslmode=verify-full&sslrootcert=${encodeURIComponent(file('other-ca.crt'))}`), 1);
    try {
      await expect(db.$queryRaw`SELECT 1`).rejects.toThrow(/self[- ]signed certificate|unable to verify/);
    } finally {
      await db.$disconnect();
    }
  });

  it('verify-full refuses a name the certificate does not carry; verify-ca checks only the chain', async () => {
    const ca = `sslrootcert=${encodeURIComponent(file('ca.crt'))}`;
    const full = createDb(pgUrl('127.0.0.1', `sslmode=verify-full&${ca}`), 1);
    const chainOnly = createDb(pgUrl('127.0.0.1', `sslmode=verify-ca&${ca}`), 1);
    try {
      await expect(full.$queryRaw`SELECT 1`).rejects.toThrow(/does not match certificate|altnames/i);
      expect(await sessionSsl(chainOnly)).toBe(true);
    } finally {
      await Promise.all([full.$disconnect(), chainOnly.$disconnect()]);
    }
  });

  it('require encrypts without verifying; disable does not encrypt', async () => {
    const required = createDb(pgUrl('127.0.0.1', 'sslmode=require'), 1);
    const plain = createDb(pgUrl('127.0.0.1', 'sslmode=disable'), 1);
    try {
      expect(await sessionSsl(required)).toBe(true);
      expect(await sessionSsl(plain)).toBe(false);
    } finally {
      await Promise.all([required.$disconnect(), plain.$disconnect()]);
    }
  });
});

describe('Redis over TLS (rediss://)', () => {
  it('connects with REDIS_TLS_CA through createRedis', async () => {
    const before = process.env.REDIS_TLS_CA;
    process.env.REDIS_TLS_CA = file('ca.crt');
    const client = createRedis(redis.url);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      if (before === undefined) delete process.env.REDIS_TLS_CA;
      else process.env.REDIS_TLS_CA = before;
    }
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const client = new Redis(redis.url, { tls: redisTls(redis.url, { REDIS_TLS_CA: file('other-ca.crt') }), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const errors: string[] = [];
    client.on('error', (err: Error) => errors.push(err.message));
    try {
      await expect(client.connect()).rejects.toThrow();
      expect(errors.join('\n')).toMatch(/self[- ]signed certificate|unable to verify/);
    } finally {
      client.disconnect();
    }
  });
});
