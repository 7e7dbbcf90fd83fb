// A realistic dataset for load tests and benchmarks, written with set-based SQL (generate_series)
// so ten million log rows take minutes, not hours: several tenants, 100+ workflows, 100,000
// executions with step runs, and N log lines spread over the last 90 days.
import pg from 'pg';

export interface LoadSeedOptions {
  tenants: number;
  workflowsPerTenant: number;
  executions: number;
  logs: number;
  days: number;
  log?: (line: string) => void;
}

export interface LoadSeed {
  tenantIds: string[];
  /** Workflows of the first tenant (the one the load test's key belongs to). */
  workflowIds: string[];
  /** A sample of the first tenant's executions. */
  executionIds: string[];
}

const LEVELS = `(ARRAY['DEBUG','INFO','INFO','INFO','INFO','INFO','WARN','ERROR'])[1 + (g % 8)]::"LogLevel"`;
const MESSAGES = `(ARRAY['synced orders for shop', 'sent whatsapp message to contact', 'rendered visa certificate pdf', 'fetched meta insights page', 'retrying after rate limit', 'step completed', 'payment webhook received', 'contact created in CGB'])[1 + (g % 8)] || ' #' || g`;

export async function seedLoadData(databaseUrl: string, o: LoadSeedOptions): Promise<LoadSeed> {
  const say = o.log ?? (() => {});
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const existing = await c.query<{ id: string }>(`SELECT id FROM "Tenant" WHERE slug LIKE 'load-%' ORDER BY slug`);
    if (existing.rowCount === o.tenants) {
      say('load dataset already present; reusing it');
      return await describeSeed(c, existing.rows.map((r) => r.id));
    }
    if (existing.rowCount) throw new Error('a load dataset of another size exists; remove the data directory first');

    const t0 = Date.now();
    await c.query('BEGIN');
    const tenants = await c.query<{ id: string }>(
      `INSERT INTO "Tenant" (id, name, slug, "updatedAt")
       SELECT gen_random_uuid(), 'Load tenant ' || g, 'load-' || lpad(g::text, 3, '0'), now() FROM generate_series(1, $1) g
       RETURNING id`,
      [o.tenants],
    );
    const tenantIds = tenants.rows.map((r) => r.id);
    await c.query(
      `INSERT INTO "Workflow" (id, "tenantId", name, description, enabled, definition, schedule, "updatedAt", "createdAt")
       SELECT gen_random_uuid(), t.id, 'Workflow ' || g, 'Load-test workflow', true,
              '{"steps":[{"id":"hello","type":"log","config":{"message":"load {{n}}"}}],"variables":{"n":1}}'::jsonb,
              CASE WHEN g % 4 = 0 THEN '0 6 * * *' END, now(), now() - (g || ' hours')::interval
       FROM unnest($1::uuid[]) t(id), generate_series(1, $2) g`,
      [tenantIds, o.workflowsPerTenant],
    );
    say(`tenants and workflows written (${Date.now() - t0} ms)`);
    await c.query(
      `INSERT INTO "WorkflowExecution" (id, "tenantId", "workflowId", "workflowVersion", status, trigger, input, "stepsTotal", "stepsCompleted", progress, "createdAt", "startedAt", "finishedAt", "updatedAt")
       SELECT gen_random_uuid(), w."tenantId", w.id, 1,
              (ARRAY['COMPLETED','COMPLETED','COMPLETED','COMPLETED','FAILED','CANCELLED'])[1 + (g % 6)]::"ExecutionStatus",
              (ARRAY['SCHEDULE','MANUAL','API'])[1 + (g % 3)]::"TriggerKind", '{}'::jsonb, 1, 1, '{"daysProcessed":1}'::jsonb,
              ts, ts + interval '1 second', ts + interval '3 seconds', ts + interval '3 seconds'
       FROM (SELECT id, "tenantId", row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS total FROM "Workflow") w
       CROSS JOIN LATERAL generate_series(1, ceil($1::numeric / w.total)::int) g
       CROSS JOIN LATERAL (SELECT now() - ((g * 7 + w.n) % ($2 * 1440) || ' minutes')::interval AS ts) x`,
      [o.executions, o.days],
    );
    await c.query(
      `INSERT INTO "StepRun" (id, "tenantId", "executionId", index, type, status, attempts, output, "startedAt", "finishedAt", "createdAt")
       SELECT gen_random_uuid(), e."tenantId", e.id, 0, 'log', 'COMPLETED', 1, '{"logged":true}'::jsonb, e."startedAt", e."finishedAt", e."createdAt"
       FROM "WorkflowExecution" e`,
    );
    await c.query('COMMIT');
    say(`executions and step runs written (${Date.now() - t0} ms)`);

    // Daily partitions for the whole span first, so no row lands in the default partition.
    await c.query(`SELECT flowdeck_ensure_log_partitions(current_date - $1::int, current_date + 14)`, [o.days + 1]);
    // Logs hang off a sample of executions; a hash join on g % N keeps the insert set-based.
    const sample = Math.min(o.executions, 5000);
    await c.query(`CREATE TEMP TABLE sample_ex AS
      SELECT (row_number() OVER (ORDER BY id) - 1)::bigint AS rn, id, "tenantId", "workflowId" FROM "WorkflowExecution" ORDER BY id LIMIT ${sample}`);
    const chunk = 1_000_000;
    for (let from = 0; from < o.logs; from += chunk) {
      const to = Math.min(o.logs, from + chunk) - 1;
      await c.query(
        `INSERT INTO "LogEntry" (id, "tenantId", level, message, metadata, "workflowId", "executionId", step, "piiRedacted", "createdAt")
         SELECT gen_random_uuid(), e."tenantId", ${LEVELS}, ${MESSAGES},
                jsonb_build_object('n', g), e."workflowId", e.id, 'hello', true,
                now() - ((g::bigint * 7919) % ($3::bigint * 86400000) || ' milliseconds')::interval
         FROM generate_series($1::bigint, $2::bigint) g
         JOIN sample_ex e ON e.rn = g % $4`,
        [from, to, o.days, sample],
      );
      say(`logs: ${to + 1} of ${o.logs} (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
    await c.query('ANALYZE');
    say(`load dataset ready in ${Math.round((Date.now() - t0) / 1000)} s`);
    return await describeSeed(c, tenantIds);
  } finally {
    await c.end();
  }
}

async function describeSeed(c: pg.Client, tenantIds: string[]): Promise<LoadSeed> {
  const first = tenantIds[0]!;
  const wfs = await c.query<{ id: string }>(`SELECT id FROM "Workflow" WHERE "tenantId" = $1`, [first]);
  const exs = await c.query<{ id: string }>(`SELECT id FROM "WorkflowExecution" WHERE "tenantId" = $1 ORDER BY "createdAt" DESC LIMIT 500`, [first]);
  return { tenantIds, workflowIds: wfs.rows.map((r) => r.id), executionIds: exs.rows.map((r) => r.id) };
}
