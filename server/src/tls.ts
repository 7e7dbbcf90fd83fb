// TLS to PostgreSQL and Redis, for managed services (Supabase, RDS, Upstash, …) reached over
// networks we do not control. PostgreSQL follows libpq's rules, so a connection string from a
// provider means what its documentation says: `sslmode` and `sslrootcert` in the URL, or
// DATABASE_SSL_MODE / DATABASE_SSL_CA as the defaults (PGSSLMODE / PGSSLROOTCERT's role), the
// URL winning. node-postgres reads those URL parameters itself, but with different meanings
// (its `require` verifies the certificate, and its parsed URL replaces any `ssl` option we
// pass), so we take them out of the URL and build the TLS options here.
// Redis: a `rediss://` URL is TLS, verified against Node's CA store or REDIS_TLS_CA.
//
// Threat model: `require` encrypts but accepts any certificate (an active attacker on the path
// can impersonate the server); `verify-ca` checks the chain against the CA but not the name;
// `verify-full` checks both and is what production over a shared network should use.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export class TlsConfigError extends Error {}

export interface PgConnection {
  /** The URL without the TLS parameters, for node-postgres. */
  connectionString: string;
  ssl: false | ConnectionOptions;
  mode: SslMode;
  /** The CA file, when one is used. */
  caFile: string | undefined;
}

type Env = Record<string, string | undefined>;

function readCa(file: string, variable: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TlsConfigError(`${variable} names a CA file that cannot be read: ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** node-postgres options for a DATABASE_URL; throws TlsConfigError on a bad mode or CA file. */
export function pgConnection(url: string, env: Env = process.env): PgConnection {
  const parsed = new URL(url);
  const urlMode = parsed.searchParams.get('sslmode') ?? undefined;
  const urlCa = parsed.searchParams.get('sslrootcert') ?? undefined;
  for (const p of ['sslmode', 'sslrootcert', 'ssl', 'sslcert', 'sslkey', 'uselibpqcompat']) parsed.searchParams.delete(p);
  const mode = urlMode ?? (env.DATABASE_SSL_MODE?.trim() || 'disable');
  const caFile = urlCa ?? (env.DATABASE_SSL_CA?.trim() || undefined);
  const source = urlMode ? 'sslmode in DATABASE_URL' : 'DATABASE_SSL_MODE';
  if (mode === 'prefer' || mode === 'allow') {
    throw new TlsConfigError(`${source}=${mode} is not supported (it silently falls back to plain text): use require, verify-ca or verify-full, or disable`);
  }
  if (!(SSL_MODES as readonly string[]).includes(mode)) throw new TlsConfigError(`${source} must be one of ${SSL_MODES.join(', ')}, got "${mode}"`);
  const connectionString = parsed.toString();
  if (mode === 'disable') {
    if (caFile) throw new TlsConfigError(`${urlCa ? 'sslrootcert in DATABASE_URL' : 'DATABASE_SSL_CA'} is set but TLS to PostgreSQL is disabled: set DATABASE_SSL_MODE (or sslmode) to verify-full`);
    return { connectionString, ssl: false, mode, caFile: undefined };
  }
  const ca = caFile ? readCa(caFile, urlCa ? 'sslrootcert in DATABASE_URL' : 'DATABASE_SSL_CA') : undefined;
  // libpq: `require` with a root certificate behaves as verify-ca.
  const effective: SslMode = mode === 'require' && ca ? 'verify-ca' : (mode as SslMode);
  const ssl: ConnectionOptions =
    effective === 'require'
      ? { rejectUnauthorized: false }
      : effective === 'verify-ca'
        ? { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined }
        : { rejectUnauthorized: true, ...(ca ? { ca } : {}) }; // node-postgres sets servername to the host name
  return { connectionString, ssl, mode: effective, caFile };
}

/** ioredis's `tls` option for a REDIS_URL: undefined for redis://. */
export function redisTls(url: string, env: Env = process.env): ConnectionOptions | undefined {
  const caFile = env.REDIS_TLS_CA?.trim() || undefined;
  if (!url.startsWith('rediss://')) {
    if (caFile) throw new TlsConfigError('REDIS_TLS_CA is set but REDIS_URL is not a rediss:// URL');
    return undefined;
  }
  return caFile ? { ca: readCa(caFile, 'REDIS_TLS_CA') } : {};
}
