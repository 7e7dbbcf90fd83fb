// What a trigger needs of its workflow. The triggers of one loop turn share one SELECT, and an
// enabled workflow's revision is remembered, so a steady stream of triggers skips the read:
// the INSERT itself checks that the remembered revision (updatedAt, enabled, not deleted, the
// same time zone) is still the stored one, and a trigger whose check fails reads afresh and
// tries again (see triggerExecution). Nothing is ever run from a stale definition.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { Batcher, perOwner } from '../batcher.ts';

export interface TriggerWorkflow {
  id: string;
  tenantId: string;
  enabled: boolean;
  version: number;
  updatedAt: Date;
  definition: unknown;
  /** The workflow's time zone, or else its tenant's: date ranges resolve in it. */
  zone: string;
}

const REMEMBERED = 1000;

export interface TriggerWorkflows {
  /** A remembered revision, or the stored one. Another tenant's workflow answers like a missing one. */
  get(tenantId: string, workflowId: string): Promise<TriggerWorkflow | null>;
  /** The stored revision, remembered from now on if the workflow is enabled. */
  fresh(tenantId: string, workflowId: string): Promise<TriggerWorkflow | null>;
  forget(tenantId: string, workflowId: string): void;
}

export const triggerWorkflows = perOwner((db: PrismaClient): TriggerWorkflows => {
  const remembered = new Map<string, TriggerWorkflow>();
  const reads = new Batcher(async (items: { tenantId: string; workflowId: string }[]) => {
    const rows = await db.workflow.findMany({
      where: { id: { in: [...new Set(items.map((i) => i.workflowId))] }, deletedAt: null },
      select: { id: true, tenantId: true, enabled: true, version: true, updatedAt: true, definition: true, timezone: true, tenant: { select: { timezone: true } } },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return items.map((i): TriggerWorkflow | null => {
      const w = byId.get(i.workflowId);
      if (!w || w.tenantId !== i.tenantId) return null;
      return { id: w.id, tenantId: w.tenantId, enabled: w.enabled, version: w.version, updatedAt: w.updatedAt, definition: w.definition, zone: w.timezone ?? w.tenant.timezone };
    });
  });
  const key = (tenantId: string, workflowId: string) => `${tenantId}:${workflowId}`;
  const forget = (tenantId: string, workflowId: string) => void remembered.delete(key(tenantId, workflowId));
  const fresh = async (tenantId: string, workflowId: string) => {
    const w = await reads.add({ tenantId, workflowId });
    if (w?.enabled) {
      if (remembered.size >= REMEMBERED) remembered.delete(remembered.keys().next().value!);
      remembered.set(key(tenantId, workflowId), w);
    } else forget(tenantId, workflowId);
    return w;
  };
  return {
    get: async (tenantId, workflowId) => remembered.get(key(tenantId, workflowId)) ?? fresh(tenantId, workflowId),
    fresh,
    forget,
  };
});
