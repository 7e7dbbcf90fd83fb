// Workers finish runs in batches (one UPDATE for many runs, run-writes.ts). Two workers' batches
// touch disjoint runs but the same rollup rows (same workflows, same slots). The rollup triggers
// aggregate each statement and upsert in key order, so concurrent batches queue on a rollup row
// instead of deadlocking (a row-level trigger upserting in the batch's row order did deadlock).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDb, type Db } from '../src/db.ts';
import { loadConfig } from '../src/config.ts';
import { createTestTenant } from './helpers.ts';
import { createWorkflows, generateRuns, insertRuns, rng } from './stats-data.ts';
import { rollupMismatches } from './stats-truth.ts';

let db: Db;
beforeAll(() => {
  db = createDb(loadConfig().databaseUrl, 8);
});
afterAll(async () => {
  await db.$disconnect();
});

it('concurrent batch updates over shared rollup rows neither deadlock nor lose a count', async () => {
  const tenant = await createTestTenant(db);
  const workflows = await createWorkflows(db, tenant.id, 3);
  const end = new Date('2026-08-01T02:00:00Z');
  const random = rng(61);
  // Two hours: every batch touches the same handful of slots.
  const runs = generateRuns(random, workflows, 4000, new Date(end.getTime() - 7_200_000), end).map((r) => ({ ...r, status: 'PENDING' as const, startedAt: null, finishedAt: null, driftMs: null }));
  await insertRuns(db, tenant.id, runs);
  const ids = runs.map((r) => r.id).sort(() => random() - 0.5);
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
  // Four "workers", each taking every fourth batch: start them, then finish them.
  const worker = async (k: number) => {
    for (const batch of batches.filter((_, i) => i % 4 === k)) {
      await db.$executeRawUnsafe(`UPDATE "WorkflowExecution" SET "status" = 'RUNNING', "startedAt" = "createdAt" + interval '5 ms' WHERE "id" = ANY($1::uuid[])`, batch);
      await db.$executeRawUnsafe(
        `UPDATE "WorkflowExecution" SET "status" = CASE WHEN random() < 0.2 THEN 'FAILED'::"ExecutionStatus" ELSE 'COMPLETED'::"ExecutionStatus" END,
           "finishedAt" = "startedAt" + (random() * interval '3 s') WHERE "id" = ANY($1::uuid[])`,
        batch,
      );
    }
  };
  const results = await Promise.allSettled([0, 1, 2, 3].map(worker));
  expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  const [counts] = await db.$queryRawUnsafe<{ done: number; pending: number; running: number }[]>(
    `SELECT sum(completed + failed)::int AS done, sum(pending)::int AS pending, sum(running)::int AS running FROM "RunRollup" WHERE "tenantId" = $1::uuid AND grain = 'h'`,
    tenant.id,
  );
  expect(counts).toEqual({ done: 4000, pending: 0, running: 0 });
  expect(await rollupMismatches(db, tenant.id)).toEqual([]);
});
