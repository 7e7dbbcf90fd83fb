// Log retention and partition upkeep, run nightly by the maintenance job (and on demand as a
// dry run that changes nothing and reports what a real run would remove).
//
// LogEntry is partitioned by UTC day and the partitions are shared by every tenant and level,
// so a whole day can be dropped only once it is past the LONGEST retention anyone has
// (LOG_RETENTION_DAYS, or a tenant's longer per-level setting). Dropping a partition is
// instant and leaves no dead tuples; that is how the bulk of old logs goes. Shorter per-tenant
// or per-level retention (e.g. DEBUG kept 7 days) cannot drop shared partitions, so those rows
// are deleted in bounded batches through the (tenantId, level, createdAt) index — only the
// slice between the short retention and the partition cutoff, which stays small when most
// tenants use the default.
//
// Every step is idempotent, so running twice (a retried job, two workers) is harmless; the
// partition DDL additionally runs under a transaction-level advisory lock.
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { LogLevel } from '../generated/prisma/enums.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export const LOG_MAINTENANCE_TASK = 'log-maintenance';
const LEVELS = Object.values(LogLevel);
const DAY_MS = 86_400_000;
const MAINTENANCE_LOCK = 7_214_902_114;
const DELETE_BATCH = 10_000;

export type RetentionPolicy = Record<LogLevel, number>;

/** Validates a tenant's logRetention setting ({"DEBUG": 7, "ERROR": 90}); for the API that sets it. */
export function validateRetention(value: unknown): Partial<RetentionPolicy> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError([{ path: 'logRetention', message: 'must be an object of level → days' }]);
  const problems: { path: string; message: string }[] = [];
  const out: Partial<RetentionPolicy> = {};
  for (const [level, days] of Object.entries(value)) {
    if (!(LEVELS as string[]).includes(level)) problems.push({ path: `logRetention.${level}`, message: `is not a level (${LEVELS.join(', ')})` });
    else if (!Number.isInteger(days) || (days as number) < 1 || (days as number) > 3650) problems.push({ path: `logRetention.${level}`, message: 'must be a whole number of days from 1 to 3650' });
    else out[level as LogLevel] = days as number;
  }
  if (problems.length) throw new ValidationError(problems);
  return out;
}

/** A tenant's effective policy; an invalid stored setting falls back to the default rather than deleting early. */
export function effectiveRetention(stored: unknown, defaultDays: number): RetentionPolicy {
  let custom: Partial<RetentionPolicy> = {};
  try {
    custom = validateRetention(stored);
  } catch {
    custom = {};
  }
  return Object.fromEntries(LEVELS.map((l) => [l, custom[l] ?? defaultDays])) as RetentionPolicy;
}

export interface MaintenanceOptions {
  db: PrismaClient;
  defaultRetentionDays: number;
  partitionsAheadDays?: number;
  dryRun?: boolean;
  logger?: Logger;
  now?: Date;
  /**
   * Longest wait for the locks partition DDL needs. A DDL statement queued behind a long
   * query would block every log insert queued behind it, so it gives up instead (the run is
   * recorded as failed and the next one retries).
   */
  lockTimeoutMs?: number;
}

