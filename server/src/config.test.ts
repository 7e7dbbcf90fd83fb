import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const minimal = {
  DATABASE_URL: 'postgresql://u@localhost:5432/db',
  REDIS_URL: 'redis://localhost:6379',
  ENCRYPTION_KEY: 'a'.repeat(64),
  SIGNING_SECRET: Buffer.alloc(32, 7).toString('base64'),
};

describe('loadConfig', () => {
  it('fills every default from a minimal environment', () => {
    const c = loadConfig(minimal);
    expect(c).toMatchObject({ port: 4000, host: '127.0.0.1', roles: ['all'], nodeEnv: 'development', logs: { retentionDays: 90 } });
    expect(c.encryptionKey).toHaveLength(32);
    expect(c.signingSecret.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(c.storage.localDir).toBe('.data/storage');
    expect(c.connectors.useSimulators).toBe(true);
  });

  it('leaves /metrics off without METRICS_TOKEN and refuses a short one', () => {
    expect(loadConfig(minimal).metricsToken).toBeUndefined();
    expect(loadConfig({ ...minimal, METRICS_TOKEN: 'k'.repeat(32) }).metricsToken).toBe('k'.repeat(32));
    expect(() => loadConfig({ ...minimal, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 32 characters/);
    expect(() => loadConfig({ ...minimal, METRICS_TOKEN: 'k'.repeat(20) + ' ' + 'k'.repeat(20) })).toThrow(/METRICS_TOKEN/);
  });

  it('turns tracing on only with an OTLP endpoint, and not with OTEL_SDK_DISABLED', () => {
    const tracing = (env: Record<string, string>) => loadConfig({ ...minimal, ...env }).tracing;
    expect(tracing({})).toEqual({ otlpEndpoint: undefined, serviceName: undefined });
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'fd-eu' })).toEqual({ otlpEndpoint: 'http://collector:4318', serviceName: 'fd-eu' });
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/v1/traces' }).otlpEndpoint).toBe('https://b/v1/traces');
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).otlpEndpoint).toBeUndefined();
    expect(() => loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be a URL/);
  });

  it('sizes the pg pool for the roles unless DATABASE_POOL_SIZE says otherwise', () => {
    const size = (env: Record<string, string>) => loadConfig({ ...minimal, ...env }).databasePoolSize;
    expect(size({ FLOWDECK_ROLES: 'api' })).toBe(8);
    expect(size({ FLOWDECK_ROLES: 'worker' })).toBe(7); // WORKER_CONCURRENCY 10
    expect(size({ FLOWDECK_ROLES: 'worker', WORKER_CONCURRENCY: '200' })).toBe(20);
    expect(size({ FLOWDECK_ROLES: 'pdf-worker' })).toBe(2);
    expect(size({ FLOWDECK_ROLES: 'api,worker' })).toBe(15);
    expect(size({})).toBe(17); // all
    expect(size({ FLOWDECK_ROLES: 'api', DATABASE_POOL_SIZE: '30' })).toBe(30);
    expect(() => loadConfig({ ...minimal, DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });

  it('names every bad variable and what it expects, all at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ ...minimal, PORT: 'eighty', DATABASE_URL: 'mysql://x', FLOWDECK_ROLES: 'api,cron', ENCRYPTION_KEY: 'short', GRAPHQL_INTROSPECTION: 'maybe' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'PORT must be an integer from 0 to 65535, got "eighty"',
      'DATABASE_URL must be a URL starting with postgresql: or postgres:, got "mysql://x"',
      'FLOWDECK_ROLES must be a comma list of api, worker, pdf-worker, all, got "api,cron"',
      'ENCRYPTION_KEY must be exactly 32 bytes as hex (64 chars) or base64',
      'GRAPHQL_INTROSPECTION must be true or false, got "maybe"',
    ]);
  });

  it('requires the connection URLs and secrets, and never echoes a password', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is required[\s\S]*REDIS_URL is required[\s\S]*ENCRYPTION_KEY is required/);
    expect(() => loadConfig({ ...minimal, DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/user:\*\*\*@/);
  });

  it('parses roles and production defaults', () => {
    const c = loadConfig({ ...minimal, FLOWDECK_ROLES: 'api, worker', NODE_ENV: 'production' });
    expect(c.roles).toEqual(['api', 'worker']);
    expect(c.graphql.introspection).toBe(false);
    expect(c.connectors.useSimulators).toBe(false);
  });

  it('sizes the PostgreSQL pool by the roles a process runs, unless DATABASE_POOL_SIZE says', () => {
    const size = (env: Record<string, string>) => loadConfig({ ...minimal, ...env }).databasePoolSize;
    expect(size({ FLOWDECK_ROLES: 'api' })).toBe(8);
    expect(size({ FLOWDECK_ROLES: 'pdf-worker' })).toBe(2);
    expect(size({ FLOWDECK_ROLES: 'worker,pdf-worker' })).toBe(9); // WORKER_CONCURRENCY 10: 10/2 + 2
    expect(size({ FLOWDECK_ROLES: 'worker', WORKER_CONCURRENCY: '100' })).toBe(20);
    expect(size({ FLOWDECK_ROLES: 'all' })).toBe(17);
    expect(size({ FLOWDECK_ROLES: 'worker', DATABASE_POOL_SIZE_WORKER: '30', DATABASE_POOL_SIZE_API: '50' })).toBe(30);
    expect(size({ FLOWDECK_ROLES: 'all', DATABASE_POOL_SIZE: '7' })).toBe(7);
    expect(() => loadConfig({ ...minimal, FLOWDECK_ROLES: 'api', DATABASE_POOL_SIZE_API: '0' })).toThrow(/DATABASE_POOL_SIZE_API must be an integer from 1 to 500/);
  });

  it('resolves TLS to PostgreSQL libpq-style and refuses settings that would not protect', () => {
    const mode = (env: Record<string, string>) => loadConfig({ ...minimal, ...env }).databaseSslMode;
    expect(mode({})).toBe('disable');
    expect(mode({ DATABASE_SSL_MODE: 'verify-full' })).toBe('verify-full');
    // The URL's sslmode wins over the variable, as in libpq.
    expect(mode({ DATABASE_SSL_MODE: 'verify-full', DATABASE_URL: `${minimal.DATABASE_URL}?sslmode=require` })).toBe('require');
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...minimal, ...env });
        return [];
      } catch (e) {
        return (e as ConfigError).problems;
      }
    };
    expect(problems({ DATABASE_URL: `${minimal.DATABASE_URL}?sslmode=prefer` })).toEqual([
      'sslmode in DATABASE_URL=prefer is not supported (it silently falls back to plain text): use require, verify-ca or verify-full, or disable',
    ]);
    expect(problems({ DATABASE_SSL_MODE: 'strict' })).toEqual(['DATABASE_SSL_MODE must be one of disable, require, verify-ca, verify-full, got "strict"']);
    expect(problems({ DATABASE_SSL_MODE: 'verify-full', DATABASE_SSL_CA: '/nonexistent/ca.pem' })).toEqual([
      'DATABASE_SSL_CA names a CA file that cannot be read: /nonexistent/ca.pem (ENOENT)',
    ]);
    expect(problems({ DATABASE_SSL_CA: '/etc/hostname' })[0]).toMatch(/DATABASE_SSL_CA is set but TLS to PostgreSQL is disabled/);
  });

  it('takes rediss:// as TLS to Redis, with REDIS_TLS_CA only there', () => {
    expect(loadConfig({ ...minimal, REDIS_URL: 'rediss://cache.example.com:6380' }).redisTls).toBe(true);
    expect(loadConfig(minimal).redisTls).toBe(false);
    expect(() => loadConfig({ ...minimal, REDIS_TLS_CA: '/etc/hostname' })).toThrow(/REDIS_TLS_CA is set but REDIS_URL is not a rediss:\/\/ URL/);
    expect(() => loadConfig({ ...minimal, REDIS_URL: 'rediss://cache.example.com:6380', REDIS_TLS_CA: '/nonexistent/ca.pem' })).toThrow(/REDIS_TLS_CA names a CA file that cannot be read/);
  });

  it('insists on Supabase credentials when the Supabase driver is chosen', () => {
    expect(() => loadConfig({ ...minimal, STORAGE_DRIVER: 'supabase' })).toThrow(/SUPABASE_URL and SUPABASE_SERVICE_KEY/);
  });
});
