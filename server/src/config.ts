// Every environment variable Flowdeck reads, parsed and validated once. A bad value stops the
// process at start with one line per problem naming the variable and what it expects.
// The README's "Configuration" table lists the same variables; keep them in step.

import { hostname } from 'node:os';
import { pgConnection, redisTls, TlsConfigError, type SslMode } from './tls.ts';

export const PROCESS_ROLES = ['api', 'worker', 'pdf-worker', 'all'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  roles: ProcessRole[];
  host: string;
  port: number;
  /**
   * Port of the probe server (/healthz, /readyz) of a process without the api role, so an
   * orchestrator can ask workers too; undefined = none. The api role serves them on PORT.
   */
  healthPort: number | undefined;
  /**
   * METRICS_TOKEN: the bearer token /metrics (Prometheus) asks for; undefined = /metrics answers
   * 404, so a deployment publishes no internals until it chooses to.
   */
  metricsToken: string | undefined;
  publicUrl: string;
  databaseUrl: string;
  /** Connections in this process's pg pool: DATABASE_POOL_SIZE, else the sum of its roles' sizes. */
  databasePoolSize: number;
  /** TLS to PostgreSQL as resolved from DATABASE_URL and DATABASE_SSL_* (tls.ts), for the start-up log. */
  databaseSslMode: SslMode;
  redisUrl: string;
  redisTls: boolean;
  /** Prefix of every BullMQ key and pub/sub channel, so several deployments can share a Redis. */
  redisPrefix: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  shutdownTimeoutMs: number;
  /** 32-byte key for AES-256-GCM encryption of integration credentials. */
  encryptionKey: Buffer;
  /** HMAC secret for signed file links and alert payloads. */
  signingSecret: Buffer;
  dataDir: string;
  worker: {
    /**
     * Names this process's BullMQ workers; BullMQ stores it on every job they take (processedBy)
     * and on their Redis connections (CLIENT LIST), so an operator can tell which process ran a run.
     */
    name: string;
    concurrency: number;
    stalledIntervalMs: number;
    lockDurationMs: number;
    /** First retry delay of a failed step whose definition sets none (doubles per attempt). */
    stepRetryBackoffMs: number;
    /** How often the sweeper looks for PENDING runs without a job. */
    sweepIntervalMs: number;
    /** Age after which a PENDING run without a job is enqueued by the sweeper. */
    sweepPendingAfterMs: number;
    /** An approval waiting longer than this raises APPROVAL_WAITING, once (engine/waits/sweep.ts). */
    approvalAlertAfterMs: number;
  };
  schedule: { driftWarnMs: number; misfireGraceMs: number };
  /** Admission control of the api's GraphQL requests (http/admission.ts). */
  admission: { maxConcurrent: number; maxQueue: number; maxQueueMs: number };
  graphql: {
    introspection: boolean;
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxCost: number;
    rateLimitPerMinute: number;
    maxBodyBytes: number;
    /** CORS_ORIGINS: browser origins other than our own that may call the API (exact matches). */
    corsOrigins: string[];
  };
  logs: {
    retentionDays: number;
    batchSize: number;
    flushIntervalMs: number;
    /** Most log lines held in memory while the database is slow; beyond it new lines are dropped and counted. */
    bufferMax: number;
    /** Cron (UTC) of the nightly log maintenance: partitions ahead, retention. */
    maintenanceCron: string;
    /** Daily partitions created ahead of today. */
    partitionsAheadDays: number;
  };
  pdf: { chromiumPath: string; memLimitMb: number; maxRendersPerBrowser: number; pagePoolSize: number };
  storage: {
    driver: 'local' | 'supabase';
    localDir: string;
    supabaseUrl: string | undefined;
    supabaseKey: string | undefined;
    supabaseBucket: string;
    signedUrlTtlSeconds: number;
  };
  connectors: {
    /** When true, connectors without configured credentials talk to the built-in simulators. */
    useSimulators: boolean;
    cgbBaseUrl: string | undefined;
    metaGraphBaseUrl: string;
    metaRequestDelayMs: number;
    pancakeBaseUrl: string | undefined;
    posRequestDelayMs: number;
    /** Hosts the outbound-address guard lets through even when they resolve to private ranges. */
    outboundAllowHosts: string[];
  };
  /**
   * OpenTelemetry traces (tracing/start.ts): on when an OTLP endpoint is set and OTEL_SDK_DISABLED
   * is not true. The SDK reads the other OTEL_* variables (headers, sampler) itself.
   */
  tracing: {
    /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT; undefined = tracing off. */
    otlpEndpoint: string | undefined;
    /** OTEL_SERVICE_NAME; undefined = flowdeck-<role> (tracing/start.ts). */
    serviceName: string | undefined;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Collects every problem instead of stopping at the first, so one start shows them all. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  str(name: string, fallback: string): string;
  str(name: string, fallback?: undefined): string | undefined;
  str(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  required(name: string, hint: string): string {
    const v = this.raw(name);
    if (v === undefined) this.problems.push(`${name} is required (${hint})`);
    return v ?? '';
  }

  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${name} must be true or false, got "${v}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
      return fallback;
    }
    return v as T;
  }

  url(name: string, protocols: string[], fallback?: string): string | undefined {
    const v = this.raw(name) ?? fallback;
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return v;
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.join(' or ')}, got "${redactUrl(v)}"`);
      return v;
    }
  }

  secret(name: string, bytes: number): Buffer {
    const v = this.raw(name);
    if (v === undefined) {
      this.problems.push(`${name} is required: ${bytes} random bytes as hex or base64 (npm start generates one under .data/)`);
      return Buffer.alloc(bytes);
    }
    const buf = /^[0-9a-f]+$/i.test(v) && v.length === bytes * 2 ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
    if (buf.length !== bytes) {
      this.problems.push(`${name} must be exactly ${bytes} bytes as hex (${bytes * 2} chars) or base64`);
    }
    return buf;
  }
}

/** Keeps passwords out of error messages. */
function redactUrl(v: string): string {
  return v.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

/** A comma list of exact origins (scheme://host[:port]); a wildcard is refused on purpose. */
export function parseOrigins(value: string, problems: string[]): string[] {
  const origins = value.split(',').map((o) => o.trim()).filter(Boolean);
  for (const o of origins) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
    } catch {
      // reported below
    }
    if (!ok) problems.push(`CORS_ORIGINS must be a comma list of origins like https://app.example.com (no path, no wildcard), got "${o}"`);
  }
  return origins;
}