export interface MaintenanceReport {
  dryRun: boolean;
  /** Whole days kept by the longest retention; partitions ending on or before this day go. */
  partitionCutoff: string;
  partitionsCreated: number;
  partitionsDropped: { partition: string; day: string; rowEstimate: number }[];
  /** Rows moved out of the DEFAULT partition into their day's new partition. */
  strayRowsMoved: number;
  /** Stray DEFAULT rows older than every retention, deleted. */
  strayRowsDeleted: number;
  /** Rows removed (or, in a dry run, that would be) by shorter per-tenant/per-level retention. */
  rowsDeleted: { tenantId: string; level: LogLevel; before: string; rows: number }[];
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const utcDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** One maintenance pass, recorded as a MaintenanceRun row (SUCCEEDED with the report, or FAILED with the error). */
export async function runLogMaintenance(opts: MaintenanceOptions): Promise<MaintenanceReport> {
  const { db, logger, dryRun = false } = opts;
  const run = await db.maintenanceRun.create({ data: { task: LOG_MAINTENANCE_TASK, dryRun } });
  try {
    const report = await maintain(opts);
    await db.maintenanceRun.update({ where: { id: run.id }, data: { status: 'SUCCEEDED', finishedAt: new Date(), details: report as unknown as Prisma.InputJsonValue } });
    logger?.info({ runId: run.id, dryRun, dropped: report.partitionsDropped.length, created: report.partitionsCreated, deleted: report.rowsDeleted.reduce((n, r) => n + r.rows, 0) }, 'log maintenance finished');
    return report;
  } catch (err) {
    logger?.error({ err, runId: run.id, dryRun }, 'log maintenance failed');
    await db.maintenanceRun
      .update({ where: { id: run.id }, data: { status: 'FAILED', finishedAt: new Date(), error: err instanceof Error ? err.message : String(err) } })
      .catch((e) => logger?.error({ err: e, runId: run.id }, 'could not record the failed maintenance run'));
    throw err;
  }
}

async function maintain({ db, defaultRetentionDays, partitionsAheadDays = 14, dryRun = false, now = new Date(), lockTimeoutMs = 10_000 }: MaintenanceOptions): Promise<MaintenanceReport> {
  const today = utcDay(now);
  const tenants = await db.tenant.findMany({ select: { id: true, logRetention: true } });
  const policies = tenants.map((t) => ({ tenantId: t.id, policy: effectiveRetention(t.logRetention, defaultRetentionDays) }));
  const longest = Math.max(defaultRetentionDays, ...policies.flatMap((p) => Object.values(p.policy)));
  // Rows from `now - longest` on are kept, so the day holding that instant stays.
  const cutoff = utcDay(new Date(now.getTime() - longest * DAY_MS));
  const report: MaintenanceReport = {
    dryRun,
    partitionCutoff: isoDay(cutoff),
    partitionsCreated: 0,
    partitionsDropped: [],
    strayRowsMoved: 0,
    strayRowsDeleted: 0,
    rowsDeleted: [],
  };

  const partitionStep = async (tx: Prisma.TransactionClient) => {
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    if (!dryRun) await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock($1::bigint)', MAINTENANCE_LOCK);
    // Days that have rows in DEFAULT get their partition (the function moves the rows).
    const strayDays = await tx.$queryRawUnsafe<{ day: Date; n: bigint }[]>(
      `SELECT date_trunc('day', "createdAt" AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM "LogEntry_default" GROUP BY 1`,
    );
    for (const { day, n } of strayDays) {
      if (day < cutoff) {
        report.strayRowsDeleted += Number(n);
        if (!dryRun) await tx.$executeRawUnsafe(`DELETE FROM "LogEntry_default" WHERE "createdAt" < $1::date`, isoDay(cutoff));
      } else if (day.getTime() <= today.getTime() + 366 * DAY_MS) {
        report.strayRowsMoved += Number(n);
        if (!dryRun) report.partitionsCreated += await ensure(tx, isoDay(day), isoDay(day));
      }
    }
    const to = isoDay(new Date(today.getTime() + partitionsAheadDays * DAY_MS));
    if (!dryRun) report.partitionsCreated += await ensure(tx, isoDay(today), to);
    const dropped = await tx.$queryRawUnsafe<{ partition_name: string; day: Date; row_estimate: bigint }[]>(
      'SELECT partition_name, day, row_estimate FROM flowdeck_drop_log_partitions($1::date, $2)',
      isoDay(cutoff),
      dryRun,
    );
    report.partitionsDropped = dropped.map((d) => ({ partition: d.partition_name, day: isoDay(d.day), rowEstimate: Number(d.row_estimate) }));
    // A dropped partition fires no delete trigger: its lines' counts in the log-volume rollups
    // (stats/log-volume.ts) go with it here.
    if (!dryRun && dropped.length) await tx.$executeRawUnsafe(`DELETE FROM "LogRollup" WHERE "slot" < $1::date`, isoDay(cutoff));
  };
  await db.$transaction(partitionStep, { timeout: 120_000, maxWait: 30_000 });

  for (const { tenantId, policy } of policies) {
    for (const level of LEVELS) {
      if (policy[level] >= longest) continue;
      const before = new Date(now.getTime() - policy[level] * DAY_MS);
      const rows = dryRun ? await countExpired(db, tenantId, level, before, cutoff) : await deleteExpired(db, tenantId, level, before, cutoff);
      if (rows > 0) report.rowsDeleted.push({ tenantId, level, before: before.toISOString(), rows });
    }
  }
  return report;
}

async function ensure(tx: Prisma.TransactionClient, from: string, to: string): Promise<number> {
  const [r] = await tx.$queryRawUnsafe<{ n: number }[]>('SELECT flowdeck_ensure_log_partitions($1::date, $2::date) AS n', from, to);
  return Number(r?.n ?? 0);
}

async function countExpired(db: PrismaClient, tenantId: string, level: LogLevel, before: Date, cutoff: Date): Promise<number> {
  const [r] = await db.$queryRawUnsafe<{ n: bigint }[]>(
    `SELECT count(*) AS n FROM "LogEntry" WHERE "tenantId" = $1::uuid AND "level" = $2::"LogLevel" AND "createdAt" < $3::timestamptz AND "createdAt" >= $4::date`,
    tenantId,
    level,
    before,
    isoDay(cutoff),
  );
  return Number(r?.n ?? 0);
}

/** Deletes in batches so no statement holds locks or builds WAL for long. */
async function deleteExpired(db: PrismaClient, tenantId: string, level: LogLevel, before: Date, cutoff: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.$executeRawUnsafe(
      `DELETE FROM "LogEntry" WHERE ("createdAt", "id") IN (
         SELECT "createdAt", "id" FROM "LogEntry"
         WHERE "tenantId" = $1::uuid AND "level" = $2::"LogLevel" AND "createdAt" < $3::timestamptz AND "createdAt" >= $4::date
         LIMIT ${DELETE_BATCH})`,
      tenantId,
      level,
      before,
      isoDay(cutoff),
    );
    total += n;
    if (n < DELETE_BATCH) return total;
  }
}
