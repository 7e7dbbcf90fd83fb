// Bulk seeding of LogEntry for benchmarks: rows generated inside PostgreSQL with
// generate_series (no per-row round trips), spread evenly over `days` days ending now, across
// `tenants` tenants with 20 workflows each and executions of 50 consecutive lines.
// Message words have graded frequencies so text search can be measured from common words
// ("synced", ~1 in 8 rows) down to rare ones ("deadlock", ~1 in 10,000).
import type pg from 'pg';

export const BENCH_MESSAGES = [
  'Synced [N] POS orders for shop',
  'Synced Meta Ads insights for account',
  'Sent WhatsApp template order_confirmed to [PHONE]',
  'Sent WhatsApp template payment_reminder to [PHONE]',
  'Rendered PDF report in 812 ms',
  'Uploaded document to storage',
  'Step fetch_orders started',
  'Step fetch_orders finished',
  'Step send_messages started',
  'Step send_messages finished',
  'Contact lookup returned 1 match',
  'Contact lookup returned no match for [EMAIL]',
  'Rate limited by Pancake, retrying in 2000 ms',
  'Meta Graph returned 17 rows for date',
  'Computed COGS for order',
  'Execution progress updated',
  'Skipped message: recipient opted out',
  'Request to CGB timed out after 10000 ms',
  'Naipadala na ang resibo sa customer',
  'Bestellung synchronisiert',
  'Pedido sincronizado correctamente',
  'Cache miss for product cost',
  'Queued render job',
  'Template variables resolved',
  'Retrying upload after ECONNRESET',
  'Webhook delivered with HTTP 200',
  'Order total mismatch: expected 1200.00 got 1180.00',
  'Insights for campaign were empty',
  'Scheduled slot fired with drift 120 ms',
  'Worker picked up execution',
  'Saved 42 rows',
  'Validated workflow definition',
];

export interface SeedOptions {
  rows: number;
  days?: number;
  tenants?: number;
  /** Rows per INSERT statement; each statement is one transaction. */
  chunk?: number;
  onProgress?: (done: number, total: number, ms: number) => void;
}

export async function ensureBenchTenants(client: pg.ClientBase, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= count; i++) {
    const slug = `bench-logs-${i}`;
    const res = await client.query<{ id: string }>(
      `INSERT INTO "Tenant"(id, name, slug, "updatedAt") VALUES (md5($1)::uuid, $2, $1, now())
       ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [slug, `Bench tenant ${i}`],
    );
    ids.push(res.rows[0]!.id);
  }
  return ids;
}

/** Workflow and execution ids the seed uses, so benchmarks can filter on real values. */
export function benchIdsSql(kind: 'w' | 'e', n: string): string {
  return `md5('${kind}' || ${n})::uuid`;
}

export async function seedLogs(client: pg.ClientBase, tenantIds: string[], opts: SeedOptions): Promise<{ from: Date; to: Date }> {
  const days = opts.days ?? 90;
  const chunk = opts.chunk ?? 500_000;
  const to = new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  await client.query(`SELECT flowdeck_ensure_log_partitions(($1::timestamptz AT TIME ZONE 'UTC')::date, ($2::timestamptz AT TIME ZONE 'UTC')::date + 1)`, [from, to]);
  const t0 = performance.now();
  for (let start = 0; start < opts.rows; start += chunk) {
    const end = Math.min(opts.rows, start + chunk) - 1;
    await client.query(
      `INSERT INTO "LogEntry" ("id","tenantId","level","message","metadata","workflowId","executionId","step","piiRedacted","createdAt")
       SELECT md5('l' || g)::uuid,
              ($1::uuid[])[1 + (g / 50) % cardinality($1::uuid[])],
              (CASE WHEN g % 97 = 0 THEN 'ERROR' WHEN g % 23 = 0 THEN 'WARN' WHEN g % 3 = 0 THEN 'DEBUG' ELSE 'INFO' END)::"LogLevel",
              ($2::text[])[1 + (g * 7919) % cardinality($2::text[])] || ' #' || (g % 100003)
                || CASE WHEN g % 10007 = 0 THEN ' deadlock detected' ELSE '' END,
              jsonb_build_object('attempt', g % 3, 'durationMs', g % 5000),
              ${benchIdsSql('w', `((g / 50) % (20 * cardinality($1::uuid[])))`)},
              ${benchIdsSql('e', '(g / 50)')},
              (ARRAY['fetch_orders','send_messages','render_pdf','sync_ads'])[1 + g % 4],
              true,
              $3::timestamptz + (g::float8 / $5) * ($4::timestamptz - $3::timestamptz)
       FROM generate_series($6::bigint, $7::bigint) g`,
      [tenantIds, BENCH_MESSAGES, from, to, opts.rows, start, end],
    );
    opts.onProgress?.(end + 1, opts.rows, performance.now() - t0);
  }
  await client.query('ANALYZE "LogEntry"');
  return { from, to };
}