/**
 * Pool connections each role adds to its process when DATABASE_POOL_SIZE is unset (each can be
 * overridden with DATABASE_POOL_SIZE_<ROLE>). The api's requests each hold a connection for one
 * short statement at a time, and PostgreSQL runs at most about two per core at once; a larger
 * pool only queues inside PostgreSQL, where the waiting costs memory and context switches
 * instead of a place in the pool's queue. A run worker holds one per running step write (its hot
 * path batches them), so it scales with its concurrency, up to 20. The PDF worker writes one
 * Document row now and then.
 */
export function rolePoolDefaults(workerConcurrency: number): Record<'api' | 'worker' | 'pdf-worker', number> {
  return { api: 8, worker: Math.min(20, Math.max(4, Math.ceil(workerConcurrency / 2) + 2)), 'pdf-worker': 2 };
}

export function parseRoles(value: string, problems: string[]): ProcessRole[] {
  const roles = value
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = roles.filter((r) => !(PROCESS_ROLES as readonly string[]).includes(r));
  if (bad.length || roles.length === 0) {
    problems.push(`FLOWDECK_ROLES must be a comma list of ${PROCESS_ROLES.join(', ')}, got "${value}"`);
    return ['all'];
  }
  return roles as ProcessRole[];
}

/** Runs a TLS check from tls.ts, recording its problem; undefined then (or for a bad URL). */
function tlsChecked<T>(e: EnvReader, check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (err instanceof TlsConfigError) e.problems.push(err.message);
    else if (!(err instanceof TypeError)) throw err; // TypeError: a missing or invalid URL, reported already
    return undefined;
  }
}

function rolePoolSize(roles: ProcessRole[], workerConcurrency: number, e: EnvReader): number {
  const defaults = rolePoolDefaults(workerConcurrency);
  const expanded = new Set(roles.flatMap((r) => (r === 'all' ? (['api', 'worker', 'pdf-worker'] as const) : [r])));
  let total = 0;
  for (const role of expanded) {
    const name = `DATABASE_POOL_SIZE_${role.toUpperCase().replace('-', '_')}`;
    total += e.int(name, defaults[role], { min: 1, max: 500 });
  }
  return total;
}

