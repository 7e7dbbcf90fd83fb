// Direct SQL for test setup only (seeding 100,000 log lines through the product would take
// minutes). Uses the server's pg driver against the stack's own embedded PostgreSQL.
import { createRequire } from 'node:module';
import path from 'node:path';

interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number }>;
  end(): Promise<void>;
}
const require = createRequire(path.resolve(import.meta.dirname, '..', '..', 'server', 'package.json'));
const pg = require('pg') as { Client: new (opts: { connectionString: string }) => PgClient };

export async function withDb<T>(url: string, fn: (db: PgClient) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Row id inside a Relay global id ("Workflow:<uuid>" in base64). */
export function rowId(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/**
 * `count` log lines for the tenant, one per second (or per `spacingSeconds`) going back from
 * `newest`, cycling through levels; every 7th mentions "invoice" so text search has something to find.
 */
export async function seedLogs(url: string, opts: { tenantId: string; workflowId: string; count: number; newest: Date; tag: string; spacingSeconds?: number }): Promise<void> {
  await withDb(url, (db) =>
    db.query(
      `INSERT INTO "LogEntry" (id, "tenantId", level, message, metadata, "workflowId", step, "piiRedacted", "createdAt")
       SELECT gen_random_uuid(), $1::uuid,
              (ARRAY['DEBUG','INFO','INFO','WARN','INFO','ERROR','INFO'])[1 + i % 7]::"LogLevel",
              CASE WHEN i % 7 = 3 THEN $4 || ' invoice ' || i || ' reconciled' ELSE $4 || ' line ' || i END,
              jsonb_build_object('seq', i, 'tag', $4, 'batch', i / 1000),
              $2::uuid, 'seed', true,
              $3::timestamptz - make_interval(secs => i * $6::int)
       FROM generate_series(1, $5::int) AS i`,
      [opts.tenantId, opts.workflowId, opts.newest.toISOString(), opts.tag, opts.count, opts.spacingSeconds ?? 1],
    ),
  );
}

export interface SeededRun {
  workflowId: string;
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  createdAt: Date;
  durationMs: number;
  error?: { message: string; step?: string };
}

/**
 * Finished runs written as rows, at the times given (the charts need history a test cannot wait
 * for). The stats rollups are kept by triggers on the table, so they count these like any run.
 */
export async function seedRuns(url: string, tenantId: string, runs: SeededRun[]): Promise<void> {
  await withDb(url, async (db) => {
    for (const r of runs) {
      const started = new Date(r.createdAt.getTime() + 500);
      await db.query(
        `INSERT INTO "WorkflowExecution" (id, "tenantId", "workflowId", "workflowVersion", status, trigger, "stepsTotal", "stepsCompleted", error, "createdAt", "startedAt", "finishedAt", "updatedAt")
         SELECT gen_random_uuid(), $1::uuid, w.id, w.version, $3::"ExecutionStatus", 'MANUAL', 1, CASE WHEN $3 = 'COMPLETED' THEN 1 ELSE 0 END, $4::jsonb, $5, $6, $7, $7
         FROM "Workflow" w WHERE w.id = $2::uuid`,
        [tenantId, rowId(r.workflowId), r.status, r.error ? JSON.stringify(r.error) : null, r.createdAt, started, new Date(started.getTime() + r.durationMs)],
      );
    }
  });
}
