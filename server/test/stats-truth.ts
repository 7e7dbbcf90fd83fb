// The rollups as they should be: recomputed from the tenant's rows by the migration's own
// rebuild function inside a transaction that is rolled back, compared with what the triggers
// kept. Rows that only hold zeros (a count taken back) are ignored on both sides.
import type { Db } from '../src/db.ts';

const TABLES = {
  RunRollup: `"grain", "slot", "workflowId", "pending", "running", "completed", "failed", "cancelled", "p95Bin" FROM "RunRollup" WHERE (pending, running, completed, failed, cancelled) <> (0, 0, 0, 0, 0)`,
  DurationRollup: `"grain", "kind", "slot", "subject", "bin", "n" FROM "DurationRollup" WHERE n <> 0`,
  LogRollup: `"grain", "slot", "workflowId", "level", "n" FROM "LogRollup" WHERE n <> 0`,
};

async function snapshot(db: Pick<Db, '$queryRawUnsafe'>, tenantId: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [table, select] of Object.entries(TABLES)) {
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT ${select} AND "tenantId" = $1::uuid`, tenantId);
    for (const r of rows) out.add(`${table} ${JSON.stringify(r)}`);
  }
  return out;
}

export async function rollupMismatches(db: Db, tenantId: string): Promise<string[]> {
  const kept = await snapshot(db, tenantId);
  let rebuilt = new Set<string>();
  await db
    .$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SELECT flowdeck_rebuild_rollups($1::uuid)', tenantId);
      rebuilt = await snapshot(tx, tenantId);
      throw new Error('rollback');
    })
    .catch((e: Error) => {
      if (e.message !== 'rollback') throw e;
    });
  return [...[...kept].filter((r) => !rebuilt.has(r)).map((r) => `kept only: ${r}`), ...[...rebuilt].filter((r) => !kept.has(r)).map((r) => `rebuilt only: ${r}`)];
}
