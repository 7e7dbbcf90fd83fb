// The log writer behind LogSink. log() is synchronous, never throws and never waits for the
// database: it redacts the line, stamps it (createdAt + uuid v7 id) and appends it to a
// bounded in-memory buffer. One writer drains the buffer in batches of at most batchSize
// lines — one INSERT … SELECT FROM unnest(…) per batch, so a burst costs one round trip per
// batch and the statement has 9 parameters whatever the batch size — at least every
// flushIntervalMs. After each written batch it publishes a LogBatchEvent per tenant for
// logAdded subscribers.
//
// Overflow policy: when the buffer holds maxBuffered lines (the database is down or slower
// than the producers), new lines are dropped and counted per tenant; once the buffer has
// room again, one WARN line per affected tenant records how many were lost. Dropping the
// newest keeps memory bounded and keeps the oldest lines, which explain how the trouble began.
//
// Write failures: connection-level errors are retried with exponential backoff (capped) for
// as long as the service runs; a batch the database rejects for its data (a deleted tenant,
// an invalid value) is split in halves until the offending lines are isolated and dropped,
// so one bad line never blocks the rest. Nothing here throws into the caller's run.
import type { Redis } from 'ioredis';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { LogLevel } from '../generated/prisma/enums.ts';
import type { LogBatchEvent } from '../events.ts';
import { eventTopics, publishEvent } from '../events.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { redactText, redactValue } from './redact.ts';
import type { LogInput, LogSink } from './types.ts';
import { uuidv7 } from '../uuid7.ts';

export interface LogServiceOptions {
  db: PrismaClient;
  redis: Redis;
  /** eventTopics(prefix).logs */
  topic: string;
  logger?: Logger;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Most lines held in memory while the database is slow or down. */
  maxBuffered?: number;
  /** Longest stored message; longer ones are cut (after redaction) and marked. */
  maxMessageChars?: number;
  /** Backoff between retries of a failed write: base doubling up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  clock?: () => number;
}

interface Row {
  id: string;
  tenantId: string;
  level: LogLevel;
  message: string;
  metadata: string | null;
  workflowId: string | null;
  executionId: string | null;
  step: string | null;
  createdAt: number;
}

export interface LogServiceStats {
  accepted: number;
  written: number;
  /** Dropped because the buffer was full. */
  dropped: number;
  /** Rejected: malformed input, or rows the database refused. */
  rejected: number;
  buffered: number;
  writeFailures: number;
}

const LEVELS = new Set<string>(Object.values(LogLevel));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const INSERT_SQL = `INSERT INTO "LogEntry" ("id","tenantId","level","message","metadata","workflowId","executionId","step","piiRedacted","createdAt")
SELECT u.id, u.tenant, u.level::"LogLevel", u.message, u.metadata::jsonb, u.workflow, u.execution, u.step, true, to_timestamp(u.at / 1000.0)
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::text[], $9::float8[])
  AS u(id, tenant, level, message, metadata, workflow, execution, step, at)`;

export class LogService implements LogSink {
  private buffer: Row[] = [];
  private readonly droppedByTenant = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private stopping = false;
  private readonly counters = { accepted: 0, written: 0, dropped: 0, rejected: 0, writeFailures: 0 };
  private readonly o: Required<Omit<LogServiceOptions, 'logger'>> & { logger?: Logger };

  constructor(options: LogServiceOptions) {
    this.o = {
      batchSize: 500,
      flushIntervalMs: 200,
      maxBuffered: 50_000,
      maxMessageChars: 16_384,
      retryBaseMs: 100,
      retryMaxMs: 5_000,
      clock: Date.now,
      ...options,
    };
  }

  async start(): Promise<void> {
    this.stopping = false;
  }

  log(entry: LogInput): void {
    try {
      if (!entry || typeof entry.tenantId !== 'string' || !UUID.test(entry.tenantId) || !LEVELS.has(entry.level) || !optionalUuid(entry.workflowId) || !optionalUuid(entry.executionId)) {
        this.counters.rejected++;
        return;
      }
      if (this.buffer.length >= this.o.maxBuffered) {
        this.counters.dropped++;
        this.droppedByTenant.set(entry.tenantId, (this.droppedByTenant.get(entry.tenantId) ?? 0) + 1);
        return;
      }
      const options = entry.region ? { region: entry.region } : undefined;
      let message = redactText(String(entry.message ?? ''), options);
      if (message.length > this.o.maxMessageChars) message = `${message.slice(0, this.o.maxMessageChars)}… [TRUNCATED]`;
      const metadata = entry.metadata == null ? null : JSON.stringify(redactValue(entry.metadata, options));
      const createdAt = this.o.clock();
      this.buffer.push({
        id: uuidv7(createdAt),
        tenantId: entry.tenantId,
        level: entry.level,
        message,
        metadata,
        workflowId: entry.workflowId ?? null,
        executionId: entry.executionId ?? null,
        step: entry.step == null ? null : redactText(String(entry.step)).slice(0, 200),
        createdAt,
      });
      this.counters.accepted++;
      this.schedule();
    } catch {
      // A line we cannot even serialise (e.g. a throwing getter) is not worth failing a run.
      this.counters.rejected++;
    }
  }