/** A guessable token would publish the internals it protects, so it must be long. */
function metricsToken(e: EnvReader): string | undefined {
  const v = e.raw('METRICS_TOKEN');
  if (v !== undefined && (v.length < 32 || /\s/.test(v))) {
    e.problems.push('METRICS_TOKEN must be at least 32 characters without spaces (e.g. `openssl rand -hex 32`)');
  }
  return v;
}

export function loadConfig(env: Env = process.env): Config {
  const e = new EnvReader(env);
  const nodeEnv = e.oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const port = e.int('PORT', 4000, { min: 0, max: 65535 });
  const dataDir = e.str('FLOWDECK_DATA_DIR', '.data');
  const databaseUrl = e.required('DATABASE_URL', 'a postgresql:// URL; npm start provides an embedded PostgreSQL');
  if (databaseUrl) e.url('DATABASE_URL', ['postgresql:', 'postgres:']);
  const redisUrl = e.required('REDIS_URL', 'a redis:// URL; npm start provides an embedded Redis');
  if (redisUrl) e.url('REDIS_URL', ['redis:', 'rediss:']);
  // Checked here so a bad mode or unreadable CA file stops the process at start, named.
  const databaseSslMode = tlsChecked(e, () => pgConnection(databaseUrl, env).mode) ?? 'disable';
  tlsChecked(e, () => redisTls(redisUrl, env));
  const roles = parseRoles(e.str('FLOWDECK_ROLES', 'all'), e.problems);
  const storageDriver = e.oneOf('STORAGE_DRIVER', ['local', 'supabase'] as const, 'local');
  const supabaseUrl = e.url('SUPABASE_URL', ['http:', 'https:']);
  const supabaseKey = e.str('SUPABASE_SERVICE_KEY');
  if (storageDriver === 'supabase' && (!supabaseUrl || !supabaseKey)) {
    e.problems.push('STORAGE_DRIVER=supabase needs SUPABASE_URL and SUPABASE_SERVICE_KEY');
  }

  const config: Config = {
    nodeEnv,
    roles,
    host: e.str('HOST', '127.0.0.1'),
    port,
    healthPort: e.raw('HEALTH_PORT') ? e.int('HEALTH_PORT', 0, { min: 0, max: 65535 }) : undefined,
    metricsToken: metricsToken(e),
    publicUrl: e.url('PUBLIC_URL', ['http:', 'https:'], `http://localhost:${port}`)!,
    databaseUrl,
    databasePoolSize: 0, // set below: its default depends on the roles
    databaseSslMode,
    redisUrl,
    redisTls: redisUrl.startsWith('rediss://'),
    redisPrefix: e.str('REDIS_PREFIX', 'fd'),
    logLevel: e.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, nodeEnv === 'test' ? 'warn' : 'info'),
    shutdownTimeoutMs: e.int('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
    encryptionKey: e.secret('ENCRYPTION_KEY', 32),
    signingSecret: e.secret('SIGNING_SECRET', 32),
    dataDir,
    worker: {
      name: e.str('WORKER_NAME', `${hostname()}:${process.pid}`),
      concurrency: e.int('WORKER_CONCURRENCY', 10, { min: 1, max: 1000 }),
      stalledIntervalMs: e.int('WORKER_STALLED_INTERVAL_MS', 30_000, { min: 100 }),
      lockDurationMs: e.int('WORKER_LOCK_DURATION_MS', 30_000, { min: 100 }),
      stepRetryBackoffMs: e.int('STEP_RETRY_BACKOFF_MS', 1_000, { min: 0, max: 600_000 }),
      sweepIntervalMs: e.int('SWEEP_INTERVAL_MS', 30_000, { min: 100 }),
      sweepPendingAfterMs: e.int('SWEEP_PENDING_AFTER_MS', 60_000, { min: 0 }),
      approvalAlertAfterMs: e.int('APPROVAL_ALERT_AFTER_MS', 3_600_000, { min: 1_000 }),
    },
    schedule: {
      driftWarnMs: e.int('SCHEDULE_DRIFT_WARN_MS', 5_000, { min: 0 }),
      misfireGraceMs: e.int('SCHEDULE_MISFIRE_GRACE_MS', 60_000, { min: 0 }),
    },
    admission: {
      maxConcurrent: e.int('API_MAX_CONCURRENT', 32, { min: 0, max: 10_000 }),
      maxQueue: e.int('API_MAX_QUEUE', 100, { min: 0, max: 100_000 }),
      maxQueueMs: e.int('API_MAX_QUEUE_MS', 50, { min: 0, max: 60_000 }),
    },
    graphql: {
      introspection: e.bool('GRAPHQL_INTROSPECTION', nodeEnv !== 'production'),
      maxDepth: e.int('GRAPHQL_MAX_DEPTH', 12, { min: 1, max: 100 }),
      maxAliases: e.int('GRAPHQL_MAX_ALIASES', 15, { min: 1, max: 1000 }),
      maxTokens: e.int('GRAPHQL_MAX_TOKENS', 2_000, { min: 10 }),
      maxCost: e.int('GRAPHQL_MAX_COST', 75_000, { min: 10 }),
      rateLimitPerMinute: e.int('RATE_LIMIT_PER_MINUTE', 1_200, { min: 0 }),
      maxBodyBytes: e.int('GRAPHQL_MAX_BODY_BYTES', 1_000_000, { min: 1_000 }),
      corsOrigins: parseOrigins(e.str('CORS_ORIGINS', ''), e.problems),
    },
    logs: {
      retentionDays: e.int('LOG_RETENTION_DAYS', 90, { min: 1, max: 3650 }),
      batchSize: e.int('LOG_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
      flushIntervalMs: e.int('LOG_FLUSH_INTERVAL_MS', 200, { min: 1, max: 60_000 }),
      bufferMax: e.int('LOG_BUFFER_MAX', 50_000, { min: 100, max: 10_000_000 }),
      maintenanceCron: e.str('LOG_MAINTENANCE_CRON', '17 3 * * *'),
      partitionsAheadDays: e.int('LOG_PARTITIONS_AHEAD_DAYS', 14, { min: 1, max: 365 }),
    },
    pdf: {
      chromiumPath: e.str('CHROMIUM_PATH', '/usr/bin/chromium'),
      memLimitMb: e.int('MEM_LIMIT', 1024, { min: 128 }),
      maxRendersPerBrowser: e.int('PDF_MAX_RENDERS_PER_BROWSER', 500, { min: 1 }),
      pagePoolSize: e.int('PDF_PAGE_POOL_SIZE', 2, { min: 1, max: 32 }),
    },
    storage: {
      driver: storageDriver,
      localDir: e.str('STORAGE_LOCAL_DIR', `${dataDir}/storage`),
      supabaseUrl,
      supabaseKey,
      supabaseBucket: e.str('SUPABASE_BUCKET', 'documents'),
      signedUrlTtlSeconds: e.int('SIGNED_URL_TTL_SECONDS', 86_400, { min: 60 }),
    },
    connectors: {
      useSimulators: e.bool('USE_SIMULATORS', nodeEnv !== 'production'),
      cgbBaseUrl: e.url('CGB_BASE_URL', ['http:', 'https:']),
      metaGraphBaseUrl: e.url('META_GRAPH_BASE_URL', ['http:', 'https:'], 'https://graph.facebook.com/v23.0')!,
      metaRequestDelayMs: e.int('META_REQUEST_DELAY_MS', 3_000, { min: 0 }),
      pancakeBaseUrl: e.url('PANCAKE_BASE_URL', ['http:', 'https:']),
      posRequestDelayMs: e.int('POS_REQUEST_DELAY_MS', 500, { min: 0 }),
      outboundAllowHosts: (e.str('OUTBOUND_ALLOW_HOSTS') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    },
    tracing: {
      otlpEndpoint: e.bool('OTEL_SDK_DISABLED', false)
        ? undefined
        : (e.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']) ?? e.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'])),
      serviceName: e.str('OTEL_SERVICE_NAME'),
    },
  };
  config.databasePoolSize = e.raw('DATABASE_POOL_SIZE')
    ? e.int('DATABASE_POOL_SIZE', 0, { min: 1, max: 500 })
    : rolePoolSize(config.roles, config.worker.concurrency, e);
  if (e.problems.length) throw new ConfigError(e.problems);
  return config;
}

let cached: Config | undefined;

/** The process-wide configuration, read from process.env on first use. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}
