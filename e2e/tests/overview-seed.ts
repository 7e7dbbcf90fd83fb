// The history the Overview spec checks against: two workflows in a tenant of their own, runs
// spread over the last 23 hours (by status, so the hourly bars have shape) and over the 13 days
// before (one a day each; "Nightly report" takes 2 s in the first week and 5 s in the second, so
// it is the one that got slower).
import { createWorkflow, newTenant } from './api.ts';
import { seedRuns, type SeededRun } from './db.ts';
import type { Stack } from './fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const manilaDate = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Manila' }).format(d);

export interface OverviewSeed {
  apiKey: string;
  tenantId: string;
  graphql: Stack['graphql'];
  ordersId: string;
  reportId: string;
  /** The runs created in the last 24 hours, by status, and those of them created today in Manila. */
  last24h: { total: number; completed: number; failed: number; cancelled: number; today: number };
}

export async function seedOverview(stack: Stack): Promise<OverviewSeed> {
  const tenant = await newTenant(stack, 'Overview e2e');
  const logStep = (message: string) => ({ steps: [{ id: 'say', type: 'log', config: { level: 'INFO', message } }] });
  const as = { ...stack, graphql: tenant.graphql };
  const ordersId = await createWorkflow(as, { name: 'Orders sync', enabled: true, definition: logStep('orders synced') });
  const reportId = await createWorkflow(as, { name: 'Nightly report', enabled: true, schedule: '0 6 * * *', definition: logStep('report sent') });

  const now = Date.now();
  const runs: SeededRun[] = [];
  for (let h = 0; h < 23; h++) {
    const at = (k: number) => new Date(now - h * HOUR - 20 * 60_000 - k * 60_000);
    for (let k = 0; k < (h % 3) + 1; k++) runs.push({ workflowId: ordersId, status: 'COMPLETED', createdAt: at(k), durationMs: 900 + 50 * k });
    if (h % 5 === 0) runs.push({ workflowId: ordersId, status: 'FAILED', createdAt: at(5), durationMs: 400, error: { message: `POS answered 503 (hour ${h})`, step: 'pull' } });
    if (h % 7 === 3) runs.push({ workflowId: reportId, status: 'CANCELLED', createdAt: at(6), durationMs: 300 });
  }
  const last24h = {
    total: runs.length,
    completed: runs.filter((r) => r.status === 'COMPLETED').length,
    failed: runs.filter((r) => r.status === 'FAILED').length,
    cancelled: runs.filter((r) => r.status === 'CANCELLED').length,
    today: runs.filter((r) => manilaDate(r.createdAt) === manilaDate(new Date(now))).length,
  };
  // Older than the 24-hour window (at least 27 h ago), one run a day per workflow.
  for (let d = 1; d <= 13; d++) {
    const createdAt = new Date(now - d * DAY - 3 * HOUR);
    runs.push({ workflowId: ordersId, status: 'COMPLETED', createdAt, durationMs: 1000 });
    runs.push({ workflowId: reportId, status: 'COMPLETED', createdAt: new Date(createdAt.getTime() + 60_000), durationMs: d >= 7 ? 2000 : 5000 });
  }
  await seedRuns(stack.databaseUrl, tenant.tenantId, runs);
  return { ...tenant, ordersId, reportId, last24h };
}