  stats(): LogServiceStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /** Writes everything buffered so far (and what arrives meanwhile); resolves when done. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.writing) {
      if (this.writing) await this.writing;
      else this.kick();
    }
  }

  /** Flushes what is buffered, retrying failed writes a few times, then stops accepting timers. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private schedule(): void {
    if (this.writing) return;
    if (this.buffer.length >= this.o.batchSize) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.kick();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.o.flushIntervalMs);
      this.timer.unref();
    }
  }

  private kick(): void {
    if (this.writing || this.buffer.length === 0) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      // Lines that arrived during the write wait at most one interval more.
      if (this.buffer.length > 0 && !this.stopping) this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.o.batchSize);
      this.noteDrops();
      const written = await this.writeWithRetry(batch);
      if (written.length) await this.publish(written);
      // Partial batches go out on the timer, so bursts still coalesce.
      if (this.buffer.length < this.o.batchSize && !this.stopping) break;
    }
  }

  /** Records lost lines as a WARN line per tenant once there is room for it. */
  private noteDrops(): void {
    if (this.droppedByTenant.size === 0 || this.buffer.length >= this.o.maxBuffered) return;
    const now = this.o.clock();
    for (const [tenantId, n] of this.droppedByTenant) {
      this.buffer.push({
        id: uuidv7(now),
        tenantId,
        level: 'WARN',
        message: `${n} log line(s) were dropped because the log buffer was full (the database was slow or unavailable)`,
        metadata: JSON.stringify({ dropped: n }),
        workflowId: null,
        executionId: null,
        step: null,
        createdAt: now,
      });
    }
    this.droppedByTenant.clear();
  }

  private async writeWithRetry(batch: Row[]): Promise<Row[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.insert(batch);
        this.counters.written += batch.length;
        return batch;
      } catch (err) {
        this.counters.writeFailures++;
        if (isDataError(err)) return this.bisect(batch, err);
        const giveUp = this.stopping && attempt >= 2;
        this.o.logger?.[giveUp ? 'error' : 'warn']({ err, lines: batch.length, attempt }, giveUp ? 'log batch lost after retries during shutdown' : 'log batch write failed; retrying');
        if (giveUp) {
          this.counters.dropped += batch.length;
          return [];
        }
        await sleep(Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** attempt));
      }
    }
  }

  private async bisect(batch: Row[], err: unknown): Promise<Row[]> {
    if (batch.length === 1) {
      this.counters.rejected++;
      this.o.logger?.warn({ err, tenantId: batch[0]!.tenantId }, 'log line rejected by the database; dropped');
      return [];
    }
    const mid = batch.length >> 1;
    return [...(await this.writeWithRetry(batch.slice(0, mid))), ...(await this.writeWithRetry(batch.slice(mid)))];
  }

  private async insert(rows: Row[]): Promise<void> {
    const col = <K extends keyof Row>(k: K) => rows.map((r) => r[k]);
    await this.o.db.$executeRawUnsafe(
      INSERT_SQL,
      col('id'),
      col('tenantId'),
      col('level'),
      col('message'),
      col('metadata'),
      col('workflowId'),
      col('executionId'),
      col('step'),
      col('createdAt'),
    );
  }

  private async publish(rows: Row[]): Promise<void> {
    const byTenant = new Map<string, LogBatchEvent['entries']>();
    for (const r of rows) {
      let list = byTenant.get(r.tenantId);
      if (!list) byTenant.set(r.tenantId, (list = []));
      list.push({ id: r.id, createdAt: new Date(r.createdAt).toISOString(), level: r.level, workflowId: r.workflowId, executionId: r.executionId });
    }
    await Promise.all(
      [...byTenant].map(([tenantId, entries]) =>
        publishEvent(this.o.redis, this.o.topic, tenantId, { tenantId, entries } satisfies LogBatchEvent).catch((err) =>
          // The rows are stored; a subscriber that missed the event catches up by cursor.
          this.o.logger?.warn({ err, tenantId }, 'could not publish log batch event'),
        ),
      ),
    );
  }
}

function optionalUuid(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && UUID.test(v));
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): retrying cannot help. */
function isDataError(err: unknown): boolean {
  const text = `${(err as Error)?.message ?? ''} ${JSON.stringify((err as { meta?: unknown })?.meta ?? {})}`;
  return /\b(?:22|23)[0-9A-Z]{3}\b|violates foreign key|invalid input/.test(text);
}

/** The process's log service as configured (LOG_BATCH_SIZE, LOG_FLUSH_INTERVAL_MS, LOG_BUFFER_MAX). */
export function createLogServiceFromConfig(deps: { config: Pick<Config, 'redisPrefix' | 'logs'>; db: PrismaClient; redis: Redis; logger?: Logger }): LogService {
  const { config } = deps;
  return new LogService({
    db: deps.db,
    redis: deps.redis,
    logger: deps.logger,
    topic: eventTopics(config.redisPrefix).logs,
    batchSize: config.logs.batchSize,
    flushIntervalMs: config.logs.flushIntervalMs,
    maxBuffered: config.logs.bufferMax,
  });
}
